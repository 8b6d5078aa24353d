"""Simulation-based optimisation of a strategy's levers (issue 23): which buffer, base-stock
levels, second-source shares and MaaS budget give the lowest cost at a required service.

The search is Optuna's (TPE or NSGA-II, both seeded, with the service target as a constraint),
on two objectives: the plan's cost (minimised) and its service (maximised), so the trials also
trace the Pareto front of cost against service. Every candidate is simulated with the same seed,
so replication ``i`` of every candidate sees the same random draws (common random numbers): the
differences between candidates are the levers'. The recommended plan (the cheapest trial that
meets the target) is then simulated again on fresh replications, from a seed derived from the
search's (:func:`fresh_seed`), and reported with confidence intervals from those alone: the
search's own estimate of the winner is biased low (the winner's curse). Each lever is also moved
one step either way from the plan, on the common replications: what a step of it is worth (local
sensitivity); and over the whole search, each lever's share of the variance of cost and of
service (Optuna's fANOVA importances, seeded: global sensitivity).

>>> opt = optimize(scenario, trials=40, executor="processes")          # doctest: +SKIP
>>> opt.trials, opt.front, opt.plan                                     # doctest: +SKIP

With ``storage`` (a file path) the study is kept in Optuna's journal file, so ``resume=True``
continues an interrupted one, and several machines may share it. Nothing else is written.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from resim.assess.optimize_levers import lever_baselines, lever_costs, plan_variant
from resim.assess.optimize_objectives import SCORES, intervals, scores
from resim.experiment.runner import EXECUTORS, run, shared_cluster
from resim.scenario.format.optimize import Optimize

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["Optimization", "optimize", "fresh_seed", "pareto_front", "importance", "STUDY_NAME"]

Progress = Callable[[int, int], None]
STUDY_NAME = "resim-optimize"
_FRESH_KEY = 0x5EED  # the spawn key of the fresh replications' root seed (any key no run uses)


def fresh_seed(seed: int) -> int:
    """The root seed of the recommended plan's re-evaluation: drawn from ``SeedSequence(seed)``
    under a key of its own, so its replications share no stream with the search's."""
    state = np.random.SeedSequence(int(seed), spawn_key=(_FRESH_KEY,)).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))  # below 2**63, as a scenario's seed


def pareto_front(cost: np.ndarray, service: np.ndarray) -> np.ndarray:
    """Which points are on the Pareto front of low ``cost`` and high ``service``: none other has
    a cost at most and a service at least as good, one of them strictly. A NaN service is never
    on the front."""
    cost, service = np.asarray(cost, dtype=float), np.asarray(service, dtype=float)
    ok = ~np.isnan(cost) & ~np.isnan(service)
    on = np.zeros(len(cost), dtype=bool)
    for i in np.flatnonzero(ok):
        better = ok & (cost <= cost[i]) & (service >= service[i]) & ((cost < cost[i]) | (service > service[i]))
        on[i] = not better.any()
    return on


@dataclass
class Optimization:
    """What :func:`optimize` found.

    - ``trials``: one row per candidate evaluated (``trial``, one column per lever, the scores
      :data:`resim.assess.optimize_objectives.SCORES`, ``feasible``, ``on_front``, ``chosen``);
    - ``front``: the trials on the Pareto front of cost against service, one row per plan;
    - ``plan``: the recommended plan: one row per lever (``role`` lever, its ``value``) and per
      score (``role`` score: the search's estimate ``search`` on the common replications, and the
      fresh replications' ``value`` with ``ci_low``, ``ci_high`` and ``n``);
    - ``sensitivity``: each lever moved one step down and up from the plan, the others kept, on
      the common replications (``lever``, ``change``, ``value``, ``cost``, ``service``,
      ``cost_change``, ``service_change``, ``feasible``): what a step of each lever is worth;
    - ``importance``: per lever (``lever``), its share of the variance of ``cost`` and of ``service``
      over all trials (fANOVA, each column sums to 1; NaN when that score never changed);
    - ``info``: the seeds, replications, strategy, objective and sampler, the chosen trial, and
      whether it meets the target.
    """

    trials: pd.DataFrame
    front: pd.DataFrame
    plan: pd.DataFrame
    sensitivity: pd.DataFrame
    importance: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def levers(self) -> dict[str, float]:
        """The recommended plan: lever name -> value."""
        rows = self.plan[self.plan.role == "lever"]
        return dict(zip(rows.name, rows.value.astype(float)))

    def to_json(self) -> dict[str, Any]:
        """plan.json's content: the plan, its scores with intervals, and ``info``."""
        scored = self.plan[self.plan.role == "score"]
        return {"levers": self.levers,
                "scores": {row.name: {"search": _plain(row.search), "fresh": _plain(row.value),
                                      "ci_low": _plain(row.ci_low), "ci_high": _plain(row.ci_high),
                                      "n": int(row.n)} for row in scored.itertuples()},
                "info": self.info}


