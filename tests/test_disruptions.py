"""Each disruption type on the hand-checked chain: supplier sA (CN) -> plant (DE, P = 2 A) -> dc
-> market m, demand 10 P a day, lead times sA->plant 2 days, plant->dc 1 day.

In normal running the plant makes 10 P and sA ships 20 A every day (see test_engine_oracles).
"""

from __future__ import annotations

import numpy as np
import pytest

import resim
from resim.sim.disruptions import sample_occurrences
from resim.sim.engine import Model
from resim.core.streams import Streams
from tests.chains import hand_chain, small_chain


def run(event: dict, horizon: int = 60, **changes):
    scenario = hand_chain(horizon=horizon, a_level=200).replace(disruptions=[event], **changes)
    model = Model(scenario, detail=True)
    ledger = model.run()
    return model, ledger, ledger.stock().set_index(["node", "part", "day"]).sort_index()


def series(stock, node, part, column):
    return stock.loc[(node, part), column].to_numpy()


def window(start=10, days=10):
    return {"onset_day": start, "duration_days": days}


def test_natural_disaster_stops_production_and_shipments_in_its_footprint_only():
    _, ledger, stock = run({"id": "quake", "type": "natural_disaster", "footprint": {"countries": ["CN"]},
                            **window()})
    made, sent = series(stock, "sA", "A", "produced"), series(stock, "sA", "A", "shipped")
    assert made[10:20].sum() == 0 and sent[10:20].sum() == 0
    assert made[5:10].min() > 0 and made[20] > 0                     # step recovery at day 20
    # Goods shipped on day 9 were in transit at the onset: they still arrive, on day 11.
    assert series(stock, "plant", "A", "received")[11] == pytest.approx(sent[9])
    assert series(stock, "plant", "P", "produced")[10:12].min() > 0  # the plant (DE) is not hit
    assert ledger.onset_day == 10 and ledger.events[0].id == "quake"


def test_natural_disaster_destroys_the_given_share_of_stock_at_onset():
    _, _, stock = run({"id": "flood", "type": "natural_disaster", "footprint": {"regions": ["europe"]},
                       "stock_destroyed": 0.5, "severity": 0.0, **window()})
    for node, part in (("plant", "A"), ("dc", "P")):
        on_hand = series(stock, node, part, "on_hand")
        scrapped = series(stock, node, part, "scrapped")
        assert scrapped[10] == pytest.approx(0.5 * on_hand[9]) and scrapped[10] > 0
        assert scrapped.sum() == pytest.approx(scrapped[10])


def test_disaster_damage_falls_with_distance_from_the_epicentre():
    from resim.sim.disruptions import footprint_nodes

    scenario = hand_chain().replace(**{"nodes[plant].lat": 50.0, "nodes[plant].lon": 8.0,
                                       "nodes[dc].lat": 50.0, "nodes[dc].lon": 9.4})
    event = resim.scenario_from_dict({**scenario.model_dump(by_alias=True, exclude_unset=True),
                                      "disruptions": [{"id": "q", "type": "natural_disaster",
                                                       "footprint": {"center": [50.0, 8.0], "radius_km": 200},
                                                       "severity": 0.8, **window()}]}).disruptions[0]
    hit = footprint_nodes(scenario, event)
    # 1.4 degrees of longitude at 50 N is 100.0 km: half the radius, so 0.8 * (1 - 0.25) = 0.6.
    assert hit == pytest.approx({"plant": 0.8, "dc": 0.6}, abs=1e-3)


def test_capacity_loss_scales_production_and_ramps_back():
    _, _, stock = run({"id": "fire", "type": "capacity_loss", "nodes": ["plant"], "severity": 0.75,
                       "recovery": {"profile": "ramp", "ramp_days": 4}, **window()},
                      **{"nodes[plant].capacity_per_day": 20})
    made = series(stock, "plant", "P", "produced")
    assert made[10:20] == pytest.approx([5] * 10)  # a quarter of 20
    # 50 units of backlog build up (10 a day wanted, 5 made), so the plant runs flat out during
    # the ramp, 20 * (1 - 0.75 * (1 - d/4)) on recovery days d = 1, 2, 3 (8.75, 12.5, 16.25, still
    # short of the backlog), then at full capacity.
    assert made[20:23] == pytest.approx([20 * (1 - 0.75 * (1 - d / 4)) for d in (1, 2, 3)])
    assert made[23] == pytest.approx(20)


