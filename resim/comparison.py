"""Comparing strategies (R2): paired differences, the Pareto front, a recommendation and its reasons.

All strategies run over the same replications with common random numbers, so each comparison is
paired by replication: the difference between two strategies in one replication is due to the
strategies alone.

* **Pareto front**: strategies no other beats on both mean recovery time and mean net cost
  (total cost minus revenue: what serving the demand cost, lost revenue included, so a strategy
  cannot look cheap by selling less).
* **Regret**: in each replication, the profit a strategy falls short of the best strategy's
  (profit = revenue - total cost, so lost sales, penalties and response costs all count).
* **Recommendation**: the strategy on the front with the least mean regret; its reasons name the
  front, its regret, how often it was the best (robustness) and which strategies it dominates.
  When its paired difference with the runner-up cannot be told from zero, a warning estimates
  the replications needed to separate them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from resim.stats import paired_differences, t_interval

__all__ = ["Comparison", "compare_strategies", "pareto_front"]

DIFFERENCE_METRICS = ("fill_rate", "recovery_time_days", "shortfall_units", "resilience_loss",
                      "resilience_index", "cost_total", "profit")


@dataclass
class Comparison:
    """The per-strategy comparison table, paired differences against ``none`` and the advice."""

    table: pd.DataFrame
    differences: pd.DataFrame
    recommended: str | None
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def pareto_front(points: pd.DataFrame, x: str, y: str) -> pd.Series:
    """True for rows no other row beats on both ``x`` and ``y`` (both minimised)."""
    xs, ys = points[x].to_numpy(float), points[y].to_numpy(float)
    beaten = ((xs[None, :] <= xs[:, None]) & (ys[None, :] <= ys[:, None])
              & ((xs[None, :] < xs[:, None]) | (ys[None, :] < ys[:, None])))
    return pd.Series(~beaten.any(axis=1), index=points.index)


def compare_strategies(replications: pd.DataFrame, confidence: float = 0.95) -> Comparison:
    """Compare the strategies of a run from its replications table."""
    metrics = [m for m in DIFFERENCE_METRICS if m in replications]
    profit = replications.pivot(index="replication", columns="strategy", values="profit")
    regret = profit.max(axis=1).to_numpy()[:, None] - profit.to_numpy()
    best = profit.to_numpy() >= profit.max(axis=1).to_numpy()[:, None] - 1e-9
    means = replications.groupby("strategy", sort=False)[["recovery_time_days", "cost_total", "profit"]].mean()
    means["net_cost"] = -means["profit"]
    table = means.assign(mean_regret=pd.Series(regret.mean(axis=0), index=profit.columns),
                         best_share=pd.Series(best.mean(axis=0), index=profit.columns))
    table["on_front"] = pareto_front(table, "recovery_time_days", "net_cost")
    table = table.reset_index()
    differences = (paired_differences(replications, metrics, baseline="none", confidence=confidence)
                   if "none" in set(replications.strategy) and replications.strategy.nunique() > 1
                   else pd.DataFrame())
    front = table[table.on_front].sort_values(["mean_regret", "strategy"])
    if front.empty:
        return Comparison(table.assign(recommended=False), differences, None)
    choice = front.iloc[0]
    table["recommended"] = table.strategy == choice.strategy
    reasons = [
        f"{choice.strategy} is on the Pareto front of recovery time and net cost "
        f"({choice.recovery_time_days:,.0f} days to recover and a profit of {choice.profit:,.0f} "
        f"on average)",
        f"it has the least mean regret among them: {choice.mean_regret:,.0f} of profit below the best "
        f"strategy of each replication",
        f"it was the best strategy in {choice.best_share:.0%} of the replications",
    ]
    dominated = [s for s, on in zip(table.strategy, table.on_front) if not on and s != choice.strategy
                 and _dominates(table, choice.strategy, s)]
    if dominated:
        reasons.append("it recovers faster and costs less than " + ", ".join(dominated))
    warnings = _separation_warnings(profit, choice.strategy, table, confidence)
    return Comparison(table, differences, str(choice.strategy), reasons, warnings)


def _dominates(table: pd.DataFrame, a: str, b: str) -> bool:
    ra, rb = table.set_index("strategy").loc[a], table.set_index("strategy").loc[b]
    return (ra.recovery_time_days <= rb.recovery_time_days and ra.net_cost <= rb.net_cost
            and (ra.recovery_time_days < rb.recovery_time_days or ra.net_cost < rb.net_cost))


def _separation_warnings(profit: pd.DataFrame, choice: str, table: pd.DataFrame,
                         confidence: float) -> list[str]:
    others = table[table.strategy != choice].sort_values("mean_regret")
    if others.empty:
        return []
    runner_up = others.iloc[0].strategy
    diff = (profit[choice] - profit[runner_up]).to_numpy()
    mean, sd, low, high, n = t_interval(diff, confidence)
    if n < 2 or not (low <= 0 <= high) or sd == 0:
        return []
    t = stats.t.ppf((1 + confidence) / 2, max(n - 1, 1))
    needed = math.ceil((t * sd / abs(mean)) ** 2) if mean else None
    hint = f"; about {needed:,} replications would separate them" if needed else ""
    return [f"{choice} and {runner_up} cannot be told apart on profit with {n} replications "
            f"(paired difference {mean:,.0f}, {confidence:.0%} interval {low:,.0f} to {high:,.0f}){hint}"]
