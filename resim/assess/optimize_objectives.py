"""What a candidate plan scores over its replications: its cost (mean or CVaR) and its service
(mean fill rate, or the share recovered within a number of days), and the same with confidence
intervals for the recommended plan's fresh re-evaluation.

Cost per replication = ``cost_total`` (every euro the model charges: holding, procurement,
onboarding, premiums, shortage penalties, ...) − ``stock_change`` (the value of stock drawn down
and not bought back by the horizon's end counts as spent; stock bought and still held does not) +
the levers' costs the model does not charge (:func:`resim.assess.optimize_levers.lever_costs`),
so no euro is counted twice, and a plan that ends the horizon with its stock used up does not
look cheaper for it.

The time to recover is right-censored at the horizon: the share recovered within ``d`` days is
read from the Kaplan–Meier curve (:func:`resim.core.survival.recovered_by`), never from a mean of
censored times. Nothing here runs a simulation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from resim.core.stats import cvar, mean_interval
from resim.core.survival import recovered_by, share_interval
from resim.scenario.format.optimize import Objective

__all__ = ["cvar", "service", "plan_costs", "scores", "intervals", "SCORES"]

#: The scores of a plan, the columns of trials.csv after the levers.
SCORES = ("cost", "cost_mean", "cost_cvar", "lever_cost", "fill_rate", "service")


def _recovery(replications: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    times = replications["recovery_time_days"].to_numpy(dtype=float)
    ended = replications["recovered"].to_numpy(dtype=float)
    return times, ended


def service(replications: pd.DataFrame, objective: Objective) -> float:
    """The plan's service: mean fill rate, or the Kaplan–Meier share of replications recovered
    within ``within_days`` (NaN when no replication has a recovery time: no reference onset)."""
    if objective.service == "fill_rate":
        return float(replications["fill_rate"].mean())
    times, ended = _recovery(replications)
    if np.isnan(times).all():
        return math.nan
    return float(recovered_by(times, ended, np.array([objective.within_days]))[0])


def plan_costs(replications: pd.DataFrame, lever_cost: float) -> np.ndarray:
    """Each replication's cost of the plan (currency): cost_total − stock_change + ``lever_cost``."""
    return (replications["cost_total"].to_numpy(dtype=float) - replications["stock_change"].to_numpy(dtype=float)
            + lever_cost)


def scores(replications: pd.DataFrame, objective: Objective, lever_cost: float) -> dict[str, float]:
    """The plan's scores (:data:`SCORES`) from one strategy's replications (a run's table) and
    its levers' uncharged cost: ``cost`` is ``cost_mean`` or ``cost_cvar`` as the objective says."""
    costs = plan_costs(replications, lever_cost)
    mean, tail = float(costs.mean()), cvar(costs, objective.cvar_level)
    return {"cost": mean if objective.cost == "mean" else tail, "cost_mean": mean, "cost_cvar": tail,
            "lever_cost": float(lever_cost), "fill_rate": float(replications["fill_rate"].mean()),
            "service": service(replications, objective)}


def intervals(replications: pd.DataFrame, objective: Objective, lever_cost: float,
              confidence: float = 0.95) -> pd.DataFrame:
    """The plan's mean cost, mean fill rate and service with confidence intervals (columns
    ``score``, ``estimate``, ``ci_low``, ``ci_high``, ``n``). The share recovered within ``d``
    days gets a Wilson interval when every replication was followed for ``d`` days at least (its
    status at ``d`` is then known for all, and Kaplan–Meier equals the plain share); otherwise
    the interval is NaN."""
    costs = plan_costs(replications, lever_cost)
    rows = []
    for name, values in (("cost_mean", costs), ("fill_rate", replications["fill_rate"].to_numpy(dtype=float))):
        e = mean_interval(values, confidence)
        rows.append((name, e.estimate, e.low, e.high, e.n))
    if objective.service == "recovered_within":
        share = service(replications, objective)
        times, _ = _recovery(replications)
        follow_up = replications["follow_up_days"].to_numpy(dtype=float)
        known = ~np.isnan(times)
        n = int(known.sum())
        low = high = math.nan
        if n and (follow_up[known] >= objective.within_days).all():
            low, high = share_interval(int(round(share * n)), n, confidence)
        rows.append(("service", share, low, high, n))
    else:
        rows.append(("service", *rows[1][1:]))
    return pd.DataFrame(rows, columns=["score", "estimate", "ci_low", "ci_high", "n"])
