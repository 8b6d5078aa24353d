"""One capacity ledger per offering (issue 17 finding 4): the firm's needs share what an offering
has left, other firms take their share while a disaster hits its region, and ``resim providers
--at DAY`` shows what the simulation gets that day."""

from __future__ import annotations

import pytest

import resim
from resim.sim.capacity import CapacityLedger
from resim.supply.pool import pool_frame
from resim.experiment.runner import prepare
from tests.chains import hand_chain, write


def _offering(**fields) -> dict:
    base = dict(id="assy_pl", provider="shop_pl", process="joining/assembly", capacity_per_day=30,
                setup_cost=100, unit_price=12, lead_time_days=2, onboarding_days=3, conformance_rate=1.0,
                on_time_rate=1.0, country="PL", region="europe")
    return base | fields


def test_bookings_take_capacity_only_on_the_days_they_cover():
    # 5 a day on days 10..19 and 10 a day on days 15..29: at most 15 booked on a day of 0..39
    # (days 15..19), 10 on days 20..29, 5 on days 0..14, nothing from day 30.
    sc = hand_chain().replace(maas={"providers": [_offering()], "contention": {"enabled": False}})
    ledger = CapacityLedger(pool_frame(sc.maas.providers), sc)
    ledger.book("assy_pl", 5, first=10, last=20)
    ledger.book("assy_pl", 10, first=15, last=30)
    assert [ledger.booked("assy_pl", a, b) for a, b in ((0, 40), (20, 30), (0, 15), (30, 60))] == [15, 10, 5, 0]
    left = ledger.frame([], 0, 15).set_index("id").capacity_per_day
    assert left["assy_pl"] == 25


def test_ledgers_of_one_pool_share_its_published_figures_but_not_their_bookings():
    # Two replications' ledgers over one pool (30 a day published): 10 booked in one leaves 20
    # there and 30 in the other; neither changes the pool's frame.
    sc = hand_chain().replace(maas={"providers": [_offering()], "contention": {"enabled": False}})
    pool = pool_frame(sc.maas.providers)
    first, second = CapacityLedger(pool, sc), CapacityLedger(pool, sc)
    first.book("assy_pl", 10, first=0, last=50)
    assert first.left([], 0, 50)[0].tolist() == [20.0]
    assert second.left([], 0, 50)[0].tolist() == [30.0]
    assert pool.capacity_per_day.tolist() == [30.0]


def _two_parts() -> resim.Scenario:
    """Plant makes P = A + B, 20 a day; A and B each come from one supplier in CN; an earthquake
    stops both on day 10 for 40 days. One assembly provider in PL (30 a day) could make either."""
    return resim.scenario_from_dict({
        "name": "two needs, one provider", "horizon_days": 90,
        "parts": [{"id": "P", "unit_cost": 100, "bom": {"A": 1, "B": 1}},
                  {"id": "A", "unit_cost": 10, "process": {"process": "joining/assembly"}},
                  {"id": "B", "unit_cost": 10, "process": {"process": "joining/assembly"}}],
        "nodes": [
            {"id": "sA", "kind": "supplier", "country": "CN", "region": "asia", "makes": "A"},
            {"id": "sB", "kind": "supplier", "country": "CN", "region": "asia", "makes": "B"},
            {"id": "plant", "kind": "plant", "country": "DE", "region": "europe", "makes": "P",
             "inventory": [{"part": "A", "policy": {"type": "base_stock", "level": 100}},
                           {"part": "B", "policy": {"type": "base_stock", "level": 100}}]},
            {"id": "dc", "kind": "dc", "country": "DE", "region": "europe",
             "inventory": [{"part": "P", "policy": {"type": "base_stock", "level": 60}}]},
            {"id": "m", "kind": "market", "country": "DE", "region": "europe"}],
        "lanes": [{"from": "sA", "to": "plant", "parts": "A", "lead_time_days": 2},
                  {"from": "sB", "to": "plant", "parts": "B", "lead_time_days": 2},
                  {"from": "plant", "to": "dc", "parts": "P", "lead_time_days": 1},
                  {"from": "dc", "to": "m", "parts": "P", "lead_time_days": 1}],
        "demand": [{"market": "m", "part": "P", "daily": 20}],
        "disruptions": [{"id": "quake", "type": "natural_disaster", "footprint": {"countries": ["CN"]},
                         "onset_day": 10, "duration_days": 40}],
        "maas": {"providers": [_offering()], "negotiation": {"accept": 1.0, "counter": 0.0},
                 "probation": {"days": 0}, "contention": {"enabled": False}},
        "strategies": [{"id": "rent", "actions": ["maas_same_tier"], "detection_delay_days": 1,
                        "decision_delay_days": 1, "max_premium": 5}],
    })


