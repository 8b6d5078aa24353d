"""Graph queries on a hand-built chain, each expectation worked out by hand from tests/chains.py."""

from __future__ import annotations

import pytest

import resim
from resim.scenario import valuechain
from tests.chains import small_chain, write


@pytest.fixture
def graph(tmp_path):
    return resim.load_scenario(write(tmp_path / "small.yaml", small_chain())).value_chain()


def test_graph_has_typed_node_and_edge_attributes(graph):
    assert set(graph.nodes) == {"sR1", "sR2", "sA", "sB", "plant", "dc", "m"}
    assert graph.nodes["sR2"]["kind"] == "supplier"
    assert graph.nodes["sR2"]["capacity_per_day"] == 300.0
    assert graph.nodes["plant"]["inventory"]["B"].policy.S == 40
    edge = graph.edges["sR2", "sA"]
    assert edge["parts"] == ("R",) and edge["share"] == 0.75 and edge["id"] == "sR2->sA"
    assert edge["lead_time_days"].mean == pytest.approx((2 + 3 + 5) / 3)


def test_tiers_count_lanes_to_the_plant(graph):
    assert valuechain.tiers(graph) == {"plant": 0, "sA": 1, "sB": 1, "sR1": 2, "sR2": 2}
    assert graph.nodes["dc"]["tier"] is None


def test_bom_explosion_multiplies_down_the_levels(graph):
    assert valuechain.bom_explosion(graph, "P") == {"A": 2.0, "B": 1.0, "R": 6.0}
    assert valuechain.bom_explosion(graph, "B") == {}


def test_upstream_suppliers_of_a_part(graph):
    assert valuechain.upstream_suppliers(graph, "A") == ["sA", "sR1", "sR2"]
    assert valuechain.upstream_suppliers(graph, "P") == ["plant", "sA", "sB", "sR1", "sR2"]
    assert valuechain.upstream_suppliers(graph, "R", at="sA") == ["sR1", "sR2"]


def test_single_sourced_parts(graph):
    assert valuechain.single_sourced_parts(graph) == {"A": "sA", "B": "sB", "P": "plant"}


def test_supply_share_weights_makers_by_capacity(graph):
    share = valuechain.supply_share(graph, by="country")
    r = share[share["part"] == "R"].set_index("country")["share"].to_dict()
    assert r == pytest.approx({"CN": 100 / 400, "VN": 300 / 400})
    by_region = valuechain.supply_share(graph, by="region")
    assert by_region[by_region["part"] == "R"]["share"].tolist() == [1.0]


def test_supply_share_counts_makers_equally_when_capacity_is_unlimited(graph):
    graph.nodes["sR1"]["capacity_per_day"] = None
    share = valuechain.supply_share(graph, by="country")
    assert share[share["part"] == "R"]["share"].tolist() == [0.5, 0.5]


def test_supply_paths_from_suppliers_to_markets(graph):
    paths = valuechain.supply_paths(graph)
    assert paths[("sR1", "m")] == [["sR1", "sA", "plant", "dc", "m"]]
    assert paths[("sB", "m")] == [["sB", "plant", "dc", "m"]]
    assert set(paths) == {("sR1", "m"), ("sR2", "m"), ("sA", "m"), ("sB", "m")}


def test_provisionable_is_what_reaches_from_sources(graph):
    provided = valuechain.provisionable(graph)
    assert {("sR1", "R"), ("sA", "A"), ("plant", "P"), ("dc", "P")} <= provided
    graph.remove_edge("sB", "plant")
    provided = valuechain.provisionable(graph)
    assert ("plant", "P") not in provided and ("dc", "P") not in provided
    assert ("sA", "A") in provided
