"""MaaS needs sized by what a disruption takes away (resim.sim.targets.lost_shares), and replaced
lanes giving up their orders only as providers are qualified (resim.sim.sourcing): the hand chain's
supplier sA ships 20 A a day to the plant (10 P a day, 2 A each)."""

from __future__ import annotations

import pytest

import resim
from resim.experiment.runner import prepare
from resim.sim.disruptions import hit_nodes
from resim.sim.targets import flows_of, lost_shares, outage_targets
from resim.scenario.format.strategies import ActionKind
from tests.chains import hand_chain

pytestmark = pytest.mark.slow  # simulations: the full suite only

_MILL = {"id": "mill_pl", "provider": "shop_pl", "process": "cutting/milling", "capacity_per_day": 6,
         "unit_price": 8, "setup_cost": 100, "lead_time_days": 3, "onboarding_days": 0,
         "conformance_rate": 1.0, "on_time_rate": 1.0, "country": "PL", "region": "europe"}


def chain(capacity: float | None, severity: float, providers=(_MILL,), **strategy) -> resim.Scenario:
    loss = {"id": "cut", "type": "capacity_loss", "nodes": ["sA"], "severity": severity, "onset_day": 10,
            "duration_days": 60}
    return hand_chain(horizon=120, a_level=200).replace(**{
        "nodes[sA].capacity_per_day": capacity, "parts[A].process": {"process": "cutting/milling"},
        "maas": {"providers": list(providers), "negotiation": {"accept": 1.0, "counter": 0.0, "response_days": 1},
                 "probation": {"days": 0}},
        "disruptions": [loss], "metrics.reference": "cut",
        "strategies": [{"id": "rent", "actions": ["maas_same_tier"], "detection_delay_days": 1,
                        "decision_delay_days": 1, **strategy}]})


@pytest.mark.parametrize("capacity, severity, lost", [
    (25, 0.6, 0.5),      # 25 x 0.4 = 10 left of the 20 a day shipped: half lost
    (25, 0.2, 0.0),      # 25 x 0.8 = 20 left: nothing lost, nothing sought
    (None, 0.3, 0.3),    # unlimited capacity: the severity itself
])
def test_a_capacity_loss_takes_only_what_the_node_can_no_longer_make(capacity, severity, lost):
    sc = chain(capacity, severity)
    spec = sc.disruptions[0]
    flows = flows_of(sc)
    shares = lost_shares(sc, flows, spec, hit_nodes(sc, spec))
    assert shares == {("sA", "A"): pytest.approx(lost)}
    targets = outage_targets(sc, flows, ["sA"], ActionKind.MAAS_SAME_TIER, shares)
    assert sum(t.units for t in targets) == pytest.approx(20 * lost)
    model, response = prepare(sc, "rent", 0, sc.seed)
    model.run()
    asked = [a.units_per_day for a in response.actions if a.kind == ActionKind.MAAS_SAME_TIER]
    assert asked == ([] if lost == 0 else [pytest.approx(min(20 * lost, 6))])   # the provider makes 6 a day


def test_a_supplier_failure_loses_all_a_disaster_its_damage():
    sc = chain(25, 0.6).replace(disruptions=[
        {"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10, "duration_days": 60},
        {"id": "quake", "type": "natural_disaster", "footprint": {"countries": ["CN"]}, "severity": 0.7,
         "onset_day": 10, "duration_days": 60}], **{"metrics.reference": "gone"})
    flows = flows_of(sc)
    gone, quake = sc.disruptions
    assert lost_shares(sc, flows, gone, ["sA"]) == {("sA", "A"): 1.0}
    assert lost_shares(sc, flows, quake, hit_nodes(sc, quake)) == {("sA", "A"): pytest.approx(0.7)}


def test_the_usual_lane_gives_up_orders_only_as_each_provider_is_qualified():
    # sA fails outright (20 a day lost). Two providers of 6 and 14 a day (the cheapest style
    # considers both; the balanced one only the better half), asked on the decision
    # day 12 and answering a day later: the first qualified on day 13, the second 30 days later,
    # on day 43. Until then the usual lane keeps 1 - 6/20 = 70 % of its weight; from then, none
    # (the two cover all 20).
    slow = _MILL | {"id": "mill_cz", "provider": "shop_cz", "country": "CZ", "capacity_per_day": 14,
                    "onboarding_days": 30}
    sc = chain(25, 1.0, providers=(_MILL, slow), orchestration="cheapest").replace(disruptions=[
        {"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10, "duration_days": 60}],
        **{"metrics.reference": "gone"})
    model, response = prepare(sc, "rent", 0, sc.seed)
    usual = model.lane_arcs("sA->plant")
    weights = {}
    for day in (30, 50):
        model.at(day, lambda m, day=day: weights.__setitem__(day, float(m.order_weights(usual).sum())))
    model.run()
    assert sorted((a.offering, a.qualified_day, a.units_per_day) for a in response.agreements) == [
        ("mill_cz", 43, 14.0), ("mill_pl", 13, 6.0)]
    assert weights[30] == pytest.approx(0.7 * model.net.base_share[usual].sum())
    assert weights[50] == 0


def test_a_need_is_sized_by_the_severity_the_event_drew_not_the_mean():
    # The capacity loss draws 0.25 or 0.5 per replication (unlimited capacity: the severity is the
    # share lost); once detected, its damage is seen, so the provider (20 a day) is asked for
    # 20 x that replication's severity, not 20 x the mean 0.375.
    sc = chain(None, 0.3, providers=(_MILL | {"capacity_per_day": 20},)).replace(disruptions=[
        {"id": "cut", "type": "capacity_loss", "nodes": ["sA"], "onset_day": 10, "duration_days": 60,
         "severity_distribution": {"dist": "discrete", "values": [0.25, 0.5], "weights": [1, 1]}}])
    seen = set()
    for replication in range(6):
        model, response = prepare(sc, "rent", replication, sc.seed)
        model.run()
        (event,) = model.occurrences
        asked = [a.units_per_day for a in response.actions if a.kind == ActionKind.MAAS_SAME_TIER]
        assert asked == [pytest.approx(20 * event.severity)]
        seen.add(event.severity)
    assert seen == {0.25, 0.5}