def test_two_needs_on_one_offering_get_at_most_its_capacity_together():
    # Issue 17: box_de_1 (40 a day) was contracted for 40 a day of rotors and 40 a day of torque
    # sensors over the same days. Here the plant needs 20 A and 20 B a day from day 12 (the
    # quake's day 10 + 2 days to detect and decide); the one provider makes 30 a day: the need
    # for A (sA first) gets 20, the need for B the 10 left, and on no day do the two provider
    # nodes ship more than 30 together.
    sc = _two_parts()
    model, response = prepare(sc, "rent", 0, sc.seed, detail=True)
    stock = model.run().stock()
    assert [(d.part, d.units_per_day) for d in response.agreements] == [("A", 20.0), ("B", 10.0)]
    shipped = stock[stock.node.str.startswith("maas_")].groupby("day").shipped.sum()
    assert shipped.max() <= 30 + 1e-9 and shipped.sum() > 0
    # The ledger is full while both run, and free again once they end.
    first, second = response.agreements
    assert response.capacity.booked("assy_pl", second.qualified_day, first.end_day) == 30
    assert response.capacity.booked("assy_pl", max(first.end_day, second.end_day), sc.horizon_days) == 0


def _contended(tmp_path) -> str:
    """The hand chain's supplier sA (CN, asia) is hit by an earthquake from day 10 to 50; the
    only provider of A is in JP, in the same region, outside the footprint. Other firms hit by
    the quake take 40 % of its 30 a day and prices rise by 0.5 x 40 % = 20 %."""
    data = hand_chain(horizon=90, a_level=200).model_dump(mode="json", by_alias=True, exclude_unset=True)
    data["parts"][1]["process"] = {"process": "cutting/milling"}
    data["disruptions"] = [{"id": "quake", "type": "natural_disaster", "footprint": {"countries": ["CN"]},
                            "onset_day": 10, "duration_days": 40}]
    data["maas"] = {"providers": [_offering(id="mill_jp", provider="shop_jp", process="cutting/milling",
                                            unit_price=8, country="JP", region="asia")],
                    "negotiation": {"accept": 1.0, "counter": 0.0}, "probation": {"days": 0},
                    "contention": {"enabled": True, "capacity_taken": 0.4, "price_increase": 0.5}}
    data["strategies"] = [{"id": "rent", "actions": ["maas_same_tier"], "detection_delay_days": 1,
                           "decision_delay_days": 1, "max_premium": 5}]
    return write(tmp_path / "contended.yaml", data)


def test_resim_providers_at_shows_the_contention_the_simulation_applies(tmp_path, capsys):
    from resim.cli.main import main

    path = _contended(tmp_path)
    assert main(["providers", path, "--part", "A", "--at", "12"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.split()[:1] == ["rank"])
    row = next(line for line in out.splitlines() if "mill_jp" in line)
    shown = dict(zip(header.replace("unit cost", "unit_cost").replace("days to 1st", "first").replace("on time", "on_time").split(),
                     row.split()))
    # 30 a day less 40 % taken by other firms; 8 a unit plus 20 % (the part weighs nothing: no freight).
    assert float(shown["cap/day"]) == pytest.approx(18)
    assert float(shown["unit_cost"]) == pytest.approx(9.6)
    assert "other firms take 40% of the capacity of the providers in asia" in out
    # Before the quake nothing is taken.
    assert main(["providers", path, "--part", "A", "--at", "5"]) == 0
    assert "contention" not in capsys.readouterr().out
    # The simulation decides on day 12 and gets just that: 18 a day (of the 20 needed) at 9.60.
    sc = resim.load_scenario(path)
    model, response = prepare(sc, "rent", 0, sc.seed)
    model.run()
    assert [(d.offering, d.requested_day, d.units_per_day, d.unit_price) for d in response.agreements] == \
        [("mill_jp", 12, pytest.approx(18), pytest.approx(9.6))]


def test_contention_takes_capacity_and_raises_prices_in_the_disaster_region():
    # A quake given by country (JP) hits the region the pool places JP in: the Japanese mill
    # loses 40 % of its capacity and its price rises by 0.5 x 40 %; the Polish one is untouched.
    from resim.scenario.format.events import NaturalDisaster

    offerings = [_offering(id="mill_pl"), _offering(id="mill_jp", country="JP", region="east_asia")]
    sc = hand_chain().replace(maas={"providers": offerings,
                                    "contention": {"enabled": True, "capacity_taken": 0.4, "price_increase": 0.5}})
    ledger = CapacityLedger(pool_frame(sc.maas.providers), sc)
    quake = NaturalDisaster(id="q", type="natural_disaster", footprint={"countries": ["JP"]},
                            onset_day=0, duration_days=10)
    assert ledger.contended_regions([quake]) == ["east_asia"]
    busy = ledger.frame([quake], 0, 10).set_index("id")
    assert busy.loc["mill_jp", "capacity_per_day"] == pytest.approx(30 * 0.6)
    assert busy.loc["mill_jp", "unit_price"] == pytest.approx(12 * 1.2)
    assert (busy.loc["mill_pl", "capacity_per_day"], busy.loc["mill_pl", "unit_price"]) == (30, 12)
    assert ledger.frame([], 0, 10) is ledger.pool  # nothing in force, nothing booked: the pool itself
