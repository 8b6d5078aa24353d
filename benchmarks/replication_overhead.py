"""What a replication costs beyond the engine, on chains with disruptions and every strategy kind.

Run: .venv/bin/python benchmarks/replication_overhead.py [--sizes 200 1000 5000] [--replications 2] [--cpu]
        [--batch N]

For each size, a stressed synthetic chain (benchmarks/stressed_chains.py: a regional disaster, a
tariff, recurring breakdowns, take-back and reman, a 2,000-offering MaaS pool, one strategy per
action kind). *Engine* is the model alone with the scenario's disruptions (``Model(...).run()``);
*replication* is one replication of a strategy as ``resim run`` does it (the response attached,
the ledger reduced to its outcome, the ripple trace). Issue 21's target: replication / engine at
most 1.5 for every strategy. Times are the median of the replications, in seconds: wall time,
or with ``--cpu`` this process's CPU time (steadier when other work shares the cores). Each
replication runs the engine and every strategy back to back. ``--batch N`` times N replications
run together as ``resim run`` runs them (:func:`run_together`, against a :class:`Batch` of N
models alone), per replication: a response's additions are then shared by the replications
that make the same ones. *Arcs* is how many arcs the batch's network holds at the end, per arc
of the scenario: a response that contracts providers simulates a larger chain than the engine
alone (their lanes and their inputs' lanes), in every row of a batch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stressed_chains import STRATEGIES, stressed_chain  # noqa: E402

from resim.experiment.runner import run_together  # noqa: E402
from resim.scenario import Scenario  # noqa: E402
from resim.sim.engine import Batch  # noqa: E402
from resim.sim.strategies import Response  # noqa: E402
from resim.supply.matching import Pool  # noqa: E402
from resim.supply.pool import pool_frame  # noqa: E402


def _seconds(call: Callable[[], object], clock: Callable[[], float]) -> float:
    """Seconds ``call()`` takes by ``clock`` (wall or CPU)."""
    start = clock()
    call()
    return clock() - start


def grown(scenario: Scenario, strategy: str, rows: range) -> float:
    """Arcs of the network a batch of ``rows`` running ``strategy`` ends with, per arc it starts with."""
    batch = Batch(scenario, rows)
    spec = next(s for s in scenario.strategies if s.id == strategy)
    if strategy != "none":
        pool = Pool(pool_frame(scenario.maas.providers))
        for model in batch.models:
            Response(model, spec, pool, spec.orchestration)
    start = batch.cohort.net.n_arcs
    batch.run()
    return batch.cohort.net.n_arcs / start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 5000])
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--cpu", action="store_true", help="time CPU seconds of this process, not wall time")
    parser.add_argument("--batch", type=int, default=1, help="replications run together (per replication)")
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    print(f"{'nodes':>6} {'strategy':<15} {'engine s':>9} {'replication s':>14} {'ratio':>6} {'arcs':>5}")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            scenario = stressed_chain(size, Path(folder) / str(size))
            run_together(scenario, "none", [0], scenario.seed)  # warm: pool indexed, caches filled
            # Replication by replication, the engine and every strategy back to back: a change in
            # the load of a shared machine then touches them alike.
            times: dict[str, list[float]] = {name: [] for name in ("engine", *STRATEGIES)}
            for r in range(args.replications):
                rows = range(r * args.batch, (r + 1) * args.batch)
                times["engine"].append(_seconds(lambda: Batch(scenario, rows).run(), clock) / args.batch)
                for strategy in STRATEGIES:
                    times[strategy].append(_seconds(lambda: run_together(scenario, strategy, rows, scenario.seed),
                                                    clock) / args.batch)
            engine = statistics.median(times["engine"])
            for strategy in STRATEGIES:
                whole = statistics.median(times[strategy])
                arcs = grown(scenario, strategy, range(args.batch))
                print(f"{size:>6} {strategy:<15} {engine:>9.2f} {whole:>14.2f} {whole / engine:>6.2f} {arcs:>5.2f}",
                      flush=True)


if __name__ == "__main__":
    main()
