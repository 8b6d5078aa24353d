"""Monte Carlo experiments: replications × strategies over an executor, with common random numbers.

Replication ``i`` draws from ``SeedSequence(seed, spawn_key=(i, ...))`` whatever the strategy, the
executor or the number of workers, so strategies are compared on the same demand and lead times
and the numbers never depend on how the work was spread.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import socket
import tempfile
import threading
import time
import weakref
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from resim.sim.engine import Batch, Model, batch_rows
from resim.core.version import __version__
from resim.core.errors import WorkersLost
from resim.core.files import remove_abandoned
from resim.core.signals import deferred_interrupts
from resim.sim.internal import scenario_pool
from resim.sim.ledger import COST_COMPONENTS
from resim.sim.shared import shared
from resim.supply.matching import Pool
from resim.supply.pool import pool_frame
from resim.experiment.journal import Journal
from resim.experiment.outcome import Outcome, reduce_model
from resim.experiment.results import Collector, Results
from resim.scenario import Scenario
from resim.scenario.format.maas import MaaS
from resim.scenario.format.strategies import ActionKind
from resim.experiment.strategy_runs import StrategyRun, other_styles, strategy_runs
from resim.sim.strategies import Response

__all__ = ["run", "prepare", "run_replication", "run_together", "run_batch", "outcomes", "local_cluster", "shared_cluster", "Outcome",
           "EXECUTORS", "WorkersLost", "Task"]

EXECUTORS = ("serial", "processes", "dask")

Progress = Callable[[int, int], None]

Task = tuple[StrategyRun, int, int]
"""A replication to simulate: the strategy run, the replication's number, the seed."""

SCHEDULER_TIMEOUT_SECONDS = 10  # to connect to a Dask scheduler given by address


# The last maas section seen (weakly: the cache keeps no scenario alive) and its indexed pool. Not
# keyed on id(section): CPython reuses the id of a freed object, so a later scenario's section
# could take a freed one's id and be handed its pool.
_LAST_POOL: tuple[weakref.ref[MaaS], Pool] | None = None


def _pool(scenario: Scenario) -> Pool | None:
    """The scenario's provider pool, indexed once per process for the same ``maas`` section; with
    internal offerings, once per scenario (their capacity depends on its chain and demand)."""
    global _LAST_POOL
    section = scenario.maas
    if section.internal:
        return shared(scenario, "pool", lambda: Pool(scenario_pool(scenario)))
    if not section.providers:
        return None
    last = _LAST_POOL          # one read: another thread may replace it meanwhile
    if last is not None and last[0]() is section:
        return last[1]
    pool = Pool(pool_frame(section.providers))
    _LAST_POOL = (weakref.ref(section), pool)
    return pool


def prepare(scenario: Scenario, strategy: StrategyRun | str, replication: int, seed: int, *,
            detail: bool = False) -> tuple[Model, Response | None]:
    """The model of one replication with ``strategy``'s response attached, ready to run.

    ``strategy`` is a StrategyRun or its label: a strategy id, optionally with ``@cheapest``,
    ``@fastest`` or ``@balanced`` to choose the orchestration style of its MaaS actions;
    ``detail`` keeps per stock point series."""
    model = Model(scenario, replication=replication, seed=seed, detail=detail)
    return model, _respond(scenario, _chosen(strategy), model)


def _chosen(strategy: StrategyRun | str) -> StrategyRun:
    return StrategyRun.parse(strategy) if isinstance(strategy, str) else strategy


def _respond(scenario: Scenario, chosen: StrategyRun, model: Model) -> Response | None:
    """``chosen``'s response attached to ``model`` (None for a strategy without actions)."""
    spec = next((s for s in scenario.strategies if s.id == chosen.strategy), None)
    if spec is None or spec.actions == (ActionKind.NONE,):
        return None
    return Response(model, spec, _pool(scenario), chosen.style or spec.orchestration,
                    high_risk=_high_risk(scenario) if spec.responds_to_high_risk else None)


def _high_risk(scenario: Scenario, executor: str = "serial", workers: int | None = None,
               scheduler: str | None = None) -> frozenset[str]:
    """The disruptions R1's register flags high risk, found once per scenario (R1 feeds R2)."""
    from resim.experiment.catalogue import high_risk_events  # it runs replications through this module

    return high_risk_events(scenario, executor=executor, workers=workers, scheduler=scheduler)


def run_replication(scenario: Scenario, strategy: StrategyRun | str, replication: int, seed: int) -> Outcome:
    """Simulate one replication of one strategy (a StrategyRun or its label, see :func:`prepare`)
    and reduce it to its Outcome."""
    return run_together(scenario, strategy, [replication], seed)[0]


