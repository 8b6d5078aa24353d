"""Summaries across replications (resim.stats), checked against scipy and direct computation."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from resim.stats import paired_differences, summarise, t_interval

COLUMNS = ["strategy", "metric", "mean", "std", "ci_low", "ci_high", "n"]


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
    start = time.perf_counter()
    covered = [low <= 5.0 <= high for _, _, low, high, _ in map(t_interval, samples)]
    assert time.perf_counter() - start < 1.0
    assert 0.93 <= np.mean(covered) <= 0.97


def replications() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for strategy, shift in (("maas", 2.0), ("none", 0.0), ("buffer", 1.0)):
        for rep in range(8):
            noise = rng.normal() if strategy == "maas" else 0.0
            rows.append({"strategy": strategy, "replication": rep,
                         "fill_rate": 0.8 + 0.01 * rep + 0.02 * shift + 0.01 * rng.normal(),
                         "cost": 100.0 + 10 * rep + shift + noise})
    frame = pd.DataFrame(rows)
    # Shuffle rows so that pairing must go by the replication column, not by position.
    return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)


def test_summarise():
    reps = replications()
    table = summarise(reps, ["cost", "fill_rate"])
    assert list(table.columns) == COLUMNS
    order = list(dict.fromkeys(reps["strategy"]))  # order of first appearance
    assert list(table["strategy"]) == [s for s in order for _ in range(2)]
    assert list(table["metric"]) == ["cost", "fill_rate"] * 3
    assert table["n"].dtype == np.int64
    for row in table.itertuples():
        values = reps.loc[reps["strategy"] == row.strategy, row.metric].to_numpy()
        expected = stats.t.interval(0.95, df=len(values) - 1, loc=values.mean(),
                                    scale=stats.sem(values))
        assert row.mean == pytest.approx(values.mean())
        assert row.std == pytest.approx(values.std(ddof=1))
        assert (row.ci_low, row.ci_high) == pytest.approx(expected)
        assert row.n == 8


def test_summarise_other_group_column_and_nan():
    reps = pd.DataFrame({"scenario": ["a", "a", "a", "b"], "x": [1.0, np.nan, 3.0, 5.0]})
    table = summarise(reps, ["x"], by="scenario", confidence=0.9)
    assert list(table.columns) == ["scenario", *COLUMNS[1:]]
    a, b = table.itertuples()
    assert (a.scenario, a.mean, a.n) == ("a", 2.0, 2)
    assert (b.scenario, b.mean, b.n) == ("b", 5.0, 1)
    assert math.isnan(b.ci_low)


def test_paired_differences_equal_direct_interval():
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
        sem = stats.sem(diff)
        # scipy refuses a zero scale; a constant difference has the zero-width interval.
        expected = (stats.t.interval(0.95, df=len(diff) - 1, loc=diff.mean(), scale=sem)
                    if sem > 1e-12 else (diff.mean(), diff.mean()))
        assert row.mean == pytest.approx(diff.mean())
        assert (row.ci_low, row.ci_high) == pytest.approx(expected)
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
    assert (row["strategy"], row["mean"], row["n"]) == ("maas", 10.0, 2)


def test_paired_differences_missing_baseline():
    reps = pd.DataFrame({"strategy": ["a", "b"], "replication": [0, 0], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="baseline strategy 'none'"):
        paired_differences(reps, ["x"])


def test_paired_differences_duplicate_replication():
    reps = pd.DataFrame({"strategy": ["none", "none", "a"], "replication": [0, 0, 0],
                         "x": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="one row per replication"):
        paired_differences(reps, ["x"])
