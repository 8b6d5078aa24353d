"""Quantiles of a daily series over replications, in memory that neither the horizon nor the
number of replications makes large.

Each replication adds one value per day (the rolling fill rate, in 0..1). While the values seen
so far fit in a budget (``days × replications`` at most :data:`EXACT_VALUES`), they are kept,
and a quantile is exact: the lower empirical quantile, the ``ceil(q·n)``-th smallest value of
the day. Beyond it they are binned, once, into :data:`BINS` equal bins over 0..1 (counts only),
and a quantile is read from the bins and clipped to the day's observed range, so it is within
``1 / BINS`` of the exact one. A year-long run stays exact up to about 10,000 replications; a
century-long run of one replication keeps 36,500 values, not a 36,500 × 2,000 table.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BINS", "EXACT_VALUES", "DailyQuantiles"]

BINS = 2000
EXACT_VALUES = 4_000_000   # 32 MB of float64 values per series before they are binned
_CHUNK_DAYS = 4096         # days binned or read at once: bounds the temporaries of cumsum and sort


class DailyQuantiles:
    """Folds one value per day and replication; answers per-day quantiles (see the module)."""

    def __init__(self, days: int, replications: int = 8) -> None:
        """``replications``: how many are expected, so the values' storage is sized once (it
        grows beyond, within the budget)."""
        self.days = days
        self.count = 0
        self.low = np.full(days, np.inf)
        self.high = np.full(days, -np.inf)
        columns = min(max(replications, 1), max(EXACT_VALUES // days, 1))
        self._values = np.empty((days, columns))  # exact: a column per replication
        self._hist: np.ndarray | None = None           # binned mode: days × BINS counts

    @property
    def exact(self) -> bool:
        """True while every value is kept (quantiles exact), False once they are binned."""
        return self._hist is None

    def add(self, values: np.ndarray) -> None:
        """Fold one replication's values (one per day, in 0..1)."""
        values = np.asarray(values, float)
        if values.shape != (self.days,):
            raise ValueError(f"expected {self.days} daily values, not an array of shape {values.shape}")
        self.low = np.minimum(self.low, values)
        self.high = np.maximum(self.high, values)
        if self._hist is None and self.days * (self.count + 1) > EXACT_VALUES:
            self._to_bins()
        if self._hist is None:
            if self.count == self._values.shape[1]:  # double the columns (amortised), within the budget
                more = min(self._values.shape[1], EXACT_VALUES // self.days - self.count)
                self._values = np.concatenate([self._values, np.empty((self.days, more))], axis=1)
            self._values[:, self.count] = values
        else:
            self._hist[np.arange(self.days), _bins(values)] += 1
        self.count += 1

    def quantile(self, q: float) -> np.ndarray:
        """Per day, the lower empirical ``q``-quantile of the values folded (NaN before any)."""
        if self.count == 0:
            return np.full(self.days, np.nan)
        rank = max(int(np.ceil(q * self.count)), 1)   # the rank-th smallest
        found = np.empty(self.days)
        for start in range(0, self.days, _CHUNK_DAYS):
            days = slice(start, min(start + _CHUNK_DAYS, self.days))
            if self._hist is None:
                found[days] = np.partition(self._values[days, :self.count], rank - 1, axis=1)[:, rank - 1]
            else:
                bins = np.argmax(np.cumsum(self._hist[days], axis=1) >= rank, axis=1)
                found[days] = np.clip((bins + 0.5) / BINS, self.low[days], self.high[days])
        return found

    def _to_bins(self) -> None:
        # int32 counts: 2**31 replications is beyond any run.
        self._hist = np.zeros((self.days, BINS), np.int32)
        for start in range(0, self.days, _CHUNK_DAYS):
            days = np.arange(start, min(start + _CHUNK_DAYS, self.days))
            for column in range(self.count):
                self._hist[days, _bins(self._values[days, column])] += 1
        self._values = np.empty((0, 0))


def _bins(values: np.ndarray) -> np.ndarray:
    return np.clip((values * BINS).astype(np.int64), 0, BINS - 1)