def run_together(scenario: Scenario, strategies: StrategyRun | str | Sequence[StrategyRun | str],
                 replications: Sequence[int], seed: int) -> list[Outcome]:
    """Simulate replications as one batch (:class:`resim.sim.engine.Batch`) and reduce each to
    its Outcome: the same Outcomes as one at a time, in less time.

    ``strategies``: one strategy (a StrategyRun or its label, see :func:`prepare`) for every
    replication, or one per replication, in order; a batch may mix them, since a strategy is
    only its row's response. Returns the Outcomes in the replications' order."""
    if isinstance(strategies, (str, StrategyRun)):
        strategies = [strategies] * len(replications)
    if len(strategies) != len(replications):
        raise ValueError(f"{len(strategies)} strategies for {len(replications)} replications")
    batch = Batch(scenario, replications, seed=seed)
    responses = [_respond(scenario, _chosen(strategy), model) for strategy, model in zip(strategies, batch.models)]
    batch.run()
    found = [reduce_model(model, response, str(strategy), replication)
             for model, response, strategy, replication in zip(batch.models, responses, strategies, replications)]
    batch.release()  # freed now, not at the cyclic collector's next full pass (it refers to itself)
    return found


_WORKER_SCENARIO: Scenario | None = None


def _init_worker(scenario: Scenario) -> None:
    global _WORKER_SCENARIO
    _WORKER_SCENARIO = scenario
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()


def _exit_with_parent() -> None:
    """End this worker process when the process that started it is gone (killed, say): its
    results would never be read, and it would otherwise wait on a pipe for ever."""
    parent, started_by = multiprocessing.parent_process(), os.getppid()
    watched = [parent.sentinel] if parent is not None else []  # ready when the parent exits
    while not multiprocessing.connection.wait(watched, timeout=1.0) and os.getppid() == started_by:
        pass
    os._exit(1)


def run_batch(scenario: Scenario, tasks: list[Task]) -> list[Outcome]:
    """Run ``(strategy, replication, seed)`` tasks; return their Outcomes in task order.

    Consecutive tasks of one seed run together, whatever their strategies (:func:`run_together`),
    as many at a time as memory allows (:func:`resim.sim.engine.batch_rows`)."""
    found: list[Outcome] = []
    for group in together(tasks, batch_rows(scenario)):
        found += run_together(scenario, [task[0] for task in group], [task[1] for task in group], group[0][2])
    return found


def together(tasks: list[Task], rows: int) -> list[list[Task]]:
    """``tasks`` cut into the groups :func:`run_batch` runs as one batch each: consecutive tasks
    of one seed, whatever their strategies, at most ``rows`` at a time."""
    groups: list[list[Task]] = []
    for task in tasks:
        if groups and len(groups[-1]) < rows and groups[-1][0][2] == task[2]:
            groups[-1].append(task)
        else:
            groups.append([task])
    return groups


def _work(batch: list[Task], folder: str) -> str:
    """Run ``batch`` in a worker process; its Outcomes go to a file in ``folder``, whose path
    is the result. (A batch's Outcomes are megabytes; CPython's process pool sends results
    through one pipe shared by its workers, so a worker killed while sending would leave the
    pool waiting for the rest of the message for ever, instead of reporting the worker lost.
    A path is sent at once.)"""
    assert _WORKER_SCENARIO is not None
    outcomes = run_batch(_WORKER_SCENARIO, batch)
    with tempfile.NamedTemporaryFile("wb", dir=folder, suffix=".pickle", delete=False) as stream:
        pickle.dump(outcomes, stream, protocol=pickle.HIGHEST_PROTOCOL)
    return stream.name


_HANDOFF = "resim-batches-"  # + the pid of the run: its workers' batch files, in the temporary folder


def _read(path: str) -> list[Outcome]:
    """The Outcomes a worker left in ``path`` (:func:`_work`), the file removed."""
    with open(path, "rb") as stream:
        outcomes = pickle.load(stream)
    os.remove(path)
    return outcomes


AHEAD_PER_WORKER = 2  # batches submitted per worker and not yet taken: keeps workers busy, bounds memory


