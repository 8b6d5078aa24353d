"""MaaS stages 3.3 and 3.4 in a small simulation: monitoring that ends a provider's agreement for
cause and sources the rest elsewhere, and scorecards that rate providers by the lots they
delivered. The hand chain's supplier sA fails on day 10; providers of A take over."""

from __future__ import annotations

import numpy as np
import pytest

from resim.experiment.runner import prepare
from resim.scenario.format.maas import Inspection
from resim.sim.agreements import lot_acceptance
from resim.sim.scorecards import conformance_passing
from resim.supply.matching import Pool
from resim.supply.pool import pool_frame
from tests.chains import hand_chain

pytestmark = pytest.mark.slow  # simulations: the full suite only

_OFFER = dict(process="cutting/milling", capacity_per_day=30, setup_cost=1000, lead_time_days=3, onboarding_days=3,
              conformance_rate=1.0, on_time_rate=1.0, country="PL", region="europe")
# The cheaper provider ships every lot late; the dearer one is always on time.
LATE = _OFFER | dict(id="late_pl", provider="shop_late", unit_price=6, on_time_rate=0.0)
GOOD = _OFFER | dict(id="good_pl", provider="shop_good", unit_price=9)


def scenario(providers=(LATE, GOOD), **maas):
    return hand_chain(horizon=120, a_level=200).replace(**{
        "parts[A].process": {"process": "cutting/milling"},
        "disruptions": [{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10,
                         "duration_days": 80}],
        "maas": {"providers": list(providers), "negotiation": {"accept": 1.0, "counter": 0.0},
                 "probation": {"days": 0}, **maas},
        "strategies": [{"id": "rent", "actions": ["maas_same_tier"], "detection_delay_days": 1,
                        "decision_delay_days": 1, "orchestration": "cheapest", "max_providers": 1,
                        "budget": 1_000_000}]})


def run(sc):
    model, response = prepare(sc, "rent", 0, sc.seed, detail=True)
    ledger = model.run()
    return model, response, ledger.stock().set_index(["node", "part", "day"]).sort_index()


def test_a_provider_shipping_every_lot_late_is_replaced_after_the_limit():
    # Decided on day 12: late_pl (cheapest) is asked, answers on day 14 (response_days 2), is
    # qualified on day 17 and ships from day 18, one lot a day, every one late. With a limit of
    # half the lots late, judged from 5 lots, the 5th lot (day 22) ends it at that day's end;
    # the rest is sourced from day 23: good_pl answers on day 25, qualified on day 28.
    model, response, stock = run(scenario(monitoring={"late_share": 0.5, "min_lots": 5}))
    ended = [a for a in response.actions if a.status == "ended"]
    assert [(a.source, a.start) for a in ended] == [("late_pl", 22)]
    assert ended[0].note.startswith("5 of 5 lots late")
    late, good = response.agreements
    assert (late.offering, late.qualified_day) == ("late_pl", 17)
    assert (good.offering, good.requested_day, good.qualified_day) == ("good_pl", 23, 28)
    shipped = stock.loc[("maas_late_pl", "A"), "shipped"].to_numpy()
    assert np.count_nonzero(shipped[18:23]) == 5 and shipped[23:].sum() == 0
    # Every unit it shipped arrived and was paid for; nothing is owed on its closed lane.
    assert late.received == pytest.approx(late.shipped) == pytest.approx(shipped.sum())
    assert late.cost == pytest.approx(late.setup_cost + late.received * (late.unit_price + late.freight))
    assert stock.loc[("maas_good_pl", "A"), "shipped"].to_numpy()[29:].sum() > 0
    # The budget is debited by what late_pl can still deliver (what it shipped), not its whole term.
    probation = model.scenario.maas.probation
    assert response.spent == pytest.approx(late.setup_cost + (late.unit_price + late.freight) * late.shipped
                                           + good.commitment(probation))


def test_without_limits_the_late_provider_keeps_its_agreement():
    _, response, stock = run(scenario())
    assert [a.offering for a in response.agreements] == ["late_pl"]
    assert not [a for a in response.actions if a.status == "ended"]
    assert stock.loc[("maas_late_pl", "A"), "shipped"].to_numpy()[23:60].sum() > 0


def test_an_ended_provider_is_not_asked_again_and_the_reason_is_named():
    # With good_pl gone, the only candidate left for the rest is the provider ended for cause.
    _, response, _ = run(scenario(providers=(LATE,), monitoring={"late_share": 0.5, "min_lots": 5}))
    assert [a.offering for a in response.agreements] == ["late_pl"]
    none = [a for a in response.actions if a.status == "no candidate"]
    assert len(none) == 1 and "ended for cause" in none[0].note and none[0].start == 23


