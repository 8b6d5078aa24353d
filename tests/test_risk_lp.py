"""The TTS/TTR stress test (resim.assess.risk_lp) against small networks solved by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import resim
from resim.assess.risk_lp import OutageLP, impact_of_outage, stress_test, time_to_survive

QUICKSTART = Path(__file__).resolve().parents[1] / "scenarios" / "quickstart.yaml"


def _site(id_: str, kind: str, **extra) -> dict:
    return {"id": id_, "kind": kind, "country": "DE", "region": "europe", **extra}


def _stock(part: str, units: float) -> dict:
    return {"part": part, "policy": {"type": "base_stock", "level": max(units, 1.0)},
            "initial": units}


def one_product(capacity: float = 10, stock: float = 100, demand: float = 10,
                second: float | None = None, second_lane: float | None = None,
                price: float = 50, unit_cost: float = 20) -> resim.Scenario:
    """S (capacity) -> DC (stock) -> market m (demand per day); optionally S2 -> DC as well."""
    nodes = [_site("S", "supplier", makes="P", capacity_per_day=capacity),
             _site("dc", "dc", inventory=[_stock("P", stock)]),
             _site("m", "market")]
    lanes = [{"from": "S", "to": "dc", "parts": "P", "lead_time_days": 2},
             {"from": "dc", "to": "m", "parts": "P", "lead_time_days": 1}]
    if second is not None:
        nodes.insert(1, _site("S2", "supplier", makes="P", capacity_per_day=second))
        lane = {"from": "S2", "to": "dc", "parts": "P", "lead_time_days": 9}
        if second_lane is not None:
            lane["capacity_per_day"] = second_lane
        lanes.append(lane)
    return resim.scenario_from_dict({
        "name": "one product", "horizon_days": 60,
        "parts": [{"id": "P", "unit_cost": unit_cost}],
        "nodes": nodes, "lanes": lanes,
        "demand": [{"market": "m", "part": "P", "daily": demand, "price": price}],
    })


def bom_chain(plant_capacity: float | None = None) -> resim.Scenario:
    """sA -> plant (A stock 40; makes P = 2 A) -> dc (P stock 30) -> market (10 P per day)."""
    plant = _site("plant", "plant", makes="P", inventory=[_stock("A", 40)])
    if plant_capacity is not None:
        plant["capacity_per_day"] = plant_capacity
    return resim.scenario_from_dict({
        "name": "bom", "horizon_days": 60,
        "parts": [{"id": "P", "unit_cost": 30, "bom": {"A": 2}}, {"id": "A", "unit_cost": 5}],
        "nodes": [_site("sA", "supplier", makes="A", capacity_per_day=100), plant,
                  _site("dc", "dc", inventory=[_stock("P", 30)]), _site("m", "market")],
        "lanes": [{"from": "sA", "to": "plant", "parts": "A", "lead_time_days": 3},
                  {"from": "plant", "to": "dc", "parts": "P", "lead_time_days": 1},
                  {"from": "dc", "to": "m", "parts": "P", "lead_time_days": 1}],
        "demand": [{"market": "m", "part": "P", "daily": "poisson(10)", "price": 80}],
    })


# -- time to survive ------------------------------------------------------------------------

def test_single_source_survives_on_the_dc_stock():
    # S down: only the DC's 100 units remain; 10 per day are demanded -> 100 / 10 = 10 days.
    assert time_to_survive(one_product(), "S") == pytest.approx(10.0)


def test_second_source_stretches_the_stock():
    # S down, S2 still makes 4/day: 100 + 4 t >= 10 t  ->  t = 100 / (10 - 4) = 16.67 days.
    assert time_to_survive(one_product(second=4), "S") == pytest.approx(100 / 6)


def test_second_source_lane_capacity_binds():
    # S2 could make 4/day but its lane carries 3/day: 100 + 3 t >= 10 t  ->  t = 100 / 7.
    assert time_to_survive(one_product(second=4, second_lane=3), "S") == pytest.approx(100 / 7)


def test_enough_spare_capacity_means_the_loss_does_not_bind():
    # S2 alone makes 12/day >= 10/day demanded: any period can be covered -> unbounded, not a
    # number of days (a caller may still ask for a cap).
    scenario = one_product(second=12)
    assert time_to_survive(scenario, "S") == math.inf
    assert time_to_survive(scenario, "S", max_days=500) == 500.0
    # and S2's loss does not bind either: S still makes 10/day
    assert time_to_survive(scenario, "S2") == math.inf


def test_a_bounded_time_to_survive_is_not_capped_at_ten_years():
    # S2 makes 9.99/day of the 10 demanded: 100 + 9.99 t >= 10 t -> t = 100 / 0.01 = 10,000 days,
    # finite and beyond the old 3,650-day cap.
    assert time_to_survive(one_product(second=9.99), "S") == pytest.approx(10_000)
    # and beyond the 10^7 days below which it is first sought: 100 / 1e-6 = 10^8 days
    assert time_to_survive(one_product(second=10 - 1e-6), "S") == pytest.approx(1e8, rel=1e-6)


def test_an_unbounded_tts_is_never_exposed_whatever_the_ttr():
    # The second source S2 is covered alone by S (10/day = demand): losing S2 costs nothing, for
    # any TTR, also one above ten years. S (S2 makes 4/day): TTS 100 / 6 = 16.7 < 4000: exposed.
    frame = stress_test(one_product(second=4), ttr=4000.0).set_index("node")
    assert frame.loc["S2", "tts_days"] == math.inf
    assert frame.loc["S2", "lost_units"] == 0.0 and not frame.loc["S2", "exposed"]
    assert frame.loc["S", "tts_days"] == pytest.approx(100 / 6) and frame.loc["S", "exposed"]
    # S down for 4000 days: 40,000 demanded, 100 + 4 * 4000 = 16,100 met -> 23,900 lost
    assert frame.loc["S", "lost_units"] == pytest.approx(23_900)


def test_the_only_route_to_the_market_has_no_time_to_survive():
    # DC down: its stock is unusable and no other lane reaches the market -> 0 at once.
    assert time_to_survive(one_product(second=12), "dc") == 0.0


def test_bom_stock_counts_in_finished_units():
    # sA down: P stock 30 at the DC, plus 40 A at the plant = 20 more P: (30 + 40 / 2) / 10 = 5.
    scenario = bom_chain()
    assert time_to_survive(scenario, "sA") == pytest.approx(5.0)
    # plant down: only the DC's 30 P -> 3 days; DC down -> 0.
    assert time_to_survive(scenario, "plant") == pytest.approx(3.0)
    assert time_to_survive(scenario, "dc") == 0.0


def test_plant_capacity_binds_before_its_component_stock():
    # sA down, plant makes at most 1.5 P/day: 30 + 1.5 t >= 10 t -> t = 30 / 8.5 = 3.53 days,
    # using 2 * 1.5 * 3.53 = 10.6 of the 40 A (so the stock is not what binds).
    assert time_to_survive(bom_chain(plant_capacity=1.5), "sA") == pytest.approx(30 / 8.5)


def test_independent_chains_share_only_the_period():
    # Two chains in one scenario: A (S_a 10/day, DC stock 100, demand 10/day) and
    # B (S_b 3/day, DC stock 60, demand 5/day). The intact B lasts 60 + 3 t >= 5 t -> 30 days.
    # All demand must be met, so TTS is the smaller of the two chains' TTS.
    scenario = resim.scenario_from_dict({
        "name": "two chains", "horizon_days": 60,
        "parts": [{"id": "Pa", "unit_cost": 20}, {"id": "Pb", "unit_cost": 10}],
        "nodes": [_site("Sa", "supplier", makes="Pa", capacity_per_day=10),
                  _site("Sb", "supplier", makes="Pb", capacity_per_day=3),
                  _site("dca", "dc", inventory=[_stock("Pa", 100)]),
                  _site("dcb", "dc", inventory=[_stock("Pb", 60)]),
                  _site("ma", "market"), _site("mb", "market")],
        "lanes": [{"from": "Sa", "to": "dca", "parts": "Pa", "lead_time_days": 1},
                  {"from": "Sb", "to": "dcb", "parts": "Pb", "lead_time_days": 1},
                  {"from": "dca", "to": "ma", "parts": "Pa", "lead_time_days": 1},
                  {"from": "dcb", "to": "mb", "parts": "Pb", "lead_time_days": 1}],
        "demand": [{"market": "ma", "part": "Pa", "daily": 10, "price": 50},
                   {"market": "mb", "part": "Pb", "daily": 5, "price": 30}],
    })
    lp = OutageLP(scenario)
    assert lp.time_to_survive(None) == pytest.approx(30.0)       # nothing down: B binds
    assert lp.time_to_survive("Sa") == pytest.approx(10.0)       # min(100 / 10, 30)
    assert lp.time_to_survive("Sb") == pytest.approx(12.0)       # min(A: max_days, 60 / 5)
    # Over 40 days the intact B loses 5*40 - 60 - 3*40 = 20 units (margin 20 each); with Sa down
    # A loses 10*40 - 100 = 300 units (margin 30 each) on top.
    assert lp.impact_of_outage(None, 40) == pytest.approx({"lost_units": 20, "lost_margin": 400})
    assert lp.impact_of_outage("Sa", 40) == pytest.approx(
        {"lost_units": 320, "lost_margin": 300 * 30 + 20 * 20})


# -- impact of an outage --------------------------------------------------------------------

def test_lost_units_and_margin_over_the_recovery_time():
    # S down 30 days: 300 demanded, the DC's 100 delivered -> 200 lost at 50 - 20 = 30 each.
    assert impact_of_outage(one_product(), "S", 30) == pytest.approx(
        {"lost_units": 200.0, "lost_margin": 6000.0})
    # with S2 at 4/day: 100 + 4 * 30 = 220 delivered -> 80 lost, 2400 margin
    assert impact_of_outage(one_product(second=4), "S", 30) == pytest.approx(
        {"lost_units": 80.0, "lost_margin": 2400.0})
    # a recovery shorter than the time to survive loses nothing (TTS = 16.7 days here)
    assert impact_of_outage(one_product(second=4), "S", 15) == {"lost_units": 0.0,
                                                               "lost_margin": 0.0}


def test_value_is_the_unit_cost_without_a_price_and_never_negative():
    # price 0: each lost unit is valued at its unit cost, 20 -> 200 * 20
    assert impact_of_outage(one_product(price=0), "S", 30) == pytest.approx(
        {"lost_units": 200.0, "lost_margin": 4000.0})
    # price below unit cost: the margin floors at 0, but the units lost are still the minimum
    assert impact_of_outage(one_product(price=15), "S", 30) == pytest.approx(
        {"lost_units": 200.0, "lost_margin": 0.0}, abs=1e-6)


def test_bom_impact():
    # sA down 8 days: 80 P demanded; 30 + 20 = 50 can be made available -> 30 lost at 80 - 30.
    assert impact_of_outage(bom_chain(), "sA", 8) == pytest.approx(
        {"lost_units": 30.0, "lost_margin": 30 * 50.0})


def test_scarce_stock_goes_to_the_better_margin():
    # S down 30 days; one DC with 100 units serves m1 (5/day, price 50) and m2 (5/day, price 100),
    # unit cost 20. 300 demanded, 100 available: all to m2 (margin 80) -> m1 loses 150 (x 30),
    # m2 loses 50 (x 80): 200 units and 4500 + 4000 = 8500 margin, the least margin possible.
    scenario = resim.scenario_from_dict({
        "name": "two markets", "horizon_days": 60,
        "parts": [{"id": "P", "unit_cost": 20}],
        "nodes": [_site("S", "supplier", makes="P", capacity_per_day=10),
                  _site("dc", "dc", inventory=[_stock("P", 100)]),
                  _site("m1", "market"), _site("m2", "market")],
        "lanes": [{"from": "S", "to": "dc", "parts": "P", "lead_time_days": 1},
                  {"from": "dc", "to": "m1", "parts": "P", "lead_time_days": 1},
                  {"from": "dc", "to": "m2", "parts": "P", "lead_time_days": 1}],
        "demand": [{"market": "m1", "part": "P", "daily": 5, "price": 50},
                   {"market": "m2", "part": "P", "daily": 5, "price": 100}],
    })
    assert impact_of_outage(scenario, "S", 30) == pytest.approx(
        {"lost_units": 200.0, "lost_margin": 8500.0})
    # and the TTS: 100 / (5 + 5) = 10 days
    assert time_to_survive(scenario, "S") == pytest.approx(10.0)


@settings(max_examples=40, deadline=None)
@given(stock=st.floats(0, 500), demand=st.floats(0.5, 20), second=st.floats(0.5, 25),
       ttr=st.floats(0, 200))
@example(stock=0.0, demand=0.5000000000000001, second=0.5, ttr=0.0)  # a gap below the solver's tolerance
def test_dual_source_matches_the_closed_form(stock, demand, second, ttr):
    # S down, S2 at `second`/day: stock + second * t >= demand * t gives
    # TTS = stock / (demand - second) when second < demand (else no limit), and the loss over
    # the TTR is max(0, demand * ttr - stock - second * ttr).
    # At second == demand the TTS jumps from stock / 0 to "no limit"; a gap within the LP
    # solver's tolerance (1e-16 a day, say) may land on either side, so such cases are left out.
    assume(abs(demand - second) > 1e-7 * demand)
    scenario = one_product(stock=stock, demand=demand, second=second)
    expected_tts = math.inf if second >= demand else stock / (demand - second)
    assert time_to_survive(scenario, "S") == pytest.approx(expected_tts, rel=1e-6, abs=1e-6)
    lost = max(0.0, demand * ttr - stock - second * ttr)
    impact = impact_of_outage(scenario, "S", ttr)
    assert impact["lost_units"] == pytest.approx(lost, rel=1e-6, abs=1e-5)
    assert impact["lost_margin"] == pytest.approx(30 * lost, rel=1e-6, abs=1e-3)


# -- the stress test --------------------------------------------------------------------------

def test_stress_test_table():
    # one_product(second=4), TTR 30 for all:
    #   dc:  TTS 0, loses all 300 units -> 9000 margin (the largest: index 1)
    #   S:   TTS 16.67, loses 80 -> 2400 -> index 2400 / 9000
    #   S2:  S alone makes 10/day -> TTS unbounded, nothing lost -> index 0
    frame = stress_test(one_product(second=4))
    assert list(frame.columns) == ["node", "kind", "country", "region", "tts_days", "ttr_days",
                                   "lost_units", "lost_margin", "risk_exposure_index", "exposed"]
    assert list(frame["node"]) == ["dc", "S", "S2"]
    assert list(frame["kind"]) == ["dc", "supplier", "supplier"]
    assert frame["tts_days"].tolist() == pytest.approx([0.0, 100 / 6, math.inf])
    assert frame["ttr_days"].tolist() == [30.0, 30.0, 30.0]
    assert frame["lost_units"].tolist() == pytest.approx([300.0, 80.0, 0.0])
    assert frame["lost_margin"].tolist() == pytest.approx([9000.0, 2400.0, 0.0])
    assert frame["risk_exposure_index"].tolist() == pytest.approx([1.0, 2400 / 9000, 0.0])
    assert frame["exposed"].tolist() == [True, True, False]


def test_stress_test_ttr_per_node_and_ties():
    # S recovers in 10 days < its TTS of 16.67: not exposed, nothing lost; the others keep 30 days.
    frame = stress_test(one_product(second=4), ttr={"S": 10}).set_index("node")
    assert frame.loc["S", "ttr_days"] == 10.0 and not frame.loc["S", "exposed"]
    assert frame.loc["S", "lost_units"] == 0.0
    assert frame.loc["dc", "ttr_days"] == 30.0
    # nothing lost anywhere: the index is 0 for all, and ties sort by node
    quiet = stress_test(one_product(second=12), nodes=["S2", "S"], ttr=5.0)
    assert list(quiet["node"]) == ["S", "S2"]
    assert quiet["risk_exposure_index"].tolist() == [0.0, 0.0]
    assert quiet["exposed"].tolist() == [False, False]


def test_unknown_nodes_are_refused():
    scenario = one_product()
    with pytest.raises(ValueError, match="nowhere"):
        time_to_survive(scenario, "nowhere")
    with pytest.raises(ValueError, match="nowhere"):
        stress_test(scenario, nodes=["S", "nowhere"])
    with pytest.raises(ValueError, match="nowhere"):
        stress_test(scenario, ttr={"nowhere": 3})
    with pytest.raises(ValueError):
        impact_of_outage(scenario, "S", -1)


def test_quickstart_mcu_fab():
    # Hand computation from scenarios/quickstart.yaml (mean demand 60 EU + 25 US = 85 per day;
    # stock = the policies' targets). With mcu_fab_tw down no new MCU exists, so drive units are
    # capped by the controllers obtainable from stock along mcu -> pcba -> controller -> plant:
    #   drive units on hand        500 plant + 400 dc_de + 650 dc_us          = 1550
    #   MCU/PCBA/controller stock  1000 mcu (pcba_my) + 900 pcba (pcba_my)
    #                              + 4400 pcba (controller_hu) + 300 controllers (controller_hu)
    #                              + 600 controllers (plant) + 200 controllers (reman_pl, by
    #                              its standby lane; reman makes none in the LP)      = 7400
    # Nothing else binds by then (plant 110/day, controller_hu 120/day, pcba_my 130/day; motors,
    # housings, gear sets and sensors have stock plus suppliers at >= 120/day), so
    # TTS = (1550 + 7400) / 85 = 105.3 days: longer than a 90-day TTR (not exposed by the
    # aggregate LP), shorter than 90 days + the scenario's 30-day recovery ramp = 120 (exposed).
    # Over 120 days: 85 * 120 = 10200 demanded, 8950 coverable -> 1250 lost, all in the EU
    # (margin 650 - 420 = 230 < US 690 - 420 = 270): 1250 * 230 = 287500.
    scenario = resim.load_scenario(QUICKSTART)
    assert time_to_survive(scenario, "mcu_fab_tw") == pytest.approx(8950 / 85)
    at_90 = stress_test(scenario, ttr={"mcu_fab_tw": 90}).set_index("node")
    assert not at_90.loc["mcu_fab_tw", "exposed"]
    assert at_90.loc["mcu_fab_tw", "lost_units"] == 0.0
    frame = stress_test(scenario, ttr=120.0).set_index("node")
    assert len(frame) == 16  # 13 suppliers, 1 plant, 2 DCs (markets and reman_pl left out)
    row = frame.loc["mcu_fab_tw"]
    assert row["tts_days"] == pytest.approx(8950 / 85) and row["exposed"]
    assert row["lost_units"] == pytest.approx(1250.0)
    assert row["lost_margin"] == pytest.approx(287500.0)
    # the plant down leaves the DC stocks only: EU runs out first, 400 / 60 = 6.67 days;
    # dc_de is the EU market's only route: 0.
    assert frame.loc["plant_de", "tts_days"] == pytest.approx(400 / 60)
    assert frame.loc["dc_de", "tts_days"] == 0.0
    # without the standby lane from the reman centre its 200 controllers are out of reach
    assert OutageLP(scenario, standby=False).time_to_survive("mcu_fab_tw") == pytest.approx(
        8750 / 85)
    assert isinstance(frame, pd.DataFrame)
