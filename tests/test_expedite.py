"""Expediting (the expedite action, resim.sim.expedite): on the hand chain, supplier sA ships A
to the plant by sea (20 days) with a standby air lane beside it (2 days, 4 a unit). sA stops on
day 10 for 20 days; a strategy bridges A by air from its decision day."""

from __future__ import annotations

import numpy as np
import pytest

import resim
from resim.experiment.runner import prepare
from tests.chains import hand_chain

pytestmark = pytest.mark.slow  # simulations: the full suite only

SEA, AIR, AIR_COST = 20, 2, 4.0
DECIDED = 10 + 1 + 1


def chain(**strategy) -> resim.Scenario:
    sc = hand_chain(horizon=120, a_level=300).replace(**{"parts[A].weight_kg": 2.0})
    lanes = [lane.model_dump(by_alias=True, exclude_unset=True) for lane in sc.lanes]
    lanes[0].update(mode="sea", lead_time_days=SEA, share=1.0)
    lanes.append({"id": "sA_plant_air", "from": "sA", "to": "plant", "parts": ["A"], "mode": "air",
                  "lead_time_days": AIR, "cost_per_unit": AIR_COST, "share": 0})
    return sc.replace(lanes=lanes, disruptions=[
        {"id": "stop", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10, "duration_days": 20}],
        **{"metrics.reference": "stop"},
        strategies=[{"id": "bridge", "actions": ["expedite"], "expedite": {"A": "air"},
                     "detection_delay_days": 1, "decision_delay_days": 1, **strategy}])


def simulate(sc, strategy):
    model, response = prepare(sc, strategy, 0, sc.seed, detail=True)
    ledger = model.run()
    return model, response, ledger


def test_the_air_bridge_carries_the_orders_while_it_lasts_and_pays_for_them():
    sc = chain()
    model, response, ledger = simulate(sc, "bridge")
    [row] = response.actions
    # From the decision day to the expected recovery (onset + 20) plus the sea lane's 20 days.
    assert (row.kind, row.source, row.start, row.end) == ("expedite", "sA_plant_air", DECIDED, 10 + 20 + SEA)
    # The units a day it moves to the air lane: the sea lane's normal flow, 10 P a day x 2 A each
    # (what levers.csv credits it with, per day of its window).
    assert row.units_per_day == pytest.approx(20)
    air, sea = model.lane_arcs("sA_plant_air"), model.lane_arcs("sA->plant")
    shipped_air = float(model.shipped_total[air].sum())
    assert shipped_air > 0
    stock = ledger.stock().set_index(["node", "part", "day"]).sort_index()
    # The supplier restarts on day 30: what it ships from then to the bridge's end (orders placed
    # the day before, served on the end day) goes by air, the rest by sea.
    shipped = stock.loc[("sA", "A"), "shipped"].to_numpy()
    assert shipped[30:row.end + 1].sum() == pytest.approx(shipped_air)
    assert shipped[:30].sum() + shipped[row.end + 1:].sum() == pytest.approx(float(model.shipped_total[sea].sum()))
    # Transport: 1 a unit by sea (the lane's cost) and 4 by air, on what each shipped (A is bought from a supplier).
    costs = ledger.costs().groupby("component").cost.sum()
    assert costs["transport"] == pytest.approx(float(model.shipped_total[sea].sum()) * 1 + shipped_air * AIR_COST)
    # After the bridge the sea lane takes the orders again.
    assert shipped[row.end + 1:].sum() > 0 and float(model.shipped_total[air].sum()) == shipped_air


def test_the_bridge_brings_the_restart_to_the_plant_18_days_sooner():
    sc = chain()
    first = {}
    for strategy in ("none", "bridge"):
        _, _, ledger = simulate(sc, strategy)
        stock = ledger.stock().set_index(["node", "part", "day"]).sort_index()
        received = stock.loc[("plant", "A"), "received"].to_numpy()
        first[strategy] = 30 + int(np.flatnonzero(received[30:] > 0)[0])
    # Shipped on day 30 either way; 20 days at sea against 2 by air.
    assert first["none"] - first["bridge"] == SEA - AIR


def test_an_expedited_part_needs_a_parallel_lane_of_its_mode():
    with pytest.raises(resim.ScenarioError, match="no rail lane runs beside a lane carrying 'A'"):
        chain().replace(**{"strategies[bridge].expedite": {"A": "rail"}})
    with pytest.raises(resim.ScenarioError, match="needs the expedite action"):
        chain().replace(**{"strategies[bridge].actions": ["maas_same_tier"]})


def test_transport_emissions_are_units_times_weight_times_distance_times_the_modes_factor():
    # sA (CN) and the plant (DE) have no coordinates: the fallback distance between regions.
    # Only A weighs anything (2 kg): emissions = 2 kg x km x (sea factor x units by sea + air
    # factor x units by air), in kg CO2e.
    from resim.experiment.outcome import reduce_model
    from resim.supply.logistics import FALLBACK_KM, MODES

    sc = chain()
    model, response, _ = simulate(sc, "bridge")
    sea, air = (float(model.shipped_total[model.lane_arcs(k)].sum()) for k in ("sA->plant", "sA_plant_air"))
    expected = 2.0 * FALLBACK_KM[2] * (MODES["sea"].co2_kg_per_kg_km * sea + MODES["air"].co2_kg_per_kg_km * air)
    assert reduce_model(model, response, "bridge", 0).metrics["co2e_kg"] == pytest.approx(expected)
    res = resim.run(sc, replications=1, executor="serial")
    table = res.comparison.table.set_index("strategy")
    assert table.loc["bridge", "co2e_kg"] > table.loc["none", "co2e_kg"]   # the bridge flies


def test_an_expedite_lever_sets_the_air_bridge_and_the_optimiser_weighs_it():
    # Lever expedite[A] 0/1 on the bridge strategy: 1 flies A (the strategy's expedite), 0 none;
    # with the fill rate target between the two plans' (each run here), only flying meets it.
    from resim.assess.optimize_levers import plan_variant

    base = chain().replace(**{"strategies[bridge].expedite": {}})
    spec = {"strategy": "bridge", "trials": 4, "levers": [{"kind": "expedite", "part": "A", "low": 0, "high": 1}]}
    sc = base.replace(optimize={**spec, "objective": {"target": 0}})
    flown = plan_variant(sc, sc.optimize, {"expedite[A]": 1})
    assert dict(next(s for s in flown.strategies if s.id == "bridge").expedite) == {"A": "air"}
    kept = plan_variant(sc, sc.optimize, {"expedite[A]": 0})
    assert dict(next(s for s in kept.strategies if s.id == "bridge").expedite) == {}
    fill = {v: resim.run(plan_variant(sc, sc.optimize, {"expedite[A]": v}), strategies=["bridge"], replications=2,
                         executor="serial").replications.fill_rate.mean() for v in (0, 1)}
    assert fill[1] > fill[0]
    target = sc.replace(optimize={**spec, "objective": {"target": float((fill[0] + fill[1]) / 2)}})
    opt = resim.optimize(target, replications=2, executor="serial")
    assert opt.levers == {"expedite[A]": 1.0}
