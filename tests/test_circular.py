"""Circular supply (C1): cores are conserved, grading follows its shares, remanufacturing is real
supply (pulled by work orders, within its policy and capacity, paid where the money arises), and
remanufactured components close a supply gap on the hand chain (sA -> plant (P = 2 A) -> dc -> m,
10 P a day)."""

from __future__ import annotations

import numpy as np
import pytest

import resim
from resim.sim.circular import ROUTES
from resim.sim.engine import Model
from resim.experiment.runner import _pool
from resim.sim.strategies import Response
from tests.chains import hand_chain

GONE = [{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 30}]


def with_reman(horizon=120, processes=(), grading=None, level=0, capacity=None, circular=None, **take_back):
    base = hand_chain(horizon=horizon, a_level=200)
    data = base.model_dump(by_alias=True, exclude_unset=True, mode="json")
    data["nodes"].append({"id": "rm", "kind": "reman", "country": "DE", "region": "europe", "makes": "A",
                          "inventory": [{"part": "A", "policy": {"type": "base_stock", "level": level},
                                         "initial": 0}],
                          **({"capacity_per_day": capacity} if capacity else {})})
    data["lanes"].append({"from": "rm", "to": "plant", "parts": "A", "lead_time_days": 1, "share": 0})
    data["lanes"][0]["share"] = 1.0
    stream = {"product": "P", "market": "m", "to": "rm", "return_rate": 0.5, "use_life_days": 100,
              "installed_base": 2000, **take_back}
    data["circular"] = {"take_back": [stream], "processes": list(processes),
                        "grading": [grading or {"part": "A", "remanufacture": 1.0}], **(circular or {})}
    return base.replace(**{k: v for k, v in data.items() if k in ("nodes", "lanes", "circular")})


def switch_to_reman(model: Model) -> None:
    model.set_share("sA->plant", 0.0)
    model.cancel_orders("sA->plant")
    model.set_share("rm->plant", 1.0)


STEPS = [{"node": "rm", "process": "disassembly", "capacity_per_day": 8, "time_days": 0, "yield": 0.9,
          "cost_per_unit": 3},
         {"node": "rm", "process": "testing", "capacity_per_day": 12, "time_days": 1, "yield": 0.8,
          "cost_per_unit": 2},
         {"node": "rm", "process": "reconditioning", "capacity_per_day": 10, "time_days": 3, "yield": 0.95,
          "cost_per_unit": 5}]


def test_cores_and_components_are_conserved():
    # Half the graded A are remanufactured (testing, reconditioning), 20 % reused (testing), 10 %
    # repaired (testing; the node has no repair step), 20 % recycled. The supplier fails on day 30
    # and the plant turns to the reman centre, whose orders pull graded cores into processing.
    scenario = with_reman(processes=STEPS, grading={"part": "A", "reuse": 0.2, "repair": 0.1,
                                                    "remanufacture": 0.5, "recycle": 0.2}).replace(disruptions=GONE)
    model = Model(scenario, detail=True)
    model.at(30, switch_to_reman)
    stock = model.run().stock().set_index(["node", "part", "day"]).sort_index()
    c = model.circular
    led = c.ledger
    # Cores: returned = disassembled + still waiting whole (disassembly caps at 8 a day, returns ~10).
    assert led.returned.sum() == pytest.approx(led.disassembled.sum() + c.cores_in_stock())
    assert c.cores_in_stock() > 0 and led.disassembled.max() <= 8
    # Components: 2 A per core, 90 % survive disassembly; every one of them is graded.
    graded = {state: v for (part, state), v in led.graded.items() if part == "A"}
    assert sum(graded.values()) == pytest.approx(led.disassembled.sum() * 0.9 * 2)
    # Graded = processed + graded cores waiting + other routes (here: recycled).
    processed = led.processed_by_part["A"]
    assert sum(graded.values()) == pytest.approx(processed + c.units_waiting("A") + led.other_by_part["A"])
    assert led.other_by_part["A"] == pytest.approx(graded["recycle"])
    # Processed = output + scrapped by the yields + good units still in process.
    assert processed == pytest.approx(led.output_by_part["A"] + led.scrapped_by_part["A"] + c.units_in_process("A"))
    # Shipped by rm <= made at rm (it starts empty) <= graded fit for a recovery route.
    shipped, made = stock.loc[("rm", "A"), "shipped"].sum(), stock.loc[("rm", "A"), "produced"].sum()
    assert made == pytest.approx(led.output_by_part["A"])
    fit = sum(graded[state] for state in ROUTES if state in graded)
    assert 0 < shipped <= made + 1e-9 and made < fit


