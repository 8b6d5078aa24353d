"""Transport between a MaaS provider and the node it delivers to: mode, transit days, freight, CO2.

A provider's lane takes its quoted production lead time plus the transit of the transport mode
it ships by. Everything here is a function of the great-circle distance and a mode:

* **Distance**: great-circle (:func:`resim.core.geo.great_circle_km`, Earth radius 6,371 km)
  between the two sites; without coordinates on either side, 300 km within a country, 1,500 km
  within a region and 9,000 km beyond (:func:`distance_km`).
* **Mode** (:func:`choose_mode`): the surface mode is ``road`` within a country, and within a
  region up to :data:`ROAD_MAX_KM` great-circle km (short sea crossings inside a region, such as
  the Channel or the Taiwan Strait, count as road: ro-ro ferries take about as long), and ``sea``
  otherwise. ``air`` replaces it when its total logistics cost per unit is lower: freight + the
  carrying cost of the unit while in transit (its value × the yearly holding rate × transit
  days / 365), as shippers weigh air against ocean. Heavy, cheap parts stay on the surface,
  light and valuable ones fly. An expedited shipment goes by air wherever air is faster.
  ``rail`` is never chosen by the rule (nothing tells whether a rail line joins two sites);
  :func:`transit_days` and the rates know it for lanes that name it.
* **Transit days** (:func:`transit_days`): handling days + distance / km a day, rounded up to
  whole days (door to door: pick-up, terminals, customs, delivery).
* **Freight** per unit = weight × distance × the mode's rate per kg-km; **CO2** per unit =
  weight × distance × the mode's kg CO2 per kg-km (:func:`freight_per_unit`, :func:`co2_per_unit`).

Every figure of :data:`MODES` carries its source, or says it is an assumption (:func:`figures`;
``docs/assumptions.md`` lists them). Distances are great-circle, so each per-km figure of a mode is
per great-circle km: road figures include a circuity of 1.2 road km per great-circle km.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from resim.core.geo import EARTH_RADIUS_KM, great_circle_km  # the radius: still named here, as it was
from resim.core.transport import FALLBACK_KM, MODES, ROAD_MAX_KM, Mode

__all__ = ["Mode", "MODES", "ROAD_MAX_KM", "FALLBACK_KM", "EARTH_RADIUS_KM", "distance_km",
           "choose_mode", "transit_days", "freight_per_unit", "co2_per_unit", "figures"]


def distance_km(lat: float | None, lon: float | None, lats, lons, same_country, same_region) -> np.ndarray:
    """Great-circle km from ``(lat, lon)`` to each ``(lats, lons)``; where either side lacks
    coordinates, :data:`FALLBACK_KM` by whether the two are in the same country or region."""
    lats, lons = np.atleast_1d(np.asarray(lats, float)), np.atleast_1d(np.asarray(lons, float))
    same_country = np.broadcast_to(np.asarray(same_country, bool), lats.shape)
    same_region = np.broadcast_to(np.asarray(same_region, bool), lats.shape)
    if lat is None or lon is None or math.isnan(float(lat)) or math.isnan(float(lon)):
        distance = np.full(lats.shape, np.nan)
    else:
        distance = great_circle_km(lat, lon, lats, lons)
    country_km, region_km, beyond_km = FALLBACK_KM
    fallback = np.where(same_country, country_km, np.where(same_region, region_km, beyond_km))
    return np.where(np.isnan(distance), fallback, distance)


def transit_days(distance, mode) -> np.ndarray:
    """Whole days door to door over ``distance`` great-circle km by ``mode`` (a name or an array
    of names): ceil(handling days + distance / km a day)."""
    distance = np.asarray(distance, float)
    handling = _figure(mode, "handling_days", distance.shape)
    speed = _figure(mode, "km_per_day", distance.shape)
    return np.ceil(handling + distance / speed - 1e-9).astype(int)


def choose_mode(distance, same_country, same_region, *, weight_kg=0.0, value=0.0, holding_rate=0.0,
                expedite=False) -> np.ndarray:
    """The mode of each shipment of a unit of ``weight_kg`` and ``value`` (held at
    ``holding_rate`` a year): road within a country or within a region up to
    :data:`ROAD_MAX_KM`, else sea; air instead where its freight + value × holding_rate × transit
    days / 365 is lower (the total logistics cost), and where ``expedite`` and air is faster."""
    distance = np.asarray(distance, float)
    road = np.asarray(same_country, bool) | (np.asarray(same_region, bool) & (distance <= ROAD_MAX_KM))
    surface = np.where(road, "road", "sea").astype(object)

    def total(mode) -> np.ndarray:
        return freight_per_unit(weight_kg, distance, mode) + value * holding_rate * transit_days(distance, mode) / 365.0

    usual = np.where(total("air") < total(surface) - 1e-12, "air", surface).astype(object)
    faster_by_air = transit_days(distance, "air") < transit_days(distance, usual)
    return np.where(np.asarray(expedite, bool) & faster_by_air, "air", usual).astype(object)


def freight_per_unit(weight_kg, distance, mode) -> np.ndarray:
    """Freight a unit: weight × great-circle km × the mode's rate per kg-km."""
    distance = np.asarray(distance, float)
    return np.asarray(weight_kg, float) * distance * _figure(mode, "freight_per_kg_km", distance.shape)


def co2_per_unit(weight_kg, distance, mode) -> np.ndarray:
    """kg CO2 a unit: weight × great-circle km × the mode's kg CO2 per kg-km."""
    distance = np.asarray(distance, float)
    return np.asarray(weight_kg, float) * distance * _figure(mode, "co2_kg_per_kg_km", distance.shape)


def figures() -> pd.DataFrame:
    """Every figure of :data:`MODES` with its value and source, one row each."""
    rows = [{"mode": m.name, "figure": figure, "value": getattr(m, figure), "source": source}
            for m in MODES.values() for figure, source in m.sources]
    rows.append({"mode": "all", "figure": "fallback_km", "value": FALLBACK_KM,
                 "source": "assumption: without coordinates, same country, same region, beyond"})
    rows.append({"mode": "road", "figure": "road_max_km", "value": ROAD_MAX_KM,
                 "source": "assumption: beyond it, or between regions, the surface mode is sea"})
    rows.append({"mode": "air", "figure": "mode choice", "value": "least freight + in-transit holding",
                 "source": "Patil, Patange, Pardeshi, Logistics 7(3):60 (2023), doi:10.3390/logistics7030060: "
                           "mode choice by total logistics cost; Supply Chain Management Review, Sep-Oct "
                           "2024: air vs ocean weighs inventory carrying cost"})
    return pd.DataFrame(rows, columns=["mode", "figure", "value", "source"])


def _figure(mode, name: str, shape) -> np.ndarray:
    if isinstance(mode, str):
        return np.full(shape, float(getattr(_mode(mode), name)))
    modes = np.asarray(mode, object)
    values = {m: float(getattr(_mode(m), name)) for m in set(modes.ravel().tolist())}
    return np.vectorize(values.__getitem__, otypes=[float])(modes) if modes.size else np.zeros(modes.shape)


def _mode(name: str) -> Mode:
    try:
        return MODES[name]
    except KeyError:
        raise ValueError(f"unknown transport mode {name!r} (expected one of {', '.join(MODES)})") from None
