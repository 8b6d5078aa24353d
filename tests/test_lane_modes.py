"""Lanes by transport mode: a lane that leaves out its lead time takes its mode's door-to-door
days over the distance, ``cost_per_kg`` charges freight by the part's weight (``mode``: the
mode's rate per kg-km times the distance), and the model charges exactly that on what it ships."""

from __future__ import annotations

import math

import pytest

import resim
from resim.core.errors import ScenarioError
from tests.chains import hand_chain

#: Two sites on the equator 10 degrees of longitude apart: 2 pi 6371 km x 10/360, by hand.
KM_10_DEGREES = 2 * math.pi * 6371.0 * 10 / 360


def _chain(lane_a: dict, *, weight: float | None = 2.0, coords: bool = True) -> resim.Scenario:
    """hand_chain with sA at (0, 0) and the plant at (0, 10), and sA's lane to the plant replaced."""
    data = hand_chain(horizon=40).model_dump(mode="json", by_alias=True, exclude_unset=True)
    if coords:
        data["nodes"][0].update(lat=0.0, lon=0.0)
        data["nodes"][1].update(lat=0.0, lon=10.0)
    if weight is not None:
        data["parts"][1]["weight_kg"] = weight
    data["lanes"][0] = {"from": "sA", "to": "plant", "parts": "A", **lane_a}
    return resim.scenario_from_dict(data)


@pytest.mark.parametrize("mode, handling, km_a_day", [
    ("road", 1, 500), ("rail", 4, 600), ("sea", 12, 400), ("air", 3, 5000)])
def test_a_lane_without_lead_time_takes_its_modes_door_to_door_days(mode, handling, km_a_day):
    # The figures of docs/assumptions.md (MaaS logistics): ceil(handling + km / km a day).
    sc = _chain({"mode": mode})
    expected = math.ceil(handling + KM_10_DEGREES / km_a_day)
    assert sc.lanes[0].lead_time_days.mean == expected
    assert sc.lanes[1].lead_time_days.mean == 1  # a lane that gives its lead time keeps it


def test_without_coordinates_the_fallback_distance_sets_the_days():
    # sA is in CN (asia), the plant in DE (europe): 9,000 km beyond the region; by sea
    # ceil(12 + 9000 / 400) = 35 days.
    assert _chain({"mode": "sea"}, coords=False).lanes[0].lead_time_days.mean == 35


def test_freight_by_mode_is_the_rate_times_the_distance_and_the_model_charges_it_per_kg():
    # Air: 0.0005 a kg-km (docs/assumptions.md). A weighs 2 kg, the lane also charges 1 a unit:
    # each unit of A shipped into the plant costs 1 + 2 x 0.0005 x km; nothing else pays transport.
    sc = _chain({"mode": "air", "cost_per_unit": 1, "cost_per_kg": "mode", "lead_time_days": 2})
    per_kg = sc.lanes[0].cost_per_kg
    assert per_kg == pytest.approx(0.0005 * KM_10_DEGREES, rel=1e-6)
    from resim.experiment.runner import prepare

    model, _ = prepare(sc, "none", 0, sc.seed)
    ledger = model.run()
    shipped = float(model.shipped_total[model.lane_arcs("sA->plant")].sum())
    assert shipped > 0
    assert ledger.cost_totals()["transport"] == pytest.approx(shipped * (1 + 2.0 * per_kg))


def test_a_dumped_scenario_holds_the_filled_in_figures_and_reads_back_the_same():
    sc = _chain({"mode": "sea", "cost_per_kg": "mode"})
    again = resim.scenario_from_dict(sc.model_dump(mode="json", by_alias=True, exclude_unset=True))
    assert again.lanes[0].lead_time_days.mean == sc.lanes[0].lead_time_days.mean
    assert again.lanes[0].cost_per_kg == sc.lanes[0].cost_per_kg


@pytest.mark.parametrize("lane, weight, path, fragment", [
    ({"mode": "internal"}, 2.0, "lanes[0]", "give its lead_time_days"),
    ({"mode": "road", "cost_per_kg": 0.1, "lead_time_days": 1}, None, "lanes[0].parts[0]", "no weight_kg"),
    ({"mode": "road", "cost_per_kg": "soon"}, 2.0, "lanes[0].cost_per_kg", ""),
])
def test_lanes_the_modes_cannot_price_get_one_line_each(lane, weight, path, fragment):
    with pytest.raises(ScenarioError) as caught:
        _chain(lane, weight=weight)
    assert any(p.path == path and fragment in p.message for p in caught.value.problems), caught.value


def test_a_variant_works_the_figures_out_again_from_what_changed():
    # Moving sA from (0, 0) to (0, 60) puts it 50 degrees from the plant: by sea
    # ceil(12 + 50/10 x KM_10_DEGREES / 400) days and 0.00005 a kg-km; a lane given its lead time
    # keeps it; a change of mode works both out for the new mode; a variant of a variant too.
    sc = _chain({"mode": "sea", "cost_per_kg": "mode"})
    far = 5 * KM_10_DEGREES
    moved = sc.replace(**{"nodes[sA].lon": 60.0})
    assert moved.lanes[0].lead_time_days.mean == math.ceil(12 + far / 400)
    assert moved.lanes[0].cost_per_kg == pytest.approx(0.00005 * far, rel=1e-5)
    kept = sc.replace(**{"nodes[sA].lon": 60.0, "lanes[0].lead_time_days": 7})
    assert kept.lanes[0].lead_time_days.mean == 7 and kept.lanes[0].cost_per_kg == moved.lanes[0].cost_per_kg
    flown = sc.replace(**{"lanes[0].mode": "air"})
    assert flown.lanes[0].lead_time_days.mean == math.ceil(3 + KM_10_DEGREES / 5000)
    assert flown.lanes[0].cost_per_kg == pytest.approx(0.0005 * KM_10_DEGREES, rel=1e-5)
    whole = sc.replace(**{"lanes[0]": {"from": "sA", "to": "plant", "parts": "A", "mode": "sea",
                                       "lead_time_days": 9, "cost_per_kg": 0.5}, "nodes[sA].lon": 60.0})
    assert whole.lanes[0].lead_time_days.mean == 9 and whole.lanes[0].cost_per_kg == 0.5
    renamed = sc.replace(**{"lanes[sA->plant].to": "plant", "lanes[sA->plant].id": "by_sea", "nodes[sA].lon": 60.0})
    assert renamed.lanes[0].key == "by_sea" and renamed.lanes[0].lead_time_days == moved.lanes[0].lead_time_days
    back = moved.replace(**{"nodes[sA].lon": 0.0})
    assert back.lanes[0].lead_time_days == sc.lanes[0].lead_time_days and back.lanes[0].cost_per_kg == sc.lanes[0].cost_per_kg
