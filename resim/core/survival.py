"""Right-censored durations (time to recover): Kaplan–Meier quantiles and the restricted mean.

A replication that has not recovered by the end of the horizon tells us only that its time to
recover exceeds what was observed (``H − t0`` days): it is right-censored. Averaging such values
as if observed understates the time, and a mean of a bimodal duration (most replications at 0,
some at 200 days) describes no replication. The summaries here respect both:

* the **share ended** (recovered) by the end of the horizon, with a Wilson score interval;
* **Kaplan–Meier quantiles** (median and quartiles): the first day ``t`` at which the estimated
  share still not recovered ``S(t)`` falls to ``1 − q`` or below, with the interval of the days
  at which the pointwise log-log confidence band of ``S`` contains ``1 − q``
  (Brookmeyer–Crowley); a quantile or a bound is NaN ("not reached") when the curve never gets
  that low within the horizon;
* the **restricted mean** to ``τ``, the shortest follow-up of any replication: the mean of
  ``min(T, τ)``. Every replication is observed up to ``τ`` (a censored one was followed for at
  least ``τ`` days), so ``min(T, τ)`` is known exactly and its mean equals the area under the
  Kaplan–Meier curve up to ``τ``, with no assumption about the censored tail.

The estimator is scipy's (:func:`scipy.stats.ecdf` of :class:`scipy.stats.CensoredData`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["Quantile", "kaplan_meier", "km_quantile", "recovered_by", "restricted_values", "share_interval"]


@dataclass(frozen=True)
class Quantile:
    """A Kaplan–Meier quantile (days) with its confidence interval; NaN where not reached."""

    estimate: float
    low: float
    high: float


def _clean(times: np.ndarray, ended: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    times = np.asarray(times, dtype=float).ravel()
    ended = np.asarray(ended, dtype=float).ravel() > 0.5
    if times.shape != ended.shape:
        raise ValueError(f"times and ended must have equal length, got {times.size} and {ended.size}")
    keep = ~np.isnan(times)
    return times[keep], ended[keep]


def kaplan_meier(times: np.ndarray, ended: np.ndarray):
    """scipy's Kaplan–Meier estimate (an ``ECDFResult``) of durations ``times`` (days), where
    ``ended`` is true for an observed end and false for a duration censored at ``times``;
    None without data or without any observed end."""
    times, ended = _clean(times, ended)
    if not ended.any():
        return None
    return stats.ecdf(stats.CensoredData(uncensored=times[ended], right=times[~ended]))


def _first_at_or_below(days: np.ndarray, curve: np.ndarray, level: float) -> float:
    hit = np.flatnonzero(curve <= level + 1e-12)
    return float(days[hit[0]]) if len(hit) else math.nan


def km_quantile(times: np.ndarray, ended: np.ndarray, q: float, confidence: float = 0.95) -> Quantile:
    """The ``q`` quantile of the duration (``q = 0.5``: the median), from the Kaplan–Meier curve:
    the first day at which the share not yet ended is ``1 − q`` or less, with its interval
    (days where the log-log confidence band of that share contains ``1 − q``)."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must lie strictly between 0 and 1, got {q}")
    result = kaplan_meier(times, ended)
    if result is None:
        return Quantile(math.nan, math.nan, math.nan)
    sf = result.sf
    days, surviving = sf.quantiles, sf.probabilities
    with warnings.catch_warnings():  # undefined where S is 0 or 1: handled just below
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(confidence, method="log-log")
    # The log-log band is undefined where S is 0 or 1; there the band closes on S itself.
    low = np.where(np.isnan(band.low.probabilities), surviving, band.low.probabilities)
    high = np.where(np.isnan(band.high.probabilities), surviving, band.high.probabilities)
    level = 1.0 - q
    return Quantile(_first_at_or_below(days, surviving, level), _first_at_or_below(days, low, level),
                    _first_at_or_below(days, high, level))


def recovered_by(times: np.ndarray, ended: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Kaplan–Meier share of replications ended (recovered) by each of ``days``: ``1 − S(t)``;
    all zeros when none ended."""
    days = np.asarray(days, dtype=float)
    result = kaplan_meier(times, ended)
    if result is None:
        return np.zeros_like(days)
    return result.cdf.evaluate(days)


def restricted_values(times: np.ndarray, follow_up: np.ndarray) -> tuple[float, np.ndarray]:
    """``τ`` (the shortest follow-up, days) and ``min(T, τ)`` per replication: the values whose
    plain mean is the restricted mean duration to ``τ``. ``times`` are durations, censored ones
    at their follow-up; ``follow_up`` is how long each replication was observed."""
    times = np.asarray(times, dtype=float).ravel()
    follow_up = np.asarray(follow_up, dtype=float).ravel()
    known = ~np.isnan(times)
    if not known.any():
        return math.nan, np.array([])
    tau = float(np.nanmin(follow_up[known]))
    return tau, np.minimum(times[known], tau)


def share_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial share (inside [0, 1] by construction); NaN for n = 0."""
    if n <= 0:
        return math.nan, math.nan
    ci = stats.binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)
