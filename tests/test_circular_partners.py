"""Circular partners (C1 through the MaaS network): the circular processes of a returned product
contracted from providers close to the returning users, its returns routed through them.

The hand chain (sA -> plant (P = 2 A) -> dc -> m, 10 P a day) with a reman node rm that makes A
and a take-back stream of P from m to rm: 2000 P in use, half come back after 100 days, so about
10 cores (20 A) a day, Poisson; units sold in a 60-day run come back after it.
"""

from __future__ import annotations

import numpy as np
import pytest

import resim
from resim.core.geo import great_circle_km
from resim.experiment.runner import _pool
from resim import ScenarioError
from resim.sim.circular_partners import plan_partners
from resim.sim.engine import Model
from resim.sim.strategies import Response
from resim.supply import logistics
from tests.chains import hand_chain

HOME = (50.0, 8.0)  # the market, the reman node and (unless moved) the providers


def offering(id_, process, cap=1000, price=1.0, at=HOME, **terms):
    return {"id": id_, "provider": id_, "process": process, "capacity_per_day": cap, "unit_price": price,
            "lead_time_days": 0, "onboarding_days": 0, "conformance_rate": 1.0, "country": "DE",
            "region": "europe", "lat": at[0], "lon": at[1], **terms}


def with_partners(providers, spec, grading=None, horizon=60, weights=None, weight_kg=0.0, level=None):
    """The hand chain with rm, take-back of P and one specification; strategies none, own centre
    (circular) and partners (circular_partners with circular, which opens rm's lane on a disruption).
    rm holds A to a base stock ``level`` (its work orders pull the partners), or, with None, under
    no policy (it takes every part the partners recover)."""
    base = hand_chain(horizon=horizon, a_level=200)
    data = base.model_dump(by_alias=True, exclude_unset=True, mode="json")
    for part in data["parts"]:
        part["weight_kg"] = weight_kg * (2 if part["id"] == "P" else 1)
    for node in data["nodes"]:
        if node["id"] == "m":
            node.update(lat=HOME[0], lon=HOME[1])
    policy = [] if level is None else [{"part": "A", "policy": {"type": "base_stock", "level": level}, "initial": 0}]
    data["nodes"].append({"id": "rm", "kind": "reman", "country": "DE", "region": "europe", "makes": "A",
                          "lat": HOME[0], "lon": HOME[1], "inventory": policy})
    data["lanes"].append({"from": "rm", "to": "plant", "parts": "A", "lead_time_days": 1, "share": 0})
    data["lanes"][0]["share"] = 1.0
    data["circular"] = {"take_back": [{"product": "P", "market": "m", "to": "rm", "return_rate": 0.5,
                                       "use_life_days": 100, "installed_base": 2000}],
                        "grading": [grading or {"part": "A", "remanufacture": 1.0}],
                        "specifications": [spec]}
    data["maas"] = {"providers": providers, **({"weights": weights} if weights else {})}
    data["strategies"] = [{"id": "none", "actions": ["none"]},
                          {"id": "own", "actions": ["circular"]},
                          {"id": "partners", "actions": ["circular_partners", "circular"]}]
    keep = ("parts", "nodes", "lanes", "circular", "maas", "strategies")
    return base.replace(**{k: v for k, v in data.items() if k in keep})


def run_partners(scenario):
    model = Model(scenario, detail=True)
    response = Response(model, scenario.strategies[2], _pool(scenario))
    model.run()
    return model, response, model.circular.partners[0]


def test_a_provider_with_capacity_10_a_day_caps_output_at_10_a_day():
    # The example: about 20 A a day reach testing, whose provider takes 10 a day; the
    # rest waits there. Yields 1: 10 good A a day reach rm, from the first lot's arrival on.
    sc = with_partners([offering("d1", "cutting/disassembly"), offering("t1", "other/testing", cap=10)],
                       {"product": "P", "part": "A", "steps": ["disassembly", "testing"]})
    model, _, flows = run_partners(sc)
    output = flows.ledger.output
    assert output.max() == pytest.approx(10.0)
    started = np.flatnonzero(output)[0]
    assert output[started:] == pytest.approx(10.0)
    assert flows.waiting[1][None] > 0  # the rest waits at the tester
    # Delivered into rm's stock as its production: rm made exactly what the partners delivered.
    produced = model.ledger.stock().query("node == 'rm' and part == 'A'").produced.sum()
    assert produced == pytest.approx(flows.ledger.delivered)


