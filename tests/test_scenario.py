"""Loading scenarios: the quickstart, immutability and variants, CSV-backed tables, field checks."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pydantic
import pytest
import yaml

import resim
from resim.cli import main
from resim.jsonschema import scenario_schema
from resim.safeyaml import Located
from resim.scenario import validate_data
from tests.chains import small_chain, write

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


def _problems(data: dict) -> list[resim.Problem]:
    with pytest.raises(resim.ScenarioError) as info:
        validate_data(Located(data, {}), "t.yaml")
    return list(info.value.problems)


def _set(data, dotted: str, value):
    keys = [int(k) if k.isdigit() else k for k in dotted.split(".")]
    target = data
    for key in keys[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return data


_DELETE = object()


def test_quickstart_is_valid_and_matches_its_story():
    sc = resim.load_scenario(QUICKSTART)
    kinds = [n.kind for n in sc.nodes]
    assert 12 <= len(sc.nodes) <= 25
    graph = sc.value_chain()
    supplier_tiers = {t for n, t in graph.nodes(data="tier") if graph.nodes[n]["kind"] == "supplier"}
    assert supplier_tiers == {1, 2, 3}
    assert len({n.region for n in sc.nodes}) >= 2
    assert {"plant", "dc", "market", "reman"} <= set(kinds)
    # the critical electronic part is made by one node only, in one region
    mcu_makers = [n for n in sc.nodes if "mcu" in n.makes]
    assert sc.parts_by_id["mcu"].critical and len(mcu_makers) == 1
    assert len(sc.maas.providers) >= 3 and sc.circular.take_back
    assert sc.sha256 == hashlib.sha256(QUICKSTART.read_bytes()).hexdigest()


def test_scenario_is_immutable_and_replace_makes_validated_variants():
    sc = resim.load_scenario(QUICKSTART)
    with pytest.raises(pydantic.ValidationError):
        sc.horizon_days = 10
    variant = sc.replace(horizon_days=180, **{"metrics.failure_level": 0.8,
                                              "lanes[0].cost_per_unit": 0.5})
    assert (variant.horizon_days, variant.metrics.failure_level) == (180, 0.8)
    assert variant.lanes[0].cost_per_unit == 0.5
    assert sc.horizon_days == 365 and sc.lanes[0].cost_per_unit == 0.2
    with pytest.raises(resim.ScenarioError) as info:
        sc.replace(**{"lanes[0].from": "nowhere"})
    assert any(p.path == "lanes[0].from" and "unknown node 'nowhere'" in p.message
               for p in info.value.problems)


def test_all_problems_are_reported_at_once():
    data = small_chain()
    data["horizon_days"] = 0
    data["parts"][0]["unit_cost"] = -3
    data["nodes"][0]["country"] = "China"
    paths = {p.path for p in _problems(data)}
    assert {"horizon_days", "parts[0].unit_cost", "nodes[0].country"} <= paths


@pytest.mark.parametrize("dotted, value, path, fragment", [
    ("name", "", "name", "at least 1 character"),
    ("replications", 0, "replications", "greater than or equal to 1"),
    ("parts.0.weight_kg", -1, "parts[0].weight_kg", "greater than or equal to 0"),
    ("parts.0.critical", "maybe", "parts[0].critical", "valid boolean"),
    ("parts.0.id", "9lives", "parts[0].id", "not a valid id"),
    ("parts.1.process", {"process": "joining/welding", "size_mm": [10, 0, 5]},
     "parts[1].process.size_mm[1]", "greater than 0"),
    ("parts.1.process", {"process": "joining/welding", "tolerance_mm": -0.1},
     "parts[1].process.tolerance_mm", "greater than 0"),
    ("nodes.0.lat", 95, "nodes[0].lat", "less than or equal to 90"),
    ("nodes.0.holding_cost_rate", -0.1, "nodes[0].holding_cost_rate", "greater than or equal to 0"),
    ("nodes.0.production_cost_per_unit", "cheap", "nodes[0].production_cost_per_unit", "valid number"),
    ("nodes.2.inventory.0.initial", -5, "nodes[2].inventory[0].initial", "greater than or equal to 0"),
    ("nodes.2.inventory.0.policy", {"type": "periodic", "level": 10}, "nodes[2].inventory[0].policy.review_days", "missing"),
    ("nodes.2.inventory.0.policy", {"type": "r_Q", "r": 5, "Q": 0}, "nodes[2].inventory[0].policy.Q", "greater than 0"),
    ("nodes.2.inventory.0.policy", {"type": "base_stock", "level": 5, "review_days": 0}, "nodes[2].inventory[0].policy.review_days", "greater than or equal to 1"),
    ("lanes.0.mode", "teleport", "lanes[0].mode", "got 'teleport'"),
    ("lanes.0.cost_per_unit", -1, "lanes[0].cost_per_unit", "greater than or equal to 0"),
    ("lanes.0.capacity_per_day", 0, "lanes[0].capacity_per_day", "greater than 0"),
    ("lanes.0.share", 1.5, "lanes[0].share", "less than or equal to 1"),
    ("lanes.0.parts", [], "lanes[0].parts", "at least 1 item"),
    ("lanes.0.lead_time_days", _DELETE, "lanes[0].lead_time_days", "missing"),
    ("demand.0.price", -1, "demand[0].price", "greater than or equal to 0"),
    ("demand.0.seasonality", {"amplitude": 0.2, "monthly": [1] * 12}, "demand[0].seasonality", "either monthly"),
    ("demand.0.seasonality", {"monthly": [1] * 11}, "demand[0].seasonality.monthly", "12 items"),
    ("demand.0.shortage_penalty_per_unit", -2, "demand[0].shortage_penalty_per_unit", "greater than or equal to 0"),
    ("metrics", {"window_days": 0}, "metrics.window_days", "greater than or equal to 1"),
    ("metrics", {"confidence": 1.0}, "metrics.confidence", "less than 1"),
    ("strategies", [{"id": "b", "actions": ["buffer"]}], "strategies[0]", "needs buffer"),
    ("strategies", [{"id": "x", "actions": ["none", "circular"]}], "strategies[0]", "cannot be combined"),
    ("maas", {"providers": [{"id": "o", "provider": "p", "process": "cutting/turning", "capacity_per_day": 5,
                             "unit_price": 3, "lead_time_days": 4, "onboarding_days": 10,
                             "country": "PL", "region": "europe", "on_time_rate": 1.2}]},
     "maas.providers[0].on_time_rate", "less than or equal to 1"),
    ("maas", {"weights": {"cost": 0, "lead_time": 0, "quality": 0, "on_time": 0, "capacity": 0, "distance": 0}},
     "maas.weights", "at least one weight"),
    ("circular", {"grading": [{"part": "R", "reuse": 0.5, "recycle": 0.4}]}, "circular.grading[0]", "sum to 0.9"),
    ("circular", {"take_back": [{"product": "P", "market": "m", "to": "nowhere", "return_rate": 0.3,
                                 "use_life_days": 300}]}, "circular.take_back[0].to", "unknown node 'nowhere'"),
    ("circular", {"processes": [{"node": "sA", "process": "shredding", "capacity_per_day": 3, "time_days": 1}]},
     "circular.processes[0].process", "got 'shredding'"),
    ("disruptions", [{"id": "t", "type": "trade_barrier", "barrier": "tariff", "rate": 0, "onset_day": 3,
                      "duration_days": 5, "to_countries": ["US"]}], "disruptions[0]", "needs rate > 0"),
    ("disruptions", [{"id": "t", "type": "logistics", "lanes": ["sA->plant", "no->lane"], "onset_day": 3,
                      "duration_days": 5}], "disruptions[0].lanes[1]", "unknown lane 'no->lane'"),
    ("disruptions", [{"id": "d", "type": "demand_shock", "markets": ["dc"], "multiplier": 2, "onset_day": 3,
                      "duration_days": 5}], "disruptions[0].markets[0]", "'dc' is not a market"),
    ("disruptions", [{"id": "a", "type": "supplier_failure", "nodes": ["sB"], "onset_day": 3, "then": "b"},
                     {"id": "b", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 9, "then": "a"}],
     "disruptions[0].then", "loop a -> b -> a"),
    ("disruptions", [{"id": "c", "type": "natural_disaster", "footprint": {"center": [30, 120]},
                      "onset_day": 3, "duration_days": 5}], "disruptions[0].footprint", "center and radius_km"),
    ("disruptions", [{"id": "c", "type": "capacity_loss", "nodes": ["sA"], "mtbf_days": 30,
                      "onset_day": 3, "duration_days": 5}], "disruptions[0]", "both mtbf_days and mttr_days"),
])
def test_each_field_is_checked_with_a_clear_message(dotted, value, path, fragment):
    problems = _problems(_set(small_chain(), dotted, value))
    assert any(p.path == path and fragment in p.message for p in problems), \
        "\n".join(str(p) for p in problems)


def test_unknown_nested_field_suggests_the_right_name():
    data = small_chain()
    data["lanes"][0]["lead_time"] = data["lanes"][0].pop("lead_time_days")
    messages = {p.path: p.message for p in _problems(data)}
    assert "did you mean 'lead_time_days'?" in messages["lanes[0].lead_time"]
    assert "lanes[0].lead_time_days" in messages


def test_csv_backed_tables_load_like_inline_ones(tmp_path):
    data = small_chain()
    rows = ["id,kind,country,region,makes,capacity_per_day,inventory"]
    for node in data["nodes"]:
        inventory = yaml.safe_dump(node.get("inventory", []), default_flow_style=True).strip()
        rows.append(",".join([node["id"], node["kind"], node["country"], node["region"],
                              "; ".join([node["makes"]] if "makes" in node else []),
                              str(node.get("capacity_per_day", "")),
                              '"' + inventory + '"' if node.get("inventory") else ""]))
    (tmp_path / "nodes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "lanes.csv").write_text(
        "from,to,parts,lead_time_days,share\n" + "\n".join(
            f"{ln['from']},{ln['to']},{ln['parts']},\"{ln['lead_time_days']}\",{ln.get('share', '')}"
            for ln in data["lanes"]) + "\n", encoding="utf-8")
    inline = resim.load_scenario(write(tmp_path / "inline.yaml", data))
    from_csv = resim.load_scenario(write(tmp_path / "csv.yaml", {
        **data, "nodes": {"csv": "nodes.csv"}, "lanes": {"csv": "lanes.csv"}}))
    assert from_csv.nodes == inline.nodes and from_csv.lanes == inline.lanes


def test_csv_problems_point_at_the_csv_row(tmp_path):
    data = small_chain()
    (tmp_path / "lanes.csv").write_text(
        "from,to,parts,lead_time_days\n"
        "sR1,sA,R,2\n"
        "sR2,sA,R,-x\n", encoding="utf-8")
    data["lanes"] = {"csv": "lanes.csv"}
    path = write(tmp_path / "s.yaml", data)
    with pytest.raises(resim.ScenarioError) as info:
        resim.load_scenario(path)
    assert any(str(p).startswith(f"{tmp_path / 'lanes.csv'}:3: lanes[1].lead_time_days: ")
               for p in info.value.problems), info.value


def test_json_schema_describes_every_section_and_the_csv_form(capsys):
    schema = scenario_schema()
    top = {"name", "description", "horizon_days", "seed", "replications", "currency", "parts",
           "nodes", "lanes", "demand", "disruptions", "maas", "circular", "strategies", "metrics"}
    assert set(schema["properties"]) == top
    assert schema["additionalProperties"] is False
    nodes = schema["properties"]["nodes"]["anyOf"]
    assert {"type": "string"} == nodes[1]["properties"]["csv"]
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == schema


def test_info_summarises_the_quickstart(capsys):
    assert main(["info", str(QUICKSTART)]) == 0
    text = capsys.readouterr().out
    assert "tier 1: 5 · tier 2: 5 · tier 3: 3" in text
    section = text.split("Single-sourced critical parts\n", 1)[1].split("\n\n", 1)[0]
    assert any(line.split()[:2] == ["mcu", "mcu_fab_tw"] for line in section.splitlines())
    assert "east_asia 100%" in text
