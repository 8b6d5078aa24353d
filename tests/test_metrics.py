"""Resilience metrics of one replication (resim.experiment.metrics), against hand-computed series."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

from resim.scenario.format.strategies import Metrics
from resim.experiment.metrics import (METRIC_NAMES, baseline_level, dip_start, recovery_start, replication_metrics,
                                      rolling_fill)


def naive_rolling_fill(demand, on_time, window):
    out = []
    for t in range(len(demand)):
        lo = max(0, t - window + 1)
        asked = sum(demand[lo:t + 1])
        out.append(1.0 if asked == 0 else sum(on_time[lo:t + 1]) / asked)
    return np.array(out)


def outage_series():
    """H=20, demand 10 a day, nothing delivered on days 8..11 and 5 units on day 12."""
    demand = np.full(20, 10.0)
    on_time = demand.copy()
    on_time[8:12] = 0.0
    on_time[12] = 5.0
    lost = (demand - on_time) / 2
    return demand, on_time, lost


# Window 3, so r(t) = (f(t-2) + f(t-1) + f(t)) / 30 once t >= 2:
#   t:    0..7  8     9     10  11  12    13    14    15..19
#   r:    1     20/30 10/30 0   0   5/30  15/30 25/30 1
OUTAGE_R = np.array([1.0] * 8 + [2 / 3, 1 / 3, 0.0, 0.0, 1 / 6, 1 / 2, 5 / 6] + [1.0] * 5)


def test_rolling_fill_outage_by_hand():
    demand, on_time, _ = outage_series()
    np.testing.assert_allclose(rolling_fill(demand, on_time, 3), OUTAGE_R)


def test_baseline_dip_and_recovery_days_by_hand():
    # The steps replication_metrics and the ripple trace share, on OUTAGE_R (levels 0.90 and 0.95).
    settings = Metrics(window_days=3, hold_days=3, baseline_days=2)
    assert baseline_level(OUTAGE_R, 8, settings) == 1.0                   # days 6, 7
    assert baseline_level(OUTAGE_R, 10, settings) == pytest.approx(0.5)   # (2/3 + 1/3) / 2
    assert baseline_level(OUTAGE_R, 0, settings) == 1.0                   # no day before the onset
    assert dip_start(OUTAGE_R, 1.0, settings, 0) == 8                     # r(8) = 2/3 < 0.90
    assert dip_start(OUTAGE_R, 1.0, settings, 13) == 13                   # r(13) = 1/2
    assert dip_start(OUTAGE_R, 1.0, settings, 0, stop=8) is None          # days 0..7 all at 1
    assert dip_start(OUTAGE_R, 1.0, settings, 15) is None
    assert dip_start(OUTAGE_R, 0.5, settings, 8) == 9                     # below 0.45: r(9) = 1/3
    # Runs of 3 days with r >= 0.95 start on days 0..5 and 15..17; the first after the dip is 15.
    assert recovery_start(OUTAGE_R, 1.0, settings, 8) == 15
    assert recovery_start(OUTAGE_R, 1.0, settings, -1) == 0
    assert recovery_start(OUTAGE_R, 1.0, settings, 15) == 16
    assert recovery_start(OUTAGE_R, 1.0, settings, 17) is None            # days 18..20 leave the series
    assert recovery_start(OUTAGE_R, 1.0, Metrics(hold_days=6), 8) is None  # days 15..19 are 5 days
    assert recovery_start(OUTAGE_R, 0.5, settings, 8) == 13               # r >= 0.475 on days 13, 14, 15


def test_outage_metrics_by_hand():
    demand, on_time, lost = outage_series()
    m = replication_metrics(demand, on_time, lost, 8, Metrics(window_days=3, hold_days=3))
    assert tuple(m) == METRIC_NAMES
    # Baseline: days max(0, 8-28)=0 .. 7, all r = 1 -> b = 1; θf = 0.90, θr = 0.95.
    assert m["baseline"] == 1.0
    # r(8) = 2/3 < 0.90: the dip is on the onset day.
    assert m["time_to_impact_days"] == 0.0
    # First day after 8 starting 3 days with r >= 0.95: day 15 (r(14) = 5/6 is still below).
    assert m["recovery_time_days"] == 15 - 8
    assert m["recovered"] == 1.0
    # Σ (1 - r) over days 8..14: 1/3 + 2/3 + 1 + 1 + 5/6 + 1/2 + 1/6 = 4.5
    assert m["resilience_loss"] == pytest.approx(4.5)
    # Shortfall from day 8: 4 days × 10 + 5 = 45; lost sales are half of it here.
    assert m["shortfall_units"] == 45.0
    assert m["lost_sales_units"] == 22.5
    # Fill rate: (200 - 45) / 200.
    assert m["fill_rate"] == pytest.approx(0.775)
    # Followed for 20 - 8 days after onset; the dip itself lasts from day 8 to day 15.
    assert m["follow_up_days"] == 12.0
    assert m["dip_days"] == 7.0
    # Resilience index, by default over onset to the end of the horizon: (120 - 45) / 120.
    assert m["resilience_index"] == pytest.approx(75 / 120)


def test_resilience_index_window_covers_a_late_impact():
    # Issue 16: the 90-day default window ended before the impact arrived, so a strategy 2,053
    # units short scored 100 %. Onset on day 10, nothing delivered on days 120..149 of 200.
    demand = np.full(200, 10.0)
    on_time = demand.copy()
    on_time[120:150] = 0.0
    m = replication_metrics(demand, on_time, np.zeros(200), 10, Metrics())
    assert m["resilience_index"] == pytest.approx(1 - 300 / 1900)
    # The rest of docs/model.md's worked example: r(120) = 6/7 < 0.9 (impact after 110 days);
    # the 7-day window is clear of the outage from day 156 on.
    assert (m["time_to_impact_days"], m["recovery_time_days"], m["dip_days"], m["follow_up_days"]) == \
        (110.0, 146.0, 36.0, 190.0)
    # A window set by the scenario is taken as given: 90 days from onset miss the impact.
    short = replication_metrics(demand, on_time, np.zeros(200), 10, Metrics(control_window_days=90))
    assert short["resilience_index"] == 1.0


def test_hold_window_must_fit_in_horizon():
    # Same outage with the default 7-day hold: r = 1 from day 15, but 15..21 passes the last day
    # 19, so the recovery is censored at the horizon: 20 - 8 days, loss summed to day 19.
    demand, on_time, lost = outage_series()
    m = replication_metrics(demand, on_time, lost, 8, Metrics(window_days=3))
    assert m["recovered"] == 0.0
    assert m["recovery_time_days"] == 20 - 8
    assert m["resilience_loss"] == pytest.approx(4.5)
    # The dip began on day 8 and is censored with the recovery: still going at the horizon.
    assert m["dip_days"] == 20 - 8


def test_never_recovering_is_censored():
    demand = np.full(30, 10.0)
    on_time = np.where(np.arange(30) < 10, 10.0, 5.0)
    m = replication_metrics(demand, on_time, np.zeros(30), 10, Metrics(window_days=1))
    assert m["time_to_impact_days"] == 0.0
    assert m["recovered"] == 0.0
    assert m["recovery_time_days"] == 30 - 10
    # r = 0.5 on days 10..29, b = 1: 20 days × 0.5.
    assert m["resilience_loss"] == pytest.approx(10.0)
    assert m["shortfall_units"] == 20 * 5.0


def test_no_dip():
    # A 5% shortfall on days 10..14 stays above the failure level 0.90: no impact, no recovery.
    demand = np.full(30, 100.0)
    on_time = demand.copy()
    on_time[10:15] = 95.0
    m = replication_metrics(demand, on_time, np.zeros(30), 10, Metrics(window_days=1))
    assert math.isnan(m["time_to_impact_days"])
    assert m["recovery_time_days"] == 0.0
    assert m["recovered"] == 1.0
    assert m["resilience_loss"] == 0.0
    assert m["shortfall_units"] == 25.0
    assert math.isnan(m["dip_days"])


def test_delayed_impact():
    # Onset on day 10, deliveries fall on day 13 only: impact 3 days after onset.
    demand = np.full(30, 100.0)
    on_time = demand.copy()
    on_time[13:16] = 50.0
    m = replication_metrics(demand, on_time, np.zeros(30), 10, Metrics(window_days=1, hold_days=2))
    assert m["time_to_impact_days"] == 3.0
    assert m["recovery_time_days"] == 16 - 10
    assert m["resilience_loss"] == pytest.approx(1.5)


def test_hysteresis():
    # b = 1, window 1 (r = f/d), θf = 0.90, θr = 0.95, hold 3.  Dip on day 10 (0.80); days
    # 11..16 hover at 0.92, above the failure level but below the recovery level; days 17..18
    # reach 0.96 for only two days, fall back to 0.92 on day 19, and stay at 0.96 from day 20.
    r = np.full(30, 1.0)
    r[10] = 0.80
    r[11:17] = 0.92
    r[17:19] = 0.96
    r[19] = 0.92
    r[20:] = 0.96
    demand = np.full(30, 100.0)
    m = replication_metrics(demand, 100.0 * r, np.zeros(30), 10, Metrics(window_days=1, hold_days=3))
    assert m["time_to_impact_days"] == 0.0
    assert m["recovery_time_days"] == 20 - 10
    # Σ (1 - r) over days 10..19: 0.20 + 7 × 0.08 + 2 × 0.04.
    assert m["resilience_loss"] == pytest.approx(0.20 + 7 * 0.08 + 2 * 0.04)


def test_baseline_scales_levels_and_uses_only_baseline_days():
    # r = 0.5 on days 0..4 and 0.8 on days 5..9; with baseline_days 5 and onset 10 only days
    # 5..9 count: b = 0.8, θf = 0.72, θr = 0.76.  r = 0.75 on day 10 is no dip;
    # r = 0.70 on day 11 is, and r = 0.75 (< θr) does not recover; r = 0.8 from day 13 does.
    r = np.array([0.5] * 5 + [0.8] * 5 + [0.75, 0.70, 0.75] + [0.8] * 7)
    demand = np.full(20, 100.0)
    settings = Metrics(window_days=1, baseline_days=5, hold_days=2)
    m = replication_metrics(demand, 100.0 * r, np.zeros(20), 10, settings)
    assert m["baseline"] == pytest.approx(0.8)
    assert m["time_to_impact_days"] == 1.0
    assert m["recovery_time_days"] == 13 - 10
    # Σ max(0, 0.8 - r) over days 10..12: 0.05 + 0.10 + 0.05.
    assert m["resilience_loss"] == pytest.approx(0.20)


def test_onset_on_day_zero_has_baseline_one():
    demand = np.full(10, 10.0)
    on_time = np.array([0.0, 0.0] + [10.0] * 8)
    m = replication_metrics(demand, on_time, np.zeros(10), 0, Metrics(window_days=1, hold_days=2))
    assert m["baseline"] == 1.0
    assert m["time_to_impact_days"] == 0.0
    assert m["recovery_time_days"] == 2.0
    assert m["resilience_loss"] == pytest.approx(2.0)


def test_no_disruption():
    demand = np.full(10, 10.0)
    on_time = np.array([10.0] * 5 + [0.0] + [10.0] * 4)
    lost = 10.0 - on_time
    m = replication_metrics(demand, on_time, lost, None, Metrics())
    assert m["baseline"] == 1.0
    assert math.isnan(m["time_to_impact_days"])
    assert m["recovery_time_days"] == 0.0
    assert m["recovered"] == 1.0
    assert m["resilience_loss"] == 0.0
    # t0 = 0: the whole horizon counts.
    assert m["shortfall_units"] == 10.0
    assert m["lost_sales_units"] == 10.0
    assert m["fill_rate"] == pytest.approx(0.9)


def test_no_demand_at_all():
    zeros = np.zeros(10)
    m = replication_metrics(zeros, zeros, zeros, 3, Metrics())
    assert m["fill_rate"] == 1.0
    assert m["baseline"] == 1.0
    assert math.isnan(m["time_to_impact_days"])
    assert m["shortfall_units"] == 0.0


def test_rolling_fill_matches_naive_loop():
    rng = np.random.default_rng(20240611)
    demand = rng.poisson(5, 200).astype(float)
    demand[rng.random(200) < 0.2] = 0.0  # days (and some windows) without demand
    on_time = demand * rng.random(200)
    for window in (1, 3, 7, 28, 250):
        np.testing.assert_allclose(rolling_fill(demand, on_time, window),
                                   naive_rolling_fill(demand, on_time, window), rtol=1e-12)


def test_zero_demand_window_is_one():
    demand = np.array([10.0, 0.0, 0.0, 0.0, 10.0])
    on_time = np.array([2.0, 0.0, 0.0, 0.0, 10.0])
    # Window 2: days 2 and 3 see no demand -> 1.0; day 1 sees day 0's 2/10.
    np.testing.assert_allclose(rolling_fill(demand, on_time, 2), [0.2, 0.2, 1.0, 1.0, 1.0])


@given(hs.lists(hs.tuples(hs.integers(0, 50), hs.integers(0, 50), hs.integers(0, 50)),
                min_size=1, max_size=60),
       hs.integers(0, 59))
def test_shortfall_plus_delivered_is_demand(days, onset):
    onset = min(onset, len(days) - 1)
    demand = np.array([d for d, _, _ in days], dtype=float)
    on_time = np.array([min(d, f) for d, f, _ in days], dtype=float)
    lost = np.array([min(d - min(d, f), l) for d, f, l in days], dtype=float)
    m = replication_metrics(demand, on_time, lost, onset, Metrics())
    assert m["shortfall_units"] + on_time[onset:].sum() == pytest.approx(demand[onset:].sum())
    assert 0.0 <= m["lost_sales_units"] <= m["shortfall_units"] + 1e-9
    assert 0.0 <= m["fill_rate"] <= 1.0
    assert m["resilience_loss"] >= 0.0
    assert m["recovery_time_days"] <= len(days) - onset


def test_bad_inputs():
    with pytest.raises(ValueError, match="outside the horizon"):
        replication_metrics(np.ones(5), np.ones(5), np.zeros(5), 5, Metrics())
    with pytest.raises(ValueError, match="equal length"):
        replication_metrics(np.ones(5), np.ones(4), np.zeros(5), 1, Metrics())
    with pytest.raises(ValueError, match="window"):
        rolling_fill(np.ones(5), np.ones(5), 0)
