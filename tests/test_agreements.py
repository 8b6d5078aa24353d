"""MaaS stage 3 inside a small simulation: the hand chain's supplier sA fails on day 10, and a
provider of A is brought in by an agreement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import resim
from resim.sim.agreements import Agreement, Candidate, execute, lot_acceptance, negotiate
from resim.sim.engine import Model
from resim.scenario.format.maas import Inspection, Negotiation, Offering
from resim.supply.logistics import MODES
from resim.supply.matching import candidates, need_for, score, select
from resim.supply.pool import pool_frame
from tests.chains import hand_chain, small_chain

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

QUICKSTART = Path(__file__).parents[1] / "scenarios" / "quickstart.yaml"


def scenario(**maas):
    return hand_chain(horizon=90, a_level=200).replace(
        disruptions=[{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10}],
        **{"parts[A].process": {"process": "cutting/milling"}, "maas": maas})


def provider(**fields) -> Offering:
    base = dict(id="mill_pl", provider="shop_pl", process="cutting/milling", capacity_per_day=30,
                setup_cost=2000, unit_price=8, lead_time_days=3, onboarding_days=5,
                conformance_rate=1.0, on_time_rate=1.0, country="PL", region="europe")
    return Offering(**{**base, **fields})


def agreement(day=12, **fields) -> Agreement:
    base = dict(offering="mill_pl", provider="shop_pl", part="A", destination="plant", units_per_day=30,
                unit_price=8, setup_cost=2000, requested_day=day, answer="accepted", start_day=day,
                qualified_day=day + 5, end_day=80)
    return Agreement(**{**base, **fields})


def run_with(agreement_: Agreement, offer: Offering, **maas):
    model = Model(scenario(**maas), detail=True)
    execute(model, agreement_, Candidate.from_row(pool_frame([offer]).iloc[0]), replaces=["sA->plant"])
    ledger = model.run()
    return model, ledger, ledger.stock().set_index(["node", "part", "day"]).sort_index()


def test_a_provider_delivers_from_its_qualified_day_at_the_agreed_price():
    deal = agreement()
    _, ledger, stock = run_with(deal, provider(), probation={"days": 0})
    shipped = stock.loc[("maas_mill_pl", "A"), "shipped"].to_numpy()
    # Qualified on day 12 + 5, it takes the plant's orders placed that day and ships from day 18.
    assert shipped[:18].sum() == 0 and shipped[18] > 0
    assert shipped.max() <= 30 + 1e-9                              # reserved capacity
    received = stock.loc[("plant", "A"), "received"].to_numpy()
    # 3 days' quoted lead time, then by road from Poland to the German plant (no coordinates:
    # 1,500 km within the region), ceil(1 + 1,500 / 500) = 4 days: received on day 18 + 7.
    assert received[18:25].sum() == 0
    assert received[25] == pytest.approx(shipped[18])
    costs = ledger.costs().groupby("component").cost.sum()
    assert costs["maas_onboarding"] == 2000
    # The agreed price is 8 against A's unit cost of 5: 3 a unit is premium.
    assert costs["maas_premium"] == pytest.approx(3 * shipped.sum())
    assert deal.shipped == pytest.approx(shipped.sum()) and deal.rejected == 0 and deal.late_units == 0
    # After the agreement ends on day 80 the provider ships nothing more.
    assert shipped[80:].sum() == 0


def test_probation_caps_volume_then_lifts():
    deal = agreement()
    _, _, stock = run_with(deal, provider(), probation={"days": 10, "capacity_share": 0.5})
    shipped = stock.loc[("maas_mill_pl", "A"), "shipped"].to_numpy()
    assert shipped[17:27].max() <= 15 + 1e-9 and shipped[27:40].max() > 15
    assert shipped[18:27].min() == pytest.approx(15)  # the backlog keeps it at the cap


def test_inspection_rejects_lots_of_a_poor_provider_and_they_are_scrapped():
    poor = provider(conformance_rate=0.8)
    # With 20 % defective, a sample of 32 holds at most 2 defects with chance
    # 0.8^32 (1 + 32 * 0.25 + 496 * 0.0625) = 40 * 0.8^32 = 0.0317.
    assert lot_acceptance(0.8, Inspection()) == pytest.approx(40 * 0.8 ** 32)
    deal = agreement()
    _, _, stock = run_with(deal, poor, probation={"days": 0})
    scrapped = stock.loc[("plant", "A"), "scrapped"].to_numpy()
    assert deal.rejected > 0 and scrapped.sum() == pytest.approx(deal.rejected)
    assert deal.rejected > 0.5 * deal.received


def test_late_shipments_take_longer_and_are_counted():
    deal = agreement()
    _, _, stock = run_with(deal, provider(on_time_rate=0.0), probation={"days": 0})
    shipped = stock.loc[("maas_mill_pl", "A"), "shipped"].to_numpy()
    received = stock.loc[("plant", "A"), "received"].to_numpy()
    assert received[21] == 0 and shipped[18] > 0                   # never on the quoted 3 days
    assert deal.late_units == pytest.approx(deal.shipped)


def test_negotiation_answers_with_the_stated_chances():
    offer = Candidate.from_row(pool_frame([provider()]).iloc[0])
    terms = Negotiation(accept=0.5, counter=0.3, counter_price_increase=0.2, counter_delay_days=7,
                        response_days=2)
    need = need_for(scenario(), "A", destination="plant", units_per_day=30)
    rng = np.random.default_rng(1)
    answers = [negotiate(offer, need, units_per_day=30, request_day=10, end_day=60, terms=terms, rng=rng)
               for _ in range(4000)]
    share = {a: np.mean([d.answer == a for d in answers]) for a in ("accepted", "countered", "declined")}
    assert share == pytest.approx({"accepted": 0.5, "countered": 0.3, "declined": 0.2}, abs=0.03)
    counter = next(d for d in answers if d.answer == "countered")
    assert counter.unit_price == pytest.approx(8 * 1.2) and counter.start_day == 10 + 2 + 7
    accepted = next(d for d in answers if d.answer == "accepted")
    assert accepted.start_day == 12 and accepted.qualified_day == 12 + 5


def test_matching_to_execution_restores_supply():
    # The whole path: specify, filter, score, select, agree, execute; the provider bridges the
    # supplier's permanent failure, so deliveries recover. The plant uses 20 A a day; asking for
    # 30 leaves room to work off the backlog built up before the provider is qualified.
    # mill_cn is cheaper ex works but dearer landed: 7.8 + 2 kg x 9,000 km x 0.00005 by sea = 8.7
    # against 8 + 2 x 1,500 x 0.0002 by road = 8.6 for mill_pl.
    offers = [provider(), provider(id="mill_cn", country="CN", region="asia", unit_price=7.8),
              provider(id="turn_de", process="cutting/turning", country="DE", region="europe")]
    sc = scenario(providers=[o.model_dump(by_alias=True, mode="json") for o in offers],
                  negotiation={"accept": 1.0, "counter": 0.0}, probation={"days": 0}).replace(
        **{"parts[A].weight_kg": 2.0})
    need = need_for(sc, "A", destination="plant", units_per_day=30)
    ranked = score(candidates(pool_frame(sc.maas.providers), need), need, sc.maas.weights)
    chosen = select(ranked, need, days=60, max_providers=1)
    assert chosen.missing_per_day == 0 and chosen.chosen.id.tolist() == ["mill_pl"]
    row = chosen.chosen.iloc[0]
    offer = Candidate.from_row(row)
    deal = negotiate(offer, need, units_per_day=row.units_per_day, request_day=12, end_day=90,
                     terms=sc.maas.negotiation, rng=np.random.default_rng(0))
    model = Model(sc)
    execute(model, deal, offer, replaces=["sA->plant"])
    ledger = model.run()
    on_time = ledger.market["on_time"][:, 0]
    assert on_time[-20:].tolist() == [10] * 20
    # The estimated freight is paid on what the plant accepts from the provider: weight x distance
    # x the rate of its mode a unit (road, within Europe); the usual lane's on what it ships.
    arcs = model.lane_arcs(f"maas_{row.id}->plant")
    accepted = model.received_total[arcs].sum() - model.rejected_total[arcs].sum()
    assert row.transport_mode == "road"
    freight = sc.parts_by_id["A"].weight_kg * row.distance_km * MODES["road"].freight_per_kg_km
    transport = ledger.costs().query("component == 'transport'").cost.sum()
    sA_shipped = model.shipped_total[model.lane_arcs("sA->plant")].sum()
    assert freight > 0 and accepted > 0 and transport == pytest.approx(freight * accepted + 1 * sA_shipped)


def test_reman_first_steering_does_not_undo_the_replacement():
    # The plant also takes A from a reman centre, reman first (the circular strategy's steering
    # sets the reman lane's share every day). The agreement puts sA->plant on standby from the
    # provider's qualified day (17) to its end (80): sA must get no new orders in between, the
    # reman lane keeps its cap of 95 % (ample stock) and the provider takes the other 5 %.
    from resim.sim.strategies import _RemanSteer

    base = scenario(probation={"days": 0})
    reman = base.replace(
        nodes=[*[n.model_dump(by_alias=True, exclude_unset=True, mode="json") for n in base.nodes],
               {"id": "rm", "kind": "reman", "country": "PL", "region": "europe", "makes": "A",
                "inventory": [{"part": "A", "policy": {"type": "base_stock", "level": 100000}}]}],
        lanes=[{**base.lanes[0].model_dump(by_alias=True, exclude_unset=True, mode="json"), "share": 1},
               *[l.model_dump(by_alias=True, exclude_unset=True, mode="json") for l in base.lanes[1:]],
               {"from": "rm", "to": "plant", "parts": "A", "lead_time_days": 1, "share": 0}])
    model = Model(reman)
    _RemanSteer(model, "rm->plant", "A", model.net.sku_index[("rm", "A")], 20.0, end=90, cause="reman first")
    execute(model, agreement(), Candidate.from_row(pool_frame([provider()]).iloc[0]), replaces=["sA->plant"])
    usual, steered = model.lane_arcs("sA->plant"), model.lane_arcs("rm->plant")
    split = {}

    def record(m, day):
        weights = m.order_weights()
        group = m.net.arc_group == m.net.arc_group[steered[0]]
        split[day] = (weights[usual].sum() / weights[group].sum(), weights[steered].sum() / weights[group].sum())

    model.on_day_end(record)
    model.run()
    for day in range(18, 80):
        assert split[day] == pytest.approx((0.0, 0.95)), day
    assert split[85] == pytest.approx((0.05, 0.95))  # the agreement over: sA is back beside the reman lane


def _dump(items) -> list[dict]:
    return [item.model_dump(by_alias=True, exclude_unset=True, mode="json") for item in items]


def test_a_replacement_stops_orders_of_its_part_only():
    # sA also makes B for the plant, on the same lane (P = 2 A + 1 B). The agreement replaces sA's
    # A from the provider's qualified day (17): A's arc goes on standby and its open orders are
    # cancelled, while B keeps its share and its orders (owed by the failed sA, they pile up).
    base = scenario(probation={"days": 0})
    parts, nodes, lanes = _dump(base.parts), _dump(base.nodes), _dump(base.lanes)
    parts[0]["bom"] = {"A": 2, "B": 1}
    parts.append({"id": "B", "unit_cost": 2})
    nodes[0]["makes"] = ["A", "B"]
    nodes[1]["inventory"].append({"part": "B", "policy": {"type": "base_stock", "level": 100}})
    lanes[0]["parts"] = ["A", "B"]
    model = Model(base.replace(parts=parts, nodes=nodes, lanes=lanes))
    execute(model, agreement(), Candidate.from_row(pool_frame([provider()]).iloc[0]), replaces=["sA->plant"])
    a_arc, b_arc = model.lane_arcs("sA->plant", "A"), model.lane_arcs("sA->plant", "B")
    seen = {}

    def record(m, day):
        weights = m.order_weights()
        seen[day] = (weights[a_arc].sum(), weights[b_arc].sum(), m.arc_backlog[a_arc].sum(), m.arc_backlog[b_arc].sum())

    model.on_day_end(record)
    model.run()
    assert seen[16][0] > 0 and all(seen[day][0] == 0 for day in range(17, 80))
    assert all(seen[day][1] > 0 for day in range(90))
    assert seen[16][2] > 0 and seen[17][2] == 0          # A's orders on sA cancelled
    assert seen[17][3] >= seen[16][3] > 0                 # B's kept


def test_at_handback_new_orders_return_to_the_usual_lane_while_the_provider_ships_what_it_holds():
    # Handback on day 50, agreement end on day 80. Before 50 the plant orders only from the
    # provider; from 50 only from sA again (recovered on day 40 here), yet the provider keeps
    # shipping the orders it already holds; from 80 its lane is closed.
    base = hand_chain(horizon=90, a_level=200).replace(
        disruptions=[{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10,
                      "duration_days": 30}],
        **{"parts[A].process": {"process": "cutting/milling"}, "maas": {"probation": {"days": 0}}})
    model = Model(base, detail=True)
    # 20 a day against the plant's 20 a day of A: the provider's orders pile up only while it qualifies.
    offer = Candidate.from_row(pool_frame([provider(capacity_per_day=20)]).iloc[0])
    execute(model, agreement(units_per_day=20), offer, replaces=["sA->plant"], handback_day=50)
    usual, weights, held = model.lane_arcs("sA->plant"), {}, {}

    def record(m, day):
        if "maas_mill_pl->plant" not in m.net.lane_index:  # the provider joins on its qualified day
            return
        mine = m.lane_arcs("maas_mill_pl->plant")
        w = m.order_weights()
        weights[day] = (w[usual].sum(), w[mine].sum())
        held[day] = m.arc_backlog[mine].sum()

    model.on_day_end(record)
    ledger = model.run()
    shipped = ledger.stock().set_index(["node", "part", "day"]).sort_index().loc[("maas_mill_pl", "A"), "shipped"]
    assert all(weights[day][0] == 0 and weights[day][1] > 0 for day in range(18, 50))
    assert all(weights[day][0] > 0 and weights[day][1] == 0 for day in range(50, 80))
    # After the handback the provider gets no new orders, so what it holds only shrinks, by what it ships.
    assert held[50] > 0 and shipped[51:80].sum() > 0
    for day in range(51, 80):
        assert held[day] == pytest.approx(held[day - 1] - shipped[day]), day
    assert shipped[80:].sum() == 0


def test_what_declined_requests_leave_open_is_asked_of_the_next_providers():
    # 20 a day are needed from identical providers of 10 a day, each accepting with chance 1/2 (no
    # counters), in at most three rounds of requests. Round one asks two; whatever is still open
    # after the answers is asked of fresh providers, also when the other one agreed. The chance
    # that the need ends fully covered is then f(2, 3), with f(k, r) = sum_j C(k, j) a^j (1-a)^(k-j)
    # f(k - j, r - 1), f(0, .) = 1, f(k > 0, 0) = 0: 0.765625 for a = 1/2 (asking again only when
    # both declined would give 0.328125).
    from resim.supply.matching import Pool
    from resim.sim.sourcing import Request, source
    from resim.sim.strategies import Response

    offers = [provider(id=f"mill_{i:02d}", provider=f"shop_{i:02d}", capacity_per_day=10, setup_cost=0)
              for i in range(20)]
    base = scenario(negotiation={"accept": 0.5, "counter": 0.0},
                    providers=[o.model_dump(exclude_none=True) for o in offers])
    base = base.replace(strategies=[{"id": "rent", "actions": ["maas_same_tier"], "max_providers": 10}])
    pool = Pool(pool_frame(list(base.maas.providers)))
    trials, covered = 400, 0
    for replication in range(trials):
        model = Model(base, replication=replication)
        response = Response(model, base.strategies[0], pool)
        source(response, model, Request("maas_same_tier", "gone", "A", "plant", 20.0, day=12, end=80,
                                        replaces=("sA->plant",)))
        agreed = sum(deal.units_per_day for deal in response.agreements)
        assert agreed <= 20 + 1e-9
        covered += agreed >= 20 - 1e-9
    share, expected = covered / trials, 0.765625
    assert abs(share - expected) < 3.5 * (expected * (1 - expected) / trials) ** 0.5


def test_at_handback_the_provider_keeps_only_what_it_can_ship_by_the_end():
    # A provider of 10 a day for a plant using 20 a day builds up a backlog. Handed back on day 50
    # with the agreement ending on day 60, it keeps 10 x 10 = 100 units of orders; the rest go
    # back to the buyer, who re-orders them from sA at once instead of on day 60.
    base = hand_chain(horizon=90, a_level=200).replace(
        disruptions=[{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10,
                      "duration_days": 30}],
        **{"parts[A].process": {"process": "cutting/milling"}, "maas": {"probation": {"days": 0}}})
    model = Model(base)
    offer = Candidate.from_row(pool_frame([provider(capacity_per_day=10)]).iloc[0])
    execute(model, agreement(units_per_day=10, end_day=60), offer, replaces=["sA->plant"], handback_day=50)
    held = {}
    model.on_day_end(lambda m, day: held.__setitem__(day, m.arc_backlog[m.lane_arcs("maas_mill_pl->plant")].sum())
                     if "maas_mill_pl->plant" in m.net.lane_index else None)
    model.run()
    assert held[49] > 100
    assert held[50] <= 100 + 1e-9 and held[50] >= 100 - 10 - 1e-9   # 100 kept, less what day 50 shipped


# -- Issue 17: who pays for MaaS units, the budget, common random numbers ----------------------------


def test_the_firm_pays_for_the_units_a_provider_delivers_to_one_of_its_suppliers():
    # Both makers of R fail on day 5; a provider of R delivers to the supplier sA (not a focal
    # node) at 1.5 a unit against R's unit cost of 1, with a freight of 0.25 a unit, and 10 % of
    # its output defective (most lots are rejected). The firm contracted it, so it pays each unit
    # sA accepts: 0.5 premium + 0.25 transport; the unit cost 1 it pays once, in sA's price for A
    # (sA pays it back: a consignment credit); rejected lots are the provider's.
    # The usual purchases are charged as before: A (20) and B (10) shipped to the plant.
    chain = small_chain()
    chain["horizon_days"] = 90
    chain["parts"][3]["process"] = {"process": "primary_shaping/casting"}
    chain["disruptions"] = [{"id": "gone", "type": "supplier_failure", "nodes": ["sR1", "sR2"], "onset_day": 5}]
    chain["maas"] = {"negotiation": {"accept": 1.0, "counter": 0.0}, "probation": {"days": 0}}
    sc = resim.scenario_from_dict(chain)
    offer = provider(id="cast_pl", process="primary_shaping/casting", capacity_per_day=40, unit_price=1.5,
                     setup_cost=500, conformance_rate=0.9)
    row = pool_frame([offer]).iloc[0].copy()
    row["landed_unit_cost"] = 1.5 + 0.25
    offer = Candidate.from_row(row)
    need = need_for(sc, "R", destination="sA", units_per_day=40)
    deal = negotiate(offer, need, units_per_day=40, request_day=8, end_day=70, terms=sc.maas.negotiation,
                     rng=np.random.default_rng(0))
    model = Model(sc, replication=3)
    execute(model, deal, offer, replaces=["sR1->sA", "sR2->sA"])
    ledger = model.run()
    arcs = model.lane_arcs("maas_cast_pl->sA")
    received, rejected = model.received_total[arcs].sum(), model.rejected_total[arcs].sum()
    accepted = received - rejected
    assert accepted > 0 and rejected > 0
    costs = ledger.costs().groupby("component").cost.sum()
    usual = 20 * model.shipped_total[model.lane_arcs("sA->plant")].sum() \
        + 10 * model.shipped_total[model.lane_arcs("sB->plant")].sum()
    assert costs["maas_premium"] == pytest.approx(0.5 * accepted)
    assert costs["procurement"] == pytest.approx(usual)
    assert costs["transport"] == pytest.approx(0.25 * accepted)   # the chain's own lanes carry for free
    assert costs["maas_onboarding"] == 500


def _input_charges(model, ledger, maas_arcs: np.ndarray) -> tuple[float, float]:
    """What the providers' input lanes cost the firm (and of it, the premium), by resim.sim.inputs'
    rule: a component delivered to a provider (a supplier) costs its price beyond its unit cost
    plus freight, and a market offer adds 20 x price_increase x the share of the day's
    availability taken; marks those arcs in ``maas_arcs``."""
    sc, net = model.scenario, model.net
    offers = {f"market_{o.part}_{i}": o for i, o in enumerate(sc.maas.market)}
    total = premium = 0.0
    for lane in net.lanes:
        if not lane.dest.startswith("maas_") or lane.dest == lane.source:
            continue
        arcs = model.lane_arcs(lane.key)
        if (net.nodes[net.node_index[lane.dest]].kind != "supplier") or not len(arcs) or maas_arcs[arcs].any():
            continue
        maas_arcs[arcs] = True
        part = lane.parts[0]
        value = sc.parts_by_id[part].unit_cost
        offer = offers.get(lane.source)
        price = offer.unit_price if offer is not None else value
        units = model.received_total[arcs].sum() - model.rejected_total[arcs].sum()
        premium += units * (price - value)
        total += units * (price - value + lane.cost_per_unit)
    for node, offer in offers.items():
        if (node, offer.part) not in net.sku_index or offer.units_per_day <= 0:
            continue
        shipped = ledger.stock_series["shipped"][:, net.sku_index[(node, offer.part)]]
        surcharge = float((shipped * offer.unit_price * offer.price_increase
                           * np.minimum(shipped / offer.units_per_day, 1.0)).sum())
        premium += surcharge
        total += surcharge
    return total, premium


def _rent(*, budget=None, max_premium=None, capacity=30, **negotiation):
    """The hand chain's strategy asking the pool for 20 A a day at the plant from day 12 to the
    expected recovery on day 80 (as a strategy's response does); return the response and model."""
    from resim.supply.matching import Pool
    from resim.sim.sourcing import Request, source
    from resim.sim.strategies import Response

    terms = {"accept": 0.0, "counter": 1.0, "counter_price_increase": 0.1, "counter_delay_days": 0} | negotiation
    sc = scenario(negotiation=terms, probation={"days": 10, "capacity_share": 0.5},
                  providers=[provider(capacity_per_day=capacity).model_dump(exclude_none=True)])
    # It responds only to natural disasters: the one request below is all it makes.
    sc = sc.replace(strategies=[{"id": "rent", "actions": ["maas_same_tier"], "budget": budget,
                                 "max_premium": max_premium, "responds_to": ["natural_disaster"]}])
    model = Model(sc)
    response = Response(model, sc.strategies[0], Pool(pool_frame(list(sc.maas.providers))))
    source(response, model, Request("maas_same_tier", "gone", "A", "plant", 20.0, day=12, end=80,
                                    replaces=("sA->plant",)))
    return response, model


def test_the_budget_is_debited_by_the_most_an_agreement_may_deliver():
    # Asked on day 12, the provider accepts on day 14 and is qualified 5 days later (day 19); it
    # ships on days 20..79 (its lane closes on day 80), 20 a day, 10 a day in its 10-day probation
    # (days 20..28, 9 shipping days): at most 20 x 60 - 10 x 9 = 1,110 units, committing
    # 2,000 + 8 x 1,110 = 10,880 (not 20 a day over the 68 days from the request).
    response, model = _rent(budget=1e6, accept=1.0, counter=0.0)
    assert [a.status for a in response.actions] == ["accepted"]
    assert response.spent == pytest.approx(2000 + 8 * 1110)
    model.run()
    # The plant's backlog keeps the provider at its capacity throughout: it ships exactly that most.
    (deal,) = response.agreements
    assert deal.shipped == pytest.approx(1110)


def test_an_agreement_qualified_only_after_its_end_is_dropped_and_costs_nothing():
    # A counter starting 70 days later: qualified on day 12 + 2 + 70 + 5 = 89, after the end (80).
    response, model = _rent(budget=1e6, counter_delay_days=70)
    (action,) = response.actions
    assert action.status == "too late" and "89" in action.note
    assert response.agreements == [] and response.spent == 0
    costs = model.run().costs().groupby("component").cost.sum()
    assert costs["maas_onboarding"] == 0 and costs["maas_premium"] == 0


def test_a_counter_above_the_premium_ceiling_is_refused():
    # Offered at 8 against A's unit cost of 5 (premium 60 %, within the strategy's 70 %); the
    # counter at 8.8 is 76 % over the unit cost: refused, nothing agreed, nothing spent.
    response, model = _rent(budget=1e6, max_premium=0.7)
    (action,) = response.actions
    assert action.status == "refused" and "max_premium" in action.note
    assert action.unit_cost == pytest.approx(8.8)
    assert response.agreements == [] and response.spent == 0
    assert model.run().costs().query("component == 'maas_onboarding'").cost.sum() == 0


def test_a_counter_above_the_budget_left_is_refused():
    # The budget of 13,000 covers the request at 8 (selection: 2,000 + 8 x 20 x 68 = 12,880); the
    # counter at 12 would commit 2,000 + 12 x 1,110 = 15,320: refused.
    response, _ = _rent(budget=13_000, counter_price_increase=0.5)
    (action,) = response.actions
    assert action.status == "refused" and "15,320" in action.note and "13,000" in action.note
    assert response.agreements == [] and response.spent == 0


def test_what_the_providers_do_not_cover_stays_with_the_usual_lane():
    # A provider of 10 a day for a need of 20: from its qualified day (19) to the end (80) it takes
    # half of the plant's orders of A and sA's lane keeps the other half (a partly working or
    # recovering usual source is not cut off for a provider that covers less than the need).
    response, model = _rent(budget=1e6, capacity=10, accept=1.0, counter=0.0)
    assert [d.units_per_day for d in response.agreements] == [10]
    usual, split = model.lane_arcs("sA->plant"), {}

    def record(m, day):
        weights = m.order_weights()
        group = m.net.arc_group == m.net.arc_group[usual[0]]
        split[day] = weights[usual].sum() / weights[group].sum()

    model.on_day_end(record)
    model.run()
    assert split[18] == 1.0
    for day in range(19, 80):
        assert split[day] == pytest.approx(0.5), day
    assert split[85] == 1.0


def test_the_same_request_gets_the_same_answer_in_every_strategy_of_a_replication(quickstart_twin):
    # maas_upstream, its twin (the same spec under another id) and maas_and_circular ask the same
    # providers for the same boards on the same day after the quake: with common random numbers
    # each request gets the same answer, price and onboarding time in all three.
    res = quickstart_twin
    columns = ["replication", "source", "part", "destination", "units_per_day", "start", "end", "unit_cost", "status"]
    asked = res.orchestrations.query("kind == 'maas_upstream'")
    tables = {s: asked[asked.strategy == s][columns].sort_values(columns[:2]).reset_index(drop=True)
              for s in ("maas_upstream", "maas_upstream_twin", "maas_and_circular")}
    assert len(tables["maas_upstream"]) >= 6 and tables["maas_upstream"].status.nunique() > 1
    pd.testing.assert_frame_equal(tables["maas_upstream"], tables["maas_upstream_twin"])
    pd.testing.assert_frame_equal(tables["maas_upstream"], tables["maas_and_circular"])


@pytest.fixture(scope="module")
def quickstart_twin():
    sc = resim.load_scenario(QUICKSTART)
    specs = [s.model_dump(exclude_unset=True, mode="json") for s in sc.strategies]
    twin = next(s for s in specs if s["id"] == "maas_upstream") | {"id": "maas_upstream_twin"}
    sc = sc.replace(strategies=[*specs, twin])
    return resim.run(sc, replications=4, strategies=["maas_upstream", "maas_upstream_twin", "maas_and_circular"],
                     executor="serial")


_MAAS_ACTIONS = {"dual_source", "maas_same_tier", "maas_upstream"}
_LIBRARY = Path(__file__).parents[1] / "scenarios"
_WITH_MAAS = sorted(path.stem for path in _LIBRARY.glob("*.yaml")
                    if any(_MAAS_ACTIONS & set(s.actions) for s in resim.load_scenario(path).strategies))


def test_the_library_has_scenarios_with_maas():
    assert {"quickstart", "auto_microcontrollers"} <= set(_WITH_MAAS)


@pytest.mark.parametrize("name", _WITH_MAAS)
def test_the_ledger_charges_exactly_what_each_agreement_owes(name):
    # Money identity, every MaaS strategy of every library scenario, two replications: the
    # procurement, premium, transport and onboarding the run reports are the usual purchases
    # (shipped into focal nodes, at the part's unit cost and the lane's freight) plus, for each
    # agreement, its setup plus the units its destination accepted x (agreed price + freight, less
    # the unit cost a supplier receiving them pays back), plus the providers' inputs (charged on
    # their own lanes, counted here with the usual purchases' rule for contracted lanes), plus the
    # day-0 setup of each pre-qualified offering;
    # the premium alone is those units x (price - the part's unit cost). Components sum to
    # cost_total; the budget spent is what the executed agreements may cost at most, within the budget.
    from resim.experiment.runner import prepare

    sc = resim.load_scenario(_LIBRARY / f"{name}.yaml")
    ids = [s.id for s in sc.strategies if _MAAS_ACTIONS & set(s.actions)]
    run = resim.run(sc, replications=2, strategies=ids, executor="serial").replications
    run = run.set_index(["strategy", "replication"])
    components = [c for c in run.columns if c.startswith("cost_") and c != "cost_response"]
    assert run["cost_total"].to_numpy() == pytest.approx(run[[c for c in components if c != "cost_total"]].sum(axis=1))
    agreed = 0
    for spec in (s for s in sc.strategies if s.id in ids):
        for replication in (0, 1):
            model, response = prepare(sc, spec.id, replication, sc.seed, detail=True)
            ledger = model.run()
            net, maas_arcs = model.net, np.zeros(model.net.n_arcs, bool)
            owed = premium = 0.0
            for deal in response.agreements:
                arcs = model.lane_arcs(deal.lane)
                maas_arcs[arcs] = True
                into_market = (net.arc_dst[arcs] < 0).all()
                units = model.shipped_total[arcs].sum() if into_market else \
                    model.received_total[arcs].sum() - model.rejected_total[arcs].sum()
                # A supplier receiving the units pays their unit cost back in its own price.
                credit = sc.parts_by_id[deal.part].unit_cost if net.nodes[net.node_index[deal.destination]].kind == "supplier" else 0.0
                assert deal.credit == credit
                charged = deal.setup_cost + units * (deal.unit_price + deal.freight - credit)
                assert deal.freight >= 0 and charged <= deal.commitment(sc.maas.probation) + 1e-6
                owed += charged
                premium += units * (deal.unit_price - sc.parts_by_id[deal.part].unit_cost)
            inputs, extra = _input_charges(model, ledger, maas_arcs)
            owed += inputs
            # Pre-qualified offerings' setups are paid on day 0, called or not (their agreements' setup is 0).
            published = {offering.id: offering for offering in sc.maas.providers}
            owed += sum(published[offering].setup_cost for offering in spec.prequalified)
            premium += extra
            usual = model.shipped_total[~maas_arcs] @ (net.arc_price + net.arc_transport)[~maas_arcs]
            row = run.loc[(spec.id, replication)]
            money = row[["cost_procurement", "cost_maas_premium", "cost_transport", "cost_maas_onboarding"]].sum()
            assert money == pytest.approx(usual + owed, rel=1e-9), (spec.id, replication)
            assert row["cost_maas_premium"] == pytest.approx(premium, rel=1e-9, abs=1e-6), (spec.id, replication)
            assert response.spent == pytest.approx(sum(d.commitment(sc.maas.probation) for d in response.agreements))
            assert spec.budget is None or response.spent <= spec.budget + 1e-6
            agreed += len(response.agreements)
    assert agreed > 0


# -- Issue 17 item 8: MaaS logistics (transit by mode and distance, expedited by air) --------------

# The plant on the equator at 0 E; a provider a quarter of the equator away at 90 E (10,007.5 km,
# another region: by sea) and one 18 degrees away in the same region (2,001.5 km: by road).
QUARTER_KM = 6371.0 * np.pi / 2


def _placed(**maas):
    return scenario(**maas).replace(**{"nodes[plant].lat": 0.0, "nodes[plant].lon": 0.0, "parts[A].weight_kg": 2.0})


@pytest.mark.parametrize("where, mode, transit", [
    (dict(country="CN", region="asia", lat=0.0, lon=90.0), "sea", 38),     # ceil(12 + 10,007.5 / 400)
    (dict(country="PL", region="europe", lat=0.0, lon=18.0), "road", 6),   # ceil(1 + 2,001.5 / 500)
])
def test_a_provider_lane_takes_the_quoted_lead_time_plus_the_transit(where, mode, transit):
    # Matched, agreed and executed: qualified on day 12 + 5, it ships from day 18; each shipment
    # takes its quoted 3 days (on time) plus the transit of its mode, so day 18's arrives on day
    # 18 + 3 + transit and nothing arrives before.
    sc = _placed(probation={"days": 0}, negotiation={"accept": 1.0, "counter": 0.0})
    need = need_for(sc, "A", destination="plant", units_per_day=30)
    offer = Candidate.from_row(candidates(pool_frame([provider(**where)]), need).iloc[0])
    deal = negotiate(offer, need, units_per_day=30, request_day=10, end_day=90, terms=sc.maas.negotiation,
                     rng=np.random.default_rng(0))
    assert deal.qualified_day == 17
    model = Model(sc, detail=True)
    execute(model, deal, offer, replaces=["sA->plant"])
    stock = model.run().stock().set_index(["node", "part", "day"]).sort_index()
    shipped = stock.loc[("maas_mill_pl", "A"), "shipped"].to_numpy()
    received = stock.loc[("plant", "A"), "received"].to_numpy()
    assert shipped[18] > 0
    assert received[18:18 + 3 + transit].sum() == 0
    assert received[18 + 3 + transit] == pytest.approx(shipped[18])
    assert (offer.transport_mode, offer.transit_days) == (deal.transport_mode, deal.transit_days) == (mode, transit)
    lane = next(lane for lane in model.net.lanes if lane.key == deal.lane)
    assert lane.lead_time_days.mean == 3 + transit and lane.mode == mode


def _expedite_run(style: str):
    """The hand chain's strategy in orchestration ``style`` asking for 20 A a day at the plant
    from day 12 to day 80 of the one far provider, which expedites at 40 %."""
    from resim.supply.matching import Pool
    from resim.sim.sourcing import Request, source
    from resim.sim.strategies import Response

    sc = _placed(negotiation={"accept": 1.0, "counter": 0.0}, probation={"days": 0},
                 providers=[provider(country="CN", region="asia", lat=0.0, lon=90.0, capacity_per_day=20,
                                     expedite_premium=0.4).model_dump(exclude_none=True)])
    sc = sc.replace(strategies=[{"id": "rent", "actions": ["maas_same_tier"], "orchestration": style,
                                 "responds_to": ["natural_disaster"]}])
    model = Model(sc, detail=True)
    response = Response(model, sc.strategies[0], Pool(pool_frame(list(sc.maas.providers))), style)
    source(response, model, Request("maas_same_tier", "gone", "A", "plant", 20.0, day=12, end=80,
                                    replaces=("sA->plant",)))
    ledger = model.run()
    (deal,) = response.agreements
    received = ledger.stock().set_index(["node", "part", "day"]).sort_index().loc[("plant", "A"), "received"]
    return deal, model, ledger, received.to_numpy()


def test_an_expedited_agreement_ships_by_air_at_the_premium_and_arrives_sooner():
    # Asked on day 12, accepted on day 14, qualified on day 19: the provider ships from day 20.
    # Usually by sea, at 8 a unit plus 2 kg x 10,007.5 km x 0.00005 = 1.00 freight, arriving
    # 3 + 38 days after shipping (day 61). A strategy asking for speed (orchestration fastest)
    # expedites: 8 x (1 + 0.4) = 11.2 a unit plus air freight 2 x 10,007.5 x 0.0005 = 10.01,
    # by air in ceil(3 + 10,007.5 / 5,000) = 6 days (day 29).
    usual, _, _, usual_received = _expedite_run("cheapest")
    fast, model, ledger, fast_received = _expedite_run("fastest")
    assert usual.unit_price == 8.0 and usual.freight == pytest.approx(2 * QUARTER_KM * 0.00005)
    assert fast.unit_price == pytest.approx(8 * 1.4) and fast.freight == pytest.approx(2 * QUARTER_KM * 0.0005)
    assert fast.qualified_day == usual.qualified_day == 19
    arrival = lambda received: int(np.flatnonzero(received > 0)[0])  # noqa: E731 (sA's orders end on day 10)
    assert usual_received[:20].sum() == fast_received[:20].sum()  # before the providers, the same
    assert arrival(usual_received[20:]) + 20 == 20 + 3 + 38 and arrival(fast_received[20:]) + 20 == 20 + 3 + 6
    assert (usual.transport_mode, usual.transit_days) == ("sea", 38)
    assert (fast.transport_mode, fast.transit_days) == ("air", 6)
    # The firm pays each unit accepted at the expedited price plus the air freight.
    accepted = fast.accepted
    costs = ledger.costs().groupby("component").cost.sum()
    assert accepted > 0
    assert fast.cost == pytest.approx(fast.setup_cost + accepted * (8 * 1.4 + 2 * QUARTER_KM * 0.0005))
    assert costs["maas_premium"] == pytest.approx(accepted * (8 * 1.4 - 5))
