"""Synthetic chains: valid at every size and tier count, the size asked for, reproducible."""

from __future__ import annotations

import json

import pytest

import resim
from resim.scenario import valuechain
from resim.scenario.synthetic import synthetic_chain

SIZES_AND_TIERS = [(6, 3), (10, 1), (10, 3), (40, 2), (100, 3), (100, 5), (1000, 3), (1000, 4)]


@pytest.mark.parametrize("nodes, tiers", SIZES_AND_TIERS)
def test_generated_chain_validates_with_the_requested_size_and_tiers(nodes, tiers):
    data = synthetic_chain(nodes, tiers=tiers, seed=7)
    scenario = resim.scenario_from_dict(data)  # raises ScenarioError listing problems
    assert abs(len(scenario.nodes) - nodes) <= 0.1 * nodes
    graph = scenario.value_chain()
    supplier_tiers = {tier for node, tier in valuechain.tiers(graph).items()
                      if graph.nodes[node]["kind"] == "supplier"}
    assert supplier_tiers == set(range(1, tiers + 1))
    # every supplier delivers towards a plant: none is left without a tier
    assert all(graph.nodes[n]["tier"] is not None
               for n, kind in graph.nodes(data="kind") if kind == "supplier")


@pytest.mark.slow
@pytest.mark.parametrize("nodes", [5000, 10000])
def test_large_chains_validate(nodes):
    scenario = resim.scenario_from_dict(synthetic_chain(nodes, seed=1))
    assert len(scenario.nodes) == nodes


def test_same_seed_gives_the_same_dict_and_another_seed_another():
    first = synthetic_chain(300, tiers=3, seed=11)
    assert synthetic_chain(300, tiers=3, seed=11) == first
    assert json.dumps(first) == json.dumps(synthetic_chain(300, tiers=3, seed=11))
    assert synthetic_chain(300, tiers=3, seed=12) != first


def test_chain_has_the_features_of_a_real_one():
    data = synthetic_chain(500, tiers=3, seed=3)
    kinds = [n["kind"] for n in data["nodes"]]
    assert {"supplier", "plant", "dc", "market"} == set(kinds)
    assert len({n["region"] for n in data["nodes"]}) >= 3
    assert len({n["country"] for n in data["nodes"]}) >= 5
    shares = sorted({lane["share"] for lane in data["lanes"] if "share" in lane})
    assert shares and set(shares) <= {0.3, 0.5, 0.7}  # some parts are dual-sourced
    assert any(isinstance(lane["lead_time_days"], str) for lane in data["lanes"])
    assert all(d["daily"].startswith("poisson(") for d in data["demand"])
    # every buyer holds a base stock of each part that reaches it
    nodes = {n["id"]: n for n in data["nodes"]}
    for lane in data["lanes"]:
        dest = nodes[lane["to"]]
        if dest["kind"] != "market":
            parts = lane["parts"] if isinstance(lane["parts"], list) else [lane["parts"]]
            stocked = {s["part"]: s["policy"]["type"] for s in dest["inventory"]}
            assert all(stocked[p] == "base_stock" for p in parts)


def test_the_data_is_plain_json():
    data = synthetic_chain(60, tiers=2, seed=5)
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize("nodes, tiers", [(5, 3), (3, 1), (10, 0)])
def test_too_small_requests_are_refused(nodes, tiers):
    with pytest.raises(ValueError):
        synthetic_chain(nodes, tiers=tiers)


def test_resim_generate_writes_a_valid_reproducible_scenario(tmp_path):
    from resim.cli.main import main

    assert main(["generate", "--nodes", "60", "--tiers", "2", "--seed", "3", "-o", str(tmp_path / "a.yaml")]) == 0
    assert main(["generate", "--nodes", "60", "--tiers", "2", "--seed", "3", "-o", str(tmp_path / "b.yaml")]) == 0
    assert (tmp_path / "a.yaml").read_text() == (tmp_path / "b.yaml").read_text()
    assert len(resim.load_scenario(tmp_path / "a.yaml").nodes) == 60
    assert main(["generate", "--nodes", "2", "-o", str(tmp_path / "c.yaml")]) == 2
