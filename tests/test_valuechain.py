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
    edge = graph.edges["sR2", "sA", "road"]   # edges are keyed by transport mode
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


def test_parallel_lanes_are_one_edge_per_mode_and_share_the_orders():
    # sA ships A to the plant by road (share 0.7) and by air (0.3, 3 a unit): both edges are in the
    # graph, keyed by mode; the engine splits the plant's orders 70/30 between them, each lane's
    # units arrive whole (shipped = received + still in transit), and transport is charged per lane.
    from resim.experiment.runner import prepare
    from tests.chains import hand_chain

    sc = hand_chain(horizon=60, a_level=100)
    lanes = [lane.model_dump(by_alias=True, exclude_unset=True) for lane in sc.lanes]
    lanes[0]["share"] = 0.7
    lanes.append({"id": "sA_plant_air", "from": "sA", "to": "plant", "parts": ["A"], "lead_time_days": 1,
                  "cost_per_unit": 3, "mode": "air", "share": 0.3})
    sc = sc.replace(lanes=lanes)
    graph = sc.value_chain()
    assert set(graph["sA"]["plant"]) == {"road", "air"} and graph.edges["sA", "plant", "air"]["id"] == "sA_plant_air"
    assert valuechain.tiers(graph)["sA"] == 1
    model, _ = prepare(sc, "none", 0, sc.seed)
    ledger = model.run()
    road, air = (model.lane_arcs(key) for key in ("sA->plant", "sA_plant_air"))
    shipped = {name: float(model.shipped_total[arcs].sum()) for name, arcs in (("road", road), ("air", air))}
    assert shipped["air"] / (shipped["road"] + shipped["air"]) == pytest.approx(0.3, abs=0.02)
    for arcs in (road, air):
        assert model.shipped_total[arcs].sum() == pytest.approx(model.received_total[arcs].sum()
                                                                + model.in_transit[arcs].sum())
    transport = ledger.costs().groupby("component").cost.sum()["transport"]
    assert transport == pytest.approx(1 * shipped["road"] + 3 * shipped["air"])   # the other lanes cost nothing


def test_a_second_lane_of_the_same_pair_and_mode_is_refused():
    import resim
    from tests.chains import hand_chain

    sc = hand_chain()
    lanes = [lane.model_dump(by_alias=True, exclude_unset=True) for lane in sc.lanes]
    lanes.append({"id": "sA_plant_2", "from": "sA", "to": "plant", "parts": ["A"], "lead_time_days": 1})
    with pytest.raises(resim.ScenarioError, match="a second road lane from 'sA' to 'plant'"):
        sc.replace(lanes=lanes)
    lanes[-1] = {"from": "sA", "to": "plant", "parts": ["A"], "lead_time_days": 1, "mode": "air"}
    with pytest.raises(resim.ScenarioError, match="give it its own id, e.g. sA_plant_air"):
        sc.replace(lanes=lanes)
