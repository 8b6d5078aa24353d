"""Summaries of metrics across replications: means with Student-t confidence intervals.

Strategies are compared on *paired* differences: every strategy of replication ``i`` sees the
same random draws (common random numbers), so the interval of the per-replication differences
is much narrower than the difference of two independent intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

__all__ = ["SUMMARY_COLUMNS", "t_interval", "summarise", "paired_differences"]

# Columns of the tables of summarise and paired_differences, after the group column.
SUMMARY_COLUMNS: tuple[str, ...] = ("metric", "mean", "std", "ci_low", "ci_high", "n")


def t_interval(values: np.ndarray, confidence: float = 0.95
               ) -> tuple[float, float, float, float, int]:
    """Mean, sample std (ddof=1), confidence interval and count of the non-NaN ``values``.

    The interval is ``mean ± t_{(1+confidence)/2, n-1} · std / √n``; equal values give std 0 and
    ``low == high == mean``.  With one value the std and the interval are NaN; with none
    everything is NaN and ``n`` is 0.
    """
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
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


def _table(rows: list[tuple], by: str) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=[by, *SUMMARY_COLUMNS])
    return table.astype({"n": "int64"})


def summarise(replications: pd.DataFrame, metrics: Sequence[str], by: str = "strategy",
              confidence: float = 0.95) -> pd.DataFrame:
    """One row per group of ``by`` × metric: mean, std, interval and count (NaNs dropped).

    Groups come in order of first appearance, metrics in the given order.
    """
    rows = [(group, metric, *t_interval(frame[metric].to_numpy(dtype=float), confidence))
            for group, frame in replications.groupby(by, sort=False)
            for metric in metrics]
    return _table(rows, by)


def paired_differences(replications: pd.DataFrame, metrics: Sequence[str],
                       baseline: str = "none", by: str = "strategy",
                       pair_on: str = "replication", confidence: float = 0.95) -> pd.DataFrame:
    """Intervals of (strategy − ``baseline``) per metric, paired on the ``pair_on`` column.

    Only replications present for both strategies are paired; a pair with a NaN on either side
    is dropped.  Columns as in :func:`summarise`; one row per non-baseline group × metric.
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
            rows.append((group, metric, *t_interval(diff, confidence)))
    return _table(rows, by)
