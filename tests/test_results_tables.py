"""The long tables a Collector builds (timeseries, inventory) from replications made up here:
their rows are the means over replications in strategy, part and day order, their text columns
are categorical, and their CSV text is what plain text columns would give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resim.core.files import write_csv
from resim.experiment.outcome import Outcome
from resim.experiment.results import Collector

DAYS = 4
SERIES = ("demand", "delivered", "on_time", "backlog", "on_hand", "fill_rate")


def _outcome(strategy: str, replication: int, parts: list[str], rng: np.random.Generator) -> Outcome:
    daily = {name: rng.random(DAYS) for name in SERIES}
    daily["critical"] = rng.random((DAYS, len(parts))) * 100
    return Outcome(strategy, replication, {"fill_rate": 1.0}, {"production": 0.0}, daily, [], [], [], parts)


@pytest.fixture
def folded() -> tuple[Collector, dict[str, list[Outcome]]]:
    rng = np.random.default_rng(5)
    runs = {"none": [_outcome("none", i, ["motor", "mcu"], rng) for i in range(3)],
            "buffer": [_outcome("buffer", i, ["mcu"], rng) for i in range(3)]}
    collector = Collector(3)
    for outcome in [*runs["buffer"][::-1], *runs["none"]]:  # any order of completion
        collector.add(outcome)
    return collector, runs


def test_inventory_rows_are_the_mean_per_strategy_part_and_day(folded):
    collector, runs = folded
    table = collector.inventory(["none", "buffer"])
    expected = pd.DataFrame(
        [(s, day, part, np.mean([o.daily["critical"][day, j] for o in runs[s]]))
         for s in ("none", "buffer") for j, part in enumerate(runs[s][0].critical_parts) for day in range(DAYS)],
        columns=["strategy", "day", "part", "on_hand"])
    assert list(table.strategy.cat.categories) == ["none", "buffer"]
    assert list(table.part.cat.categories) == ["motor", "mcu"]
    pd.testing.assert_frame_equal(table.astype({"strategy": str, "part": str}), expected, check_exact=False,
                                  rtol=1e-15)
    assert table.to_csv(index=False, float_format="%.6g") == expected.to_csv(index=False, float_format="%.6g")


def test_timeseries_rows_are_the_mean_per_strategy_and_day(folded):
    collector, runs = folded
    table = collector.timeseries(["buffer", "none"])
    assert table.strategy.dtype == "category" and list(table.strategy.cat.categories) == ["buffer", "none"]
    assert table.strategy.tolist() == ["buffer"] * DAYS + ["none"] * DAYS
    assert table.day.tolist() == [*range(DAYS)] * 2
    for name, column in (("demand", "demand"), ("on_hand", "inventory"), ("fill_rate", "fill_rate")):
        means = [np.mean([o.daily[name] for o in runs[s]], axis=0) for s in ("buffer", "none")]
        np.testing.assert_allclose(table[column], np.concatenate(means), rtol=1e-15)
    lowest = np.concatenate([np.min([o.daily["fill_rate"] for o in runs[s]], axis=0) for s in ("buffer", "none")])
    np.testing.assert_array_equal(table.fill_rate_p05, lowest)  # the lower 5 % quantile of 3 values: the least


def test_without_critical_parts_the_inventory_has_its_columns_and_no_row():
    collector = Collector(1)
    collector.add(_outcome("none", 0, [], np.random.default_rng(1)))
    table = collector.inventory(["none"])
    assert list(table.columns) == ["strategy", "day", "part", "on_hand"] and table.empty


def test_write_csv_writes_the_text_to_csv_gives(tmp_path):
    table = pd.DataFrame({"strategy": pd.Categorical(["none", "réman"] * 3), "value": [1 / 3, 2e-7, 12345678.9] * 2})
    write_csv(tmp_path / "t.csv", table)
    assert (tmp_path / "t.csv").read_bytes() == table.to_csv(index=False, float_format="%.6g").encode("utf-8")
