"""Loading scenarios: the quickstart, immutability and variants, CSV-backed tables, field checks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pydantic
import pytest
import yaml

import resim
from resim.cli.main import main
from resim.sim.engine import Model, simulate
from resim.scenario.jsonschema import scenario_schema
from resim.scenario.safeyaml import Located
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
    lane = "mcu_fab_tw->pcba_my"
    cost = next(l.cost_per_unit for l in sc.lanes if l.key == lane)
    with pytest.raises(pydantic.ValidationError):
        sc.horizon_days = 10
    variant = sc.replace(horizon_days=180, **{"metrics.failure_level": 0.8, f"lanes[{lane}].cost_per_unit": cost + 1})
    assert (variant.horizon_days, variant.metrics.failure_level) == (180, 0.8)
    assert {l.key: l.cost_per_unit for l in variant.lanes} == {l.key: l.cost_per_unit + (l.key == lane)
                                                                for l in sc.lanes}
    assert sc.horizon_days == 365 and next(l.cost_per_unit for l in sc.lanes if l.key == lane) == cost
    with pytest.raises(resim.ScenarioError) as info:
        sc.replace(**{"lanes[0].from": "nowhere"})
    assert any(p.path == "lanes[0].from" and "unknown node 'nowhere'" in p.message
               for p in info.value.problems)


def test_replace_addresses_list_items_by_id_as_by_position():
    sc = resim.load_scenario(QUICKSTART)
    position = {node.id: i for i, node in enumerate(sc.nodes)}["plant_de"]
    by_id = sc.replace(**{"nodes[plant_de].capacity_per_day": 123})
    assert by_id.nodes == sc.replace(**{f"nodes[{position}].capacity_per_day": 123}).nodes
    assert [n.capacity_per_day for n in by_id.nodes if n.id == "plant_de"] == [123]
    # A lane without an id is named FROM->TO; a strategy and a disruption by their ids.
    lanes = by_id.replace(**{"lanes[dc_de->market_eu].cost_per_unit": 9.25}).lanes
    assert [l.key for l in lanes if l.cost_per_unit == 9.25] == ["dc_de->market_eu"]
    quake = sc.replace(**{"disruptions[tw_earthquake].severity": 0.5})
    assert [d.severity for d in quake.disruptions if d.id == "tw_earthquake"] == [0.5]
    with pytest.raises(ValueError, match=r"no item has the id 'plant_fr' \(ids: mcu_fab_tw, .* and \d+ more\)"):
        sc.replace(**{"nodes[plant_fr].capacity_per_day": 1})
    with pytest.raises(ValueError, match="is not a field path"):
        sc.replace(**{"nodes[plant de].capacity_per_day": 1})


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
    ("lanes.0.cost_per_kg", -1, "lanes[0].cost_per_kg", "greater than or equal to 0"),
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
    assert "lanes[0].lead_time_days" not in messages  # not missing: its mode gives one


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
    top = {"name", "description", "horizon_days", "seed", "replications", "start", "currency", "parts",
           "nodes", "lanes", "demand", "disruptions", "hazards", "maas", "circular", "strategies", "metrics",
           "optimize"}
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


# -- references checked while types are wrong --------------------------------------------------


def test_references_are_checked_in_the_same_run_as_type_errors():
    data = small_chain()
    data["lanes"][2]["lead_time_days"] = "soon"      # a type error in one lane
    data["lanes"][2]["to"] = "plnt"                  # and a dangling reference in the same lane
    data["nodes"][0]["capacity_per_day"] = "lots"   # a type error in another section
    data["demand"][0]["market"] = "shop"             # a reference to a market that does not exist
    found = {(p.path, p.message) for p in _problems(data)}
    assert found == {
        ("lanes[2].lead_time_days", "cannot read 'soon' as a distribution "
                                    "(expected e.g. poisson(40), normal(40, 8) or a number)"),
        ("lanes[2].to", "unknown node 'plnt' (did you mean 'plant'?)"),
        ("nodes[0].capacity_per_day", "got 'lots' (expected a valid number, unable to parse string as a number)"),
        ("demand[0].market", "unknown node 'shop' (no node has this id)"),
    }


@pytest.mark.parametrize("dotted, value, path", [
    # a node of an unknown kind still has its id: lanes and demand naming it are not "unknown"
    ("nodes.6.kind", "shop", "nodes[6].kind"),
    # an inventory entry that cannot be read: no complaint that the lane into it has no policy
    ("nodes.4.inventory.0", "A", "nodes[4].inventory[0]"),
    # an entry that is not a mapping: no id can be read, so node names are not checked at all
    ("nodes.3", "sB", "nodes[3]"),
    # a section that is not a list: nothing is said of the parts other sections name
    ("parts", "P, A, B, R", "parts"),
    # a node whose makes cannot be read: no follow-on complaints about what it supplies
    ("nodes.3.makes", 5, "nodes[3].makes"),
])
def test_a_broken_entry_brings_no_follow_on_noise(dotted, value, path):
    problems = _problems(_set(small_chain(), dotted, value))
    assert [p.path for p in problems] == [path], "\n".join(str(p) for p in problems)


def test_a_disruption_of_unknown_type_keeps_its_id_for_references():
    data = small_chain()
    data["disruptions"] = [
        {"id": "flood", "type": "flooding", "onset_day": 3, "duration_days": 5},
        {"id": "strike", "type": "supplier_failure", "nodes": ["sC"], "onset_day": "soon", "duration_days": 5},
    ]
    data["strategies"] = [{"id": "s", "actions": ["maas_same_tier"], "responds_to": ["flood", "strike", "fire"]}]
    data["metrics"] = {"reference": "flood"}
    found = {(p.path, p.message.split(" (")[0]) for p in _problems(data)}
    assert found == {
        ("disruptions[0].type", "unknown type 'flooding'"),
        ("disruptions[1].onset_day", "cannot read 'soon' as a distribution"),
        ("disruptions[1].nodes[0]", "unknown node 'sC'"),
        ("strategies[0].responds_to[2]", "unknown disruption id or type 'fire'"),
    }


# -- warnings: valid, but without effect -------------------------------------------------------

H = 60  # small_chain's horizon
AFTER = f"the horizon ({H} days, the last is day {H - 1})"
SAME = "so every strategy gives the same result"


def _late(onset, **extra) -> dict:
    data = small_chain()
    data["disruptions"] = [{"id": "strike", "type": "supplier_failure", "nodes": ["sB"], "onset_day": onset,
                            "duration_days": 5, **extra}]
    return data


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_an_event_after_the_horizon_is_a_warning_with_file_and_line(tmp_path, capsys):
    path = write(tmp_path / "late.yaml", _late(400))
    line = _line_of((tmp_path / "late.yaml").read_text(encoding="utf-8"), "onset_day: 400")
    expected = (f"{path}:{line}: disruptions[0].onset_day: day 400 is after {AFTER}: it never happens, {SAME}")

    assert main(["validate", path]) == 0
    out = capsys.readouterr()
    assert out.err.splitlines() == [expected]
    assert out.out == f"{path}: valid (1 warning)\n"

    assert main(["validate", "--strict", path]) == 2
    assert capsys.readouterr().err.splitlines() == [expected, "1 of 1 files invalid"]

    sc = resim.load_scenario(path)
    assert [str(w) for w in sc.warnings] == [expected]
    assert sc.warnings[0] == resim.Problem(path, line, "disruptions[0].onset_day",
                                           f"day 400 is after {AFTER}: it never happens, {SAME}")
    with pytest.raises(resim.ScenarioError) as info:
        resim.load_scenario(path, strict=True)
    assert info.value.problems == sc.warnings
    with pytest.raises(resim.ScenarioError):
        resim.scenario_from_dict(_late(400), strict=True)


def test_warnings_take_no_part_in_equality_or_the_file_hash(tmp_path):
    path = write(tmp_path / "late.yaml", _late(400))
    sc = resim.load_scenario(path)
    again = resim.load_scenario(path)
    assert sc.warnings and sc == again  # computed on one, not on the other
    assert sc.sha256 == hashlib.sha256((tmp_path / "late.yaml").read_bytes()).hexdigest()
    assert "warnings" not in sc.model_dump()
    assert resim.scenario_from_dict(_late(400)) == resim.scenario_from_dict(_late(400), "other name")


def test_replace_derives_the_warnings_of_the_new_horizon(tmp_path):
    path = write(tmp_path / "s.yaml", _late(40))
    line = _line_of((tmp_path / "s.yaml").read_text(encoding="utf-8"), "onset_day: 40")
    sc = resim.load_scenario(path)
    assert sc.warnings == ()
    short = sc.replace(horizon_days=30)
    assert [str(w) for w in short.warnings] == [
        f"{path}:{line}: disruptions[0].onset_day: day 40 is after the horizon (30 days, the last is day 29): "
        f"it never happens, {SAME}"]
    assert short.replace(horizon_days=41).warnings == ()
    assert short.replace(horizon_days=30).warnings == short.warnings  # nothing changes
    assert short.replace(horizon_days=30).changes == {"horizon_days": 30}


@pytest.mark.slow
def test_run_prints_warnings_and_goes_on_but_strict_writes_nothing(tmp_path, capsys):
    path = write(tmp_path / "late.yaml", _late(400))
    strict_out = tmp_path / "strict"
    assert main(["run", path, "--strict", "--executor", "serial", "--replications", "2",
                 "-o", str(strict_out)]) == 2
    err = capsys.readouterr().err
    assert "disruptions[0].onset_day: day 400 is after" in err and "Traceback" not in err
    assert not strict_out.exists()
    out = tmp_path / "out"
    assert main(["run", path, "--executor", "serial", "--replications", "2", "-o", str(out)]) == 0
    assert f"{path}:" in capsys.readouterr().err
    assert (out / "summary.csv").exists()
    # --horizon: the warnings are those of the run's horizon
    assert main(["run", write(tmp_path / "ok.yaml", _late(40)), "--strict", "--horizon", "30",
                 "--executor", "serial", "--replications", "2", "-o", str(tmp_path / "short")]) == 2
    assert "day 40 is after the horizon (30 days" in capsys.readouterr().err
    assert not (tmp_path / "short").exists()


@pytest.mark.parametrize("onset, extra, path, message", [
    (H, {}, "disruptions[0].onset_day", f"day {H} is after {AFTER}: it never happens, {SAME}"),
    ("uniform(70, 90)", {}, "disruptions[0].onset_day",
     f"uniform(70, 90) starts on day 70 at the earliest, after {AFTER}: it never happens, {SAME}"),
    ({"dist": "discrete", "values": [10, 80], "weights": [0, 1]}, {}, "disruptions[0].onset_day",
     f"discrete(values=[10, 80], weights=[0, 1]) starts on day 80 at the earliest, after {AFTER}: "
     f"it never happens, {SAME}"),
])
def test_onsets_that_cannot_fall_inside_the_horizon(onset, extra, path, message):
    sc = resim.scenario_from_dict(_late(onset, **extra))
    assert [(w.file, w.line, w.path, w.message) for w in sc.warnings] == [("<dict>", 0, path, message)]


@pytest.mark.parametrize("onset", [H - 1, "uniform(30, 90)", "exponential(100)", "normal(90, 30)"])
def test_onsets_that_can_fall_inside_the_horizon_give_no_warning(onset):
    assert resim.scenario_from_dict(_late(onset)).warnings == ()


def test_follow_ups_chance_and_reference_that_cannot_happen():
    data = small_chain()
    data["disruptions"] = [
        {"id": "quake", "type": "capacity_loss", "nodes": ["sA"], "onset_day": 10, "duration_days": 45,
         "then": "aftershock"},
        {"id": "aftershock", "type": "capacity_loss", "nodes": ["sA"], "onset_day": 10, "duration_days": 5},
        {"id": "never", "type": "supplier_failure", "nodes": ["sB"], "annual_probability": 0,
         "duration_days": 5},
        {"id": "closure", "type": "supplier_failure", "nodes": ["sB"], "onset_day": 5, "then": "reopening"},
        {"id": "reopening", "type": "demand_shock", "markets": ["m"], "multiplier": 2,
         "annual_probability": 0.5, "duration_days": 5},
    ]
    data["metrics"] = {"reference": "aftershock"}
    no_result = "so it changes no result"  # quake and closure do happen
    assert [(w.path, w.message) for w in resim.scenario_from_dict(data).warnings] == [
        ("disruptions[0].then", "follow-up 'aftershock' starts on day 65 at the earliest ('quake' ends on day "
                                f"55 at the earliest, then onset_day 10 of 'aftershock'), after {AFTER}: "
                                f"'aftershock' never happens, {no_result}"),
        ("disruptions[2].annual_probability", f"a chance of 0: it never happens, {no_result} (expected above 0)"),
        ("disruptions[3].then", "'closure' lasts for good (no duration_days) and its follow-up 'reopening' "
                                f"starts only when it ends: 'reopening' never happens, {no_result}"),
        ("metrics.reference", f"disruption 'aftershock' never happens inside {AFTER}, so the recovery metrics "
                              "of every strategy see no disruption: recovery time 0, no dip "
                              f"(expected a disruption that can start by day {H - 1})"),
    ]


def test_a_late_root_names_the_follow_ups_it_takes_along_and_standing_measures():
    data = _late(100, then="second")
    data["disruptions"].append({"id": "second", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 0,
                                "duration_days": 5})
    data["strategies"] = [{"id": "stock", "actions": ["buffer"], "buffer": {"P": 10}}]
    assert [w.message for w in resim.scenario_from_dict(data).warnings] == [
        f"day 100 is after {AFTER}: it never happens, nor its follow-up 'second', so strategies differ only "
        "by their standing measures (buffer)"]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_library_scenarios_have_no_warnings(path, capsys):
    assert resim.load_scenario(path).warnings == ()
    assert main(["validate", "--strict", str(path)]) == 0
    assert capsys.readouterr().err == ""


def _direct_chain(plant: dict, extra_nodes=(), extra_lanes=()) -> dict:
    """A plant shipping straight to a market (no DC), with the given plant node."""
    return {
        "name": "direct", "horizon_days": 20,
        "parts": [{"id": "P", "unit_cost": 20, "bom": {"C": 2}}, {"id": "C", "unit_cost": 5, "bom": {"R": 1}},
                  {"id": "R", "unit_cost": 1}],
        "nodes": [plant, *extra_nodes, {"id": "m", "kind": "market", "country": "DE", "region": "europe"}],
        "lanes": [{"from": "plant", "to": "m", "parts": "P", "lead_time_days": 1}, *extra_lanes],
        "demand": [{"market": "m", "part": "P", "daily": 4}],
    }


_PLANT = {"id": "plant", "kind": "plant", "country": "DE", "region": "europe"}


@pytest.mark.slow
@pytest.mark.parametrize("start", ["steady", "empty"])
def test_a_chain_without_lanes_between_stock_points_validates_and_runs(tmp_path, capsys, start):
    """Issue 18.1: a plant making everything and shipping straight to its market has no lane
    into a stock point; `resim run` ran into a traceback on it."""
    data = _direct_chain({**_PLANT, "makes": ["P", "C", "R"], "inventory": [
        {"part": "C", "policy": {"type": "base_stock", "level": 10}},
        {"part": "R", "policy": {"type": "s_S", "s": 2, "S": 10}}]})
    data["start"] = start
    path = write(tmp_path / "direct.yaml", data)
    assert main(["validate", "--strict", path]) == 0
    out = tmp_path / "out"
    assert main(["run", path, "--executor", "serial", "--replications", "1", "-o", str(out)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    ledger = simulate(resim.scenario_from_dict(data))
    m = ledger.market
    assert m["delivered"].sum() > 0
    assert m["demand"].sum() == pytest.approx(m["delivered"].sum() + m["backlog"][-1].sum() + m["lost"].sum())


def test_a_plant_making_its_own_component_validates_and_runs():
    """Issue 18.2: the component C is made in place (held under a policy); only its raw
    material R arrives by a lane."""
    supplier = {"id": "s", "kind": "supplier", "country": "CN", "region": "asia", "makes": "R"}
    plant = {**_PLANT, "makes": ["P", "C"], "inventory": [
        {"part": "C", "policy": {"type": "base_stock", "level": 20}, "initial": 0},
        {"part": "R", "policy": {"type": "base_stock", "level": 30}}]}
    data = _direct_chain(plant, [supplier], [{"from": "s", "to": "plant", "parts": "R", "lead_time_days": 2}])
    data["start"] = "empty"
    sc = resim.scenario_from_dict(data)
    model = Model(sc, detail=True)
    ledger = model.run()
    made = dict(zip(ledger.sku_keys, ledger.stock_series["produced"].sum(axis=0)))
    assert made[("plant", "C")] > 0 and made[("plant", "P")] > 0
    used = dict(zip(ledger.sku_keys, ledger.stock_series["consumed"].sum(axis=0)))
    assert used[("plant", "C")] == pytest.approx(2 * made[("plant", "P")])
    assert ledger.market["delivered"].sum() > 0


def test_a_component_made_in_place_without_stock_is_refused_with_the_fix():
    """Made in place, a component is made to stock: without a policy nothing would order it."""
    supplier = {"id": "s", "kind": "supplier", "country": "CN", "region": "asia", "makes": "R"}
    plant = {**_PLANT, "makes": ["P", "C"],
             "inventory": [{"part": "R", "policy": {"type": "base_stock", "level": 30}}]}
    data = _direct_chain(plant, [supplier], [{"from": "s", "to": "plant", "parts": "R", "lead_time_days": 2}])
    problems = _problems(data)
    assert [p.path for p in problems] == ["demand[0]"]
    assert "'plant' makes 'C' for 'P' but holds no stock of it" in problems[0].message


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_a_dump_without_defaults_reads_back_the_same_scenario(path):
    # What a user gets from sc.model_dump(exclude_defaults=True) (a short file of what differs from
    # the defaults) must load again: a distribution keeps its `dist` name, which has a default in
    # Python but which a file must always give.
    sc = resim.load_scenario(path)
    short = sc.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    again = resim.scenario_from_dict(yaml.safe_load(yaml.safe_dump(short)))
    assert again.model_dump(mode="json") == sc.model_dump(mode="json")