def test_capacity_loss_of_one_process_spares_the_others():
    base = {"id": "cnc", "type": "capacity_loss", "nodes": ["plant"], **window()}
    _, _, untouched = run({**base, "processes": ["cutting/milling"]},
                          **{"parts[P].process": {"process": "joining/assembly"}})
    _, _, stopped = run({**base, "processes": ["joining"]},
                        **{"parts[P].process": {"process": "joining/assembly"}})
    assert series(untouched, "plant", "P", "produced")[10:20].min() > 0
    assert series(stopped, "plant", "P", "produced")[10:20].sum() == 0


def test_breakdowns_alternate_up_and_repair_times():
    scenario = hand_chain(horizon=60).replace(disruptions=[{
        "id": "press", "type": "capacity_loss", "nodes": ["plant"], "onset_day": 0, "duration_days": 45,
        "mtbf_days": 10, "mttr_days": 3}])
    stops = [(o.start, o.end) for o in sample_occurrences(scenario, Streams(1, 0))]
    assert stops == [(10, 13), (23, 26), (36, 39)]


def test_a_tariff_between_two_suppliers_is_passed_on_to_the_firm():
    # Issue 17: tariffs on supplier-to-supplier flows cost nothing. sR1 (CN) ships R to sA (DE),
    # both suppliers: the importer pays 25 % of R's value (1) and passes it on in its price.
    scenario = resim.scenario_from_dict({**small_chain(), "horizon_days": 40, "disruptions": [
        {"id": "r_duty", "type": "trade_barrier", "barrier": "tariff", "rate": 0.25,
         "from_countries": ["CN"], "to_countries": ["DE"], "onset_day": 10, "duration_days": 20}]})
    model = Model(scenario, detail=True)
    ledger = model.run()
    sent = ledger.stock_series["shipped"][:, model.net.sku_index[("sR1", "R")]]
    tariff = ledger.costs().query("component == 'tariff'")["cost"].to_numpy()
    np.testing.assert_allclose(tariff[10:30], 0.25 * 1.0 * sent[10:30])
    assert tariff[10:30].sum() > 0 and tariff[:10].sum() == 0 and tariff[30:].sum() == 0


def test_demand_shock_multiplies_demand_for_its_window():
    _, ledger, _ = run({"id": "boom", "type": "demand_shock", "markets": ["m"], "multiplier": 2.5, **window()})
    demand = ledger.market["demand"][:, 0]
    assert demand[10:20].tolist() == [25] * 10 and demand[20] == 10 and demand[9] == 10


def test_tariff_charges_rate_times_value_on_matching_flows_only():
    _, ledger, stock = run({"id": "duty", "type": "trade_barrier", "barrier": "tariff", "rate": 0.1,
                            "from_countries": ["CN"], "to_regions": ["europe"], **window()})
    tariff = ledger.costs().query("component == 'tariff'")["cost"].to_numpy()
    sent = series(stock, "sA", "A", "shipped")
    np.testing.assert_allclose(tariff[10:20], 0.1 * 5 * sent[10:20])  # A is worth 5
    assert tariff[:10].sum() == 0 and tariff[20:].sum() == 0 and tariff[10:20].sum() > 0


def test_embargo_blocks_flows_and_orders_wait_until_it_is_lifted():
    _, _, stock = run({"id": "ban", "type": "trade_barrier", "barrier": "embargo",
                       "from_countries": ["CN"], "to_countries": ["DE"], **window()})
    sent = series(stock, "sA", "A", "shipped")
    assert sent[10:20].sum() == 0 and sent[9] > 0
    # The order placed on day 9 stays owed and leaves when the embargo lifts (day 20). With no
    # open lane, no new orders were placed; on day 20 the plant orders all it misses, shipped day 21.
    assert sent[20] == pytest.approx(20)
    position = series(stock, "plant", "A", "on_hand")[20] + series(stock, "plant", "A", "in_transit")[20]
    assert sent[21] == pytest.approx(200 - position) and sent[21] > 100


