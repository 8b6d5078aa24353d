"""Metrics per year of a multi-year run (annual.csv): what each year of the horizon costs and
misses, and what a mean year does, with the value at risk of its cost.

The horizon is cut into years of 365 days from day 0 (the last one shorter when the horizon is
not a whole number of years; it is labelled with its days). For each strategy and year, over the
replications: the mean units short (demanded and not delivered on the day demanded) and the mean
cost (every component the model charges that year), each with the interval
:func:`resim.core.stats.mean_interval` gives; and for the cost, its value at risk (``var``: the
``level`` quantile across replications, with a distribution-free interval from the binomial
order statistics, :func:`scipy.stats.quantile_test`) and its conditional value at risk (``cvar``:
the mean of the costliest ``1 − level`` share; no interval). The *mean year* is the whole
horizon's totals × 365 / horizon per replication: the expected annual shortfall and cost.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from resim.core.stats import cvar, mean_interval

__all__ = ["YEAR_DAYS", "YEARLY", "yearly_sums", "annual_table"]

YEAR_DAYS = 365
YEARLY = ("shortfall_units", "cost_total")
"""What each replication records per year (:func:`yearly_sums` of its daily series)."""

_COLUMNS = ["strategy", "period", "days", "metric", "statistic", "estimate", "ci_low", "ci_high", "n", "method"]


def yearly_sums(daily: np.ndarray) -> np.ndarray:
    """The sums of a daily series over consecutive 365-day years (the last may be shorter)."""
    values = np.asarray(daily, dtype=float)
    starts = np.arange(0, len(values), YEAR_DAYS)
    return np.add.reduceat(values, starts) if len(values) else np.zeros(0)


def _periods(horizon: int) -> list[tuple[str, int]]:
    """(label, days) of each year of the horizon."""
    found = []
    for k, start in enumerate(range(0, horizon, YEAR_DAYS), 1):
        days = min(YEAR_DAYS, horizon - start)
        found.append((f"year {k}" if days == YEAR_DAYS else f"year {k} ({days} days)", days))
    return found


def _rows(strategy: str, period: str, days: int, values: dict[str, np.ndarray], level: float,
          confidence: float) -> list[list]:
    rows = []
    for metric in YEARLY:
        x = values[metric][np.isfinite(values[metric])]
        e = mean_interval(x, confidence)
        rows.append([strategy, period, days, metric, "mean", e.estimate, e.low, e.high, e.n, e.method])
    cost = values["cost_total"][np.isfinite(values["cost_total"])]
    n = len(cost)
    low = high = math.nan
    if n >= 2:
        interval = stats.quantile_test(cost, q=float(np.quantile(cost, level)), p=level).confidence_interval(confidence)
        low, high = float(interval.low), float(interval.high)
    var = float(np.quantile(cost, level, method="inverted_cdf")) if n else math.nan
    method = "empirical quantile, binomial order-statistic interval" if np.isfinite(low) and np.isfinite(high) \
        else "empirical quantile; too few replications for a two-sided interval"
    rows.append([strategy, period, days, "cost_total", f"var_{level:g}", var, low, high, n, method])
    rows.append([strategy, period, days, "cost_total", f"cvar_{level:g}", cvar(cost, level),
                 math.nan, math.nan, n, "mean of the costliest share; no interval"])
    return rows


def annual_table(yearly: pd.DataFrame, horizon: int, *, level: float = 0.95,
                 confidence: float = 0.95) -> pd.DataFrame:
    """annual.csv from ``yearly`` (one row per strategy × replication × year: ``strategy``,
    ``replication``, ``year`` (1, 2, ...) and the :data:`YEARLY` columns): per strategy, each
    year's rows, then the mean year's (``period`` "mean year", 365 days)."""
    rows: list[list] = []
    periods = _periods(horizon)
    for strategy, frame in yearly.groupby("strategy", sort=False):
        for year, (label, days) in enumerate(periods, 1):
            of_year = frame[frame.year == year]
            rows += _rows(str(strategy), label, days, {m: of_year[m].to_numpy(float) for m in YEARLY},
                          level, confidence)
        whole = frame.groupby("replication", sort=True)[list(YEARLY)].sum() * YEAR_DAYS / horizon
        rows += _rows(str(strategy), "mean year", YEAR_DAYS, {m: whole[m].to_numpy(float) for m in YEARLY},
                      level, confidence)
    return pd.DataFrame(rows, columns=_COLUMNS)