def test_the_reman_node_restocks_its_policy_level_and_never_beyond():
    # Nothing pulls from rm (its lane stays on standby): it restocks its base stock of 30 from the
    # graded cores, within its capacity of 4 good units a day, and stops there. Every graded A is
    # remanufactured (testing 0.8 x reconditioning 0.95 = 0.76 good a unit taken, 7 a unit taken).
    whole = [dict(STEPS[0], **{"yield": 1.0}), *STEPS[1:]]  # whole units: none graded to recycling
    scenario = with_reman(horizon=60, processes=whole, level=30, capacity=4)
    model = Model(scenario, detail=True)
    model.run()
    stock = model.ledger.stock().set_index(["node", "part", "day"]).sort_index()
    on_hand, made = stock.loc[("rm", "A"), "on_hand"].to_numpy(), stock.loc[("rm", "A"), "produced"].to_numpy()
    led = model.circular.ledger
    assert on_hand[-1] == pytest.approx(30) and on_hand.max() == pytest.approx(30)
    assert made.sum() == pytest.approx(30) and made.max() <= 4 + 1e-9
    # 30 good units took 30 / 0.76 graded units; the rest of what was graded waits.
    assert led.processed_by_part["A"] == pytest.approx(30 / 0.76)
    assert model.circular.units_waiting("A") == pytest.approx(2 * led.disassembled.sum() - 30 / 0.76)
    # Money: disassembly 3 a core, processing 7 a unit taken, charged when processed, nothing else.
    reman = model.ledger.cost_totals()["reman"]
    assert reman == pytest.approx(3 * led.disassembled.sum() + 7 * 30 / 0.76)


def test_reman_costs_are_charged_where_they_arise_and_once():
    # The supplier fails on day 30 and the plant takes A from rm. Reman cost = disassembly (3 a
    # core) + the steps (2 + 5 = 7 per unit taken, 0.76 good a unit taken) of what was made or is
    # in process; procurement = A's unit cost 5 for what sA shipped, and nothing for the reman
    # A: the centre is the firm's own, its work is paid once, as reman cost.
    processes = [dict(p, capacity_per_day=100) for p in STEPS]
    scenario = with_reman(processes=processes).replace(disruptions=GONE)
    model = Model(scenario, detail=True)
    model.at(30, switch_to_reman)
    stock = model.run().stock().set_index(["node", "part", "day"]).sort_index()
    costs, c = model.ledger.cost_totals(), model.circular
    made = stock.loc[("rm", "A"), "produced"].sum()
    assert costs["reman"] == pytest.approx(3 * c.ledger.disassembled.sum() + 7 * (made + c.units_in_process()) / 0.76)
    from_rm = stock.loc[("rm", "A"), "shipped"].sum() - stock.loc[("plant", "A"), "in_transit"].iloc[-1]
    from_sA = stock.loc[("sA", "A"), "shipped"].sum()
    assert from_rm > 1000 and from_sA > 0
    assert costs["procurement"] == pytest.approx(5 * from_sA)


def test_deposits_are_neither_charged_nor_refunded():
    # A deposit is the customer's money, paid at sale and refunded at return: it changes no cost.
    plain = Model(with_reman(deposit=0)).run().cost
    deposit = Model(with_reman(deposit=40)).run().cost
    np.testing.assert_array_equal(plain, deposit)


def test_cores_waiting_are_held_at_their_core_value():
    # Disassembly is unlimited and nothing pulls: every returned P gives 2 A that wait graded.
    # Holding them costs core_value_factor (0.5) x A's unit cost (5) x rm's rate (0.25 a year)
    # a unit-day, on top of the stock holding (the same in both runs).
    def run(factor):
        model = Model(with_reman(circular={"core_value_factor": factor}))
        return model, model.run().cost_totals()["holding"]

    model, held = run(0.5)
    _, without = run(0.0)
    waiting = np.cumsum(2 * model.circular.ledger.returned)  # graded A waiting at the end of each day
    assert held - without == pytest.approx(waiting.sum() * 0.5 * 5 * 0.25 / 365)
    assert model.circular.units_waiting("A") == pytest.approx(waiting[-1])