def test_local_content_blocks_or_penalises_supply_below_the_share():
    # P's value is 100, of which the two A (10) come from CN: 90 % is added in Europe.
    rule = {"id": "lc", "type": "trade_barrier", "barrier": "local_content", "market": "m", **window()}
    _, ok, _ = run({**rule, "min_local_share": 0.85})
    assert ok.market["on_time"][10:20, 0].tolist() == [10] * 10
    _, blocked, _ = run({**rule, "min_local_share": 0.95})
    assert blocked.market["delivered"][10:20, 0].sum() == 0
    _, penalised, _ = run({**rule, "min_local_share": 0.95, "penalty_per_unit": 7})
    tariff = penalised.costs().query("component == 'tariff'")["cost"].to_numpy()
    np.testing.assert_allclose(tariff[10:20], 7 * penalised.market["delivered"][10:20, 0])
    assert tariff[10:20].sum() == 70 * 10


def test_logistics_closure_and_slowdown():
    _, _, closed = run({"id": "port", "type": "logistics", "lanes": ["plant->dc"], **window()})
    assert series(closed, "plant", "P", "shipped")[10:20].sum() == 0
    _, _, slow = run({"id": "slow", "type": "logistics", "lanes": ["sA->plant"],
                      "lead_time_multiplier": 3, **window()})
    sent = series(slow, "sA", "A", "shipped")
    received = series(slow, "plant", "A", "received")
    # Day 9's shipment keeps its 2 days; day 10's leaves with 6 days: nothing arrives on days 12-15.
    assert received[11] == pytest.approx(sent[9]) and received[12:16].sum() == 0
    assert received[16] == pytest.approx(sent[10])


@pytest.mark.parametrize("action", ["quarantine", "scrap"])
def test_quality_event_holds_or_scraps_stock(action):
    _, _, stock = run({"id": "recall", "type": "quality", "nodes": ["dc"], "parts": ["P"], "severity": 0.5,
                       "action": action, **window(days=5)})
    on_hand = series(stock, "dc", "P", "on_hand")
    taken = series(stock, "dc", "P", "held" if action == "quarantine" else "scrapped")
    assert taken[10] == pytest.approx(0.5 * on_hand[9]) and taken[10] > 0
    released, on_hold = series(stock, "dc", "P", "released"), series(stock, "dc", "P", "on_hold")
    if action == "quarantine":  # held on day 10, all of it released when the event ends on day 15
        assert released[15] == pytest.approx(taken[10]) and released.sum() == pytest.approx(taken[10])
        assert on_hold[10:15] == pytest.approx([taken[10]] * 5) and on_hold[15:].max() == pytest.approx(0)
    else:
        assert taken[15] == 0 and released.sum() == 0 and on_hold.max() == 0