def _batches(tasks: list[Task], slots: int, rows: int) -> list[list[Task]]:
    """The tasks in consecutive batches of equal size, at most ``rows``, as few as that allows
    while giving each of ``slots`` workers as many: a batch pays the day's array work once for
    all its rows. (Consecutive tasks hold every strategy alike: see :func:`run`.)"""
    if not tasks:
        return []
    size = -(-len(tasks) // (slots * -(-len(tasks) // (slots * rows))))
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


def outcomes(scenario: Scenario, tasks: list[Task], executor: str,
              workers: int | None, scheduler: str | None = None) -> Iterator[Outcome]:
    """The Outcome of each ``(strategy, replication, seed)`` task, in task order, from the chosen
    executor (for callers that need each replication's daily series, not only a run's tables)."""
    if executor == "dask":
        yield from _dask_outcomes(scenario, tasks, workers, scheduler)
        return
    rows = batch_rows(scenario)
    if executor == "serial" or len(tasks) <= 1:
        for batch in _batches(tasks, 1, rows):
            yield from run_batch(scenario, batch)
        return
    workers = workers or os.cpu_count() or 1
    pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(scenario,))
    # The workers' Outcomes, read once; a run killed outright leaves its folder to the next run.
    remove_abandoned(Path(tempfile.gettempdir()), _HANDOFF)
    handed = tempfile.TemporaryDirectory(prefix=f"{_HANDOFF}{os.getpid()}-")
    try:
        for path in _in_order(lambda batch: pool.submit(_work, batch, handed.name), _batches(tasks, workers, rows),
                              AHEAD_PER_WORKER * workers):
            yield from _read(path)
    except BrokenProcessPool:
        raise WorkersLost("a worker process died (killed, or out of memory)") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        handed.cleanup()


def _in_order(submit: Callable[[Any], Any], items: list, window: int) -> Iterator[Any]:
    """Results of ``submit(item)`` futures in the items' order, never more than ``window`` items
    submitted and not yet taken, so finished work waiting to be folded stays small whatever the
    number of items (and a run folds it in the same order on every executor)."""
    ahead: deque = deque()
    try:
        for item in items:
            ahead.append(submit(item))
            if len(ahead) >= window:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()
    finally:
        for future in ahead:  # interrupted: drop work not yet started
            future.cancel()


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ValueError("the dask executor needs the dask extra: pip install 'resim[dask]'") from None
    return distributed


@contextmanager
def local_cluster(workers: int | None = None) -> Iterator[str]:
    """A local Dask cluster of ``workers`` single-threaded worker processes (default: one per
    core) while the block runs; yields its scheduler address, for ``run(..., scheduler=...)``."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:  # workers started now ignore Ctrl-C: this process stops the run, without a traceback per worker
        # Only critical logs: a worker that loses the scheduler while the cluster shuts down (Ctrl-C)
        # logs an ERROR with a traceback; a task's own failure reaches this process as an exception.
        cluster = _distributed().LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                              processes=True, dashboard_address=None, silence_logs=logging.CRITICAL)
    except (RuntimeError, OSError, TimeoutError) as exc:  # a worker process that would not start
        raise WorkersLost(f"could not start a local Dask cluster ({exc})") from None
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close(timeout=SCHEDULER_TIMEOUT_SECONDS)


def shared_cluster(executor: str, workers: int | None,
                   scheduler: str | None) -> AbstractContextManager[str | None]:
    """A context for a batch of runs (a sweep, a risk assessment) that yields the scheduler
    address to pass to each: with the dask executor and no address, one local cluster serves
    them all rather than one per run; otherwise ``scheduler`` as given."""
    return local_cluster(workers) if executor == "dask" and scheduler is None else nullcontext(scheduler)


def _reach(address: str) -> None:
    """Raise WorkersLost unless a Dask scheduler answers at ``address`` within
    SCHEDULER_TIMEOUT_SECONDS: the Dask client retries a refused connection until its timeout,
    and waits without end for a service that accepts a connection but never answers."""
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect
    from distributed.comm.addressing import parse_address, parse_host_port

    async def handshake() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=SCHEDULER_TIMEOUT_SECONDS),
                                      SCHEDULER_TIMEOUT_SECONDS)
        await comm.close()

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):  # refused at once, rather than retried until the timeout
            socket.create_connection(parse_host_port(location), timeout=SCHEDULER_TIMEOUT_SECONDS).close()
        with ThreadPoolExecutor(1) as thread:  # its own event loop, also under Jupyter's running one
            thread.submit(asyncio.run, handshake()).result()
    except (TimeoutError, asyncio.TimeoutError):
        raise WorkersLost(f"cannot reach the Dask scheduler at {address} (no answer within "
                          f"{SCHEDULER_TIMEOUT_SECONDS} s)") from None
    except (OSError, ValueError, TypeError) as exc:  # nobody listens, or not an address
        raise WorkersLost(f"cannot reach the Dask scheduler at {address} ({exc})") from None
    except Exception:  # another protocol's answer decoded as Dask's (a length of exabytes: MemoryError)
        raise WorkersLost(f"cannot reach the Dask scheduler at {address} (what answers there is not "
                          f"a Dask scheduler)") from None


def _dask_outcomes(scenario: Scenario, tasks: list[Task], workers: int | None,
                   scheduler: str | None) -> Iterator[Outcome]:
    """Replications on Dask's distributed scheduler: a cluster at ``scheduler``, or a local one."""
    distributed = _distributed()
    # Ctrl-C is acted on between batches: raised inside the client's own calls it can leave the
    # client waiting for ever on its event loop.
    with deferred_interrupts() as interrupted, shared_cluster("dask", workers, scheduler) as address:
        _reach(address)
        with distributed.Client(address, timeout=SCHEDULER_TIMEOUT_SECONDS) as client:
            shared = client.scatter(scenario, broadcast=True, hash=False)  # hashing costs more than sending
            slots = max(sum(client.nthreads().values()), 1)
            try:
                for batch in _in_order(lambda batch: client.submit(run_batch, shared, batch, pure=False),
                                       _batches(tasks, slots, batch_rows(scenario)), AHEAD_PER_WORKER * slots):
                    if interrupted():
                        raise KeyboardInterrupt
                    yield from batch
            except (distributed.KilledWorker, OSError) as exc:  # workers died, or the scheduler went away
                raise WorkersLost(f"the Dask cluster at {address} lost the work ({exc})") from None


