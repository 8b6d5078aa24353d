"""Parameter sweeps: designs (grid, Latin hypercube), command-line texts, and running variants."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import resim
from resim.assess.sweep import grid, latin_hypercube, parse_param, parse_range, run_sweep
from tests.chains import hand_chain, small_chain

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

DURATION = "disruptions[0].duration_days"


@pytest.fixture(scope="module")
def outage() -> resim.Scenario:
    # The supplier of A fails on day 10; the plant's 200 A and the DC's 30 P bridge about two
    # weeks of the constant demand of 10 P a day, so a 5-day outage costs nothing and longer
    # ones cost ever more.
    return hand_chain(horizon=60, a_level=200).replace(disruptions=[
        {"id": "out", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10, "duration_days": 5}])


# --- designs ---------------------------------------------------------------------------------

def test_grid_is_the_full_factorial():
    params = {"a": [1, 2, 3], "b.c[0].d": ["x", "triangular(1, 2, 3)"], "e": [True, False, 0.5, 7]}
    design = grid(params)
    assert len(design) == 3 * 2 * 4
    assert list(design.columns) == ["variant", *params]
    assert list(design["variant"]) == list(range(24))
    rows = set(design[list(params)].itertuples(index=False, name=None))
    assert rows == set(itertools.product(*params.values()))


@pytest.mark.parametrize("params, fragment", [
    ({}, "at least one parameter"),
    ({"a": []}, "no values"),
    ({"a": "1,2"}, "list of values"),
    ({"not a path": [1]}, "not a field path"),
])
def test_grid_rejects_what_is_no_design(params, fragment):
    with pytest.raises(ValueError, match=fragment):
        grid(params)


def test_latin_hypercube_puts_one_variant_in_each_stratum():
    ranges = {"a": (0.0, 1.0), "b[0].c": (-5.0, 15.0), "d": (0.2, 0.8)}
    n = 12
    design = latin_hypercube(ranges, n, seed=3)
    assert list(design.columns) == ["variant", *ranges] and list(design["variant"]) == list(range(n))
    for path, (low, high) in ranges.items():
        values = design[path].to_numpy()
        assert ((values >= low) & (values <= high)).all()
        strata = np.floor((values - low) / (high - low) * n).astype(int)
        assert sorted(strata) == list(range(n)), path


def test_latin_hypercube_is_reproducible_with_its_seed():
    ranges = {"a": (0.0, 1.0), "b": (10, 20)}
    pd.testing.assert_frame_equal(latin_hypercube(ranges, 8, seed=5), latin_hypercube(ranges, 8, seed=5))
    assert not latin_hypercube(ranges, 8, seed=5).equals(latin_hypercube(ranges, 8, seed=6))


def test_latin_hypercube_integer_ranges_give_every_integer_equally_often():
    # 0:3 is widened to [-0.5, 3.5) before rounding: 40 strata of width 0.1, ten per integer.
    design = latin_hypercube({"k": (0, 3), "x": (0.0, 1.0)}, 40, seed=1)
    assert design["k"].dtype == np.int64 and design["x"].dtype == np.float64
    assert design["k"].value_counts().sort_index().to_dict() == {0: 10, 1: 10, 2: 10, 3: 10}


@pytest.mark.parametrize("ranges, n, fragment", [
    ({"a": (1.0, 1.0)}, 4, "below high"),
    ({"a": (0.0, float("inf"))}, 4, "finite"),
    ({"a": (0.0, 1.0)}, 0, "at least 1"),
    ({}, 4, "at least one range"),
])
def test_latin_hypercube_rejects_bad_ranges(ranges, n, fragment):
    with pytest.raises(ValueError, match=fragment):
        latin_hypercube(ranges, n)


# --- command-line texts --------------------------------------------------------------------

def test_parse_param_reads_types_and_keeps_distributions_whole():
    assert parse_param("circular.take_back[0].return_rate=0.2,0.5,0.8") == (
        "circular.take_back[0].return_rate", [0.2, 0.5, 0.8])
    path, values = parse_param("lanes[1].lead_time_days=triangular(5, 7, 10), 4,normal(3, 1)")
    assert path == "lanes[1].lead_time_days"
    assert values == ["triangular(5, 7, 10)", 4, "normal(3, 1)"]
    _, values = parse_param("x=1,-2,2.5,1e3,true,False,cheapest,nan")
    assert values == [1, -2, 2.5, 1000.0, True, False, "cheapest", "nan"]
    assert [type(v) for v in values] == [int, int, float, float, bool, bool, str, str]


@pytest.mark.parametrize("text, fragment", [
    ("maas.probation.days", r"expected PATH=VALUE"),
    ("=1,2", r"expected PATH=VALUE"),
    ("maas.probation.days=", "no values"),
    ("maas.probation.days=0,,30", "empty value"),
    ("lanes[1].lead_time_days=triangular(5, 7", "unclosed"),
    ("lanes[1].lead_time_days=5)", "unbalanced"),
    ("maas probation=1", "not a field path"),
])
def test_parse_param_says_what_is_wrong(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_param(text)


def test_parse_range_reads_ints_and_floats():
    assert parse_range("maas.probation.days=0:60") == ("maas.probation.days", (0, 60))
    path, (low, high) = parse_range("disruptions[0].severity=0.25:1")
    assert path == "disruptions[0].severity" and (low, high) == (0.25, 1.0)
    assert isinstance(low, float) and isinstance(high, float)


@pytest.mark.parametrize("text, fragment", [
    ("maas.probation.days", "expected PATH=LOW:HIGH"),
    ("maas.probation.days=0-60", "one ':'"),
    ("maas.probation.days=0:30:60", "one ':'"),
    ("maas.probation.days=a:60", "'a' is not a number"),
    ("maas.probation.days=60:0", "below high"),
])
def test_parse_range_says_what_is_wrong(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_range(text)


# --- running a sweep -------------------------------------------------------------------------

def test_longer_outages_lower_the_fill_rate_and_variants_match_direct_runs(outage):
    design = grid({DURATION: [5, 20, 40]})
    done = []
    table = run_sweep(outage, design, replications=1, strategies=["none"], executor="serial",
                      progress=lambda d, t: done.append((d, t)))
    assert list(table.columns) == ["variant", DURATION, "strategy", "metric", "statistic", "estimate", "ci_low",
                                  "ci_high", "n"]
    fill = table[table.metric == "fill_rate"].set_index(DURATION)["estimate"]
    assert list(fill.index) == [5, 20, 40]
    assert fill.is_monotonic_decreasing and fill.is_unique  # strictly falls as the outage grows
    assert done == [(1, 3), (2, 3), (3, 3)]
    for duration in (5, 20):
        direct = resim.run(outage.replace(**{DURATION: duration}), replications=1, seed=outage.seed,
                           strategies=["none"], executor="serial").summary.set_index("metric")
        rows = table[table[DURATION] == duration].set_index("metric")
        assert rows.loc["shortfall_units", "estimate"] == direct.loc["shortfall_units", "estimate"]
        pd.testing.assert_series_equal(rows["estimate"], direct["estimate"])
    assert table.loc[table[DURATION] == 20].set_index("metric").loc["shortfall_units", "estimate"] > 0


def test_every_variant_runs_on_the_same_random_numbers():
    # Poisson demand and triangular lead times: the seed matters here, and a sweep's variants
    # each reproduce a direct run with the sweep's seed.
    chain = resim.scenario_from_dict(small_chain())
    path = "nodes[1].capacity_per_day"
    table = run_sweep(chain, grid({path: [300, 150]}), replications=2, seed=11, strategies=["none"],
                      executor="serial")
    for capacity in (300, 150):
        direct = resim.run(chain.replace(**{path: capacity}), replications=2, seed=11,
                           strategies=["none"], executor="serial").summary
        got = table[table[path] == capacity].reset_index(drop=True)
        pd.testing.assert_frame_equal(got[["metric", "estimate", "ci_low", "ci_high"]],
                                      direct[["metric", "estimate", "ci_low", "ci_high"]])
    other = run_sweep(chain, grid({path: [300]}), replications=2, seed=12, strategies=["none"],
                      executor="serial")
    first = table[table[path] == 300].reset_index(drop=True)
    assert not np.allclose(first["estimate"], other["estimate"], equal_nan=True)


def _finished() -> tuple[list[tuple[int, int]], Callable[[int, int], None]]:
    """A progress callback and the replications it heard of: none, when every variant was
    validated before the first one was simulated."""
    calls: list[tuple[int, int]] = []
    return calls, lambda done, total: calls.append((done, total))


def test_invalid_variants_are_named_before_anything_runs(outage):
    design = grid({DURATION: [5, "soon"], "disruptions[0].severity": [1.0, 1.5]})
    finished, progress = _finished()
    with pytest.raises(resim.ScenarioError) as caught:
        run_sweep(outage, design, replications=1, strategies=["none"], executor="serial", progress=progress)
    assert finished == []  # variant 0 is valid and comes first, yet was not simulated
    lines = str(caught.value).splitlines()
    # variants 1 (severity 1.5), 2 ('soon') and 3 (both) are wrong; variant 0 is fine
    assert len(lines) == 4 and not any("variant 0" in line for line in lines)
    assert any(f"variant 1 ({DURATION}=5, disruptions[0].severity=1.5)" in line
               and "disruptions[0].severity" in line for line in lines)
    assert any("variant 2" in line and "cannot read 'soon' as a distribution" in line for line in lines)


def test_a_field_that_does_not_exist_is_named(outage):
    with pytest.raises(resim.ScenarioError, match=r"variant 0 \(disruptions\[3\]\.duration_days=9\).*no such field"):
        run_sweep(outage, grid({"disruptions[3].duration_days": [9]}), executor="serial")


def test_a_negative_duration_is_rejected_before_simulating(outage):
    finished, progress = _finished()
    with pytest.raises(resim.ScenarioError, match="variant 1"):
        run_sweep(outage, grid({DURATION: [5, -5]}), replications=1, strategies=["none"],
                  executor="serial", progress=progress)
    assert finished == []


@pytest.mark.parametrize("design, kwargs, fragment", [
    (pd.DataFrame(), {}, "no variants"),
    (pd.DataFrame({"variant": [0, 1]}), {}, "no field columns"),
    (pd.DataFrame({"variant": [0, 0], DURATION: [5, 6]}), {}, "repeat"),
    (pd.DataFrame({"seed": [1, 2]}), {}, "cannot vary 'seed'"),
    (pd.DataFrame({DURATION: [5]}), {"executor": "threads"}, "unknown executor"),
    (pd.DataFrame({DURATION: [5]}), {"strategies": ["nope"]}, "unknown strategy"),
])
def test_bad_designs_and_options_fail_before_simulating(outage, design, kwargs, fragment):
    finished, progress = _finished()
    with pytest.raises(ValueError, match=fragment):
        run_sweep(outage, design, progress=progress, **kwargs)
    assert finished == []


def test_resim_sweep_writes_sweep_csv(tmp_path):
    from resim.cli.main import main
    from tests.chains import hand_chain, write

    scenario = hand_chain(horizon=60, a_level=200).replace(disruptions=[
        {"id": "out", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10, "duration_days": 5}])
    path = write(tmp_path / "s.yaml", scenario.model_dump(by_alias=True, exclude_unset=True, mode="json"))
    assert main(["sweep", path, "--param", "disruptions[0].duration_days=5,30", "--replications", "1",
                 "--executor", "serial", "-o", str(tmp_path / "out")]) == 0
    table = pd.read_csv(tmp_path / "out" / "sweep.csv")
    fill = table[table.metric == "fill_rate"].set_index("disruptions[0].duration_days")["estimate"]
    assert fill[30] < fill[5]
    assert main(["sweep", path]) == 2  # neither --param nor --lhs


def test_a_field_named_by_an_id_no_item_has_is_named(outage):
    with pytest.raises(resim.ScenarioError, match=r"variant 0 \(disruptions\[quake\]\.duration_days=9\).*"
                                                  r"no such field \(no item has the id 'quake'"):
        run_sweep(outage, grid({"disruptions[quake].duration_days": [9]}), executor="serial")
