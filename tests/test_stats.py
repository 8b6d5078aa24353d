"""Summaries across replications (resim.core.stats), checked against scipy and direct computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hypothesis import given, settings
from hypothesis import strategies as st_

from resim.core.stats import mean_interval, paired_differences, recovery_summary, summarise, t_interval

COLUMNS = ["strategy", "metric", "statistic", "estimate", "std", "ci_low", "ci_high", "n", "censored", "method"]


def test_t_interval_matches_scipy():
    x = np.array([2.1, 3.4, 1.9, 5.0, 4.2, 3.3, 2.8])
    mean, std, low, high, n = t_interval(x, 0.95)
    assert n == 7
    assert mean == pytest.approx(x.sum() / 7)
    assert std == pytest.approx(math.sqrt(((x - x.mean()) ** 2).sum() / 6))
    expected = stats.t.interval(0.95, df=6, loc=x.mean(), scale=stats.sem(x))
    assert (low, high) == pytest.approx(expected)
    # A higher confidence widens the interval.
    _, _, low99, high99, _ = t_interval(x, 0.99)
    assert low99 < low and high < high99


def test_t_interval_drops_nan():
    x = np.array([1.0, np.nan, 2.0, 3.0, np.nan])
    assert t_interval(x) == pytest.approx(t_interval(np.array([1.0, 2.0, 3.0])))
    assert t_interval(x)[4] == 3


def test_t_interval_small_samples():
    mean, std, low, high, n = t_interval(np.array([4.0, np.nan]))
    assert (mean, n) == (4.0, 1)
    assert math.isnan(std) and math.isnan(low) and math.isnan(high)
    empty = t_interval(np.array([np.nan]))
    assert empty[4] == 0 and all(math.isnan(v) for v in empty[:4])
    assert t_interval(np.array([]))[4] == 0


@pytest.mark.parametrize("value, n", [(0.3, 5), (0.01, 10), (1.0, 2)])
def test_t_interval_zero_variance(value, n):
    # np.full(10, 0.01).std(ddof=1) is not exactly 0 in floating point; the interval must be.
    mean, std, low, high, count = t_interval(np.full(n, value))
    assert (mean, std, low, high, count) == (value, 0.0, value, value, n)


def test_t_interval_coverage():
    # 2000 samples of n=10 from normal(5, 2): the 95% interval should cover 5 in about 95% of
    # them; with 2000 trials the binomial sd is ~0.5%, so 0.93..0.97 is a wide, seeded check.
    rng = np.random.default_rng(7)
    samples = rng.normal(5.0, 2.0, size=(2000, 10))
    covered = [low <= 5.0 <= high for _, _, low, high, _ in map(t_interval, samples)]
    assert 0.93 <= np.mean(covered) <= 0.97


def replications() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for strategy, shift in (("maas", 2.0), ("none", 0.0), ("buffer", 1.0)):
        for rep in range(8):
            noise = rng.normal() if strategy == "maas" else 0.0
            rows.append({"strategy": strategy, "replication": rep,
                         "fill_rate": 0.8 + 0.01 * rep + 0.02 * shift + 0.01 * rng.normal(),
                         "cost": 100.0 + 10 * rep + shift + noise,
                         "recovered": float(rep % 3 != 0)})
    frame = pd.DataFrame(rows)
    # Shuffle rows so that pairing must go by the replication column, not by position.
    return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval, from its textbook formula."""
    z = stats.norm.ppf((1 + confidence) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_summarise():
    reps = replications()
    table = summarise(reps, ["cost", "fill_rate", "recovered"])
    assert list(table.columns) == COLUMNS
    order = list(dict.fromkeys(reps["strategy"]))  # order of first appearance
    assert list(table["strategy"]) == [s for s in order for _ in range(3)]
    assert list(table["metric"]) == ["cost", "fill_rate", "recovered"] * 3
    assert table["n"].dtype == np.int64
    for row in table.itertuples():
        values = reps.loc[reps["strategy"] == row.strategy, row.metric].to_numpy()
        assert row.estimate == pytest.approx(values.mean())
        assert row.std == pytest.approx(values.std(ddof=1))
        assert row.n == 8
        if row.metric == "recovered":
            assert (row.statistic, row.method) == ("share", "Wilson score")
            assert (row.ci_low, row.ci_high) == pytest.approx(wilson(int(values.sum()), 8))
        else:
            # A bootstrap interval of a mean lies inside the range of the values it resamples.
            assert row.statistic == "mean" and row.method.startswith("bootstrap")
            assert values.min() <= row.ci_low < row.estimate < row.ci_high <= values.max()


def test_summarise_other_group_column_and_nan():
    reps = pd.DataFrame({"scenario": ["a", "a", "a", "b"], "x": [1.0, np.nan, 3.0, 5.0]})
    table = summarise(reps, ["x"], by="scenario", confidence=0.9)
    assert list(table.columns) == ["scenario", *COLUMNS[1:]]
    a, b = table.itertuples()
    assert (a.scenario, a.estimate, a.n) == ("a", 2.0, 2)
    assert (b.scenario, b.estimate, b.n) == ("b", 5.0, 1)
    assert math.isnan(b.ci_low)


def test_intervals_found_outside_their_domain_now_stay_inside():
    # Issue 16: with 10 replications, t-intervals printed a negative shortfall, a fill rate above 1
    # and a share recovered above 100 %. The same values summarised by resim stay in the domain.
    reps = pd.DataFrame({"strategy": "s", "replication": range(10),
                         "shortfall_units": [0.0] * 8 + [5_000.0, 3_000.0],
                         "fill_rate": [1.0] * 8 + [0.7, 0.9],
                         "recovered": [1.0] * 9 + [0.0]})
    for metric, low_bound, high_bound in (("shortfall_units", 0.0, math.inf), ("fill_rate", 0.0, 1.0),
                                          ("recovered", 0.0, 1.0)):
        _, _, t_low, t_high, _ = t_interval(reps[metric].to_numpy())
        assert t_low < low_bound or t_high > high_bound  # the old interval left the domain
        row = summarise(reps, [metric]).iloc[0]
        assert low_bound <= row.ci_low <= row.estimate <= row.ci_high <= high_bound


@settings(max_examples=60, deadline=None)
@given(st_.lists(st_.floats(0.0, 1.0), min_size=2, max_size=40),
       st_.lists(st_.integers(0, 1), min_size=1, max_size=40),
       st_.lists(st_.floats(0.0, 1e9), min_size=2, max_size=40))
def test_no_interval_leaves_its_domain(fills, recovered, costs):
    """For random replication tables, every interval lies in its metric's domain: shares in
    [0, 1], non-negative metrics at or above 0 (and the estimate inside its interval)."""
    for metric, values, low_bound, high_bound in (("fill_rate", fills, 0.0, 1.0),
                                                  ("recovered", [float(v) for v in recovered], 0.0, 1.0),
                                                  ("cost_total", costs, 0.0, math.inf)):
        reps = pd.DataFrame({"strategy": "s", metric: values})
        row = summarise(reps, [metric]).iloc[0]
        assert low_bound <= row.ci_low <= row.ci_high <= high_bound
        assert row.ci_low - 1e-9 * abs(row.estimate) <= row.estimate <= row.ci_high + 1e-9 * abs(row.estimate)


def test_bootstrap_interval_coverage():
    # 300 samples of n=30 from an exponential(1) (a skewed, non-negative metric): the 95 % BCa
    # interval should cover the mean 1 in about 95 % of them (binomial sd 1.3 %: 0.90..0.98).
    rng = np.random.default_rng(11)
    covered = [(lambda e: e.low <= 1.0 <= e.high)(mean_interval(rng.exponential(1.0, 30)))
               for _ in range(300)]
    assert 0.90 <= np.mean(covered) <= 0.98


def test_large_samples_use_the_t_interval_inside_the_observed_range():
    x = np.random.default_rng(5).normal(10.0, 2.0, 2000)
    e = mean_interval(x)
    assert e.method == "Student t"
    assert (e.low, e.high) == pytest.approx(t_interval(x)[2:4])
    # 1,999 zeros and one large value: the t-interval would go below 0, so the bootstrap answers.
    skewed = np.r_[np.zeros(1999), 1e6]
    e = mean_interval(skewed)
    assert e.method.startswith("bootstrap") and e.low >= 0.0


def test_recovery_summary_by_hand():
    # Bimodal and censored, as the quickstart's: 6 replications recover at once (no dip), 2 after
    # 150 and 200 days, 2 never within their 240-day follow-up.
    reps = pd.DataFrame({"strategy": "s", "replication": range(10),
                         "recovery_time_days": [0.0] * 6 + [150.0, 200.0, 240.0, 240.0],
                         "recovered": [1.0] * 8 + [0.0, 0.0],
                         "follow_up_days": [240.0] * 10,
                         "dip_days": [np.nan] * 6 + [100.0, 130.0, 190.0, 190.0]})
    rows = recovery_summary(reps).set_index("metric")
    assert rows.loc["recovered", "estimate"] == pytest.approx(0.8)
    assert (rows.loc["recovered", "ci_low"], rows.loc["recovered", "ci_high"]) == pytest.approx(wilson(8, 10))
    assert rows.loc["recovered", "censored"] == 2
    # Kaplan-Meier with censoring only at the end: S = 0.4 after day 0, so median and q1 are day 0;
    # S(150) = 0.3, S(200) = 0.2 and never 0.25 or less before 200: q3 = 200.
    assert rows.loc["recovery_time_median_days", "estimate"] == 0.0
    assert rows.loc["recovery_time_q3_days", "estimate"] == 200.0
    # Restricted mean to the 240-day follow-up: (0*6 + 150 + 200 + 240 + 240) / 10.
    assert rows.loc["recovery_time_days", "statistic"] == "restricted_mean"
    assert rows.loc["recovery_time_days", "estimate"] == pytest.approx(83.0)
    assert "240 days" in rows.loc["recovery_time_days", "method"]
    # The dip: 4 dipped, 2 recovered after 100 and 130 days, 2 censored at 190: S(130) = 0.5.
    assert rows.loc["dip_median_days", "estimate"] == 130.0
    assert rows.loc["dip_median_days", "n"] == 4


def test_recovery_median_not_reached_when_most_never_recover():
    # 77 % never recover (issue 16, strategy none): the median is not reached, never a number.
    reps = pd.DataFrame({"strategy": "none", "replication": range(30),
                         "recovery_time_days": [200.0] * 7 + [239.0] * 23, "recovered": [1.0] * 7 + [0.0] * 23,
                         "follow_up_days": 239.0, "dip_days": 100.0})
    rows = recovery_summary(reps).set_index("metric")
    assert math.isnan(rows.loc["recovery_time_median_days", "estimate"])
    assert math.isnan(rows.loc["recovery_time_median_days", "ci_high"])
    assert rows.loc["recovery_time_days", "estimate"] == pytest.approx((7 * 200 + 23 * 239) / 30)


def test_paired_differences_equal_direct_differences():
    reps = replications()
    table = paired_differences(reps, ["cost", "fill_rate"], baseline="none")
    assert list(table.columns) == COLUMNS
    assert "none" not in set(table["strategy"])
    order = [s for s in dict.fromkeys(reps["strategy"]) if s != "none"]
    assert list(table["strategy"]) == [s for s in order for _ in range(2)]
    wide = {m: reps.pivot(index="replication", columns="strategy", values=m)
            for m in ("cost", "fill_rate")}
    for row in table.itertuples():
        diff = (wide[row.metric][row.strategy] - wide[row.metric]["none"]).to_numpy()
        assert row.statistic == "mean_difference"
        assert row.estimate == pytest.approx(diff.mean())
        assert diff.min() - 1e-12 <= row.ci_low <= row.estimate <= row.ci_high <= diff.max() + 1e-12
        assert row.n == 8
    # buffer differs from none by exactly +1 cost in every replication: a zero-width interval.
    buffer_cost = table[(table["strategy"] == "buffer") & (table["metric"] == "cost")].iloc[0]
    assert buffer_cost["ci_low"] == pytest.approx(1.0)
    assert buffer_cost["ci_high"] == pytest.approx(1.0)


def test_paired_differences_pairs_only_common_replications_and_drops_nan():
    reps = pd.DataFrame({
        "strategy": ["none"] * 4 + ["maas"] * 3,
        "replication": [0, 1, 2, 3, 3, 1, 0],
        "x": [1.0, 2.0, 3.0, 4.0, 14.0, np.nan, 11.0],
    })
    row = paired_differences(reps, ["x"]).iloc[0]
    # Pairs: rep 0 -> 10, rep 3 -> 10; rep 1 is NaN, rep 2 has no maas row.
    assert (row["strategy"], row["estimate"], row["n"]) == ("maas", 10.0, 2)


def test_paired_differences_missing_baseline():
    reps = pd.DataFrame({"strategy": ["a", "b"], "replication": [0, 0], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="baseline strategy 'none'"):
        paired_differences(reps, ["x"])


def test_paired_differences_duplicate_replication():
    reps = pd.DataFrame({"strategy": ["none", "none", "a"], "replication": [0, 0, 0],
                         "x": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="one row per replication"):
        paired_differences(reps, ["x"])
