"""Conservation of material on random networks, every day, at every stock point and market.

The ledger's flows are checked against each other and against the bill of materials, independently
of how the model computed them: stock changes by what came in minus what went out; what a maker
consumed is what its output needs by the BOM; what left on lanes arrived or is still travelling;
demand is delivered, carried as backlog or lost.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import resim
from resim.sim.engine import Model
from resim.scenario.synthetic import synthetic_chain


@st.composite
def chains(draw):
    data = synthetic_chain(draw(st.integers(8, 40)), tiers=draw(st.integers(1, 3)),
                           seed=draw(st.integers(0, 10_000)), horizon_days=draw(st.integers(20, 80)))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    # Squeeze the chain so that shortages, capacity limits and lost sales all happen.
    for node in data["nodes"]:
        if node.get("makes") and rng.random() < 0.4:
            node["capacity_per_day"] = float(rng.uniform(1, 30))
        for stock in node.get("inventory", []):
            if rng.random() < 0.3:
                stock["initial"] = float(rng.uniform(0, 20))
    for lane in data["lanes"]:
        if rng.random() < 0.2:
            lane["capacity_per_day"] = float(rng.uniform(1, 40))
        if rng.random() < 0.2:
            lane["lead_time_days"] = "lognormal(6, 4)"
    for entry in data["demand"]:
        entry["unmet"] = "lost_sales" if rng.random() < 0.5 else "backorder"
    closures = [(int(rng.integers(0, 20)), int(rng.integers(0, len(data["lanes"]))))
                for _ in range(draw(st.integers(0, 3)))]
    return resim.scenario_from_dict(data), closures


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_material_is_conserved_every_day_everywhere(case):
    scenario, closures = case
    model = Model(scenario, detail=True)
    for day, lane in closures:
        key = model.net.lane_keys[lane]
        model.at(day, lambda m, key=key: m.set_lane_open(key, False))
        model.at(day + 7, lambda m, key=key: m.set_lane_open(key, True))
    ledger = model.run()
    s = ledger.stock_series
    before = np.vstack([model.opening_on_hand, s["on_hand"][:-1]])
    tolerance = 1e-6 * (1 + np.abs(s["on_hand"]).max())

    # Stock: on hand changes by received + produced + released - shipped - consumed - scrapped - held.
    change = (s["received"] + s["produced"] + s["released"] - s["shipped"] - s["consumed"] - s["scrapped"]
              - s["held"])
    np.testing.assert_allclose(s["on_hand"] - before, change, atol=tolerance)
    assert s["on_hand"].min() >= -tolerance

    # Consumption follows the bill of materials of what was made at the same node.
    parts = scenario.parts_by_id
    expected = np.zeros_like(s["consumed"])
    index = {key: i for i, key in enumerate(ledger.sku_keys)}
    for (node, part), i in index.items():
        for child, quantity in parts[part].bom.items():
            if (node, child) in index:
                expected[:, index[(node, child)]] += quantity * s["produced"][:, i]
    np.testing.assert_allclose(s["consumed"], expected, atol=tolerance)

    # Transport: what left on replenishment lanes arrived or is still in transit.
    m = ledger.market
    left = s["shipped"].sum() - m["delivered"].sum() + model.opening_in_transit.sum()
    arrived_or_travelling = s["received"].sum() + s["in_transit"][-1].sum()
    assert abs(left - arrived_or_travelling) <= tolerance * 10

    # Markets: backlog(t) = backlog(t-1) + demand - delivered - lost; on time within demand.
    backlog_before = np.vstack([np.zeros(m["backlog"].shape[1]), m["backlog"][:-1]])
    np.testing.assert_allclose(m["backlog"], backlog_before + m["demand"] - m["delivered"] - m["lost"],
                               atol=tolerance)
    assert np.all(m["on_time"] <= m["demand"] + tolerance)
    assert np.all(m["delivered"] <= backlog_before + m["demand"] + tolerance)
    assert np.all(m["delivered"] >= m["on_time"] - tolerance)


def test_same_seed_same_ledger_and_different_replications_differ():
    scenario = resim.scenario_from_dict(synthetic_chain(30, tiers=2, seed=3, horizon_days=60))
    first = Model(scenario, replication=2, detail=True).run()
    again = Model(scenario, replication=2, detail=True).run()
    other = Model(scenario, replication=3, detail=True).run()
    for name in first.market:
        np.testing.assert_array_equal(first.market[name], again.market[name])
    np.testing.assert_array_equal(first.stock_series["on_hand"], again.stock_series["on_hand"])
    assert not np.array_equal(first.market["demand"], other.market["demand"])


def test_adding_a_lane_does_not_change_the_other_lanes_draws():
    # Common random numbers: streams are named, so a new lane gets its own draws.
    from resim.scenario.format.chain import Lane

    scenario = resim.scenario_from_dict(synthetic_chain(20, tiers=2, seed=5, horizon_days=40))
    plain = Model(scenario)
    grown = Model(scenario)
    lane = scenario.lanes[0]
    grown.add_lane(Lane(id="spare", source=lane.source, dest=lane.dest, parts=lane.parts,
                        lead_time_days="uniform(1, 9)", share=0))
    np.testing.assert_array_equal(plain.lead_times, grown.lead_times)  # the scenario's lanes
    np.testing.assert_array_equal(plain.demand_draws, grown.demand_draws)
