"""Resilience metrics of one replication, from its daily demand and deliveries.

Inputs are daily totals over all markets for a horizon of ``H`` days: ``d(t)`` units demanded on
day ``t``, ``f(t)`` units of that day's demand delivered that day (on time), and ``l(t)`` units of
demand lost that day.  ``t0`` is the day of the first disruption onset.

* ``r(t)``, the rolling fill rate: delivered over demanded in the ``window_days`` ending on day
  ``t`` (see :func:`rolling_fill`).
* ``baseline`` ``b``: the mean of ``r`` over the ``baseline_days`` before ``t0`` (fewer when the
  horizon starts later); 1.0 when there are no such days.
* The failure level ``θf = failure_level·b`` and the recovery level ``θr = recovery_level·b``
  (hysteresis: the chain *dips* when ``r`` falls below ``θf``, and *recovers* only when ``r``
  stays at or above the higher ``θr`` for ``hold_days`` consecutive days).
* ``fill_rate``: ``Σf / Σd`` over the horizon (1.0 without demand).
* ``time_to_impact_days``: the first day ``t ≥ t0`` with ``r(t) < θf`` (the dip day), minus
  ``t0``; NaN when the chain never dips.
* ``recovery_time_days``: the first day after the dip day that begins ``hold_days`` days with
  ``r ≥ θr``, all inside the horizon (the recovery day), minus ``t0``; 0 without a dip.  When
  there is no such day the time is censored at the horizon, ``H − t0``.
* ``recovered``: 1.0 when the chain recovered (or never dipped), 0.0 when censored.
* ``follow_up_days``: ``H − t0``, how long the replication was observed after onset: the
  censoring time of ``recovery_time_days`` (see :mod:`resim.core.survival` for its summaries).
* ``dip_days``: the length of the dip itself, recovery day minus dip day (the anyLogistix
  convention); censored at ``H`` minus the dip day when the chain never recovers (``recovered``
  0); NaN without a dip.
* ``shortfall_units``: ``Σ (d − f)`` from ``t0`` to the end of the horizon.
* ``lost_sales_units``: ``Σ l`` from ``t0`` to the end of the horizon.
* ``resilience_loss``: ``Σ max(0, b − r(t))`` from ``t0`` up to (not including) the recovery day,
  or to the end of the horizon when censored; 0 without a dip.  Its unit is fill-rate·days: the
  area of the resilience triangle.
* ``resilience_index``: the share of demand met on time over the control window from ``t0``:
  ``Σf / Σd`` over ``t0 .. t0 + control_window_days`` (to the end of the horizon by default, so
  the window covers the whole impact, however late it arrives); 1.0 without demand in it.

Without a disruption (``onset_day`` None), ``t0 = 0`` for the shortfall and lost sales, the
baseline is 1.0, there is no dip (impact NaN, recovery 0, recovered 1) and no resilience loss.
"""

from __future__ import annotations

import math

import numpy as np

from resim.scenario.format.strategies import Metrics

__all__ = ["METRIC_NAMES", "rolling_fill", "baseline_level", "dip_start", "recovery_start", "replication_metrics"]

METRIC_NAMES: tuple[str, ...] = (
    "fill_rate",
    "baseline",
    "time_to_impact_days",
    "recovery_time_days",
    "recovered",
    "follow_up_days",
    "dip_days",
    "shortfall_units",
    "lost_sales_units",
    "resilience_loss",
    "resilience_index",
)


def _service(demand: np.ndarray, on_time: np.ndarray, start: int, days: int | None) -> float:
    """Resilience index: the share of demand met on time over the control window from ``start``
    (``days`` long, to the end when None: the same window for every strategy of a replication,
    so strategies that recover at different times compare on one number)."""
    end = len(demand) if days is None else start + days
    wanted = demand[start:end].sum()
    return float(on_time[start:end].sum() / wanted) if wanted > 0 else 1.0


def _window_sums(x: np.ndarray, window: int) -> np.ndarray:
    """Sum of ``x`` over days ``t-window+1 .. t`` (days >= 0 only), for every day ``t``."""
    c = np.concatenate(([0], np.cumsum(x)))
    start = np.maximum(np.arange(len(x)) + 1 - window, 0)
    return c[1:] - c[start]