def test_yields_multiply_along_the_steps_and_sorting_sends_each_grade_on_its_route():
    # Steps at one site (every move: road handling, 1 day): disassembly (yield 0.9), sorting (A graded
    # remanufacture 0.5, reuse 0.25, recycle 0.25), testing (0.8 × the tester's conformance 0.95),
    # reconditioning (0.7; on remanufacture's route, not reuse's). Parts collected on day d reach
    # rm on d + 5 (remanufactured: 5 moves) or d + 4 (reused: 4 moves, no reconditioning), so
    #   delivered(t) = 2 r(t-5) · 0.9 · 0.5 · 0.8 · 0.95 · 0.7 + 2 r(t-4) · 0.9 · 0.25 · 0.8 · 0.95
    # with r the cores returned that day.
    providers = [offering("d1", "cutting/disassembly"), offering("s1", "other/sorting"),
                 offering("t1", "other/testing", conformance_rate=0.95), offering("r1", "other/reconditioning")]
    spec = {"product": "P", "part": "A", "steps": ["disassembly", "sorting", "testing", "reconditioning"],
            "yields": {"disassembly": 0.9, "testing": 0.8, "reconditioning": 0.7}}
    sc = with_partners(providers, spec, grading={"part": "A", "remanufacture": 0.5, "reuse": 0.25, "recycle": 0.25})
    model, _, flows = run_partners(sc)
    assert {days for days, _ in flows.plan.moves.values()} == {1}
    cores = model.circular.batch.handed_over[model.circular.row, :, 0]
    expected = np.zeros(65)
    expected[5:65] += 2 * cores * 0.9 * 0.5 * 0.8 * 0.95 * 0.7
    expected[4:64] += 2 * cores * 0.9 * 0.25 * 0.8 * 0.95
    assert cores.sum() > 0
    assert flows.ledger.output == pytest.approx(expected[:60])
    # The route's expected good share: 0.9 × (0.5 · 0.8 · 0.95 · 0.7 + 0.25 · 0.8 · 0.95).
    good = 0.9 * (0.5 * 0.8 * 0.95 * 0.7 + 0.25 * 0.8 * 0.95)
    assert flows.plan.good_share == pytest.approx(good)
    # What a part still yields where it is (the pull counts parts on their way at it): one waiting
    # at the tester graded for reuse, 0.8 · 0.95; for remanufacture, 0.8 · 0.95 · 0.7; one at the
    # sorter not yet graded, the grades' shares of those; one on its way to rm, whole.
    plan = flows.plan
    assert plan.good_from(0, None) == pytest.approx(good)
    assert plan.good_from(2, "reuse") == pytest.approx(0.8 * 0.95)
    assert plan.good_from(2, "remanufacture") == pytest.approx(0.8 * 0.95 * 0.7)
    assert plan.good_from(1, None) == pytest.approx(0.5 * 0.8 * 0.95 * 0.7 + 0.25 * 0.8 * 0.95)
    assert plan.good_from(4, "reuse") == plan.good_from(4, None) == 1.0
    # After the last day (59) rm can count within two days only on the lot shipped to it that
    # arrives on day 60; the parts still at the providers are steps away and count for nothing.
    assert flows.in_process() > expected[60] > 0
    assert flows.ready_within(2) == pytest.approx(expected[60])
    # A quarter of what passed sorting left the chain (recycled).
    assert flows.ledger.sorted_out == pytest.approx(0.25 * flows.ledger.processed[1])


