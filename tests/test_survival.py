"""Censored durations (resim.core.survival): Kaplan-Meier quantiles and the restricted mean, checked
against small cases computed by hand and against the area under the survival curve."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import trapezoid

from resim.core.survival import km_quantile, recovered_by, restricted_values, share_interval


def test_km_median_by_hand_with_censoring():
    # Durations 2, 3+, 5, 7, 8+ (+ censored). Kaplan-Meier: S(2) = 4/5 = 0.8; at 5 three are at
    # risk: S(5) = 0.8 * 2/3 = 0.533; at 7 two: S(7) = 0.533 * 1/2 = 0.267. First S <= 0.5: day 7.
    times = np.array([2.0, 3.0, 5.0, 7.0, 8.0])
    ended = np.array([1, 0, 1, 1, 0])
    median = km_quantile(times, ended, 0.5)
    assert median.estimate == 7.0
    assert median.low <= 7.0 and (math.isnan(median.high) or median.high >= 7.0)
    # First S <= 0.75: S(2) = 0.8 > 0.75, S(5) = 0.533: day 5.
    assert km_quantile(times, ended, 0.25).estimate == 5.0


def test_km_quantile_without_censoring_is_the_empirical_quantile():
    times = np.array([4.0, 1.0, 3.0, 2.0])
    ended = np.ones(4)
    assert km_quantile(times, ended, 0.5).estimate == 2.0  # half have ended by day 2
    assert km_quantile(times, ended, 0.75).estimate == 3.0


def test_km_median_not_reached_and_nothing_ended():
    # 3 of 10 end, the rest are censored at 100: S never falls to 0.5.
    times = np.array([10.0, 20.0, 30.0] + [100.0] * 7)
    ended = np.array([1, 1, 1] + [0] * 7)
    assert math.isnan(km_quantile(times, ended, 0.5).estimate)
    assert km_quantile(times, ended, 0.25).estimate == 30.0  # S(30) = 0.7 <= 0.75
    none = km_quantile(np.array([5.0, 6.0]), np.array([0, 0]), 0.5)
    assert math.isnan(none.estimate) and math.isnan(none.low)


def test_restricted_mean_is_the_area_under_the_kaplan_meier_curve():
    rng = np.random.default_rng(4)
    follow_up = rng.uniform(150, 250, 60)
    latent = rng.exponential(120, 60)
    ended = latent <= follow_up
    times = np.where(ended, latent, follow_up)
    tau, values = restricted_values(times, follow_up)
    assert tau == pytest.approx(follow_up.min())
    grid = np.linspace(0.0, tau, 200_001)
    area = trapezoid(1.0 - recovered_by(times, ended, grid), grid)
    assert values.mean() == pytest.approx(area, rel=1e-3)


def test_recovered_by_counts_uncensored_replications():
    times = np.array([0.0, 0.0, 10.0, 40.0])
    share = recovered_by(times, np.ones(4), np.array([0.0, 9.0, 10.0, 39.0, 40.0]))
    assert share == pytest.approx([0.5, 0.5, 0.75, 0.75, 1.0])
    assert recovered_by(times, np.zeros(4), np.array([50.0])) == pytest.approx([0.0])


def test_share_interval_is_inside_the_unit_interval():
    for k, n in ((0, 5), (5, 5), (3, 7)):
        low, high = share_interval(k, n)
        assert 0.0 <= low <= k / n <= high <= 1.0
    assert all(math.isnan(v) for v in share_interval(0, 0))