def test_rejected_lots_count_and_the_scorecard_rates_by_them():
    # A provider with 80 % conforming units: lots of 32 sampled pass with chance 40 x 0.8^32
    # (see test_agreements); most are rejected. Counted lots match the ledger: a shipped lot per
    # day it shipped; a delivered lot per lot shipped 7 days before the horizon's end at the
    # latest (3 days quoted, always on time, and 4 days by road); a rejected one per day the plant
    # scrapped on receipt (only its lots are inspected).
    poor = LATE | dict(id="poor_pl", on_time_rate=1.0, conformance_rate=0.8)
    model, response, stock = run(scenario(providers=(poor,), evaluation={"prior_lots": 10}))
    lots = response.scorecards.lots("poor_pl")
    shipped = stock.loc[("maas_poor_pl", "A"), "shipped"].to_numpy()
    scrapped = stock.loc[("plant", "A"), "scrapped"].to_numpy()
    assert lots.shipped == np.count_nonzero(shipped) and lots.late == 0
    assert lots.received == np.count_nonzero(shipped[:120 - 7]) and lots.rejected == np.count_nonzero(scrapped)
    assert 0 < lots.rejected < lots.received
    # Rated: the beta mean with the published figure worth 10 lots.
    inspection = model.scenario.maas.inspection
    rated = response.scorecards.rated(Pool(pool_frame(model.scenario.maas.providers)).frame, model.scenario.maas)
    assert rated["rated_on_time_rate"][0] == pytest.approx((10 * 1.0 + lots.shipped) / (10 + lots.shipped))
    passing = (10 * lot_acceptance(0.8, inspection) + lots.received - lots.rejected) / (10 + lots.received)
    assert lot_acceptance(rated["rated_conformance_rate"][0], inspection) == pytest.approx(passing)


@pytest.mark.parametrize("rate", [0.8, 0.95, 0.99, 0.999])
def test_conformance_passing_inverts_lot_acceptance(rate):
    inspection = Inspection()
    assert conformance_passing(lot_acceptance(rate, inspection), inspection) == pytest.approx(rate, abs=1e-9)
    assert conformance_passing(0.0, inspection) == 0.0 and conformance_passing(1.0, inspection) == 1.0


def _twice(prior_lots):
    """sA fails twice (days 10 and 70, 20 days each). glossy_pl publishes every lot on time but
    ships every one late (``delivered_on_time_rate`` 0); steady_pl publishes and delivers 90 %
    and costs a little more. The comparison weighs on-time delivery 10 to 1 over cost."""
    glossy = LATE | dict(id="glossy_pl", provider="shop_glossy", on_time_rate=1.0, delivered_on_time_rate=0.0)
    steady = GOOD | dict(id="steady_pl", provider="shop_steady", unit_price=6.5, on_time_rate=0.9)
    sc = scenario(providers=(glossy, steady), weights={"cost": 0.1, "lead_time": 0, "quality": 0, "on_time": 1,
                                                       "capacity": 0, "distance": 0},
                  evaluation={"prior_lots": prior_lots})
    sc = sc.replace(**{"disruptions": [
        {"id": "first", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10, "duration_days": 20},
        {"id": "again", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 70, "duration_days": 20}],
        "strategies[rent].orchestration": "balanced"})
    return run(sc)


def test_a_provider_that_overstates_its_record_loses_the_next_selection():
    # First need (decided day 12): both publish as they claim, so glossy_pl wins: its on-time
    # part is the full 1/1.1 (1.0 against 0.9) and its cost part the full 0.1/1.1. Its lots all
    # ship late. At the second need (decided day 72) its rated on-time rate is
    # (5 x 1.0 + 0 on time) / (5 + lots shipped), under steady_pl's 0.9 once it has shipped a
    # lot, so steady_pl wins the on-time part and with it the selection.
    model, response, _ = _twice(prior_lots=5)
    first, second = response.agreements
    assert (first.offering, second.offering) == ("glossy_pl", "steady_pl")
    assert second.requested_day == 72
    lots = response.scorecards.lots("glossy_pl")
    assert lots.shipped > 0 and lots.late == lots.shipped   # what it delivered, not what it published
    assert 5 / (5 + lots.shipped) < 0.9


def test_without_evaluation_the_published_record_wins_again():
    # The same runs with no scorecard (prior_lots unset): the comparison sees only published
    # figures, so glossy_pl wins both selections.
    _, response, _ = _twice(prior_lots=None)
    assert [a.offering for a in response.agreements] == ["glossy_pl", "glossy_pl"]
