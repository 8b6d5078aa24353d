"""MaaS pre-qualification (``strategy.prequalified``, :mod:`resim.sim.standby`) on the hand chain:
supplier sA fails on day 10, the strategies decide on day 12, and a milling shop in Poland can make
A. Against the same strategy without the standby agreement, every difference is one the
agreement's terms predict."""

from __future__ import annotations

import numpy as np
import pytest

import resim
from resim.experiment.runner import prepare
from resim.sim.capacity import CapacityLedger
from resim.sim.standby import standby_pool
from resim.supply.matching import Pool
from resim.supply.pool import pool_frame
from tests.chains import hand_chain

pytestmark = pytest.mark.slow  # simulations: the full suite only

ONBOARDING, RESPONSE, SETUP, RETAINER, HORIZON = 12, 2, 2000.0, 7300.0, 120
DECIDED = 10 + 1 + 1   # onset, detection and decision delays

_MILL = {"id": "mill_pl", "provider": "shop_pl", "process": "cutting/milling", "capacity_per_day": 30,
         "unit_price": 8, "setup_cost": SETUP, "lead_time_days": 3, "onboarding_days": ONBOARDING,
         "conformance_rate": 1.0, "on_time_rate": 1.0, "country": "PL", "region": "europe"}


def chain(providers=(_MILL,), disruptions=None, **standby) -> resim.Scenario:
    """The hand chain with ``providers`` and two strategies answering sA's failure: ``call``
    (MaaS found and onboarded when needed) and ``standby`` (the same with ``prequalified``,
    default mill_pl at RETAINER a year)."""
    if disruptions is None:
        disruptions = [{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10,
                        "duration_days": 90}]
    strategy = {"actions": ["maas_same_tier"], "detection_delay_days": 1, "decision_delay_days": 1}
    return hand_chain(horizon=HORIZON, a_level=200).replace(**{
        "parts[A].process": {"process": "cutting/milling"},
        "maas": {"providers": list(providers), "negotiation": {"accept": 1.0, "counter": 0.0, "response_days": RESPONSE},
                 "probation": {"days": 20, "capacity_share": 0.5}},
        "disruptions": disruptions, "metrics.reference": disruptions[0]["id"] if disruptions else None,
        "strategies": [{"id": "call", **strategy},
                       {"id": "standby", **strategy, "prequalified": standby or {"mill_pl": RETAINER}}]})


def simulate(sc: resim.Scenario, strategy: str):
    model, response = prepare(sc, strategy, replication=0, seed=7, detail=True)
    ledger = model.run()
    return response, ledger, ledger.stock().set_index(["node", "part", "day"]).sort_index()


def test_a_prequalified_provider_starts_earlier_by_its_onboarding_and_negotiation_and_at_full_capacity():
    sc = chain()
    (call, _, call_stock), (standby, _, standby_stock) = simulate(sc, "call"), simulate(sc, "standby")
    [asked] = call.agreements
    [called] = standby.agreements
    # Asked on the decision day: answered RESPONSE days later, qualified ONBOARDING days after that;
    # a standby agreement is called off on the decision day itself, already qualified.
    assert asked.qualified_day == DECIDED + RESPONSE + ONBOARDING
    assert called.qualified_day == DECIDED and called.prequalified and not asked.prequalified
    shipped = {name: stock.loc[("maas_mill_pl", "A"), "shipped"].to_numpy()
               for name, stock in (("call", call_stock), ("standby", standby_stock))}
    first = {name: int(np.flatnonzero(s > 0)[0]) for name, s in shipped.items()}
    assert first == {"call": asked.qualified_day + 1, "standby": DECIDED + 1}
    assert first["call"] - first["standby"] == ONBOARDING + RESPONSE
    # Probation caps a new provider at half what it agreed to for 20 days; a pre-qualified one has
    # none, and ships all it agreed to (the plant's 20 A a day) from the start.
    assert asked.units_per_day == called.units_per_day == 20
    assert shipped["call"][first["call"]:first["call"] + 19].max() <= 10 + 1e-9
    assert shipped["standby"][first["standby"]:first["standby"] + 19].max() == pytest.approx(20)
    # Its first receipt at the plant comes earlier by the same days: the lead time is the provider's.
    received = {name: stock.loc[("plant", "A"), "received"].to_numpy()
                for name, stock in (("call", call_stock), ("standby", standby_stock))}
    from_maas = {name: int(np.flatnonzero(r[first[name]:] > 0)[0]) + first[name] for name, r in received.items()}
    assert from_maas["call"] - from_maas["standby"] == ONBOARDING + RESPONSE