def test_permanent_supplier_failure_is_never_recovered():
    scenario = hand_chain(horizon=80, a_level=200).replace(disruptions=[
        {"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10}])
    res = resim.run(scenario, replications=2, executor="serial")
    row = res.replications.iloc[0]
    assert row["recovered"] == 0 and row["recovery_time_days"] == 80 - 10
    assert row["time_to_impact_days"] >= 0


def test_follow_ups_start_after_their_predecessor_ends():
    scenario = hand_chain(horizon=200).replace(disruptions=[
        {"id": "quake", "type": "natural_disaster", "footprint": {"countries": ["CN"]},
         "onset_day": 10, "duration_days": 20, "then": "aftershock"},
        {"id": "aftershock", "type": "capacity_loss", "nodes": ["sA"], "onset_day": 5, "duration_days": 3}])
    found = [(o.spec.id, o.start, o.end) for o in sample_occurrences(scenario, Streams(1, 0))]
    assert found == [("quake", 10, 30), ("aftershock", 35, 38)]


def test_annual_probability_sets_how_often_a_disruption_happens():
    # Over half a year, p = 0.6 a year happens with chance 1 - 0.4 ** 0.5 = 0.3675.
    scenario = hand_chain(horizon=365 // 2).replace(disruptions=[
        {"id": "strike", "type": "capacity_loss", "nodes": ["plant"], "annual_probability": 0.6,
         "duration_days": 5}])
    n = 2000
    hits = sum(bool(sample_occurrences(scenario, Streams(3, i))) for i in range(n))
    chance = 1 - 0.4 ** ((365 // 2) / 365)
    assert abs(hits / n - chance) < 4 * np.sqrt(chance * (1 - chance) / n)


def test_rules_in_force_apply_to_lanes_added_later():
    from resim.scenario.format.chain import Lane, Node

    scenario = hand_chain(horizon=40, a_level=200).replace(disruptions=[
        {"id": "ban", "type": "trade_barrier", "barrier": "embargo", "from_countries": ["CN", "VN"],
         "to_countries": ["DE"], "onset_day": 5, "duration_days": 30}])
    model = Model(scenario, detail=True)

    def second_source(m: Model) -> None:
        m.add_node(Node(id="sA2", kind="supplier", country="VN", region="asia", makes=("A",)))
        m.add_lane(Lane(source="sA2", dest="plant", parts=("A",), lead_time_days=2))

    model.at(10, second_source)
    stock = model.run().stock().set_index(["node", "part", "day"]).sort_index()
    assert series(stock, "sA2", "A", "shipped")[10:35].sum() == 0


def test_used_goods_ban_blocks_remanufactured_imports_only():
    # A reman centre in Poland holds 100 remanufactured P and shares the DC's orders with the plant.
    scenario = hand_chain(horizon=40, a_level=200).replace(
        nodes=[*hand_chain().model_dump(by_alias=True, exclude_unset=True)["nodes"],
               {"id": "rm", "kind": "reman", "country": "PL", "region": "europe", "makes": "P",
                "inventory": [{"part": "P", "policy": {"type": "base_stock", "level": 100}}]}],
        lanes=[*hand_chain().model_dump(by_alias=True, exclude_unset=True)["lanes"],
               {"from": "rm", "to": "dc", "parts": "P", "lead_time_days": 1, "share": 0.5}],
        **{"lanes[plant->dc].share": 0.5},
        disruptions=[{"id": "ban", "type": "trade_barrier", "barrier": "used_goods_ban",
                      "from_countries": ["PL"], "to_countries": ["DE"], **window()}])
    stock = Model(scenario, detail=True).run().stock().set_index(["node", "part", "day"]).sort_index()
    assert series(stock, "rm", "P", "shipped")[:10].sum() > 0
    assert series(stock, "rm", "P", "shipped")[10:20].sum() == 0
    assert series(stock, "plant", "P", "shipped")[10:20].sum() > 0  # new products still flow


def test_local_value_follows_todays_order_split():
    # sA buys R from sR1 (asia, 25 %) and sR2 (moved to europe, 75 %); R has no components, so the
    # share of its value added in europe at sA is the part of sA's orders going to sR2.
    from resim.sim.disruptions import local_value_share
    from tests.chains import small_chain

    data = small_chain()
    data["nodes"][1]["region"] = "europe"
    model = Model(resim.scenario_from_dict(data))
    at_sA = model.net.sku_index[("sA", "R")]
    assert local_value_share(model, "europe")[at_sA] == pytest.approx(0.75)
    model.set_share("sR2->sA", 3.0)                      # weights, not fractions: 3 / (3 + 0.25)
    assert local_value_share(model, "europe")[at_sA] == pytest.approx(3 / 3.25)
    model.set_share_factor("sR1->sA", 0.0, cause="replaced")
    assert local_value_share(model, "europe")[at_sA] == pytest.approx(1.0)
    model.set_share_factor("sR2->sA", 0.0, cause="replaced")   # none open: the scenario's shares
    assert local_value_share(model, "europe")[at_sA] == pytest.approx(0.75)


def test_stock_on_hold_is_held_at_the_firms_cost_like_stock_on_hand():
    # Quarantined units still sit in the DC's warehouse, their capital tied up: the holding cost is
    # Σ days Σ the firm's stock points (on hand + on hold) × unit cost × holding_cost_rate / 365.
    model, ledger, stock = run({"id": "recall", "type": "quality", "nodes": ["dc"], "parts": ["P"], "severity": 0.5,
                                "action": "quarantine", **window(days=20)}, **{"nodes[dc].holding_cost_rate": 0.365})
    sc = model.scenario
    assert series(stock, "dc", "P", "on_hold").sum() > 0
    expected = 0.0
    for (node, part), rows in stock.groupby(level=["node", "part"]):
        if sc.nodes_by_id[node].kind in ("plant", "dc"):
            units = rows.on_hand.sum() + rows.on_hold.sum()
            expected += units * sc.parts_by_id[part].unit_cost * sc.nodes_by_id[node].holding_cost_rate / 365
    assert ledger.cost_totals()["holding"] == pytest.approx(expected)
