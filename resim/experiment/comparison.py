"""Comparing strategies (R2): paired differences, the Pareto front, a recommendation and its reasons.

All strategies run over the same replications with common random numbers, so each comparison is
paired by replication: the difference between two strategies in one replication is due to the
strategies alone.

The rule, in order:

1. **Status.** A strategy whose every metric and cost equals an earlier strategy's in every
   replication is *identical* to it (``none`` first); a response that took no action in any
   replication (no provider qualified, no returns, every provider declined) *could not act*.
   Both are reported as such and are not candidates in their own right.
2. **Nothing to recommend** when all strategies are identical: every one gave the same result.
3. **Recommended**: the candidate with the highest mean profit (revenue − total cost + the
   change in the stock's value, so lost sales, penalties, what the response costs and stock used
   up and not bought back all count). This is also the least mean regret
   (the profit a strategy falls short of the best one in each replication, averaged).
4. **Separation.** The paired difference in profit between the recommended strategy and the
   runner-up has a confidence interval; when it contains 0 the two cannot be told apart, and the
   warning says how many replications would separate a difference of the observed size.

The **Pareto front** (descriptive) holds the strategies no other beats on both the restricted
mean time to recover (lower is better) and the mean profit (higher is better). Every sentence of
the reasons is built from numbers of :attr:`Comparison.table` and :attr:`Comparison.differences`
and names the column it compares.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from resim.core.formatting import days, money, share, signed_money
from resim.core.stats import mean_interval, paired_differences, recovery_summary
from resim.core.survival import restricted_values
from resim.experiment.strategy_runs import StrategyRun
from resim.sim.status import ACTED, NONE_ASKED
from resim.sim.standby import PREQUALIFIED
from resim.sim.warning import SERVICE_KINDS

__all__ = ["Comparison", "compare_strategies", "dominates", "pareto_front", "CRITERION"]

DIFFERENCE_METRICS = ("fill_rate", "recovery_time_days", "shortfall_units", "resilience_loss",
                      "resilience_index", "cost_total", "revenue", "profit", "co2e_kg")
CRITERION = ("highest mean profit (revenue - total cost + stock change), paired over replications with common "
             "random numbers; identical strategies and responses that could not act are not candidates")
FEW_REPLICATIONS = 10  # below this, the run says its advice rests on few values


@dataclass
class Comparison:
    """The per-strategy comparison table, paired differences against ``none`` and the advice.

    ``notes`` are facts about the strategies (identical ones, ones that could not act);
    ``warnings`` limit the advice (nothing to recommend, two strategies not told apart)."""

    table: pd.DataFrame
    differences: pd.DataFrame
    recommended: str | None
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    runner_up: str | None = None
    replications_to_separate: int | None = None

    def headline(self, currency: str = "") -> pd.DataFrame:
        """The comparison as people read it (strings): per strategy the share recovered, the median
        and restricted mean time to recover, total cost, profit, the paired cost against ``none``,
        how often it was the most profitable, and its status; the recommended one marked ``*``."""
        t = self.table
        return pd.DataFrame({
            "strategy": [f"{s} *" if r else s for s, r in zip(t.strategy, t.recommended)],
            "recovered": t.recovered_share.map(lambda v: share(v, 0)),
            "median recovery": t.recovery_median_days.map(days),
            "restricted mean": t.recovery_restricted_mean_days.map(days),
            "total cost": t.cost_total.map(lambda v: money(v, currency)),
            "profit": t.profit.map(lambda v: money(v, currency)),
            "transport CO2e": t.co2e_kg.map(lambda v: f"{v / 1000:,.0f} t") if "co2e_kg" in t else "–",
            "cost vs none": [("–" if s == "none" else signed_money(v, currency))
                             for s, v in zip(t.strategy, t.cost_response)] if "cost_response" in t else "–",
            "most profitable": t.best_share.map(lambda v: share(v, 0)),
            "status": t.status,
        })


def dominates(ax: ArrayLike, ay: ArrayLike, bx: ArrayLike, by: ArrayLike, *, strictly: bool = False) -> np.ndarray:
    """Whether point ``a`` beats point ``b``, both coordinates minimised (elementwise over arrays):
    no worse on either and better on one (Pareto dominance); with ``strictly``, better on both."""
    ax, ay, bx, by = (np.asarray(v, float) for v in (ax, ay, bx, by))
    if strictly:
        return (ax < bx) & (ay < by)
    return (ax <= bx) & (ay <= by) & ((ax < bx) | (ay < by))


def pareto_front(points: pd.DataFrame, x: str, y: str) -> pd.Series:
    """True for rows no other row dominates on ``x`` and ``y`` (both minimised)."""
    xs, ys = points[x].to_numpy(float), points[y].to_numpy(float)
    beaten = dominates(xs[None, :], ys[None, :], xs[:, None], ys[:, None])  # [i, j]: j beats i
    return pd.Series(~beaten.any(axis=1), index=points.index)


def _identical(replications: pd.DataFrame, order: list[str]) -> dict[str, str]:
    """Strategy -> the earlier strategy (``none`` first) it equals in every replication and column."""
    columns = [c for c in replications.columns if c not in ("strategy", "replication", "cost_response")]
    frames = {s: f.set_index("replication").sort_index()[columns] for s, f in replications.groupby("strategy")}
    same: dict[str, str] = {}
    for i, strategy in enumerate(order):
        for earlier in order[:i]:
            if earlier in same:
                continue
            a, b = frames[strategy], frames[earlier]
            if a.index.equals(b.index) and a.equals(b):
                same[strategy] = earlier
                break
    return same


def _activity(orchestrations: pd.DataFrame | None, order: list[str]) -> dict[str, str]:
    """Strategy -> why it could not act, for responses that took no action in any replication."""
    if orchestrations is None:
        return {}
    found = {}
    for strategy in order:
        if StrategyRun.parse(strategy).strategy == "none":
            continue
        rows = orchestrations[(orchestrations.strategy == strategy)
                              & ~orchestrations.kind.isin(("evaluation", PREQUALIFIED, *SERVICE_KINDS))]  # not actions
        if rows.status.isin(ACTED).any():
            continue
        if rows.empty:
            found[strategy] = "it took no action in any replication"
        elif rows.status.isin(NONE_ASKED).any():
            note = rows[rows.status.isin(NONE_ASKED)].note.mode()
            found[strategy] = "no provider could be engaged" + (f" ({note.iloc[0]})" if len(note) and note.iloc[0] else "")
        else:
            found[strategy] = "every provider asked declined"
    return found


def compare_strategies(replications: pd.DataFrame, confidence: float = 0.95, *,
                       orchestrations: pd.DataFrame | None = None, currency: str = "") -> Comparison:
    """Compare the strategies of a run from its replications table (rule in the module docstring);
    ``orchestrations`` tells which responses could act; ``currency`` labels money in the sentences."""
    order = list(dict.fromkeys(replications.strategy))
    tau, restricted = restricted_values(replications["recovery_time_days"].to_numpy(float),
                                        replications["follow_up_days"].to_numpy(float))
    paired = replications.assign(recovery_time_days=restricted)
    profit = paired.pivot(index="replication", columns="strategy", values="profit")[order]
    regret = profit.max(axis=1).to_numpy()[:, None] - profit.to_numpy()
    best = profit.to_numpy() >= profit.max(axis=1).to_numpy()[:, None] - 1e-9
    recovery = recovery_summary(replications, confidence=confidence).pivot(
        index="strategy", columns="metric", values="estimate")
    sums = [m for m in ("cost_total", "revenue", "profit", "co2e_kg") if m in paired]  # emissions beside cost
    table = paired.groupby("strategy", sort=False)[sums].mean()
    table.insert(0, "recovery_restricted_mean_days", paired.groupby("strategy", sort=False).recovery_time_days.mean())
    table.insert(0, "recovery_median_days", recovery["recovery_time_median_days"])
    table.insert(0, "recovered_share", recovery["recovered"])
    table.insert(0, "dipped_share", paired.groupby("strategy", sort=False).time_to_impact_days.apply(
        lambda x: float(x.notna().mean())))
    if "cost_response" in paired:
        table["cost_response"] = paired.groupby("strategy", sort=False).cost_response.mean()
    table["mean_regret"] = pd.Series(regret.mean(axis=0), index=order)
    table["best_share"] = pd.Series(best.mean(axis=0), index=order)
    identical = _identical(replications, order)
    activity = _activity(orchestrations, order)
    inactive = {s: why for s, why in activity.items() if s not in identical}
    table["status"] = ["reference" if s == "none" else f"identical to {identical[s]}" if s in identical
                       else f"could not act: {inactive[s]}" if s in inactive else "acted" for s in order]
    table["negative_profit"] = -table["profit"]
    table["on_front"] = pareto_front(table, "recovery_restricted_mean_days", "negative_profit")
    table = table.drop(columns="negative_profit").reset_index(names="strategy")
    metrics = [m for m in DIFFERENCE_METRICS if m in paired]
    differences = pd.DataFrame()
    if "none" in order and len(order) > 1:
        differences = paired_differences(paired, metrics, baseline="none", confidence=confidence)
        restricted_rows = differences.metric == "recovery_time_days"
        differences.loc[restricted_rows, "statistic"] = "restricted_mean_difference"
        differences.loc[restricted_rows, "method"] += f"; of min(time, {tau:g} days)"
    notes = [f"{s} gave exactly the same results as {other} in every replication"
             + (f"; it could not act: {activity[s]}" if s in activity else "") for s, other in identical.items()]
    notes += [f"{s} could not act: {why}" for s, why in inactive.items()]
    if len(identical) == len(order) - 1:
        table["recommended"] = False
        warning = ("every strategy gave the same results in every replication: nothing to recommend"
                   if len(order) > 1 else "only one strategy was run: nothing to compare")
        return Comparison(table, differences, None, [], [warning], notes)
    candidates = table[~table.strategy.isin(identical)].sort_values(
        ["profit", "strategy"], ascending=[False, True], kind="stable")
    choice = candidates.iloc[0]
    table["recommended"] = table.strategy == choice.strategy
    runner_up = candidates.iloc[1] if len(candidates) > 1 else None
    reasons, warnings, needed = _reasons(table, differences, profit, choice, runner_up, confidence, currency)
    if len(profit) < FEW_REPLICATIONS:
        warnings.insert(0, f"only {len(profit)} replications: the intervals rest on few values and the advice may "
                           f"change with more (run {FEW_REPLICATIONS * 3} or more)")
    return Comparison(table, differences, str(choice.strategy), reasons, warnings, notes,
                      None if runner_up is None else str(runner_up.strategy), needed)


def _reasons(table: pd.DataFrame, differences: pd.DataFrame, profit: pd.DataFrame, choice: pd.Series,
             runner_up: pd.Series | None, confidence: float, currency: str
             ) -> tuple[list[str], list[str], int | None]:
    name = choice.strategy
    level = f"{confidence:.0%}"
    reasons = [f"{name} has the highest mean profit: {money(choice.profit, currency)} "
               f"(revenue - total cost + stock change)"]
    warnings: list[str] = []
    needed = None
    if runner_up is not None:
        diff = mean_interval((profit[name] - profit[runner_up.strategy]).to_numpy(), confidence)
        reasons.append(f"its profit exceeds that of the runner-up, {runner_up.strategy}, by "
                       f"{money(diff.estimate, currency)} on average ({level} interval of the paired difference: "
                       f"{money(diff.low, currency)} to {money(diff.high, currency)})")
        if not diff.low > 0:
            needed = _replications_needed(diff.estimate, diff.std, confidence)
            hint = (f"; about {needed:,} replications would separate a difference of this size"
                    if needed else "; their mean profits are equal")
            warnings.append(f"{name} and {runner_up.strategy} cannot be told apart on profit with {diff.n} "
                            f"replications (paired difference {money(diff.estimate, currency)}, {level} interval "
                            f"{money(diff.low, currency)} to {money(diff.high, currency)}){hint}")
    reasons.append(f"its service fell below the failure level in {share(choice.dipped_share, 0)} of the replications "
                   f"and had recovered by the end of the horizon in {share(choice.recovered_share, 0)}; "
                   f"median time to recover {days(choice.recovery_median_days)} (Kaplan-Meier, 0 when service "
                   f"never fell), restricted mean {days(choice.recovery_restricted_mean_days)}")
    if name != "none" and len(differences):
        row = differences[(differences.strategy == name) & (differences.metric == "cost_total")]
        if len(row):
            d = row.iloc[0]
            verb = "costs more than" if d.estimate > 0 else "costs less than" if d.estimate < 0 else "costs the same as"
            reasons.append(f"it {verb} none: total cost {signed_money(d.estimate, currency)} per run on average "
                           f"({level} interval {signed_money(d.ci_low, currency)} to "
                           f"{signed_money(d.ci_high, currency)})")
    reasons.append(f"it was the most profitable strategy in {share(choice.best_share, 0)} of the replications")
    # "Sooner and higher" only for those the choice beats on both, not merely on one.
    beaten = [r.strategy for r in table.itertuples() if r.strategy != name and not r.status.startswith("identical")
              and dominates(choice.recovery_restricted_mean_days, -choice.profit,
                            r.recovery_restricted_mean_days, -r.profit, strictly=True)]
    if beaten:
        reasons.append("it recovers sooner (restricted mean time to recover) and has a higher mean profit than "
                       + ", ".join(beaten))
    return reasons, warnings, needed


def _replications_needed(mean: float, sd: float, confidence: float) -> int | None:
    """Replications for a paired difference of size ``mean`` with spread ``sd`` to have an interval
    that excludes zero (normal approximation); None when the mean difference is 0."""
    if not mean or not np.isfinite(sd) or sd == 0:
        return None
    z = stats.norm.ppf((1 + confidence) / 2)
    return max(math.ceil((z * sd / abs(mean)) ** 2), 2)