def test_in_a_year_without_disruption_the_standby_costs_its_setup_and_retainer_exactly():
    sc = chain(disruptions=[])
    (_, call, _), (standby, ledger, _) = simulate(sc, "call"), simulate(sc, "standby")
    costs = {name: led.costs().groupby("component").cost.sum() for name, led in (("call", call), ("standby", ledger))}
    extra = costs["standby"] - costs["call"]
    assert extra["services"] == pytest.approx(RETAINER * HORIZON / 365)
    assert extra["maas_onboarding"] == pytest.approx(SETUP)
    assert extra.sum() == pytest.approx(SETUP + RETAINER * HORIZON / 365)
    # Nothing else moved: the same demand met the same way.
    assert (call.market["delivered"] == ledger.market["delivered"]).all()
    [row] = [a for a in standby.actions if a.kind == "prequalified"]
    assert (row.source, row.unit_cost, row.start, row.end) == ("mill_pl", RETAINER, 0, HORIZON)


def test_a_prequalified_provider_is_asked_before_a_cheaper_one():
    cheaper = _MILL | {"id": "mill_cz", "provider": "shop_cz", "country": "CZ", "unit_price": 6}
    sc = chain(providers=(_MILL, cheaper))
    call, standby = simulate(sc, "call")[0], simulate(sc, "standby")[0]
    assert [a.offering for a in call.agreements] == ["mill_cz"]       # the least landed cost wins
    assert [a.offering for a in standby.agreements] == ["mill_pl"]    # the standby covers all 10 a day


def test_a_footprint_over_a_prequalified_provider_rules_it_out_and_the_rest_is_negotiated():
    other = _MILL | {"id": "mill_cz", "provider": "shop_cz", "country": "CZ"}
    quake = {"id": "quake", "type": "natural_disaster", "footprint": {"countries": ["CN", "PL"]}, "onset_day": 10,
             "duration_days": 90}
    standby = simulate(chain(providers=(_MILL, other), disruptions=[quake]), "standby")[0]
    [deal] = standby.agreements
    assert deal.offering == "mill_cz" and not deal.prequalified
    assert deal.qualified_day == DECIDED + RESPONSE + ONBOARDING
    # It is still paid for: the retainer buys readiness, not immunity.
    assert any(a.kind == "prequalified" and a.source == "mill_pl" for a in standby.actions)


def test_other_firms_take_none_of_a_prequalified_offerings_capacity_nor_raise_its_price():
    other = _MILL | {"id": "mill_cz", "provider": "shop_cz", "country": "CZ"}
    quake = {"id": "quake", "type": "natural_disaster", "footprint": {"regions": ["europe"]}, "onset_day": 10,
             "duration_days": 30}
    sc = chain(providers=(_MILL, other), disruptions=[quake]).replace(
        **{"maas.contention": {"enabled": True, "capacity_taken": 0.4, "price_increase": 0.5}})
    strategy = next(s for s in sc.strategies if s.id == "standby")
    pool = standby_pool(sc, strategy, Pool(pool_frame(sc.maas.providers)))
    capacity, price = CapacityLedger(pool.frame, sc).left(sc.disruptions, 10, 40)
    rows = dict(zip(pool.frame.id, range(len(pool.frame))))
    assert capacity[rows["mill_pl"]] == 30 and price[rows["mill_pl"]] == 8
    assert capacity[rows["mill_cz"]] == pytest.approx(30 * 0.6) and price[rows["mill_cz"]] == pytest.approx(8 * 1.2)


@pytest.mark.parametrize("change, message", [
    ({"strategies[standby].prequalified": {"mill_xx": 100.0}}, r"strategies\[1\]\.prequalified\.mill_xx: "
                                                               r"unknown MaaS offering 'mill_xx'"),
    ({"strategies[standby].actions": ["buffer"], "strategies[standby].buffer": {"A": 10}},
     "needs a maas_same_tier or maas_upstream action"),
])
def test_a_prequalified_offering_must_exist_and_be_called_by_a_maas_action(change, message):
    with pytest.raises(resim.ScenarioError, match=message):
        chain().replace(**change)


