"""Internal MaaS: the firm's own sites as providers to its other sites (MaaS stage 1 for its plants).

The chain: a mill supplies steel to two plants of the firm; plant_a makes widgets (2 steel each,
milling), plant_b gadgets (1 steel each, 5-axis milling, ISO 9001); both ship to one dc and market,
which wants 40 widgets and 60 gadgets a day. Each plant makes 100 a day. plant_b publishes its
5-axis milling to the firm's other sites (a widget's milling can be done on it); a fire stops plant_a on day 20 for 60 days.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import resim
from resim.experiment.runner import prepare
from resim.sim.internal import expected_load, scenario_pool
from resim.supply.matching import Pool, candidates, need_for, score

_FIRE = {"id": "fire", "type": "capacity_loss", "nodes": ["plant_a"], "severity": 1, "onset_day": 20,
         "duration_days": 60}
_STEEL = {"part": "steel", "policy": {"type": "base_stock", "level": 400}}
# Machine hours at 60 an hour, a quarter hour a unit, 10 % margin; a shop in Poland for comparison.
_INTERNAL = {"node": "plant_b", "process": "cutting/milling/5-axis", "machine_hour_rate": 60, "hours_per_unit": 0.25,
             "margin": 0.1, "setup_cost": 500, "on_time_rate": 1.0}
_EXTERNAL = {"id": "shop_pl", "provider": "shop", "process": "cutting/milling", "capacity_per_day": 40,
             "tolerance_mm": 0.05, "unit_price": 20, "lead_time_days": 3, "onboarding_days": 14, "conformance_rate": 0.98,
             "on_time_rate": 1.0, "country": "PL", "region": "europe"}


def two_plants(internal=(_INTERNAL,), providers=(), gadgets="60", disruptions=None, brackets=False
               ) -> resim.Scenario:
    """The chain of the module docstring; with ``brackets``, plant_a also makes 40 brackets a day
    (milling, 1 steel each)."""
    data = {
        "name": "two plants", "horizon_days": 120, "seed": 3,
        "parts": [{"id": "widget", "unit_cost": 50, "weight_kg": 2, "bom": {"steel": 2},
                   "process": {"process": "cutting/milling", "material": "S355", "tolerance_mm": 0.1}},
                  {"id": "gadget", "unit_cost": 40, "weight_kg": 2, "bom": {"steel": 1},
                   "process": {"process": "cutting/milling/5-axis", "material": "S355", "tolerance_mm": 0.05,
                               "size_mm": [100, 300, 200], "certifications": ["ISO 9001"]}},
                  {"id": "steel", "unit_cost": 5}],
        "nodes": [{"id": "mill", "kind": "supplier", "country": "DE", "region": "europe", "makes": "steel"},
                  {"id": "plant_a", "kind": "plant", "country": "DE", "region": "europe", "makes": "widget",
                   "capacity_per_day": 100, "production_cost_per_unit": 4, "inventory": [_STEEL]},
                  {"id": "plant_b", "kind": "plant", "country": "DE", "region": "europe", "makes": "gadget",
                   "capacity_per_day": 100, "production_cost_per_unit": 6, "inventory": [_STEEL]},
                  {"id": "dc", "kind": "dc", "country": "DE", "region": "europe",
                   "inventory": [{"part": "widget", "policy": {"type": "base_stock", "level": 80}},
                                 {"part": "gadget", "policy": {"type": "base_stock", "level": 120}}]},
                  {"id": "m", "kind": "market", "country": "DE", "region": "europe"}],
        "lanes": [{"from": "mill", "to": "plant_a", "parts": "steel", "lead_time_days": 2},
                  {"from": "mill", "to": "plant_b", "parts": "steel", "lead_time_days": 2},
                  {"from": "plant_a", "to": "dc", "parts": "widget", "lead_time_days": 1},
                  {"from": "plant_b", "to": "dc", "parts": "gadget", "lead_time_days": 1},
                  {"from": "dc", "to": "m", "parts": ["widget", "gadget"], "lead_time_days": 1}],
        "demand": [{"market": "m", "part": "widget", "daily": 40}, {"market": "m", "part": "gadget", "daily": gadgets}],
        "disruptions": [_FIRE] if disruptions is None else disruptions,
        "maas": {"internal": list(internal), "providers": list(providers)},
        "strategies": [{"id": "move", "actions": ["maas_same_tier"], "detection_delay_days": 1,
                        "decision_delay_days": 1}]}
    if brackets:
        data["parts"].append({"id": "bracket", "unit_cost": 30, "bom": {"steel": 1},
                              "process": {"process": "cutting/milling"}})
        data["nodes"][1]["makes"] = ["widget", "bracket"]
        data["nodes"][3]["inventory"].append({"part": "bracket", "policy": {"type": "base_stock", "level": 80}})
        data["lanes"][2]["parts"] = ["widget", "bracket"]
        data["lanes"][4]["parts"] = ["widget", "gadget", "bracket"]
        data["demand"].append({"market": "m", "part": "bracket", "daily": 40})
    return resim.scenario_from_dict(data)


def test_the_offering_is_derived_from_the_site():
    # plant_b makes the market's 60 gadgets a day: 100 - 60 = 40 idle. It can do what its
    # gadgets need: S355, +/-0.05 mm, a 300 x 200 x 100 envelope, ISO 9001.
    sc = two_plants()
    assert expected_load(sc) == pytest.approx({"mill": 140.0, "plant_a": 40.0, "plant_b": 60.0})
    pool = scenario_pool(sc)
    row = pool.set_index("id").loc["plant_b_5-axis"]
    assert row.internal and row.provider == "plant_b" and row.capacity_per_day == pytest.approx(40)
    assert row.materials == ("S355",) and row.tolerance_mm == 0.05
    assert (row.size_l_mm, row.size_w_mm, row.size_h_mm) == (300, 200, 100)
    assert row.certifications == {"ISO 9001"} and (row.country, row.region) == ("DE", "europe")
    # Half the idle capacity offered: 20 a day.
    half = scenario_pool(two_plants(internal=[_INTERNAL | {"share": 0.5}]))
    assert half.capacity_per_day.tolist() == [20.0]


def test_the_price_is_machine_hours_and_material_with_the_margin():
    # Conversion 60 x 0.25 = 15 a unit. A widget holds 2 steel at 5: (15 + 10) x 1.1 = 27.5;
    # a gadget 1 steel: (15 + 5) x 1.1 = 22. Without machine hours, the site's own conversion
    # cost (6) at cost (margin 0): a widget (6 + 10) = 16.
    sc = two_plants()
    pool = Pool(scenario_pool(sc))
    for part, price in (("widget", 27.5), ("gadget", 22.0)):
        table = candidates(pool, need_for(sc, part, destination="dc"))
        assert table.unit_price.tolist() == pytest.approx([price])
    at_cost = two_plants(internal=[{"node": "plant_b", "process": "cutting/milling/5-axis"}])
    table = candidates(Pool(scenario_pool(at_cost)), need_for(at_cost, "widget", destination="dc"))
    assert table.unit_price.tolist() == pytest.approx([16.0]) and table.setup_cost.tolist() == [0.0]


def test_a_site_without_idle_capacity_offers_nothing():
    # 100 gadgets a day fill plant_b: nothing idle, no internal offering.
    assert scenario_pool(two_plants(gadgets="100")).empty


def test_the_sister_plant_is_ranked_with_the_external_shop_by_one_score():
    # Need: 40 widgets a day at the dc. Both offer 40 a day (capacity parts equal) and ship
    # every lot on time (on-time parts equal). No coordinates: 300 km within Germany (road,
    # ceil(1 + 300/500) = 2 days), 1,500 km from Poland (road, ceil(1 + 1500/500) = 4 days).
    #   sister plant: landed 27.5 + 2 kg x 300 km x 0.0002 = 27.62, first delivery 3 + 1 + 2 = 6 days
    #   shop_pl:      landed 20 + 2 kg x 1500 km x 0.0002 = 20.6,  first delivery 14 + 3 + 4 = 21 days
    # The shop is cheaper (cost 0.35 to it); the plant quicker (lead time 0.25), better (quality
    # 0.15, 0.99 against 0.98) and nearer (distance 0.10): 0.25 + 0.15 + 0.10 + 0.10 + 0.05 = 0.65
    # against 0.35 + 0.10 + 0.05 = 0.50.
    sc = two_plants(providers=[_EXTERNAL])
    table = candidates(Pool(scenario_pool(sc)), need_for(sc, "widget", units_per_day=40, destination="dc"))
    ranked = score(table, need_for(sc, "widget", units_per_day=40, destination="dc"), sc.maas.weights)
    assert ranked.id.tolist() == ["plant_b_5-axis", "shop_pl"]
    assert ranked.internal.tolist() == [True, False]
    assert ranked.landed_unit_cost.tolist() == pytest.approx([27.62, 20.6])
    assert ranked.days_to_first_delivery.tolist() == pytest.approx([6, 21])
    assert ranked.score.tolist() == pytest.approx([0.65, 0.50])


@pytest.mark.slow
def test_the_response_moves_the_work_to_the_sister_plant_on_the_day_computed_by_hand():
    # The fire starts on day 20; detected and decided on day 22. The balanced style asks the
    # better-scored half: the sister plant alone. It accepts (the firm directs its plants),
    # answers on day 24 (response_days 2), is qualified on day 27 (3 onboarding days) and takes
    # orders from then: the steel consigned to it is ordered on day 27, seen and shipped by the
    # mill on day 28, and arrives on day 30 (its 2-day lane); it makes and ships 40 widgets on
    # day 30, which reach the dc 1 + 2 days later, on day 33.
    sc = two_plants(providers=[_EXTERNAL])
    model, response = prepare(sc, "move", 0, sc.seed, detail=True)
    stock = model.run().stock().set_index(["node", "part", "day"]).sort_index()
    (deal,) = response.agreements
    assert (deal.offering, deal.internal, deal.requested_day, deal.qualified_day) == ("plant_b_5-axis", True, 22, 27)
    (action,) = [a for a in response.actions if a.status == "accepted"]
    assert action.note.startswith("internal, site plant_b")
    made = stock.loc[("maas_plant_b_5-axis", "widget"), "shipped"].to_numpy()
    assert np.flatnonzero(made)[0] == 30
    received = stock.loc[("dc", "widget"), "received"].to_numpy()
    assert np.flatnonzero(received[27:])[0] + 27 == 33


@pytest.mark.slow
def test_the_sister_plant_makes_its_own_and_the_moved_work_with_one_capacity():
    # Gadget demand varies (Poisson, mean 60), so plant_b would make more than 60 on some days
    # to clear its backlog. While the agreement holds its 40 a day, plant_b makes at most 60 of
    # its own: its output plus the moved work never exceeds its 100 a day.
    sc = two_plants(gadgets="poisson(60)")
    model, response = prepare(sc, "move", 0, sc.seed, detail=True)
    ledger = model.run()
    stock = ledger.stock().set_index(["node", "part", "day"]).sort_index()
    (deal,) = response.agreements
    own = stock.loc[("plant_b", "gadget"), "produced"].to_numpy()
    moved = stock.loc[("maas_plant_b_5-axis", "widget"), "produced"].to_numpy()
    assert (own + moved <= 100 + 1e-9).all()
    held = slice(deal.qualified_day, deal.end_day)
    assert own[held].max() == pytest.approx(60) and moved[held].max() == pytest.approx(40)
    assert own[:deal.qualified_day].max() > 60       # before it, plant_b had all 100
    # Units: what the moved work made was shipped or is on hand; its steel was received and used.
    for part, into, out in (("widget", "produced", "shipped"), ("steel", "received", "consumed")):
        flows = stock.loc[("maas_plant_b_5-axis", part)]
        assert flows[into].sum() == pytest.approx(flows[out].sum() + flows.on_hand.iloc[-1] + flows.scrapped.sum())
    # Money: setup + units accepted x (27.5 + 0.12 freight); the price is charged as the widget's
    # unit cost (procurement) and the rest (27.5 - 50, a saving) as MaaS premium.
    costs = ledger.cost_totals()
    assert costs["maas_onboarding"] == pytest.approx(500)
    assert costs["maas_premium"] == pytest.approx(deal.accepted * (27.5 - 50))
    assert deal.freight == pytest.approx(0.12)
    assert deal.cost == pytest.approx(500 + deal.accepted * (27.5 + 0.12))
    # Every unit it shipped arrived (it stopped 39 days before the horizon); rejected lots are not paid.
    assert deal.received == pytest.approx(stock.loc[("maas_plant_b_5-axis", "widget"), "shipped"].sum())


@pytest.mark.slow
def test_a_site_that_is_disrupted_offers_nothing():
    # The fire takes both plants: plant_b cannot take plant_a's work.
    both = [{"id": "fire", "type": "capacity_loss", "nodes": ["plant_a", "plant_b"], "severity": 1,
             "onset_day": 20, "duration_days": 60}]
    sc = two_plants(disruptions=both)
    model, response = prepare(sc, "move", 0, sc.seed)
    model.run()
    assert not response.agreements
    notes = {(a.part, a.note) for a in response.actions if a.status == "no candidate"}
    assert notes == {("widget", "its site is disrupted"), ("gadget", "its site is disrupted")}


@pytest.mark.slow
def test_two_processes_of_one_site_sell_its_idle_capacity_once():
    # plant_b publishes its 5-axis and its general milling: each shows its 40 idle units a day.
    # The fire leaves two needs, 40 widgets and 40 brackets a day. The first need books 40 on one
    # offering; the second finds the other offering with 40 - 40 = 0 left, so plant_b never
    # reserves more than its 40 idle units and keeps making its 60 gadgets.
    milling = _INTERNAL | {"id": "plant_b_milling", "process": "cutting/milling"}
    sc = two_plants(internal=[_INTERNAL, milling], brackets=True)
    model, response = prepare(sc, "move", 0, sc.seed, detail=True)
    stock = model.run().stock().set_index(["node", "part", "day"]).sort_index()
    assert sum(a.units_per_day for a in response.agreements) == pytest.approx(40)
    assert any("no capacity left" in a.note for a in response.actions if a.status == "no candidate")
    own = stock.loc[("plant_b", "gadget"), "produced"].to_numpy()
    assert own[30:80].min() == pytest.approx(60)


def test_resim_providers_marks_the_firms_own_sites(tmp_path, capsys):
    # The ranking of test_the_sister_plant_is_ranked_with_the_external_shop_by_one_score, as the
    # command shows it: an internal column, "yes" on the sister plant's row only.
    from resim.cli.main import main

    sc = two_plants(providers=[_EXTERNAL])
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(sc.model_dump(by_alias=True, exclude_unset=True, mode="json"), sort_keys=False))
    assert main(["providers", str(path), "--part", "widget"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["rank", "offering", "internal"])
    assert lines[header + 1].split()[:4] == ["1", "plant_b_5-axis", "yes", "DE"]
    assert lines[header + 2].split()[:3] == ["2", "shop_pl", "PL"]


@pytest.mark.slow
def test_a_disruption_of_the_sister_plant_reaches_the_work_moved_there():
    # From day 40 to 60 a breakdown halves plant_b: its own output and the moved work are both
    # halved (at most 30 + 20 = 50 a day), as its whole capacity is. Before and after, 60 + 40.
    # plant_b's lost gadgets are sought too, and plant_b is no candidate for them (its idle
    # capacity is booked; it is disrupted besides).
    half = {"id": "half", "type": "capacity_loss", "nodes": ["plant_b"], "severity": 0.5, "onset_day": 40,
            "duration_days": 20}
    sc = two_plants(disruptions=[_FIRE, half])
    model, response = prepare(sc, "move", 0, sc.seed, detail=True)
    stock = model.run().stock().set_index(["node", "part", "day"]).sort_index()
    own = stock.loc[("plant_b", "gadget"), "produced"].to_numpy()
    moved = stock.loc[("maas_plant_b_5-axis", "widget"), "produced"].to_numpy()
    assert (own[40:60] + moved[40:60] <= 50 + 1e-9).all() and moved[40:60].max() == pytest.approx(20)
    assert own[30:40] + moved[30:40] == pytest.approx(np.full(10, 100)) and moved[61:80].min() == pytest.approx(40)
    assert [a.part for a in response.agreements] == ["widget"]