def test_the_closer_of_two_equal_providers_is_chosen_because_of_distance():
    # Two testers alike but for their site: "a_far" ~550 km from the market, "z_near" ~55 km.
    # Freight is 0 (parts weigh nothing) and lead time weighs 0, so only distance tells them
    # apart: the near one wins. With the distance weight 0 they tie, and the tie goes to the first
    # id, the far one: so distance made the choice.
    far, near = (55.0, 8.0), (50.5, 8.0)
    providers = [offering("d1", "cutting/disassembly"), offering("a_far", "other/testing", at=far),
                 offering("z_near", "other/testing", at=near)]
    spec = {"product": "P", "part": "A", "steps": ["disassembly", "testing"]}
    weights = {"cost": 0.3, "lead_time": 0.0, "quality": 0.2, "on_time": 0.1, "capacity": 0.1}
    chosen = {}
    for distance in (0.0, 0.3):
        sc = with_partners(providers, spec, weights={**weights, "distance": distance})
        plan = plan_partners(sc, _pool(sc), sc.circular.specifications[0])
        chosen[distance] = plan.legs[1].offering
    assert chosen == {0.0: "a_far", 0.3: "z_near"}
    assert plan.legs[1].distance_km == pytest.approx(great_circle_km(*HOME, *near), rel=1e-6)


def test_without_the_markets_coordinates_the_distance_is_said_to_be_assumed():
    # The market at HOME: the tester 55 km north is 55 km away. Without the market's coordinates
    # every provider is logistics' fallback distance away (here the same country), and the note says so.
    providers = [offering("d1", "cutting/disassembly"), offering("t1", "other/testing", at=(50.5, 8.0))]
    spec = {"product": "P", "part": "A", "steps": ["disassembly", "testing"]}
    sc = with_partners(providers, spec)
    _, response, _ = run_partners(sc)
    notes = [a.note for a in response.actions if a.source == "t1"]
    assert "(56 km away)" in notes[0]
    _, response, _ = run_partners(sc.replace(**{"nodes[m].lat": None, "nodes[m].lon": None}))
    notes = [a.note for a in response.actions if a.source == "t1"]
    assert f"({logistics.FALLBACK_KM[0]:,.0f} km away, assumed: the market has no coordinates)" in notes[0]


def test_returns_are_conserved_and_none_reach_the_own_centre():
    # A tester of 12 a day behind a 3-day onboarding, sorting sends a fifth out: returned =
    # delivered + scrapped + sorted out + in process (collected, waiting, moving), in parts.
    providers = [offering("d1", "cutting/disassembly", onboarding_days=3),
                 offering("s1", "other/sorting", conformance_rate=0.9), offering("t1", "other/testing", cap=12)]
    spec = {"product": "P", "part": "A", "steps": ["disassembly", "sorting", "testing"]}
    sc = with_partners(providers, spec, grading={"part": "A", "reuse": 0.8, "recycle": 0.2})
    model, _, flows = run_partners(sc)
    led = flows.ledger
    assert led.returned > 0 and led.delivered > 0 and led.sorted_out > 0 and sum(led.scrapped) > 0
    assert led.returned == pytest.approx(led.delivered + sum(led.scrapped) + led.sorted_out + flows.in_process())
    # Nothing is sent before every provider is onboarded (day 3): the first lot reaches rm after
    # 4 moves of a day (market, disassembler, sorter, tester, rm), on day 7.
    assert np.flatnonzero(led.output)[0] == 7
    # The own centre received nothing; the partners got every core the same replication returns
    # without them (common random numbers), 2 A each.
    assert model.circular.ledger.returned.sum() == 0
    alone = Model(sc)
    alone.run()
    assert led.returned == pytest.approx(2 * alone.circular.ledger.returned.sum())


def test_a_node_with_a_policy_pulls_only_what_its_work_orders_ask():
    # rm holds A to a base stock of 30 and its lane stays on standby (no disruption): its policy
    # orders 30 once, at the end of day 0. Yields 1, so the partners are sent exactly 30 A (15
    # cores) on day 1 and nothing after; the other cores wait at the market, held at core value
    # 0.2 x 100 a core x rm's holding rate / 365 a day.
    spec = {"product": "P", "part": "A", "steps": ["disassembly", "testing"]}
    sc = with_partners([offering("d1", "cutting/disassembly"), offering("t1", "other/testing")], spec, level=30)
    model, _, flows = run_partners(sc)
    led = flows.ledger
    assert led.shipped_to[0] == pytest.approx(30.0)
    assert led.delivered == pytest.approx(30.0)
    assert model.on_hand[flows.sku] == pytest.approx(30.0)
    assert flows.collected == pytest.approx(led.returned - 30.0)
    # Nothing is on its way to rm: the cores waiting at the market are a whole route away, so rm
    # can count on none of them within two days.
    assert flows.collected > 0 and flows.ready_within(2) == 0
    rate = sc.nodes_by_id["rm"].holding_cost_rate / 365.0
    sent = np.where(np.arange(60) >= 1, 30.0, 0.0)   # by the end of each day
    held = np.cumsum(2 * model.circular.ledger.handed_over[:, 0]) - sent   # parts waiting after each day's sending
    assert led.holding == pytest.approx(float(np.sum(held / 2 * 0.2 * 100 * rate)))


