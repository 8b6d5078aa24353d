"""The value chain's facts asked by every replication (resim.scenario.chain_facts), against
hand-worked chains and against enumerating every path."""

from __future__ import annotations

import pickle

import networkx as nx
import pytest

import resim

from resim.scenario.chain_facts import ChainFacts
from tests.chains import hand_chain


def _diamond(back_lane: bool = False):
    """sA feeds the plant directly (2 days) and through a hub (3 + 4 days); the plant ships to
    the dc (1 day) and the dc to the market (1 day). ``back_lane`` adds a hub -> sA lane (a loop)."""
    base = hand_chain()
    data = base.model_dump(by_alias=True, exclude_unset=True, mode="json")
    data["nodes"].insert(1, {"id": "hub", "kind": "dc", "country": "DE", "region": "europe",
                             "inventory": [{"part": "A", "policy": {"type": "base_stock", "level": 10}}]})
    data["lanes"][0]["share"] = 0.5
    data["lanes"] += [{"from": "sA", "to": "hub", "parts": "A", "lead_time_days": 3},
                      {"from": "hub", "to": "plant", "parts": "A", "lead_time_days": "uniform(3, 5)",
                       "share": 0.5}]
    if back_lane:
        data["nodes"][0]["inventory"] = [{"part": "A", "policy": {"type": "base_stock", "level": 10}}]
        data["lanes"].append({"from": "hub", "to": "sA", "parts": "A", "lead_time_days": 9})
    return resim.scenario_from_dict(data)


def test_lags_are_the_longest_lead_time_path_to_the_market():
    facts = ChainFacts(hand_chain())
    assert [facts.lag_days(node, "m") for node in ("sA", "plant", "dc", "m")] == [4.0, 2.0, 1.0, 0.0]
    diamond = ChainFacts(_diamond())
    assert diamond.lag_days("sA", "m") == 3 + 4 + 1 + 1          # through the hub, not the 2-day lane
    assert diamond.lag_days("hub", "m") == 4 + 1 + 1
    assert diamond.lag_days("m", "sA") == 0.0                    # no path back


def test_a_chain_with_a_loop_takes_the_longest_simple_path():
    looped = ChainFacts(_diamond(back_lane=True))
    # sA -> hub -> plant is still the longest from sA; from the hub, hub -> sA -> plant (9 + 2)
    # beats hub -> plant (4), and a path visits no node twice.
    assert looped.lag_days("sA", "m") == 3 + 4 + 1 + 1
    assert looped.lag_days("hub", "m") == 9 + 2 + 1 + 1


def test_lags_equal_the_longest_of_every_enumerated_path_on_a_synthetic_chain():
    from resim.scenario.synthetic import synthetic_chain

    scenario = resim.scenario_from_dict(synthetic_chain(60, tiers=3, seed=4))
    facts = ChainFacts(scenario)
    lead = {(lane.source, lane.dest): lane.lead_time_days.mean for lane in scenario.lanes}
    graph = scenario.value_chain()
    for market in {entry.market for entry in scenario.demand}:
        for node in list(graph)[::7]:
            paths = nx.all_simple_paths(graph, node, market)
            expected = max((sum(lead[s] for s in zip(p, p[1:])) for p in paths), default=0.0)
            assert facts.lag_days(node, market) == pytest.approx(expected, abs=1e-9)


def test_explosions_and_products_follow_the_bill_of_materials():
    facts = ChainFacts(hand_chain())
    assert dict(facts.explosion("P")) == {"A": 2.0} and dict(facts.explosion("A")) == {}
    assert facts.products_with("A") == ("P",) and facts.products_with("P") == ("P",)
    with pytest.raises(TypeError):
        facts.explosion("P")["A"] = 5            # shared by every replication: read-only
    with pytest.raises(nx.NetworkXError):
        facts.graph.add_node("x")                # the graph too


def test_the_facts_pickle_with_their_answers():
    facts = ChainFacts(_diamond())
    asked = facts.lag_days("sA", "m"), dict(facts.explosion("P"))
    copy = pickle.loads(pickle.dumps(facts))
    assert (copy.lag_days("sA", "m"), dict(copy.explosion("P"))) == asked


def test_a_scenario_answers_once_and_its_variants_anew():
    scenario = hand_chain()
    assert scenario.facts is scenario.facts and scenario.facts.lag_days("sA", "m") == 4.0
    slower = scenario.replace(**{"lanes[sA->plant].lead_time_days": 5})
    assert slower.facts.lag_days("sA", "m") == 7.0 and scenario.facts.lag_days("sA", "m") == 4.0


def test_makers_and_lanes_are_those_a_scan_of_the_scenario_finds():
    from resim.scenario.synthetic import synthetic_chain

    scenario = resim.scenario_from_dict(synthetic_chain(60, tiers=3, seed=4))
    facts = ChainFacts(scenario)
    for part in [p.id for p in scenario.parts] + ["no such part"]:
        assert facts.makers(part) == tuple(n.id for n in scenario.nodes if part in n.makes and n.kind != "reman")
    for node in [n.id for n in scenario.nodes] + ["no such node"]:
        assert facts.lanes_from(node) == tuple(l for l in scenario.lanes if l.source == node)
        assert facts.lanes_into(node) == tuple(l for l in scenario.lanes if l.dest == node)
    graph, kinds = scenario.value_chain(), {n.id: n.kind for n in scenario.nodes}
    for node in kinds:
        reached = nx.descendants(graph, node) | {node}
        assert facts.markets_served(node) == {n for n in reached if kinds[n] == "market"}
    assert ChainFacts(hand_chain()).markets_served("sA") == {"m"}


def test_explosions_over_the_bom_built_once_equal_a_fresh_explosion():
    from resim.scenario.synthetic import synthetic_chain
    from resim.scenario.valuechain import bom_explosion

    scenario = resim.scenario_from_dict(synthetic_chain(60, tiers=3, seed=4))
    facts, graph = ChainFacts(scenario), scenario.value_chain()
    for part in scenario.parts:
        assert dict(facts.explosion(part.id)) == bom_explosion(graph, part.id)