def rolling_fill(demand: np.ndarray, on_time: np.ndarray, window: int) -> np.ndarray:
    """Rolling fill rate ``r(t)``: on-time units over demanded units in the ``window`` days to ``t``.

    ``r(t) = Σ on_time / Σ demand`` over days ``t-window+1 .. t``, counting only days ``>= 0``
    (the first days use shorter windows); ``r(t) = 1.0`` where the window has no demand (nothing
    was asked, nothing was missed).  This refines DESIGN's "rolling mean of f/d": a ratio of
    window sums weights days by their demand and is defined on days without demand.
    """
    demand = np.asarray(demand, dtype=float)
    on_time = np.asarray(on_time, dtype=float)
    if demand.ndim != 1 or demand.shape != on_time.shape:
        raise ValueError(f"demand and on_time must be 1-D of equal length, "
                         f"got shapes {demand.shape} and {on_time.shape}")
    if window < 1:
        raise ValueError(f"window must be at least 1 day, got {window}")
    asked = _window_sums(demand, window)
    r = np.ones_like(asked)
    np.divide(_window_sums(on_time, window), asked, out=r, where=asked > 0)
    return r


def baseline_level(rolling: np.ndarray, onset: int, settings: Metrics) -> float:
    """The baseline ``b``: the mean of the rolling fill rate over the ``baseline_days`` before
    ``onset`` (fewer when the series starts later); 1.0 when there are no such days."""
    before = rolling[max(0, onset - settings.baseline_days):onset]
    return float(before.mean()) if len(before) else 1.0


def dip_start(rolling: np.ndarray, base: float, settings: Metrics, start: int,
              stop: int | None = None) -> int | None:
    """The dip day: the first day from ``start`` (up to, not including, ``stop``; to the end by
    default) with the rolling fill rate below the failure level ``failure_level·base``; None
    when service never falls that low there."""
    below = np.flatnonzero(rolling[start:stop] < settings.failure_level * base)
    return start + int(below[0]) if len(below) else None


def recovery_start(rolling: np.ndarray, base: float, settings: Metrics, after: int) -> int | None:
    """The recovery day: the first day after ``after`` (the dip day) that begins ``hold_days``
    days with the rolling fill rate at or above the recovery level ``recovery_level·base``, the
    whole run inside the series; None when service does not recover so."""
    hold = settings.hold_days
    ok = np.concatenate(([0], np.cumsum(rolling >= settings.recovery_level * base)))
    starts = np.flatnonzero(ok[hold:] - ok[:-hold] == hold)  # ok[t + hold] - ok[t]: days t .. t + hold - 1 at the level
    starts = starts[starts > after]
    return int(starts[0]) if len(starts) else None


def replication_metrics(demand: np.ndarray, on_time: np.ndarray, lost: np.ndarray,
                        onset_day: int | None, settings: Metrics) -> dict[str, float]:
    """The metrics :data:`METRIC_NAMES` of one replication (formulas in the module docstring).

    ``demand``, ``on_time`` and ``lost`` are daily totals over the horizon; ``onset_day`` is the
    day of the first disruption onset (``0 <= onset_day < H``), or None without a disruption.
    """
    demand = np.asarray(demand, dtype=float)
    on_time = np.asarray(on_time, dtype=float)
    lost = np.asarray(lost, dtype=float)
    if demand.ndim != 1 or not demand.shape == on_time.shape == lost.shape:
        raise ValueError(f"demand, on_time and lost must be 1-D of equal length, got shapes "
                         f"{demand.shape}, {on_time.shape} and {lost.shape}")
    horizon = len(demand)
    if onset_day is not None and not 0 <= onset_day < horizon:
        raise ValueError(f"onset_day {onset_day} is outside the horizon 0..{horizon - 1}")

    total = demand.sum()
    t0 = 0 if onset_day is None else onset_day
    out = {
        "fill_rate": float(on_time.sum() / total) if total > 0 else 1.0,
        "baseline": 1.0,
        "time_to_impact_days": math.nan,
        "recovery_time_days": 0.0,
        "recovered": 1.0,
        "follow_up_days": float(horizon - t0),
        "dip_days": math.nan,
        "shortfall_units": float((demand[t0:] - on_time[t0:]).sum()),
        "lost_sales_units": float(lost[t0:].sum()),
        "resilience_loss": 0.0,
        "resilience_index": _service(demand, on_time, t0, settings.control_window_days),
    }
    if onset_day is None:
        return out

    r = rolling_fill(demand, on_time, settings.window_days)
    b = baseline_level(r, t0, settings)
    out["baseline"] = b

    dip = dip_start(r, b, settings, t0)
    if dip is None:
        return out
    out["time_to_impact_days"] = float(dip - t0)

    end = recovery_start(r, b, settings, dip)
    if end is None:  # censored at the horizon
        end = horizon
        out["recovered"] = 0.0
    out["recovery_time_days"] = float(end - t0)
    out["dip_days"] = float(end - dip)
    out["resilience_loss"] = float(np.maximum(0.0, b - r[t0:end]).sum())
    return out