def test_money_per_step_is_setup_plus_units_times_price_plus_freight():
    # Disassembly at the market's site (price 4 a core = 2 an A, setup 500), testing 300 km north
    # (price 1.5 an A, setup 200); cores weigh 2 kg, A 1 kg. Each step costs setup + units
    # processed × price + freight of what was shipped to it; the model's ledger has the setups
    # and prices in its components.
    north = (HOME[0] + 300 / 111.2, HOME[1])
    providers = [offering("d1", "cutting/disassembly", price=4.0, setup_cost=500),
                 offering("t1", "other/testing", price=1.5, setup_cost=200, at=north)]
    spec = {"product": "P", "part": "A", "steps": ["disassembly", "testing"]}
    sc = with_partners(providers, spec, weight_kg=1.0)
    model, _, flows = run_partners(sc)
    led = flows.ledger
    assert led.setup == [500, 200]
    assert led.processing[0] == pytest.approx(led.processed[0] / 2 * 4.0)   # per core
    assert led.processing[1] == pytest.approx(led.processed[1] * 1.5)
    # Freight a unit by the mode logistics picks for the distance (cores, 2 kg, to the
    # disassembler next door; A, 1 kg, 300 km to the tester and back to rm).
    def rate(a, b, kg):
        d = np.array([great_circle_km(*a, *b)])
        same = np.array([True])
        mode = logistics.choose_mode(d, same, same, weight_kg=kg, value=5.0)  # A's unit cost
        return float(logistics.freight_per_unit(kg, d, mode)[0])
    assert led.freight[1] == pytest.approx(led.shipped_to[1] * rate(HOME, north, 1.0), rel=1e-6)
    assert led.freight[2] == pytest.approx(led.shipped_to[2] * rate(north, HOME, 1.0), rel=1e-6)
    assert led.freight[1] > 0
    costs = model.ledger.cost_totals()
    assert costs["maas_onboarding"] == pytest.approx(700.0)
    assert costs["reman"] == pytest.approx(sum(led.processing))   # the own centre has no processes


def test_none_own_centre_and_partners_compare_in_one_run():
    providers = [offering("d1", "cutting/disassembly"), offering("t1", "other/testing", cap=10)]
    sc = with_partners(providers, {"product": "P", "part": "A", "steps": ["disassembly", "testing"]})
    sc = sc.replace(disruptions=[{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 20}])
    res = resim.run(sc, replications=2, seed=3, executor="serial")
    assert set(res.summary.strategy) == {"none", "own", "partners"}
    partners = res.orchestrations[res.orchestrations.kind == "circular_partners"]
    assert set(partners.strategy) == {"partners"} and set(partners.source) == {"d1", "t1"}
    reps = res.replications.groupby("strategy").mean(numeric_only=True)
    assert reps.fill_rate["partners"] > reps.fill_rate["none"]
    # The same cores come back in every strategy (common random numbers), whoever takes them.
    assert reps.cores_returned["partners"] == pytest.approx(reps.cores_returned["own"]) and reps.cores_returned["own"] > 0


@pytest.mark.parametrize("spec, message", [
    ({"product": "P", "part": "A", "steps": ["testing"]}, "expected 'disassembly' among the steps"),
    ({"product": "P", "part": "A", "steps": ["disassembly", "sorting", "disassembly"]}, "given twice"),
    ({"product": "A", "part": "A", "steps": ["testing"]}, "no take-back stream returns 'A'"),
    ({"product": "P", "part": "A", "steps": ["disassembly"], "yields": {"testing": 0.5}},
     "'testing' is not a step"),
])
def test_a_specification_that_does_not_fit_is_refused(spec, message):
    with pytest.raises(ScenarioError, match=message):
        with_partners([offering("d1", "cutting/disassembly")], spec)