def test_grading_shares_converge_to_the_given_probabilities():
    shares = {"reuse": 0.1, "repair": 0.15, "refurbish": 0.05, "remanufacture": 0.4, "repurpose": 0.1,
              "recycle": 0.2}
    scenario = with_reman(horizon=365, installed_base=40_000, grading={"part": "A", **shares})
    model = Model(scenario)
    model.run()
    graded = {state: v for (part, state), v in model.circular.ledger.graded.items() if part == "A"}
    total = sum(graded.values())
    assert total > 50_000
    for state, share in shares.items():
        sd = np.sqrt(share * (1 - share) / total)
        assert abs(graded[state] / total - share) < 5 * sd + 1e-4, state


def test_remanufactured_components_close_a_supply_gap():
    # The supplier of A fails for good on day 30. The installed base returns 2000 x 0.5 / 100 = 10
    # cores a day (Poisson), each with 2 A graded for remanufacture: 20 A a day, exactly what 10 P
    # a day take. Switched to the reman lane, the chain keeps delivering about 10 a day; without
    # it, deliveries stop once the plant's and the DC's stock is gone.
    scenario = with_reman().replace(disruptions=GONE)
    bridged = Model(scenario)
    bridged.at(30, switch_to_reman)
    delivered = bridged.run().market["delivered"][:, 0]
    stranded = Model(scenario).run().market["delivered"][:, 0]
    assert stranded[60:100].sum() == 0
    assert 8.5 <= delivered[60:100].mean() <= 10.5
    assert bridged.circular.ledger.output_by_part["A"] > 0


def test_units_sold_come_back_after_their_use_life():
    # No installed base; half of the 10 units delivered each day return after exactly 20 days.
    scenario = with_reman(horizon=60, installed_base=0, use_life_days=20)
    model = Model(scenario)
    model.run()
    returned = model.circular.ledger.returned
    assert returned[:20].sum() == 0                  # day 0's deliveries are back on day 20
    assert returned[20:60] == pytest.approx([5.0] * 40)


def test_circularity_metrics_count_what_reman_supplied():
    from resim.experiment.circularity import circularity

    scenario = with_reman().replace(disruptions=GONE, **{"parts[A].critical": True, "parts[A].weight_kg": 0.5})
    model = Model(scenario, detail=True)
    model.at(30, switch_to_reman)
    stock = model.run().stock().set_index(["node", "part", "day"]).sort_index()
    values = circularity(model)
    # sA ships nothing after day 30, so what is in transit to the plant at the end came from rm.
    from_rm = stock.loc[("rm", "A"), "shipped"].sum() - stock.loc[("plant", "A"), "in_transit"].iloc[-1]
    assert values["reman_units"] == pytest.approx(from_rm) and from_rm > 0
    assert values["reman_share_critical"] == pytest.approx(from_rm / stock.loc[("plant", "A"), "received"].sum())
    assert values["material_avoided_kg"] == pytest.approx(0.5 * from_rm)
    assert values["co2_avoided_kg"] == pytest.approx(0.5 * from_rm * 10.0 * 0.53)
    assert values["cores_returned"] == pytest.approx(model.circular.ledger.returned.sum())


def test_circular_processes_can_be_sourced_from_maas_providers():
    from resim.sim.circular import partner_need
    from resim.scenario.format.maas import Offering, ScoreWeights
    from resim.supply.matching import candidates, score
    from resim.supply.pool import pool_frame

    def offer(id_, process, price):
        return Offering(id=id_, provider=id_, process=process, capacity_per_day=50, unit_price=price,
                        lead_time_days=2, onboarding_days=10, country="DE", region="europe")

    scenario = with_reman(processes=[{"node": "rm", "process": "reconditioning", "capacity_per_day": 12,
                                      "time_days": 2}])
    need = partner_need(scenario, "reconditioning", "rm")
    assert need.process == "other/reconditioning" and need.units_per_day == 12  # the node's own capacity
    pool = pool_frame([offer("a", "other/reconditioning", 9), offer("b", "other/reconditioning", 6),
                       offer("c", "other/testing", 1)])
    ranked = score(candidates(pool, need), need, ScoreWeights(cost=1, lead_time=0, quality=0, on_time=0,
                                                              capacity=0, distance=0))
    assert list(ranked.id) == ["b", "a"]


