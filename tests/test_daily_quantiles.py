"""Daily quantiles over replications (resim.experiment.daily_quantiles) against NumPy's
lower empirical quantile, exact and binned."""

from __future__ import annotations

import numpy as np
import pytest

from resim.experiment import daily_quantiles
from resim.experiment.daily_quantiles import BINS, DailyQuantiles


def _lower(values: np.ndarray, q: float) -> np.ndarray:
    # The smallest value whose empirical CDF reaches q: NumPy's "inverted_cdf" quantile.
    return np.quantile(values, q, axis=0, method="inverted_cdf")


@pytest.mark.parametrize("replications", [1, 2, 7, 40])
def test_quantiles_are_exact_within_the_budget(replications):
    rng = np.random.default_rng(replications)
    values = rng.beta(8, 1, size=(replications, 30))
    quantiles = DailyQuantiles(30)
    for row in values:
        quantiles.add(row)
    assert quantiles.exact
    for q in (0.05, 0.5, 0.95):
        np.testing.assert_array_equal(quantiles.quantile(q), _lower(values, q))


def test_beyond_the_budget_values_are_binned_within_a_bin_and_the_observed_range(monkeypatch):
    monkeypatch.setattr(daily_quantiles, "EXACT_VALUES", 30 * 25)   # 25 replications of 30 days
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.beta(8, 1, size=(60, 29)), np.ones((60, 1))], axis=1)  # a day always 1
    quantiles = DailyQuantiles(30)
    for count, row in enumerate(values, start=1):
        quantiles.add(row)
        assert quantiles.exact == (count <= 25)
    for q in (0.05, 0.95):
        found = quantiles.quantile(q)
        assert np.all(np.abs(found - _lower(values, q)) <= 1 / BINS)
        assert np.all((values.min(axis=0) <= found) & (found <= values.max(axis=0)))
        assert found[-1] == 1.0


def test_a_long_horizon_keeps_one_value_per_day_not_a_table_of_bins():
    quantiles = DailyQuantiles(36_500)
    quantiles.add(np.linspace(0, 1, 36_500))
    assert quantiles.exact and quantiles._values.nbytes <= 36_500 * 8 * 8
    np.testing.assert_array_equal(quantiles.quantile(0.05), np.linspace(0, 1, 36_500))


def test_storage_sized_for_the_replications_expected_grows_beyond_them_exactly():
    quantiles = DailyQuantiles(36_500, replications=1)
    quantiles.add(np.linspace(0, 1, 36_500))
    assert quantiles._values.nbytes == 36_500 * 8                    # one value per day, no spare column
    values = np.random.default_rng(4).random((5, 30))
    more = DailyQuantiles(30, replications=1)
    for row in values:
        more.add(row)
    assert more.exact
    np.testing.assert_array_equal(more.quantile(0.5), _lower(values, 0.5))


def test_no_replication_gives_nan_and_a_wrong_length_is_refused():
    quantiles = DailyQuantiles(3)
    assert np.isnan(quantiles.quantile(0.5)).all()
    with pytest.raises(ValueError, match="expected 3 daily values"):
        quantiles.add(np.ones(4))
