"""What a scenario's replications share instead of recomputing (issue 21): the expected flows
(resim.sim.targets.flows_of), the part of a need's match that holds whatever the day
(Pool.reach), a match with the capacities and prices of the moment (match) and the candidates
made of ranked rows (as_candidates). Each equals a fresh computation, is not changed by the
replications that share it, and a variant gets its own."""

from __future__ import annotations

import pytest

import resim
from resim.experiment.runner import run_replication
from resim.sim.agreements import Candidate, as_candidates
from resim.sim.targets import Flows, flows_of
from resim.supply.matching import Pool, candidates, match, need_for, score
from resim.supply.pool import pool_frame
from tests.chains import hand_chain, small_chain
from tests.test_capacity import _offering, _two_parts


def test_flows_are_made_once_per_scenario_and_equal_a_fresh_computation():
    scenario = hand_chain()
    shared = flows_of(scenario)
    assert flows_of(scenario) is shared
    fresh = Flows(scenario)
    assert dict(shared.on) == dict(fresh.on) and dict(shared.weight) == dict(fresh.weight)
    assert shared.lane("sA->plant", "A") == fresh.lane("sA->plant", "A") > 0
    with pytest.raises(TypeError):  # shared by every replication: read-only
        shared.on["sA->plant", "A"] = 0.0  # type: ignore[index]


def test_a_variant_gets_its_own_flows():
    scenario = resim.scenario_from_dict(small_chain())  # sR1 and sR2 share sA's orders 0.25 / 0.75
    variant = scenario.replace(**{"lanes[sR1->sA].share": 0.5, "lanes[sR2->sA].share": 0.5})
    assert flows_of(variant) is not flows_of(scenario)
    assert flows_of(scenario).weight["sR1->sA", "R"] == 0.25 and flows_of(variant).weight["sR1->sA", "R"] == 0.5


def test_replications_sharing_the_caches_give_what_a_fresh_scenario_gives():
    # The second replication of a scenario finds the flows, facts and pool made by the first; a
    # scenario just built has none of them. Their outcomes must be the same.
    warm = _two_parts()
    run_replication(warm, "rent", 0, warm.seed)
    shared = run_replication(warm, "rent", 1, warm.seed)
    alone = run_replication(_two_parts(), "rent", 1, warm.seed)
    assert shared.metrics == alone.metrics and shared.costs == alone.costs
    assert shared.actions == alone.actions and len(shared.actions) > 0


def test_a_match_at_the_moments_capacities_and_prices_equals_one_of_a_pool_published_so():
    offerings = [_offering(id=f"assy_{i}", capacity_per_day=10 + i, unit_price=12 + i) for i in range(4)]
    scenario = _two_parts().replace(maas={"providers": offerings})
    frame = pool_frame(scenario.maas.providers)
    changed = frame.assign(capacity_per_day=frame.capacity_per_day * [1, 0.5, 0, 2],
                           unit_price=frame.unit_price * [1, 1.2, 1, 0.9])
    need = need_for(scenario, "A", units_per_day=20, destination="plant")
    now = match(Pool(frame), need, capacity=changed.capacity_per_day.to_numpy(),
                price=changed.unit_price.to_numpy()).frame()
    anew = candidates(Pool(changed), need)
    assert now.equals(anew) and list(now.unit_price) == [12, 13 * 1.2, 14, 15 * 0.9]
    assert list(now.capacity_per_day) == [10, 5.5, 0, 26]


def test_a_needs_reach_is_worked_out_once_per_pool_and_not_changed_by_the_matches_sharing_it():
    offerings = [_offering(id="assy_pl", unit_price=12),
                 _offering(id="assy_cn", unit_price=9, country="CN", region="asia"),
                 _offering(id="assy_us", unit_price=11, country="US", region="north_america",
                           export_controlled=True)]
    scenario = _two_parts().replace(maas={"providers": offerings})
    quake = scenario.disruptions[0]  # the CN earthquake
    pool = Pool(pool_frame(scenario.maas.providers))
    need = need_for(scenario, "A", units_per_day=20, destination="plant")
    reach = pool.reach(need)
    assert pool.reach(need_for(scenario, "A", units_per_day=5, destination="plant")) is reach  # amount aside
    assert pool.reach(need_for(scenario, "B", units_per_day=20, destination="plant")) is not reach
    with pytest.raises(ValueError):  # shared by every query of the need: read-only
        reach.reason[0] = "changed"
    during = match(pool, need, active=[quake], max_premium=0.1).frame().set_index("id").reason.to_dict()
    assert during == {"assy_pl": "premium above 10%", "assy_cn": "inside the footprint of quake",
                      "assy_us": "export-controlled: cannot ship abroad"}
    # What the earlier match ruled out for the moment is not left in the shared reach.
    after = candidates(pool, need).set_index("id").reason.to_dict()
    assert after == {"assy_pl": "", "assy_cn": "", "assy_us": "export-controlled: cannot ship abroad"}
    assert candidates(pool, need).equals(candidates(pool_frame(scenario.maas.providers), need))


def test_candidates_of_ranked_rows_equal_those_of_each_row():
    offerings = [_offering(id=f"assy_{i}", unit_price=12 + i, lat=50.0 + i, lon=8.0) for i in range(3)]
    scenario = _two_parts().replace(maas={"providers": offerings})
    need = need_for(scenario, "A", units_per_day=20, destination="plant")
    ranked = score(candidates(pool_frame(scenario.maas.providers), need), need, scenario.maas.weights)
    assert as_candidates(ranked) == [Candidate.from_row(row) for _, row in ranked.iterrows()]
    assert [c.offering for c in as_candidates(ranked)] == list(ranked.id)
    on_arrays = score(match(Pool(pool_frame(scenario.maas.providers)), need), need, scenario.maas.weights)
    assert as_candidates(on_arrays) == as_candidates(ranked)


def test_a_disaster_footprint_is_worked_out_once_and_handed_out_as_a_copy():
    from resim.sim.disruptions import _footprint, footprint_nodes

    scenario = resim.scenario_from_dict(small_chain()).replace(disruptions=[
        {"id": "q", "type": "natural_disaster", "footprint": {"regions": ["asia"]}, "onset_day": 5,
         "duration_days": 10}])
    quake = scenario.disruptions[0]
    first = footprint_nodes(scenario, quake)
    assert first == _footprint(scenario, quake) == {"sR1": 1.0, "sR2": 1.0}
    first.clear()  # the caller's copy: the shared answer is not changed
    assert footprint_nodes(scenario, quake) == {"sR1": 1.0, "sR2": 1.0}
    europe = scenario.replace(**{"disruptions[q].footprint.regions": ["europe"]})
    assert set(footprint_nodes(europe, europe.disruptions[0])) == {"sA", "plant", "dc", "m"}
