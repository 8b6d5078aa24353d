"""The disruption catalogue of a scenario simulated one disruption at a time: the numbers of R1's
risk register (:func:`register`) and which disruptions it flags high risk (:func:`high_risk_events`).

Each disruption is simulated on its own (a random one made to happen on a fixed day), without a
response, against the undisrupted chain (common random numbers): its impact in units and in profit
lost, each with a 95 % interval (a hazard: one event, its severity drawn per replication, so the
mean is over its severities). A measured loss
times the expected number of events a year (:func:`likelihood`) is the expected yearly loss; a disruption is **high risk** when its loss is measured and its expected yearly loss
is at least half the largest. Here rather than in :mod:`resim.assess.risk` because a run needs the
high-risk disruptions too: a strategy with ``responds_to_high_risk`` (R2) reacts to them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from resim.core.stats import t_interval
from resim.experiment.runner import EXECUTORS, outcomes, shared_cluster
from resim.experiment.strategy_runs import StrategyRun
from resim.scenario import Scenario

__all__ = ["Runs", "simulate", "quiet", "outage_day", "register", "likelihood", "breakdowns", "high_risk_events", "CONFIDENCE",
           "REGISTER_COLUMNS", "HIGH_RISK_SHARE"]

CONFIDENCE = 0.95  # of every interval of the register
HIGH_RISK_SHARE = 0.5  # high risk: an expected yearly loss at least this share of the largest

REGISTER_COLUMNS = ["disruption", "type", "likelihood", "events_per_year", "probability_per_year", "impact_units",
                    "impact_units_low",
                    "impact_units_high", "units_measurable", "impact_loss", "impact_loss_low",
                    "impact_loss_high", "profit_effect", "expected_loss_per_year", "high_risk"]


@dataclass(frozen=True)
class Runs:
    """Per replication of one simulated variant: the daily shortfall and the profit."""

    short: np.ndarray   # replications x days: units demanded that day and not delivered that day
    profit: np.ndarray  # replications: revenue - cost_total over the horizon


def simulate(scenario: Scenario, *, replications: int, seed: int, executor: str, workers: int | None,
             scheduler: str | None) -> Runs:
    """Simulate ``replications`` of ``scenario`` without a response, keeping the daily series
    (``run`` folds them across replications, and windows need them per replication)."""
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r} (expected one of {', '.join(EXECUTORS)})")
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    tasks = [(StrategyRun("none"), i, seed) for i in range(replications)]
    short, profit = [], []
    # the runner's executor dispatch (serial, processes, dask), in replication order
    for outcome in outcomes(scenario, tasks, executor, workers, scheduler):
        short.append(outcome.daily["demand"] - outcome.daily["on_time"])
        profit.append(outcome.metrics["revenue"] - sum(outcome.costs.values()) + outcome.metrics["stock_change"])
    return Runs(np.array(short, dtype=float), np.array(profit, dtype=float))


def quiet(scenario: Scenario) -> Scenario:
    """``scenario`` without disruptions (nor the hazard catalogue, which would add its own) or
    strategies (nor the optimisation, which names a strategy): the undisrupted chain every impact
    is measured against."""
    return scenario.replace(disruptions=[], hazards=None, strategies=[], optimize=None, **{"metrics.reference": None})


def outage_day(scenario: Scenario) -> int:
    """A day late enough for a steady baseline and early enough to see recovery."""
    return int(min(max(scenario.metrics.baseline_days + scenario.metrics.window_days, 1),
                   scenario.horizon_days // 3))


def register(scenario: Scenario, base: Runs, *, replications: int, seed: int, executor: str = "serial",
             workers: int | None = None, scheduler: str | None = None,
             tick: Callable[[], None] | None = None) -> pd.DataFrame:
    """The risk register: each catalogue disruption simulated alone against ``base`` (the
    undisrupted runs, :func:`quiet`), ranked by expected yearly loss, with ``high_risk``;
    ``tick()`` after each disruption."""
    day, still = outage_day(scenario), quiet(scenario)
    options = dict(replications=replications, seed=seed, executor=executor, workers=workers, scheduler=scheduler)
    rows = []
    for event in scenario.disruptions:
        runs = simulate(still.replace(disruptions=_alone(scenario, event.id, day)), **options)
        impact = _impact(runs, base)
        repairs = breakdowns(event, scenario.horizon_days)
        if repairs:  # a breakdown process: its every repair was simulated; the register's impact is one's
            impact.update({k: v / repairs for k, v in impact.items() if k.startswith("impact_")})
        rows.append({"disruption": event.id, "type": event.type, **likelihood(event, scenario.horizon_days),
                     **impact})
        if tick:
            tick()
    table = pd.DataFrame(rows, columns=REGISTER_COLUMNS)
    # Only a measured loss is expected to recur as a loss: a gain or an interval around 0 ranks
    # at 0, so that noise never makes a disruption high risk.
    loss = table.profit_effect == "loss"
    table["expected_loss_per_year"] = np.where(loss, table.events_per_year * table.impact_loss, 0.0).astype(float)
    if len(table):
        table = table.sort_values(["expected_loss_per_year", "disruption"], ascending=[False, True],
                                  ignore_index=True)
        top = table.expected_loss_per_year.max()
        table["high_risk"] = ((table.profit_effect == "loss")
                              & (table.expected_loss_per_year >= HIGH_RISK_SHARE * top) & (top > 0))
    table["high_risk"] = table["high_risk"].astype(bool)
    return table


def breakdowns(event, horizon_days: int) -> float:
    """The expected number of repairs of a breakdown process (a ``capacity_loss`` with
    ``mtbf_days`` and ``mttr_days``) over the horizon: its window (from its mean onset, for its
    mean duration, within the horizon) over a mean up time plus a mean repair (renewal theory,
    the window's ends neglected); 0 for any other disruption."""
    if getattr(event, "mtbf_days", None) is None or event.onset_day is None:
        return 0.0
    start = float(event.onset_day.mean)
    window = max(min(start + float(event.duration_days.mean), horizon_days) - start, 0.0)
    cycle = float(event.mtbf_days.mean) + float(event.mttr_days.mean)
    return window / cycle if cycle > 0 else 0.0


def likelihood(event, horizon_days: int) -> dict[str, Any]:
    """How often ``event`` happens: ``events_per_year`` (the expected number a year) and
    ``probability_per_year`` (the chance of at least one in a year), and where that comes from:
    a hazard's rate (Poisson: 1 − e^−rate), an annual probability p (at most one a year: p
    events), a breakdown process's repairs (:func:`breakdowns` over the horizon, a year's worth;
    Poisson as for a rate), or a fixed date in the scenario, which happens once in the horizon
    (365 / horizon events a year, at most 1): an assumption the register says, not a measured
    likelihood."""
    if event.rate_per_year is not None:
        rate = float(event.rate_per_year)
        return {"likelihood": "hazard rate", "events_per_year": rate, "probability_per_year": 1.0 - math.exp(-rate)}
    if event.annual_probability is not None:
        p = float(event.annual_probability)
        return {"likelihood": "annual probability", "events_per_year": p, "probability_per_year": p}
    repairs = breakdowns(event, horizon_days)
    if repairs:
        rate = repairs * 365.0 / horizon_days
        return {"likelihood": "breakdown process", "events_per_year": rate,
                "probability_per_year": 1.0 - math.exp(-rate)}
    once = min(365.0 / horizon_days, 1.0)
    return {"likelihood": "fixed date (assumed certain)", "events_per_year": once, "probability_per_year": once}


def default_replications(scenario: Scenario) -> int:
    """Replications of the register when none are asked for: the scenario's, at most 20."""
    return min(scenario.replications, 20)


_CACHE = "_high_risk_events"  # where a Scenario keeps its high-risk disruptions (instance __dict__,
# beside its cached properties: pickled with it to worker processes, never part of a dump)


def high_risk_events(scenario: Scenario, *, executor: str = "serial", workers: int | None = None,
                     scheduler: str | None = None) -> frozenset[str]:
    """The disruptions the risk register of ``scenario`` flags high risk, as ``resim risk``
    finds them by default (the scenario's seed, :func:`default_replications`): found once per
    scenario and kept with it, so replications, strategies and worker processes never simulate
    the catalogue again. A variant (``Scenario.replace``) is another scenario and finds its own."""
    found = scenario.__dict__.get(_CACHE)
    if found is None:
        with shared_cluster(executor, workers, scheduler) as address:  # one cluster for every simulation
            options = dict(replications=default_replications(scenario), seed=scenario.seed, executor=executor,
                           workers=workers, scheduler=address)
            table = register(scenario, simulate(quiet(scenario), **options), **options)
        found = frozenset(table.disruption[table.high_risk])
        scenario.__dict__[_CACHE] = found
    return found


def _alone(scenario: Scenario, event_id: str, day: int) -> list[dict]:
    """The disruption ``event_id`` with its follow-ups, made to happen (at ``day`` when random)."""
    by_id = {d.id: d for d in scenario.disruptions}
    chosen, current = [], event_id
    while current is not None and current not in [c["id"] for c in chosen]:
        data = by_id[current].model_dump(by_alias=True, exclude_unset=True, mode="json")
        if current == event_id and data.pop("annual_probability", None) is not None:
            data["onset_day"] = day
        if current == event_id and data.pop("rate_per_year", None) is not None:
            # One event of the hazard on the day; its severity still drawn per replication, so the
            # mean impact is over the severities, not the impact of the mean severity.
            data.pop("seasonality", None)
            data["onset_day"] = day
        chosen.append(data)
        current = by_id[current].then
    return chosen


def _impact(runs: Runs, base: Runs) -> dict[str, Any]:
    """Extra units not delivered on time over the horizon, and profit lost (extra cost plus
    revenue not earned), paired by replication; whether each is measurable (its interval
    excludes 0), and whether the profit effect is a loss or a gain."""
    # Over the whole horizon in both runs: before the onset they are the same draws (common
    # random numbers), so those days add nothing, whatever day each replication's onset falls on.
    units = runs.short.sum(axis=1) - base.short.sum(axis=1)
    loss = base.profit - runs.profit
    u_mean, _, u_low, u_high, _ = t_interval(units, CONFIDENCE)
    c_mean, _, c_low, c_high, _ = t_interval(loss, CONFIDENCE)
    effect = "loss" if c_low > 0 else "gain" if c_high < 0 else "no measurable impact"  # NaN: not measurable
    return {"impact_units": u_mean, "impact_units_low": u_low, "impact_units_high": u_high,
            "units_measurable": bool(u_low > 0 or u_high < 0),
            "impact_loss": c_mean, "impact_loss_low": c_low, "impact_loss_high": c_high,
            "profit_effect": effect}