# -- as levers of an optimisation (resim.optimize) ---------------------------------------------------

def _optimised(sc: resim.Scenario, levers: list[dict], target: float = 0.0) -> resim.Scenario:
    return sc.replace(optimize={"strategy": "call", "levers": levers, "trials": 4, "objective": {"target": target}})


def test_prequalify_levers_set_the_strategys_standby_agreements():
    from resim.assess.optimize_levers import best_offerings, lever_costs, parse_lever, plan_variant

    cheaper = _MILL | {"id": "mill_cz", "provider": "shop_cz", "country": "CZ", "unit_price": 6}
    sc = _optimised(chain(providers=(_MILL, cheaper)), [
        {"kind": "prequalify", "offering": "mill_pl", "low": 0, "high": 1, "cost_per_unit_year": 500},
        {"kind": "prequalify_best", "part": "A", "low": 0, "high": 2, "cost_per_unit_year": 900}])
    spec = sc.optimize
    assert [lever.name for lever in spec.levers] == ["prequalify[mill_pl]", "prequalify_best[A]"]
    assert [lever.step for lever in spec.levers] == [1, 1]
    # The same offering at the same price and distance but cheaper ranks first.
    assert best_offerings(sc, "A", 1) == ["mill_cz"] and sorted(best_offerings(sc, "A", 5)) == ["mill_cz", "mill_pl"]

    def standby(**values) -> dict:
        variant = plan_variant(sc, spec, {"prequalify[mill_pl]": 0, "prequalify_best[A]": 0, **values})
        return dict(next(s for s in variant.strategies if s.id == "call").prequalified)

    assert standby() == {}
    assert standby(**{"prequalify[mill_pl]": 1}) == {"mill_pl": 500}
    assert standby(**{"prequalify_best[A]": 1}) == {"mill_cz": 900}
    # Retainers are charged by the model (as services), not again as a lever's cost.
    assert lever_costs(spec, {"prequalify[mill_pl]": 1, "prequalify_best[A]": 2}, 365) == 0
    assert parse_lever("prequalify[mill_pl]=0:1").offering == "mill_pl"
    with pytest.raises(ValueError, match="whole low and high, step 1"):
        parse_lever("prequalify_best[A]=0:2.5")


def test_the_optimiser_prequalifies_when_only_a_standby_agreement_meets_the_target():
    # A 30-day outage from day 10, decided on day 12: a provider found then qualifies on day
    # 12 + 2 + 40 = 54, after the expected recovery (day 40), so it is never contracted; a
    # pre-qualified one delivers from day 13. The target lies between the two plans' fill rates,
    # measured here by running each: only pre-qualifying meets it, and the search must find that.
    outage = [{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10, "duration_days": 30}]
    slow = _MILL | {"onboarding_days": 40}
    base = chain(providers=(slow,), disruptions=outage)
    runs = resim.run(base, strategies=["call", "standby"], replications=2, executor="serial").replications
    fill = runs.groupby("strategy").fill_rate.mean()
    assert fill["standby"] > fill["call"] + 0.05
    sc = _optimised(base, [{"kind": "prequalify", "offering": "mill_pl", "low": 0, "high": 1,
                            "cost_per_unit_year": RETAINER}], target=float((fill["call"] + fill["standby"]) / 2))
    opt = resim.optimize(sc, replications=2, executor="serial")
    assert opt.levers == {"prequalify[mill_pl]": 1.0}
    trials = opt.trials.drop_duplicates("prequalify[mill_pl]").set_index("prequalify[mill_pl]")
    assert trials.loc[1.0, "fill_rate"] == pytest.approx(fill["standby"])
    assert trials.loc[0.0, "fill_rate"] == pytest.approx(fill["call"])
    # The standby's retainer and setup are in the plan's cost: the standby strategy's cost_total,
    # less its stock_change (the plan's cost counts stock drawn down as spent), and nothing more.
    costs = (runs.cost_total - runs.stock_change).groupby(runs.strategy).mean()
    assert trials.loc[1.0, "cost"] == pytest.approx(costs["standby"])
