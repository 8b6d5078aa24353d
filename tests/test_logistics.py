"""Transport of MaaS deliveries (resim.supply.logistics): transit days, mode, freight and CO2 by hand."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from resim.supply import logistics
from resim.scenario.format.maas import Offering
from resim.supply.matching import Need, candidates
from resim.supply.pool import pool_frame

# A quarter of the equator: 6,371 x pi / 2 = 10,007.5 km; 18 degrees of it: 2,001.5 km.
QUARTER = 6371.0 * math.pi / 2


def test_transit_days_by_mode_and_distance():
    # ceil(handling days + km / km a day): road 1 + km/500, rail 4 + km/600, sea 12 + km/400,
    # air 3 + km/5,000.
    assert logistics.transit_days(1234.0, "road") == 4          # 1 + 2.468 = 3.47
    assert logistics.transit_days(500.0, "road") == 2           # 1 + 1 exactly: no day more
    assert logistics.transit_days(8000.0, "rail") == 18         # 4 + 13.33
    assert logistics.transit_days(9000.0, "sea") == 35          # 12 + 22.5
    assert logistics.transit_days(9000.0, "air") == 5           # 3 + 1.8
    days = logistics.transit_days([100.0, 100.0, 20000.0], ["road", "sea", "air"])
    assert days.tolist() == [2, 13, 7]                          # 1.2, 12.25, 7


def test_great_circle_distance_and_the_fallback_without_coordinates():
    far = logistics.distance_km(0.0, 0.0, [0.0, 0.0, np.nan], [90.0, 18.0, 5.0], False, [False, True, True])
    assert far.tolist() == pytest.approx([QUARTER, QUARTER / 5, 1500.0])
    near = logistics.distance_km(None, None, [1.0, 1.0], [2.0, 2.0], [True, False], False)
    assert near.tolist() == [300.0, 9000.0]


def test_the_mode_rule():
    # Surface: road within a country, or within a region up to 3,000 km; sea otherwise.
    distance = [4000.0, 2500.0, 3500.0, 800.0]
    country = [True, False, False, False]
    region = [True, True, True, False]
    assert logistics.choose_mode(distance, country, region).tolist() == ["road", "road", "sea", "sea"]
    # Air instead when freight + value x holding rate x transit days / 365 is lower. 1 kg worth
    # 1,000 held at 25 % a year, 9,000 km: sea 0.45 + 1,000 x 0.25 x 35 / 365 = 24.42; air 4.5 +
    # 1,000 x 0.25 x 5 / 365 = 7.92: air. Worth 100: sea 0.45 + 2.40 = 2.85, air 4.5 + 0.34 = 4.84: sea.
    # 1 kg worth 1,000 over 1,000 km in the region: road 0.2 + 2.05 (3 days) = 2.25 against air
    # 0.5 + 2.74 (4 days) = 3.24: road.
    def mode(km, same_region, value):
        return logistics.choose_mode(km, False, same_region, weight_kg=1.0, value=value, holding_rate=0.25).item()

    assert mode(9000.0, False, 1000.0) == "air" and mode(9000.0, False, 100.0) == "sea"
    assert mode(1000.0, True, 1000.0) == "road"
    # Without weight, freight is nil: whatever is faster, with any holding rate.
    assert logistics.choose_mode(9000.0, False, False, value=1.0, holding_rate=0.25).item() == "air"
    assert logistics.choose_mode(9000.0, False, False).item() == "sea"          # nothing to weigh: surface
    # Expedited: air wherever it is faster. At 1,000 km road takes ceil(1 + 2) = 3 days, air
    # ceil(3 + 0.2) = 4; at 800 km between regions sea takes ceil(12 + 2) = 14, air 4; at
    # 2,500 km by road ceil(1 + 5) = 6, air 4.
    fast = logistics.choose_mode([1000.0, 800.0, 2500.0], False, [True, False, True], weight_kg=100.0,
                                 expedite=True)
    assert fast.tolist() == ["road", "air", "air"]


def test_freight_and_co2_follow_the_mode():
    # 2 kg over 1,000 km: road 0.0002, sea 0.00005, air 0.0005 a kg-km; CO2 0.00011, 0.00003, 0.0006.
    modes = ["road", "sea", "air"]
    assert logistics.freight_per_unit(2.0, 1000.0, modes).tolist() == pytest.approx([0.4, 0.1, 1.0])
    assert logistics.co2_per_unit(2.0, 1000.0, modes).tolist() == pytest.approx([0.22, 0.06, 1.2])


def test_every_figure_cites_a_source_or_says_assumption():
    table = logistics.figures()
    assert set(table["mode"]) >= set(logistics.MODES)
    for mode in logistics.MODES.values():
        assert {f for f, _ in mode.sources} == {"handling_days", "km_per_day", "freight_per_kg_km",
                                                "co2_kg_per_kg_km"}, mode.name
    assert table.source.str.len().gt(20).all()


def _need(**fields) -> Need:
    base = dict(part="A", process="cutting/milling", material=None, tolerance_mm=None, size_mm=None,
                certifications=frozenset(), units_per_day=30, unit_cost=5, weight_kg=2.0,
                destination="plant", country="DE", region="europe", lat=0.0, lon=0.0)
    return Need(**{**base, **fields})


def _offer(id_: str, **fields) -> Offering:
    base = dict(id=id_, provider=f"p_{id_}", process="cutting/milling", capacity_per_day=30, unit_price=8,
                lead_time_days=3, onboarding_days=5, country="CN", region="asia", lat=0.0, lon=90.0)
    return Offering(**{**base, **fields})


def test_days_to_first_delivery_include_the_transit_and_expediting_ships_by_air_at_a_premium():
    # Two providers a quarter of the equator away (10,007.5 km, another region: by sea), one with
    # an expedite option at 40 %, one near by road (18 degrees, 2,001.5 km, same region).
    pool = pool_frame([_offer("far", expedite_premium=0.4), _offer("far_plain"),
                       _offer("near", country="PL", region="europe", lon=18.0)])
    usual = candidates(pool, _need()).set_index("id")
    sea = math.ceil(12 + QUARTER / 400)                         # 38 days
    road = math.ceil(1 + QUARTER / 5 / 500)                     # 6 days
    # Onboarding 5 + quoted lead time 3 + transit.
    assert usual.days_to_first_delivery.to_dict() == {"far": 8 + sea, "far_plain": 8 + sea, "near": 8 + road}
    assert usual.transport_mode.to_dict() == {"far": "sea", "far_plain": "sea", "near": "road"}
    assert usual.transit_days.to_dict() == {"far": sea, "far_plain": sea, "near": road}
    assert usual.loc["far", "landed_unit_cost"] == pytest.approx(8 + 2 * QUARTER * 0.00005)
    assert usual.loc["near", "landed_unit_cost"] == pytest.approx(8 + 2 * QUARTER / 5 * 0.0002)
    fast = candidates(pool, _need(expedite=True)).set_index("id")
    air = math.ceil(3 + QUARTER / 5000)                         # 6 days
    # Expedited: by air at 8 x 1.4 = 11.2 plus air freight; without an expedite option, as usual;
    # near by road stays on the road (air would take ceil(3 + 0.4) = 4 days, road 6: air is faster,
    # but it has no expedite option).
    assert fast.loc["far", ["transport_mode", "transit_days", "expedited"]].tolist() == ["air", air, True]
    assert fast.loc["far", "unit_price"] == pytest.approx(11.2)
    assert fast.loc["far", "landed_unit_cost"] == pytest.approx(11.2 + 2 * QUARTER * 0.0005)
    assert fast.loc["far", "days_to_first_delivery"] == 8 + air
    pd.testing.assert_series_equal(fast.loc["far_plain"], usual.loc["far_plain"])
    assert fast.loc["near", "transport_mode"] == "road"


def test_a_part_that_flies_anyway_is_not_charged_the_expedite_premium():
    # Without weight a part has no freight: held at 25 % a year, its carrying cost in transit
    # makes the faster mode the cheaper one, so the far provider ships by air as usual
    # (6 days). Expediting cannot make it faster: no premium, the price stays 8.
    pool = pool_frame([_offer("far", expedite_premium=0.4)])
    need = _need(weight_kg=0.0, holding_rate=0.25)
    for expedite in (False, True):
        row = candidates(pool, replace(need, expedite=expedite)).iloc[0]
        assert (row.transport_mode, row.transit_days, row.unit_price, row.expedited) == ("air", 6, 8.0, False)