def _quickstart_run(strategy: str, replication: int = 0):
    """One replication of the quickstart under ``strategy``, with the reman node's controller
    stock at the end of each day."""
    sc = resim.load_scenario("scenarios/quickstart.yaml")
    model = Model(sc, replication=replication, seed=sc.seed)
    spec = next(s for s in sc.strategies if s.id == strategy)
    response = Response(model, spec, _pool(sc), spec.orchestration) if spec.actions != ("none",) else None
    sku = model.net.sku_index[("reman_pl", "controller")]
    stock = []
    model.on_day_end(lambda m, day: stock.append(float(m.on_hand[sku])))
    model.run()
    return sc, model, response, np.array(stock)


def test_without_a_response_the_reman_centre_holds_its_policy_and_makes_nothing_unpulled():
    # Issue 17 finding 2: in `none` the reman centre made controllers all year, unpulled, to a
    # stock of 2,638 against its base stock of 200, and every strategy paid the processing.
    sc, model, _, stock = _quickstart_run("none")
    assert stock.max() <= 200 + 1e-9
    # Nothing ordered from it, so its only cost is the disassembly of the returned units (6 each).
    assert model.ledger.cost_totals()["reman"] == pytest.approx(6 * model.circular.ledger.disassembled.sum())
    assert model.circular.ledger.output.sum() == 0
    assert model.circular.units_waiting("controller") > 1000  # graded cores wait as core stock


def test_the_circular_strategy_supplies_what_it_makes_from_cores_not_a_pile():
    # Issue 17 finding 2: the circular strategy began with about 1,050 ready controllers. Now the
    # reman centre starts the response with at most its base stock (200) and delivers what it
    # makes from the graded cores waiting and arriving, within its capacity (40 a day).
    sc, model, response, stock = _quickstart_run("circular")
    (action,) = [a for a in response.actions if a.kind == "circular"]
    start, end = action.start, action.end
    led = model.circular.ledger
    assert stock.max() <= 200 + 40 + 1e-9            # its policy's target, at most a day's batch beyond
    assert stock[start - 1] <= 200 + 1e-9
    arc = model.lane_arcs("reman_pl->plant_de")[0]
    shipped = model.shipped_total[arc]
    made = led.output.sum()
    assert shipped > 500
    assert shipped <= stock[start - 1] + made + 1e-6   # shipped only what it held at the start and made since
    assert made <= 40 * (sc.horizon_days - start) + 1e-6
    # What it made came from graded controllers: at most all graded fit, times the best route yield.
    fit = sum(v for (part, state), v in led.graded.items() if part == "controller" and state in ROUTES)
    assert made <= fit * 0.8 + 1e-6  # every route passes testing (yield 0.8)
    # The orchestration shows a reman controller's price (0.6 x 95); the firm pays the centre's work.
    received = model.received_total[arc] - model.rejected_total[arc]
    assert action.unit_cost == pytest.approx(0.6 * 95)
    assert received > 0


def test_a_sorting_step_sorts_every_component_before_grading():
    # Issue 17: circular `sorting` was accepted and unused. With sorting at rm (2 components a
    # core: P = 2 A; capacity 10 components a day, so 5 cores a day; yield 0.9, 0.5 a component),
    # disassembly (capacity 8, yield 0.9, 3 a core) takes at most 5 cores a day, and every A it
    # gives is sorted: 0.5 each, 10 % scrapped, the rest graded.
    sorting = {"node": "rm", "process": "sorting", "capacity_per_day": 10, "time_days": 0, "yield": 0.9,
               "cost_per_unit": 0.5}
    model = Model(with_reman(horizon=40, processes=[STEPS[0], sorting]), detail=True)
    model.run()
    led = model.circular.ledger
    assert led.disassembled.max() <= 5 and led.disassembled.sum() > 0
    sorted_units = led.disassembled.sum() * 0.9 * 2
    assert led.sorting_scrap == pytest.approx(0.1 * sorted_units)
    assert sum(led.graded.values()) == pytest.approx(0.9 * sorted_units)
    reman = model.ledger.cost_totals()["reman"]
    assert reman == pytest.approx(3 * led.disassembled.sum() + 0.5 * sorted_units)
