"""Circular supply (C1): cores are conserved, grading follows its shares, and remanufactured
components close a supply gap on the hand chain (sA -> plant (P = 2 A) -> dc -> m, 10 P a day)."""

from __future__ import annotations

import numpy as np
import pytest

from resim.circular import ROUTES
from resim.engine import Model
from tests.chains import hand_chain


def with_reman(horizon=120, processes=(), grading=None, **take_back):
    base = hand_chain(horizon=horizon, a_level=200)
    data = base.model_dump(by_alias=True, exclude_unset=True, mode="json")
    data["nodes"].append({"id": "rm", "kind": "reman", "country": "DE", "region": "europe", "makes": "A",
                          "inventory": [{"part": "A", "policy": {"type": "base_stock", "level": 0}}]})
    data["lanes"].append({"from": "rm", "to": "plant", "parts": "A", "lead_time_days": 1, "share": 0})
    data["lanes"][0]["share"] = 1.0
    stream = {"product": "P", "market": "m", "to": "rm", "return_rate": 0.5, "use_life_days": 100,
              "installed_base": 2000, **take_back}
    data["circular"] = {"take_back": [stream], "processes": list(processes),
                        "grading": [grading or {"part": "A", "remanufacture": 1.0}]}
    return base.replace(**{k: v for k, v in data.items() if k in ("nodes", "lanes", "circular")})


def switch_to_reman(model: Model) -> None:
    model.set_share("sA->plant", 0.0)
    model.cancel_orders("sA->plant")
    model.set_share("rm->plant", 1.0)


def test_cores_and_components_are_conserved():
    processes = [{"node": "rm", "process": "disassembly", "capacity_per_day": 8, "time_days": 0, "yield": 0.9},
                 {"node": "rm", "process": "testing", "capacity_per_day": 12, "time_days": 1, "yield": 0.8,
                  "cost_per_unit": 2},
                 {"node": "rm", "process": "reconditioning", "capacity_per_day": 10, "time_days": 3, "yield": 0.95}]
    scenario = with_reman(processes=processes, grading={"part": "A", "reuse": 0.2, "repair": 0.1,
                                                        "remanufacture": 0.5, "recycle": 0.2})
    model = Model(scenario)
    model.run()
    c = model.circular
    led = c.ledger
    # Cores: returned = disassembled + still in stock (disassembly caps at 8 a day, returns ~10).
    assert led.returned.sum() == pytest.approx(led.disassembled.sum() + c.cores_in_stock())
    assert c.cores_in_stock() > 0 and led.disassembled.max() <= 8
    # Components: 2 A per core, 90 % survive disassembly; every one of them is graded.
    graded = sum(v for (part, _), v in led.graded.items() if part == "A")
    assert graded == pytest.approx(led.disassembled.sum() * 0.9 * 2)
    # Graded into a processing state = output + scrapped by yields + still queued or in process.
    processed = sum(v for (part, state), v in led.graded.items() if part == "A" and state in ROUTES)
    assert processed == pytest.approx(led.output_by_part.get("A", 0) + led.scrapped_by_part.get("A", 0)
                                      + c.units_in_process())


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
    event = [{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 30}]
    scenario = with_reman().replace(disruptions=event)
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
    from resim.circularity import circularity

    event = [{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 30}]
    scenario = with_reman().replace(disruptions=event, **{"parts[1].critical": True, "parts[1].weight_kg": 0.5})
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
    from resim.circular import partner_need
    from resim.format.maas import Offering, ScoreWeights
    from resim.matching import candidates, score
    from resim.providers import pool_frame

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
