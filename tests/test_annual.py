"""Metrics per year (annual.csv, resim.experiment.annual): sums over 365-day years, the mean
year, the value at risk of cost and its interval, against hand computations and a coverage check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import resim
from resim.experiment.annual import YEARLY, annual_table, yearly_sums
from tests.chains import hand_chain


def test_a_horizon_is_cut_into_365_day_years_the_last_one_shorter():
    assert yearly_sums(np.ones(800)).tolist() == [365, 365, 70]
    assert yearly_sums(np.arange(365.0)).tolist() == [365 * 364 / 2]


def _table(costs: np.ndarray, horizon: int = 730) -> pd.DataFrame:
    """Replications × 2 years of costs (``costs``: replications × 2), shortfall 10 a year."""
    n = len(costs)
    yearly = pd.DataFrame({"strategy": "s", "replication": np.repeat(np.arange(n), 2), "year": np.tile([1, 2], n),
                           "shortfall_units": 10.0, "cost_total": np.asarray(costs, float).ravel()})
    return annual_table(yearly, horizon)


def test_each_year_and_the_mean_year_by_hand():
    # Costs 1..100 in year 1 and 2 x that in year 2: year 1's mean is 50.5, its 95 % quantile
    # (the smallest value with at least 95 % at or below it) is 95, the costliest 5 % average
    # 98; the mean year is (c + 2c) x 365 / 730 = 1.5 c.
    c = np.arange(1.0, 101.0)
    table = _table(np.column_stack([c, 2 * c])).set_index(["period", "metric", "statistic"])
    assert table.loc[("year 1", "cost_total", "mean"), "estimate"] == pytest.approx(50.5)
    assert table.loc[("year 1", "cost_total", "var_0.95"), "estimate"] == 95
    assert table.loc[("year 1", "cost_total", "cvar_0.95"), "estimate"] == pytest.approx(98)
    assert table.loc[("year 2", "cost_total", "var_0.95"), "estimate"] == 190
    assert table.loc[("mean year", "cost_total", "mean"), "estimate"] == pytest.approx(1.5 * 50.5)
    assert table.loc[("mean year", "shortfall_units", "mean"), "estimate"] == pytest.approx(10)
    low, high = table.loc[("year 1", "cost_total", "var_0.95"), ["ci_low", "ci_high"]]
    assert low <= 95 <= high and low in c and high in c   # bounds are order statistics
    assert set(table.index.get_level_values("period")) == {"year 1", "year 2", "mean year"}


@pytest.mark.slow
def test_the_value_at_risk_interval_covers_the_true_quantile_as_often_as_it_says():
    # Exponential(1) costs: the 95 % quantile is ln 20. Over 300 samples of 200, a 95 % interval
    # must hold it in about 95 % of them: at least 91 % (3.2 standard errors below 95 %).
    rng = np.random.default_rng(3)
    truth = np.log(20)
    held = []
    for _ in range(300):
        row = _table(np.column_stack([rng.exponential(size=200), np.ones(200)])).set_index(
            ["period", "statistic"]).loc[("year 1", "var_0.95")]
        held.append(row.ci_low <= truth <= row.ci_high)
    assert np.mean(held) >= 0.91


@pytest.mark.slow
def test_the_years_of_a_run_add_up_to_its_horizon():
    # The hand chain over 800 days without disruption: 10 units demanded a day and all met, so no
    # year misses anything; each replication's yearly costs add up to its cost_total, and the mean
    # year is the horizon's cost x 365 / 800.
    sc = hand_chain(horizon=800, a_level=200)
    res = resim.run(sc, replications=3, executor="serial", strategies=["none"])
    table = res.annual.set_index(["period", "metric", "statistic"])
    periods = ["year 1", "year 2", "year 3 (70 days)"]
    assert list(dict.fromkeys(res.annual.period)) == [*periods, "mean year"]
    years = sum(table.loc[(p, "cost_total", "mean"), "estimate"] for p in periods)
    assert years == pytest.approx(res.replications.cost_total.mean())
    assert table.loc[("mean year", "cost_total", "mean"), "estimate"] == pytest.approx(
        res.replications.cost_total.mean() * 365 / 800)
    assert all(table.loc[(p, "shortfall_units", "mean"), "estimate"] == 0 for p in periods)
    assert set(YEARLY) == set(res.annual.metric)


@pytest.mark.slow
def test_the_report_shows_the_years_of_a_multi_year_run_and_annual_csv_holds_them(tmp_path):
    from resim.core.formatting import units

    sc = hand_chain(horizon=800, a_level=200)
    res = resim.run(sc, replications=2, executor="serial", strategies=["none"])
    res.save(tmp_path / "run", figures="none")
    saved = pd.read_csv(tmp_path / "run" / "annual.csv")
    assert saved.estimate.tolist() == pytest.approx(res.annual.estimate.tolist(), rel=1e-5)  # CSV: 6 digits
    html = (tmp_path / "run" / "report.html").read_text()
    section = html[html.index("<h2>Year by year</h2>"):]
    mean_year = res.annual.set_index(["period", "metric", "statistic"]).loc[("mean year", "cost_total", "mean")]
    assert "year 3 (70 days)" in section and units(mean_year.estimate) in section
    one_year = hand_chain(horizon=365, a_level=200)
    res = resim.run(one_year, replications=2, executor="serial", strategies=["none"])
    res.save(tmp_path / "year", figures="none")
    assert "Year by year" not in (tmp_path / "year" / "report.html").read_text()
