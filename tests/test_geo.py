"""Great-circle distance: against distances worked out by hand, for numbers and arrays alike."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resim.core.geo import EARTH_RADIUS_KM, great_circle_km


def test_stuttgart_to_munich_as_computed_by_hand():
    # Stuttgart (48.78, 9.18), Munich (48.14, 11.58), in degrees:
    #   dlat = -0.64 deg = -0.0111701 rad, dlon = 2.40 deg = 0.0418879 rad
    #   sin^2(dlat/2) = 0.0000311925
    #   cos(48.78 deg) x cos(48.14 deg) = 0.658952 x 0.667313 = 0.439727
    #   sin^2(dlon/2) = 0.000438585
    #   h = 0.0000311925 + 0.439727 x 0.000438585 = 0.000224050
    #   d = 2 x 6371 x asin(sqrt(h)) = 12742 x asin(0.0149683) = 12742 x 0.0149689 = 190.733 km
    # (a flat-earth check: 6371 x sqrt((0.0418879 x cos 48.46 deg)^2 + 0.0111701^2) = 190.75 km)
    assert great_circle_km(48.78, 9.18, 48.14, 11.58) == pytest.approx(190.733, abs=0.001)


def test_nashville_to_los_angeles_as_the_rosetta_code_reference():
    # Rosetta Code's haversine task: BNA (36.12, -86.67) to LAX (33.94, -118.40) is
    # 2887.2599506 km on a sphere of 6372.8 km; on ours, 2887.2599506 x 6371 / 6372.8 = 2886.4444 km.
    assert great_circle_km(36.12, -86.67, 33.94, -118.40) == pytest.approx(2886.4444, abs=1e-4)


def test_quarter_and_half_circles():
    quarter = math.pi / 2 * EARTH_RADIUS_KM                  # 10,007.54 km
    assert great_circle_km(0.0, 0.0, 0.0, 90.0) == pytest.approx(quarter)
    assert great_circle_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(quarter)
    assert great_circle_km(10.0, 20.0, -10.0, -160.0) == pytest.approx(2 * quarter)   # antipodes
    assert great_circle_km(48.78, 9.18, 48.78, 9.18) == 0.0


def test_arrays_give_what_numbers_give_and_nan_where_a_coordinate_is_missing():
    lats, lons = np.array([48.14, 33.94, np.nan]), np.array([11.58, -118.40, 0.0])
    found = great_circle_km(48.78, 9.18, lats, lons)
    assert isinstance(found, np.ndarray) and found.shape == (3,)
    assert found[:2] == pytest.approx([great_circle_km(48.78, 9.18, 48.14, 11.58),
                                       great_circle_km(48.78, 9.18, 33.94, -118.40)], rel=1e-12)
    assert math.isnan(found[2])
    assert isinstance(great_circle_km(48.78, 9.18, 48.14, 11.58), float)
