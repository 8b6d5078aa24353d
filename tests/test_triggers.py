"""What brings a response forward or chooses what it answers (issue 22, items 4 and 5): remote
monitoring's shorter detection and its fee, the shortage early warning, and R1's high-risk
disruptions as a strategy's triggers. Hand-worked cases on the hand-built chain of tests/chains.py."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import resim
from resim.experiment.runner import prepare
from tests.chains import hand_chain

_MILL = {"id": "mill_pl", "provider": "shop_pl", "process": "cutting/milling", "capacity_per_day": 100,
         "unit_price": 6, "setup_cost": 100, "lead_time_days": 2, "onboarding_days": 3, "conformance_rate": 1.0,
         "on_time_rate": 1.0, "country": "PL", "region": "europe"}


def _chain(strategy: dict, horizon: int = 60) -> resim.Scenario:
    """sA -> plant (P = 2 A, A at base stock 200) -> dc -> market (10 P a day); sA fails on days
    10 to 39; a provider in PL can mill A; ``strategy`` rents same-tier MaaS."""
    return hand_chain(horizon=horizon, a_level=200).replace(**{
        "parts[A].process": {"process": "cutting/milling"},
        "maas": {"providers": [_MILL], "negotiation": {"accept": 1.0, "counter": 0.0}, "probation": {"days": 0}},
        "disruptions": [{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10,
                         "duration_days": 30}],
        "strategies": [{"id": "rent", "actions": ["maas_same_tier"]} | strategy]})


def _decided(sc: resim.Scenario) -> tuple[list[int], "object"]:
    """The days the response asked providers (its agreements' request days: the provider accepts
    at once), and the response."""
    model, response = prepare(sc, "rent", 0, sc.seed)
    model.run()
    return [deal.requested_day for deal in response.agreements], response


# -- remote monitoring ------------------------------------------------------------------------------

def test_remote_monitoring_decides_at_onset_plus_its_delay():
    # Without monitoring: onset 10 + detection 10 + decision 1 = day 21. Monitoring sA detects
    # after 0.5 day, a whole day in a daily model: 10 + ceil(0.5) + 1 = day 12. Monitoring another
    # site (the plant, which the failure does not hit) leaves day 21.
    slow = {"detection_delay_days": 10, "decision_delay_days": 1}
    assert _decided(_chain(slow))[0] == [21]
    assert _decided(_chain(slow | {"monitoring": {"sites": ["sA"], "delay_days": 0.5}}))[0] == [12]
    assert _decided(_chain(slow | {"monitoring": {"sites": ["plant"], "delay_days": 0.5}}))[0] == [21]
    # Every supplier when no site is named: sA is the chain's only supplier.
    asked, response = _decided(_chain(slow | {"monitoring": {}}))
    assert asked == [12]
    assert [(a.source, a.unit_cost) for a in response.actions if a.kind == "remote_monitoring"] == [
        ("every supplier", 12_000)]   # the default fee for the one site


def test_remote_monitoring_adds_exactly_its_fee_pro_rata():
    # Two sites monitored at 7,300 a year each over 60 days: 2 x 7,300 x 60 / 365 = 2,400 more
    # than the same strategy with a zero fee (same detection, so the same flows), all of it in the
    # services component, and none in maas_onboarding.
    monitored = {"detection_delay_days": 10, "monitoring": {"sites": ["sA", "plant"], "fee_per_site_year": 7300}}
    free = {"detection_delay_days": 10, "monitoring": {"sites": ["sA", "plant"], "fee_per_site_year": 0}}
    sc = _chain(monitored).replace(strategies=[{"id": "paid", "actions": ["maas_same_tier"]} | monitored,
                                               {"id": "free", "actions": ["maas_same_tier"]} | free])
    res = resim.run(sc, replications=2, executor="serial", strategies=["paid", "free"])
    table = res.replications.set_index(["strategy", "replication"])
    for replication in (0, 1):
        paid, unpaid = table.loc[("paid", replication)], table.loc[("free", replication)]
        assert paid.cost_total - unpaid.cost_total == pytest.approx(2 * 7300 * 60 / 365, rel=1e-9)
        assert paid.cost_services - unpaid.cost_services == pytest.approx(2400, rel=1e-9)
        assert paid.cost_services == pytest.approx(2400, rel=1e-9)
        assert paid.cost_maas_onboarding == unpaid.cost_maas_onboarding
        assert paid.shortfall_units == unpaid.shortfall_units


# -- shortage early warning -------------------------------------------------------------------------

def test_the_early_warning_fires_on_the_first_day_cover_drops_below_its_threshold():
    # The plant uses 20 A a day (10 P x 2 A) and holds A at base stock 200: at each day's end the
    # day's order of 20 is owed and not yet shipped, so on hand + in transit = 180, 9 days of use.
    # sA stops shipping from day 10: the position falls by the 20 used each day, to
    # 180 - 20 (d - 9) at the end of day d. Below 5 days (100 units) first at d = 14 (80);
    # the response then decides at the start of day 15, not at onset 10 + detection 20 = day 30.
    warned = {"detection_delay_days": 20, "early_warning": {"sites": ["plant"], "parts": ["A"], "cover_days": 5}}
    sc = _chain(warned)
    model, response = prepare(sc, "rent", 0, sc.seed)
    sku = model.net.sku_index[("plant", "A")]
    arcs = np.flatnonzero(model.net.arc_dst == sku)
    position = {}
    model.on_day_end(lambda m, day: position.__setitem__(day, m.on_hand[sku] + m.in_transit[arcs].sum()))
    model.run()
    assert position[9] == pytest.approx(180) and position[14] == pytest.approx(80)
    assert min(d for d, units in position.items() if units / 20 < 5) == 14   # the simulation's own state
    fired = [a for a in response.actions if a.kind == "early_warning" and a.status == "fired"]
    assert [(a.start, a.trigger, a.source, a.part) for a in fired][:1] == [(14, "gone", "plant", "A")]
    # Decided once, at the warning: the detection on day 30 does not decide again.
    assert [deal.requested_day for deal in response.agreements] == [15]
    assert _decided(_chain({"detection_delay_days": 20}))[0] == [30]


def test_a_warning_with_no_disruption_upstream_decides_nothing():
    # A cover threshold of 20 days is above the 9 days of normal running: the warning fires at the
    # end of day 0, with nothing in force; the response still waits for the detection (day 30).
    sc = _chain({"detection_delay_days": 20,
                 "early_warning": {"sites": ["plant"], "parts": ["A"], "cover_days": 20}})
    asked, response = _decided(sc)
    assert asked == [30]
    fired = [a for a in response.actions if a.kind == "early_warning" and a.status == "fired"]
    assert fired[0].start == 0 and fired[0].trigger == ""


def test_a_warning_after_the_detection_leaves_the_earlier_decision_and_says_so():
    # Detected on day 11 (onset 10 + 1), decided 10 days later, on day 21. The warning fires at the
    # end of day 14 (as above) and would decide on day 14 + 1 + 10 = 25: later, so the decision of
    # day 21 stands, and the firing names it.
    sc = _chain({"detection_delay_days": 1, "decision_delay_days": 10,
                 "early_warning": {"sites": ["plant"], "parts": ["A"], "cover_days": 5}})
    asked, response = _decided(sc)
    assert asked == [21]
    fired = [a for a in response.actions if a.kind == "early_warning" and a.status == "fired"]
    assert fired[0].start == 14 and fired[0].trigger == ""
    assert fired[0].note.endswith("already to be decided sooner: gone on day 21")


def test_the_early_warning_fee_is_charged_like_monitoring():
    # 3,650 a year for one site over 60 days: 600.
    warned = {"early_warning": {"sites": ["plant"], "cover_days": 1, "fee_per_site_year": 3650}}
    sc = _chain(warned).replace(strategies=[{"id": "paid", "actions": ["maas_same_tier"]} | warned,
                                            {"id": "free", "actions": ["maas_same_tier"],
                                             "early_warning": warned["early_warning"] | {"fee_per_site_year": 0}}])
    res = resim.run(sc, replications=1, executor="serial", strategies=["paid", "free"])
    cost = res.replications.set_index("strategy").cost_total
    assert cost["paid"] - cost["free"] == pytest.approx(600, rel=1e-9)


# -- R1 feeds R2 ------------------------------------------------------------------------------------

def _two_events() -> resim.Scenario:
    """The failure of sA for 30 days (a large loss) and the plant down for a day (the DC's stock of
    three days rides it out), both certain; P sells at 200, a unit short costs 50."""
    return _chain({"responds_to_high_risk": True}, horizon=90).replace(**{
        "demand[0].price": 200, "demand[0].shortage_penalty_per_unit": 50,
        "disruptions": [{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10,
                         "duration_days": 30},
                        {"id": "blip", "type": "capacity_loss", "nodes": ["plant"], "onset_day": 50,
                         "duration_days": 1}],
        "replications": 3})


def test_a_high_risk_strategy_reacts_to_exactly_the_events_the_register_flags():
    from resim.assess.risk import assess_risk

    sc = _two_events()
    register = assess_risk(sc, executor="serial", simulate_nodes=0).register
    flagged = set(register.disruption[register.high_risk])
    assert flagged == {"gone"}   # the failure loses far more than the blip, at the same probability
    res = resim.run(sc, replications=2, executor="serial")
    answered = set(res.orchestrations.query("strategy == 'rent' and kind == 'maas_same_tier'").trigger)
    assert answered == flagged
    assert res.info["high_risk_disruptions"] == ["gone"]
    # With responds_to as well: the named and the flagged (no provider assembles P: the blip's
    # need is recorded as no candidate).
    both = sc.replace(**{"strategies[rent].responds_to": ["blip"], "parts[P].process": {"process": "joining/assembly"}})
    res = resim.run(both, replications=1, executor="serial")
    assert set(res.orchestrations.query("strategy == 'rent' and kind == 'maas_same_tier'").trigger) == {"gone", "blip"}


@pytest.mark.slow
def test_the_high_risk_events_are_found_once_whatever_the_executor():
    # Found in the main process and sent to the workers with the scenario: the same numbers as serially.
    sc = _two_events()
    serial = resim.run(sc, replications=2, executor="serial")
    spread = resim.run(_two_events(), replications=2, executor="processes", workers=2)
    assert spread.info["high_risk_disruptions"] == serial.info["high_risk_disruptions"] == ["gone"]
    assert spread.replications.equals(serial.replications)


def test_resim_risk_suggests_strategies_that_load_and_run(tmp_path):
    from resim.cli.main import main

    sc = _two_events()
    path = tmp_path / "chain.yaml"
    data = sc.model_dump(by_alias=True, exclude_unset=True, mode="json")
    data["strategies"] = [{"id": "none", "actions": ["none"]}]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    suggested = tmp_path / "suggested.yaml"
    assert main(["risk", str(path), "--executor", "serial", "--simulate-nodes", "0", "--figures", "none",
                 "-o", str(tmp_path / "risk"), "--suggest-strategies", str(suggested)]) == 0
    snippet = yaml.safe_load(suggested.read_text(encoding="utf-8"))
    assert [s["responds_to"] for s in snippet["strategies"]] == [["gone"]]
    data["strategies"] += snippet["strategies"]
    pasted = resim.scenario_from_dict(data)
    res = resim.run(pasted, replications=1, executor="serial")
    rows = res.orchestrations
    rows = rows[(rows.strategy == snippet["strategies"][0]["id"]) & (rows.kind == "maas_same_tier")]
    assert set(rows.trigger) == {"gone"}