def run(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
        strategies: Sequence[str] | None = None, executor: str = "processes",
        workers: int | None = None, alternatives: bool = False, progress: Progress | None = None,
        scheduler: str | None = None, checkpoint: Path | None = None, resume: bool = False) -> Results:
    """Run ``replications`` of each strategy; return the Results (tables and run information).

    ``replications`` and ``seed`` default to the scenario's; ``strategies`` to ``none`` and every
    strategy of the scenario (``id@cheapest`` or ``id@fastest`` runs an alternative orchestration);
    ``alternatives`` also runs each MaaS strategy's other orchestration styles (``id@cheapest``,
    ``id@fastest``), each simulated over the same replications; ``progress(done, total)`` is
    called as replications finish. ``executor="dask"`` runs on the Dask cluster at ``scheduler``
    (or a local one of ``workers`` processes). With ``checkpoint`` (a folder) every finished
    replication is recorded there as it comes in; ``resume=True`` reads them back and runs only
    the missing ones, giving exactly the numbers of an uninterrupted run. Memory stays bounded:
    replications are folded into the tables as they finish. A strategy with
    ``responds_to_high_risk`` has R1's register simulated once first, on the same executor
    (:func:`resim.experiment.catalogue.high_risk_events`); run.json names what it flagged.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r} (expected one of {', '.join(EXECUTORS)})")
    replications = scenario.replications if replications is None else int(replications)
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    seed = scenario.seed if seed is None else int(seed)
    runs = strategy_runs(scenario, strategies)
    if alternatives:
        runs = list(dict.fromkeys(runs + other_styles(scenario, runs)))
    names = [str(chosen) for chosen in runs]
    by_id = {s.id: s for s in scenario.strategies}
    if any(by_id[chosen.strategy].responds_to_high_risk for chosen in runs if chosen.strategy in by_id):
        # Found here, on the run's executor, once: the workers get the scenario with them.
        high_risk = sorted(_high_risk(scenario, executor, workers, scheduler))
    else:
        high_risk = None
    # Replication by replication, every strategy of each: consecutive tasks (a batch) then hold
    # every strategy alike, whose costs differ; each strategy's replications still come in
    # order, which is all the tables' folding asks (Collector.add).
    tasks = [(chosen, i, seed) for i in range(replications) for chosen in runs]
    started = time.perf_counter()
    collector = Collector(replications)

    # The version too: a checkpoint of another resim may hold other metrics.
    journal = Journal(checkpoint, {"resim_version": __version__, "seed": seed, "replications": replications,
                                   "strategies": names,
                                   "scenario_sha256": scenario.sha256,
                                   "changes": {k: str(v) for k, v in scenario.changes.items()}},
                      resume) if checkpoint is not None else None
    done = 0
    if journal is not None:
        for outcome in journal.finished():
            collector.add(outcome)
            done += 1
        tasks = [t for t in tasks if (str(t[0]), t[1]) not in journal.done]
    resumed = done
    total = done + len(tasks)
    try:
        for outcome in outcomes(scenario, tasks, executor, workers, scheduler):
            if journal is not None:
                journal.record(outcome)
            collector.add(outcome)
            done += 1
            if progress:
                progress(done, total)
    finally:
        if journal is not None:
            journal.close(remove=False)
    info = {"seed": seed, "replications": replications, "strategies": names, "executor": executor,
            "workers": 1 if executor == "serial" else (workers or os.cpu_count() or 1),
            "wall_seconds": round(time.perf_counter() - started, 3), "replications_resumed": resumed,
            "cost_components": list(COST_COMPONENTS)}
    if high_risk is not None:
        info["high_risk_disruptions"] = high_risk  # what responds_to_high_risk resolved to (R1's register)
    results = Results.from_collector(scenario, collector, info)
    return results
