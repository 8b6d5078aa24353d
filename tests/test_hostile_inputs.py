"""Hostile inputs (issue 19): each is answered quickly, one line per problem, exit 2, no traceback.

Every test runs the real CLI (`resim validate`) in a subprocess with a timeout, so a hang or a
traceback fails the test instead of stalling the suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

LINE = re.compile(r"^[^:]+:\d+: \S.*$")


def validate(path, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resim.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=timeout)


def assert_refused(result: subprocess.CompletedProcess, *fragments: str) -> list[str]:
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "Traceback" not in out, out
    lines = [line for line in out.splitlines() if line.strip()]
    problems = [line for line in lines if LINE.match(line)]
    assert problems, out
    for fragment in fragments:
        assert fragment in out, out
    return problems


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_the_scenario_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    assert_refused(validate(fifo, timeout=10), "not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_a_csv_table_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "nodes.csv")
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nnodes: {csv: nodes.csv}\n", encoding="utf-8")
    assert_refused(validate(path, timeout=10), "not a regular file")


def test_a_directory_as_the_scenario_is_refused(tmp_path):
    assert_refused(validate(tmp_path), "not a regular file")


def parts_yaml(parts: list[tuple[str, dict[str, int]]]) -> str:
    lines = ["name: hostile", "horizon_days: 30", "parts:"]
    for pid, bom in parts:
        lines.append(f"  - id: {pid}")
        lines.append("    unit_cost: 1")
        if bom:
            lines.append("    bom: {" + ", ".join(f"{c}: 1" for c in bom) + "}")
    lines += ["nodes:", "  - {id: m, kind: market, country: DE, region: europe}",
              "demand:", "  - {market: m, part: P0, daily: 1}"]
    return "\n".join(lines) + "\n"


def test_a_dense_cyclic_bill_of_materials_is_one_cycle_line(tmp_path):
    ids = [f"P{i}" for i in range(14)]  # every part contains every other: billions of cycles
    path = tmp_path / "s.yaml"
    path.write_text(parts_yaml([(p, {c: 1 for c in ids if c != p}) for p in ids]), encoding="utf-8")
    problems = assert_refused(validate(path, timeout=15), "bill of materials has a cycle P0 -> ")
    cycles = [line for line in problems if "has a cycle" in line]
    assert len(cycles) == 1, problems


def test_many_problems_of_one_kind_are_capped(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(parts_yaml([(f"P{i}", {f"X{i}": 1}) for i in range(50)]), encoding="utf-8")
    problems = assert_refused(validate(path), "... and 30 more like this")
    assert len([p for p in problems if "unknown part" in p]) == 21, problems


def test_an_alias_bomb_spread_over_csv_cells_is_refused_by_one_budget_per_scenario(tmp_path):
    levels = ["a0: &a0 [" + ",".join(["x"] * 10) + "]"]
    levels += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 6)]
    cell = "{" + ", ".join(levels) + "}"  # over a million values each: under the limit alone
    rows = "".join(f'P{i},"{cell}"\n' for i in range(16))
    (tmp_path / "parts.csv").write_text("id,process\n" + rows, encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nparts: {csv: parts.csv}\n", encoding="utf-8")
    assert_refused(validate(path, timeout=30), "parts.csv:3: ", "in this scenario's files together")


@pytest.mark.parametrize("header", ["id,process,process.process", "id,process.process,process",
                                    "id,policy.,x"])
def test_a_column_that_is_both_a_value_and_nested_fields_is_one_line(tmp_path, header):
    (tmp_path / "parts.csv").write_text(f"{header}\nP,a,b\n", encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nparts: {csv: parts.csv}\n", encoding="utf-8")
    assert_refused(validate(path), "parts.csv:1: parts: column ")


QUICKSTART = os.path.join(os.path.dirname(__file__), "..", "scenarios", "quickstart.yaml")


@pytest.mark.parametrize("daily", ["1e308", "poisson(1e308)", "normal(5, 1e300)"])
def test_what_run_cannot_sample_or_sum_is_refused_by_validate(tmp_path, daily):
    with open(QUICKSTART, encoding="utf-8") as stream:
        lines = stream.read().split("\n")
    at = next(i for i, line in enumerate(lines) if "daily: poisson(60)" in line)
    lines[at] = lines[at].replace("poisson(60)", daily)
    path = tmp_path / "s.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert_refused(validate(path), f"s.yaml:{at + 1}: demand[", "at most 1e12")


@pytest.mark.parametrize("field, value", [("capacity_per_day", "1e308"), ("capacity_per_day", "1e20"),
                                          ("unit_cost", "1e308")])
def test_huge_plain_numbers_are_refused_by_validate(tmp_path, field, value):
    with open(QUICKSTART, encoding="utf-8") as stream:
        lines = stream.read().split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{field}:"))
    lines[at] = lines[at].split(":")[0] + f": {value}"
    path = tmp_path / "s.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert_refused(validate(path), f"s.yaml:{at + 1}: ", "at most 1e12")


def test_every_number_at_its_bound_still_gives_finite_costs():
    """With every price, rate and volume at 1e12 (the largest a file may hold) a year's costs,
    revenue and profit stay finite: the bound is what keeps them from overflowing to inf."""
    import numpy as np

    import resim

    big = 1e12
    scenario = resim.scenario_from_dict({
        "name": "at the bounds", "horizon_days": 365,
        "parts": [{"id": "P", "unit_cost": big, "bom": {"A": 2}}, {"id": "A", "unit_cost": big}],
        "nodes": [
            {"id": "sA", "kind": "supplier", "country": "CN", "region": "asia", "makes": "A",
             "capacity_per_day": big},
            {"id": "plant", "kind": "plant", "country": "DE", "region": "europe", "makes": "P",
             "production_cost_per_unit": big, "capacity_per_day": big, "holding_cost_rate": 1.0,
             "inventory": [{"part": "A", "policy": {"type": "base_stock", "level": big}}]},
            {"id": "m", "kind": "market", "country": "DE", "region": "europe"}],
        "lanes": [{"from": "sA", "to": "plant", "parts": "A", "lead_time_days": 2, "cost_per_unit": big},
                  {"from": "plant", "to": "m", "parts": "P", "lead_time_days": 1, "cost_per_unit": big}],
        "demand": [{"market": "m", "part": "P", "daily": big, "price": big, "shortage_penalty_per_unit": big}],
        "disruptions": [{"id": "cut", "type": "capacity_loss", "nodes": ["sA"], "onset_day": 30,
                         "duration_days": 60, "severity": 1.0}]})
    results = resim.run(scenario, replications=2, executor="serial", strategies=["none"])
    numbers = results.replications.select_dtypes("number")
    assert np.isfinite(numbers.to_numpy()).all(), numbers.columns[~np.isfinite(numbers).all()].tolist()
    assert results.replications["cost_total"].min() > big  # the numbers are really that large


def test_a_control_character_is_reported_at_its_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(b"name: x\nhorizon_days: 30\nnote: a\x07b\n")
    assert_refused(validate(path), "s.yaml:3: yaml: the control character U+0007")


@pytest.mark.parametrize("nested", ["[" * 5000 + "]" * 5000,
                                    "- " * 5000 + "x",
                                    "{a: " * 5000 + "1" + "}" * 5000])
def test_deep_nesting_is_reported_at_a_line(tmp_path, nested):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nbody:\n  " + nested.replace("\n", "\n  ") + "\n", encoding="utf-8")
    assert_refused(validate(path), "s.yaml:", "nesting deeper than 100 levels")


def test_a_deep_bill_of_materials_validates_in_linear_time(tmp_path):
    import yaml
    n = 1500  # P0 = P1 = ... = P1499, each made by its own supplier from the next one's part
    parts = [{"id": f"P{i}", "unit_cost": 1, **({"bom": {f"P{i + 1}": 1}} if i < n - 1 else {})}
             for i in range(n)]
    nodes = [{"id": f"s{i}", "kind": "supplier", "country": "DE", "region": "europe", "makes": f"P{i}",
              **({"inventory": [{"part": f"P{i + 1}", "policy": {"type": "base_stock", "level": 10}}]}
                 if i < n - 1 else {})} for i in range(n)]
    nodes.append({"id": "m", "kind": "market", "country": "DE", "region": "europe"})
    lanes = [{"from": f"s{i + 1}", "to": f"s{i}", "parts": f"P{i + 1}", "lead_time_days": 1}
             for i in range(n - 1)] + [{"from": "s0", "to": "m", "parts": "P0", "lead_time_days": 1}]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "deep", "horizon_days": 30, "parts": parts, "nodes": nodes,
                                    "lanes": lanes, "demand": [{"market": "m", "part": "P0", "daily": 1}]},
                                   sort_keys=False), encoding="utf-8")
    result = validate(path, timeout=25)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_a_table_with_too_many_rows_is_one_line(tmp_path, monkeypatch):
    from resim.scenario import tables
    monkeypatch.setattr(tables, "MAX_TABLE_ROWS", 5)
    (tmp_path / "parts.csv").write_text("id\n" + "".join(f"P{i}\n" for i in range(9)), encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nparts: {csv: parts.csv}\n", encoding="utf-8")
    from resim.cli.main import main
    import contextlib, io
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", str(path)])
    assert code == 2
    assert "parts.csv:7: parts[5]: more than 5 rows (at most 5 per table)" in err.getvalue()


@pytest.mark.parametrize("change, fragment", [
    # Lanes and the catalogue are read before validation (lane figures by mode, port strikes): a
    # list or mapping where an id or mode belongs must be reported, not looked up.
    ({"lanes.0.from": ["sA"], "lanes.0.mode": "sea", "hazards": {"countries": ["DE"]}}, "lanes[0].from: got a list"),
    ({"nodes.0.id": ["x"], "hazards": {"catalogue": "default"}}, "nodes[0].id: got a list"),
    ({"lanes.0.lead_time_days": None, "lanes.0.to": {"a": 1}}, "lanes[0].to: got a mapping"),
    ({"lanes.0.lead_time_days": None, "lanes.0.mode": ["sea"]}, "lanes[0].mode: got a list"),
    ({"lanes.0.id": ["x"], "lanes.0.mode": "sea", "hazards": {"catalogue": "default"}}, "lanes[0].id: got a list"),
    ({"lanes.0.cost_per_kg": "mode", "lanes.0.to": "nowhere"}, "unknown node 'nowhere'"),
    ({"lanes.0.lead_time_days": None, "nodes.0.lat": float("nan"), "nodes.0.lon": 5.0}, "nodes[0].lat: got nan"),
    ({"lanes.0.lead_time_days": None, "nodes.0.lat": 1e308, "nodes.0.lon": 5.0}, "nodes[0].lat: got 1e+308"),
])
def test_hostile_lanes_and_hazards_are_one_line_each(tmp_path, change, fragment):
    import yaml

    from tests.chains import hand_chain

    data = hand_chain(horizon=100).model_dump(mode="json", by_alias=True, exclude_unset=True)
    for dotted, value in change.items():
        *path, last = dotted.split(".")
        target = data
        for step in path:
            target = target[int(step)] if step.isdigit() else target[step]
        if value is None:
            target.pop(last)
        else:
            target[last] = value
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert_refused(validate(path), fragment)
