"""Summaries of metrics across replications, with intervals that stay inside each metric's domain.

* A **binary** metric (``recovered``: 1 or 0 per replication) is a binomial share: Wilson score
  interval, inside [0, 1] by construction.
* Every **other** metric is summarised by its mean with a bootstrap interval (scipy's BCa, 1,999
  resamples, a fixed seed so the same table gives the same interval). A bootstrap interval of a
  mean lies within the smallest and largest value observed, so it never leaves the metric's
  domain (a share stays in [0, 1], units and costs stay non-negative). From 500 replications
  on, the Student-t interval is used instead (the central limit theorem holds there, and the
  bootstrap would cost seconds per metric) whenever it too lies within the observed range.
* **Censored durations** (time to recover) are summarised in :mod:`resim.core.survival`;
  :func:`recovery_summary` gives their rows in the same table.

Strategies are compared on *paired* differences: every strategy of replication ``i`` sees the
same random draws (common random numbers), so the interval of the per-replication differences
is much narrower than the difference of two independent intervals.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as st

from resim.core.survival import km_quantile, restricted_values, share_interval

__all__ = ["SUMMARY_COLUMNS", "BINARY_METRICS", "Estimate", "t_interval", "mean_interval", "summarise", "cvar",
           "recovery_summary", "paired_differences"]

# Columns of the tables of summarise and paired_differences, after the group column.
SUMMARY_COLUMNS: tuple[str, ...] = ("metric", "statistic", "estimate", "std", "ci_low", "ci_high", "n",
                                    "censored", "method")
BINARY_METRICS: frozenset[str] = frozenset({"recovered"})
_NOTES = {"time_to_impact_days": "over the replications whose service fell below the failure level"}
LARGE_SAMPLE = 500  # replications from which a t-interval inside the observed range is used
RESAMPLES = 1999
_BOOTSTRAP_SEED = 20240917  # fixed: the interval of a table is reproducible


@dataclass(frozen=True)
class Estimate:
    """A summary statistic with its confidence interval, the values it rests on and how."""

    estimate: float
    std: float
    low: float
    high: float
    n: int
    method: str


def t_interval(values: np.ndarray, confidence: float = 0.95
               ) -> tuple[float, float, float, float, int]:
    """Mean, sample std (ddof=1), Student-t confidence interval and count of the non-NaN ``values``.

    The interval is ``mean ± t_{(1+confidence)/2, n-1} · std / √n``; equal values give std 0 and
    ``low == high == mean``.  With one value the std and the interval are NaN; with none
    everything is NaN and ``n`` is 0.
    """
    x = _finite(values)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, math.nan, 1
    if (x == x[0]).all():  # exactly, where float summation would leave a residue
        return float(x[0]), 0.0, float(x[0]), float(x[0]), n
    std = float(x.std(ddof=1))
    half = float(st.t.ppf((1 + confidence) / 2, n - 1)) * std / math.sqrt(n)
    return mean, std, mean - half, mean + half, n


def _finite(values: np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[~np.isnan(x)]


def _bootstrap(x: np.ndarray, confidence: float) -> tuple[float, float, str]:
    rng = np.random.default_rng(_BOOTSTRAP_SEED)
    with warnings.catch_warnings():  # a degenerate BCa is answered by the percentile method below
        warnings.simplefilter("ignore")
        ci = st.bootstrap((x,), np.mean, confidence_level=confidence, n_resamples=RESAMPLES,
                          method="BCa", random_state=rng, vectorized=True).confidence_interval
    if np.isfinite(ci.low) and np.isfinite(ci.high):
        return float(ci.low), float(ci.high), "bootstrap BCa"
    ci = st.bootstrap((x,), np.mean, confidence_level=confidence, n_resamples=RESAMPLES,
                      method="percentile", random_state=np.random.default_rng(_BOOTSTRAP_SEED),
                      vectorized=True).confidence_interval
    return float(ci.low), float(ci.high), "bootstrap percentile"


def mean_interval(values: np.ndarray, confidence: float = 0.95, *, binary: bool = False) -> Estimate:
    """Mean of the non-NaN ``values`` with an interval inside their domain (module docstring).

    ``binary``: the values are 0/1 and the mean is a share (Wilson score interval). Equal values
    give a zero-width interval; one value or none give NaN bounds."""
    x = _finite(values)
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, "no values")
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if n > 1 else math.nan
    if binary:
        low, high = share_interval(int(round(x.sum())), n, confidence)
        return Estimate(mean, std, low, high, n, "Wilson score")
    if n == 1:
        return Estimate(mean, std, math.nan, math.nan, 1, "one value: no interval")
    if (x == x[0]).all():
        return Estimate(float(x[0]), 0.0, float(x[0]), float(x[0]), n, "all values equal")
    if n >= LARGE_SAMPLE:
        _, _, low, high, _ = t_interval(x, confidence)
        if x.min() <= low and high <= x.max():
            return Estimate(mean, std, low, high, n, "Student t")
    low, high, method = _bootstrap(x, confidence)
    return Estimate(mean, std, low, high, n, method)


def _row(group, metric: str, statistic: str, e: Estimate, censored: int = 0, note: str = "") -> tuple:
    method = f"{e.method}; {note}" if note and e.method else (note or e.method)
    return (group, metric, statistic, e.estimate, e.std, e.low, e.high, e.n, censored, method)


def _table(rows: list[tuple], by: str) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=[by, *SUMMARY_COLUMNS])
    return table.astype({"n": "int64", "censored": "int64"})


def summarise(replications: pd.DataFrame, metrics: Sequence[str], by: str = "strategy",
              confidence: float = 0.95) -> pd.DataFrame:
    """One row per group of ``by`` × metric: the mean, std, interval, count (NaNs dropped) and
    the interval's method; :data:`BINARY_METRICS` as shares.

    Groups come in order of first appearance, metrics in the given order.
    """
    rows = [_row(group, metric, "share" if metric in BINARY_METRICS else "mean",
                 mean_interval(frame[metric].to_numpy(dtype=float), confidence,
                               binary=metric in BINARY_METRICS), note=_NOTES.get(metric, ""))
            for group, frame in replications.groupby(by, sort=False)
            for metric in metrics]
    return _table(rows, by)


def recovery_summary(replications: pd.DataFrame, by: str = "strategy",
                     confidence: float = 0.95) -> pd.DataFrame:
    """Rows of the censored durations per group: the share ``recovered``; ``recovery_time_days``
    as the restricted mean to the shortest follow-up ``τ``; its Kaplan–Meier median and quartiles
    (``recovery_time_median_days``, ``_q1_``, ``_q3_``); and the dip's median length
    (``dip_median_days``: from the first day below the failure level to recovery, over the
    replications that dipped).

    Needs the columns ``recovery_time_days``, ``recovered``, ``follow_up_days`` and ``dip_days``.
    """
    rows = []
    for group, frame in replications.groupby(by, sort=False):
        times = frame["recovery_time_days"].to_numpy(float)
        ended = frame["recovered"].to_numpy(float)
        censored = int((ended < 0.5).sum())
        rows.append(_row(group, "recovered", "share", mean_interval(ended, confidence, binary=True), censored))
        tau, values = restricted_values(times, frame["follow_up_days"].to_numpy(float))
        rows.append(_row(group, "recovery_time_days", "restricted_mean", mean_interval(values, confidence),
                         censored, f"mean of min(time, {tau:g} days): the shortest follow-up"))
        for name, q in (("recovery_time_median_days", 0.5), ("recovery_time_q1_days", 0.25),
                        ("recovery_time_q3_days", 0.75)):
            rows.append(_km_row(group, name, q, times, ended, confidence, censored))
        dips = frame["dip_days"].to_numpy(float)
        dipped = ~np.isnan(dips)
        rows.append(_km_row(group, "dip_median_days", 0.5, dips[dipped], ended[dipped], confidence,
                            int((ended[dipped] < 0.5).sum())))
    return _table(rows, by)


def _km_row(group, name: str, q: float, times: np.ndarray, ended: np.ndarray, confidence: float,
            censored: int) -> tuple:
    found = km_quantile(times, ended, q, confidence)
    label = "median" if q == 0.5 else f"{q:.0%} quantile"
    e = Estimate(found.estimate, math.nan, found.low, found.high, len(times),
                 f"Kaplan–Meier {label}, log-log interval; NaN: not reached within the horizon")
    return _row(group, name, "km_median" if q == 0.5 else f"km_q{q:g}", e, censored)


def paired_differences(replications: pd.DataFrame, metrics: Sequence[str],
                       baseline: str = "none", by: str = "strategy",
                       pair_on: str = "replication", confidence: float = 0.95) -> pd.DataFrame:
    """Intervals of the mean (strategy − ``baseline``) per metric, paired on the ``pair_on`` column.

    Only replications present for both strategies are paired; a pair with a NaN on either side
    is dropped.  Columns as in :func:`summarise` (statistic ``mean_difference``); one row per
    non-baseline group × metric.
    """
    groups = list(replications[by].drop_duplicates())
    if baseline not in groups:
        raise ValueError(f"baseline {by} {baseline!r} is not among the replications "
                         f"(found: {', '.join(map(repr, groups)) or 'none'})")
    if replications.duplicated([by, pair_on]).any():
        raise ValueError(f"each {by} must have at most one row per {pair_on}")
    indexed = replications.set_index(pair_on)
    base = indexed[indexed[by] == baseline]
    rows = []
    for group in groups:
        if group == baseline:
            continue
        other = indexed[indexed[by] == group]
        common = other.index.intersection(base.index)
        for metric in metrics:
            diff = (other.loc[common, metric].to_numpy(dtype=float)
                    - base.loc[common, metric].to_numpy(dtype=float))
            rows.append(_row(group, metric, "mean_difference", mean_interval(diff, confidence)))
    return _table(rows, by)


def cvar(costs: np.ndarray, level: float) -> float:
    """Conditional value at risk: the mean of the costliest ``1 - level`` share of ``costs``
    (Rockafellar–Uryasev on the empirical distribution: each value weighs 1/n, the value at the
    ``level`` quantile counts with the fraction of its weight above the level)."""
    x = np.sort(np.asarray(costs, dtype=float))[::-1]
    n = len(x)
    if n == 0:
        return math.nan
    tail = (1.0 - level) * n  # replications' worth of weight in the tail
    whole = int(math.floor(tail + 1e-9))
    total = x[:whole].sum() + (tail - whole) * (x[whole] if whole < n else 0.0)
    return float(total / tail)