def _plain(value: float) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def _spec(scenario: "Scenario", spec: Optimize | None) -> Optimize:
    spec = spec or scenario.optimize
    if spec is None:
        raise ValueError("the scenario has no optimize section (give one: strategy, levers, objective; "
                         "see docs/optimize.md)")
    return spec


def _sampler(spec: Optimize, seed: int):
    import optuna

    def constraints(trial) -> list[float]:
        return trial.user_attrs["constraint"]

    # Optuna 5 reads the constraint a trial sets (Trial.set_constraint); Optuna 4 asks constraints_func.
    given = {} if hasattr(optuna.trial.Trial, "set_constraint") else {"constraints_func": constraints}
    if spec.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, min(50, spec.trials // 4)), **given)
    return optuna.samplers.TPESampler(seed=seed, multivariate=True,
                                      n_startup_trials=max(2, min(10, spec.trials // 3)), **given)


def _require_optuna() -> None:
    """Optuna is an optional extra: say how to install it rather than fail on an import inside the search."""
    try:
        import_module("optuna")
    except ImportError:
        raise ValueError("Optuna is not installed: pip install 'resim[optimize]'") from None


def _distributions(spec: Optimize) -> dict[str, Any]:
    from optuna.distributions import FloatDistribution

    return {lever.name: FloatDistribution(lever.low, lever.high, step=lever.step) for lever in spec.levers}


def _study(spec: Optimize, seed: int, storage: Path | None, resume: bool):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # progress is ours, on stderr
    journal = None
    if storage is not None:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        journal = JournalStorage(JournalFileBackend(str(storage)))
    study = optuna.create_study(study_name=STUDY_NAME, storage=journal, sampler=_sampler(spec, seed),
                                directions=["minimize", "maximize"], load_if_exists=True)
    if resume:  # a trial left running by an interrupted search is given up; its plan is asked again
        for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
    elif study.trials:
        raise ValueError(f"{storage} already holds a study (resume it, or choose another file)")
    return study


def _shifted(progress: Progress | None, offset: int, total: int) -> Progress | None:
    if progress is None:
        return None

    def step(done: int, _run_total: int) -> None:
        progress(offset + done, total)
    return step


def optimize(scenario: "Scenario", *, spec: Optimize | None = None, trials: int | None = None,
             seed: int | None = None, replications: int | None = None, fresh_replications: int | None = None,
             executor: str = "processes", workers: int | None = None, scheduler: str | None = None,
             storage: str | Path | None = None, resume: bool = False,
             progress: Progress | None = None) -> Optimization:
    """Search the levers of ``spec`` (default: ``scenario.optimize``) for the cheapest plan that
    meets the service target, and re-evaluate it on fresh replications.

    ``trials`` candidates (default: the spec's) are each simulated for ``replications``
    (default: the spec's, else the scenario's) of the optimised strategy, all with ``seed``
    (default: the scenario's: common random numbers). The same seed gives the same trials and
    the same plan on every executor. The plan is then simulated for ``fresh_replications``
    (default: the spec's, else as many as per candidate, at least 2) from :func:`fresh_seed`.
    ``executor``, ``workers`` and ``scheduler`` are :func:`resim.run`'s. ``storage``: Optuna's
    journal file, which ``resume=True`` continues. ``progress(done, total)`` counts simulated
    replications over the search and the re-evaluation.
    """
    _require_optuna()
    spec = _spec(scenario, spec)
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r} (expected one of {', '.join(EXECUTORS)})")
    seed = scenario.seed if seed is None else int(seed)
    n_trials = int(trials or spec.trials)
    reps = int(replications or spec.replications or scenario.replications)
    fresh = int(fresh_replications or spec.fresh_replications or max(reps, 2))
    if min(n_trials, reps, fresh) < 1:
        raise ValueError("trials and replications must be at least 1")
    study = _study(spec, seed, Path(storage) if storage is not None else None, resume)
    distributions = _distributions(spec)
    objective, horizon = spec.objective, scenario.horizon_days
    baselines = lever_baselines(scenario, spec)
    known: dict[tuple, dict[str, float]] = {}
    for past in study.get_trials(deepcopy=False):
        if "scores" in past.user_attrs:
            known[tuple(past.params[name] for name in distributions)] = past.user_attrs["scores"]
    done = sum(1 for t in study.trials if t.state.is_finished() and "scores" in t.user_attrs)
    sensitivity_runs = (2 * len(spec.levers) + 1) * reps  # at most: the plan (known) and each lever's two moves
    total, offset = (n_trials - min(done, n_trials)) * reps + sensitivity_runs + fresh, 0
    started = time.perf_counter()
    with shared_cluster(executor, workers, scheduler) as address:
        def evaluate(values: Mapping[str, float], runs: int, root: int, step: Progress | None) -> pd.DataFrame:
            variant = plan_variant(scenario, spec, values)
            return run(variant, replications=runs, seed=root, strategies=[spec.strategy], executor=executor,
                       workers=workers, scheduler=address, progress=step).replications

        def scored(values: Mapping[str, float]) -> dict[str, float]:
            """The plan's scores on the common replications; a plan seen before has the same
            replications, so the same scores, and is not simulated again."""
            nonlocal offset
            key = tuple(float(values[name]) for name in distributions)
            if key not in known:
                table = evaluate(values, reps, seed, _shifted(progress, offset, total))
                known[key] = scores(table, objective, lever_costs(spec, values, horizon, baselines))
            offset += reps
            if progress is not None:
                progress(offset, total)
            return known[key]

        while done < n_trials:
            trial = study.ask(distributions)
            result = scored(trial.params)
            service = result["service"]
            trial.set_user_attr("scores", result)
            excess = objective.target - service if not math.isnan(service) else 1.0  # feasible when <= 0
            trial.set_user_attr("constraint", [excess])
            if hasattr(trial, "set_constraint"):
                trial.set_constraint("service", excess)
            study.tell(trial, [result["cost"], service if not math.isnan(service) else 0.0])
            done += 1
        table = _trials(study, spec)
        weights = importance(study, spec, seed)
        chosen = _choose(table, objective.target)
        table["chosen"] = table.trial == chosen
        values = {lever.name: float(table.loc[table.chosen, lever.name].iloc[0]) for lever in spec.levers}
        sensitivity = _sensitivity(spec, values, scored)
        offset = total - fresh  # the moves a bound ruled out are counted as done
        root = fresh_seed(seed)
        fresh_table = evaluate(values, fresh, root, _shifted(progress, offset, total))
    plan = _plan(spec, values, table[table.chosen].iloc[0], intervals(fresh_table, objective,
                                                                       lever_costs(spec, values, horizon, baselines)))
    front = table[table.on_front].drop_duplicates(subset=[lever.name for lever in spec.levers])
    front = front.sort_values(["cost", "trial"]).reset_index(drop=True)
    row = table[table.chosen].iloc[0]
    info = {"strategy": spec.strategy, "levers": [lever.name for lever in spec.levers],
            "objective": objective.model_dump(mode="json"), "sampler": spec.sampler, "trials": n_trials,
            "seed": seed, "replications": reps, "fresh_seed": root, "fresh_replications": fresh,
            "chosen_trial": int(chosen), "meets_target": bool(row.feasible), "executor": executor,
            "wall_seconds": round(time.perf_counter() - started, 3)}
    return Optimization(trials=table, front=front, plan=plan, sensitivity=sensitivity, importance=weights, info=info)


def _trials(study, spec: Optimize) -> pd.DataFrame:
    """Every finished trial with its levers and scores, by trial number; ``on_front`` marks the
    Pareto front of cost against service, ``feasible`` the trials that meet the target."""
    rows = []
    for trial in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
        if "scores" not in trial.user_attrs or not trial.state.is_finished():
            continue
        rows.append({"trial": trial.number, **{lever.name: trial.params[lever.name] for lever in spec.levers},
                     **{name: trial.user_attrs["scores"][name] for name in SCORES}})
    table = pd.DataFrame(rows, columns=["trial", *(lever.name for lever in spec.levers), *SCORES])
    table["feasible"] = table.service >= spec.objective.target
    table["on_front"] = pareto_front(table.cost.to_numpy(), table.service.to_numpy())
    return table


def importance(study, spec: Optimize, seed: int) -> pd.DataFrame:
    """Each lever's importance for the cost and for the service over every finished trial of
    ``study``: Optuna's fANOVA (a random forest fitted to the trials, its variance split among the
    levers; seeded with ``seed``, so the same study gives the same numbers), normalised to sum to 1.
    A score that never changed (or fewer than 2 trials) has no variance to split: NaN."""
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances
    from optuna.trial import TrialState

    names = [lever.name for lever in spec.levers]
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    columns = {}
    for index, score in enumerate(("cost", "service")):
        values = np.array([t.values[index] for t in done], dtype=float)
        if len(values) < 2 or np.ptp(values) == 0:
            columns[score] = [math.nan] * len(names)
            continue
        found = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed), params=names,
                                      target=lambda t, i=index: t.values[i])
        columns[score] = [float(found.get(name, 0.0)) for name in names]
    return pd.DataFrame({"lever": names, **columns})


def _choose(table: pd.DataFrame, target: float) -> int:
    """The recommended trial: the cheapest that meets the target (the earliest of equals); when
    none does, the one with the highest service (the cheapest of equals)."""
    feasible = table[table.feasible]
    if len(feasible):
        return int(feasible.sort_values(["cost", "trial"]).trial.iloc[0])
    return int(table.assign(neg=-table.service.fillna(-math.inf)).sort_values(["neg", "cost", "trial"]).trial.iloc[0])


def _sensitivity(spec: Optimize, values: Mapping[str, float],
                 scored: Callable[[Mapping[str, float]], dict[str, float]]) -> pd.DataFrame:
    """Each lever one step (its ``step``, else a tenth of its range) below and above the plan,
    within its bounds, the other levers as planned: the scores and their changes from the plan's
    own, all on the common replications (so the changes are the lever's)."""
    base = scored(values)
    rows = []
    for lever in spec.levers:
        step = lever.step or (lever.high - lever.low) / 10
        for sign in (-1.0, 1.0):
            moved = min(max(values[lever.name] + sign * step, lever.low), lever.high)
            if step <= 0 or moved == values[lever.name]:
                continue  # at its bound: no move that way
            result = scored({**values, lever.name: moved})
            rows.append((lever.name, moved - values[lever.name], moved, result["cost"], result["service"],
                         result["cost"] - base["cost"], result["service"] - base["service"],
                         bool(result["service"] >= spec.objective.target)))
    return pd.DataFrame(rows, columns=["lever", "change", "value", "cost", "service", "cost_change",
                                       "service_change", "feasible"])


def _plan(spec: Optimize, values: Mapping[str, float], searched: pd.Series, fresh: pd.DataFrame) -> pd.DataFrame:
    """plan.csv: the levers' values, then each score as searched and on fresh replications."""
    rows = [(lever.name, "lever", values[lever.name], values[lever.name], math.nan, math.nan, 0)
            for lever in spec.levers]
    for score in fresh.itertuples():
        rows.append((score.score, "score", float(searched[score.score]), score.estimate,
                     score.ci_low, score.ci_high, int(score.n)))
    return pd.DataFrame(rows, columns=["name", "role", "search", "value", "ci_low", "ci_high", "n"])
