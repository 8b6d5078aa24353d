"""Transport modes and their door-to-door figures, each with its source (road, rail, sea, air),
and the distance of a lane: the plain figures a scenario's lanes default to when they leave out
their lead time (:mod:`resim.scenario.lane_defaults`) and that :mod:`resim.supply.logistics` and
the run's transport emissions use. Pure Python: validating a scenario imports no numpy."""

from __future__ import annotations

import math
from dataclasses import dataclass

from resim.core.geo import great_circle_km

__all__ = ["Mode", "MODES", "FALLBACK_KM", "ROAD_MAX_KM", "lane_km", "door_to_door_days"]

#: Distance without coordinates: (same country, same region, beyond), km. Assumption.
FALLBACK_KM = (300.0, 1500.0, 9000.0)
#: Farthest great-circle distance shipped by road within a region, km. Assumption.
ROAD_MAX_KM = 3000.0


@dataclass(frozen=True)
class Mode:
    """Door-to-door figures of one transport mode, per great-circle km."""

    name: str
    handling_days: float          # fixed days door to door: pick-up, terminals, customs, delivery
    km_per_day: float             # great-circle km covered a day on the way
    freight_per_kg_km: float      # currency per kg per great-circle km
    co2_kg_per_kg_km: float       # kg CO2 per kg per great-circle km
    sources: tuple[tuple[str, str], ...] = ()   # (figure, source or "assumption: ...")


MODES: dict[str, Mode] = {
    "road": Mode(
        "road", handling_days=1.0, km_per_day=500.0, freight_per_kg_km=0.0002, co2_kg_per_kg_km=0.00011,
        sources=(
            ("handling_days", "assumption: a day for pick-up and delivery"),
            ("km_per_day", "EU Regulation (EC) No 561/2006, art. 6: at most 9 hours' driving a day; "
                           "at about 65-70 km/h that is about 600 road km, / 1.2 circuity (road km per "
                           "great-circle km, Newell 1980, as cited by Wikibooks 'Transportation Geography "
                           "and Network Science/Circuity') = 500 great-circle km; average speed an assumption"),
            ("freight_per_kg_km", "co3.io, 'What does road freight really cost per kilometre in Europe?': "
                                  "full truckload EUR 1.10-1.90 per truck-km (2025/26); a part's share "
                                  "by weight at 8-12 t a truck, x 1.2 circuity, gives 0.00011-0.00029 "
                                  "per kg and great-circle km; the payload is an assumption"),
            ("co2_kg_per_kg_km", "road 90.3 g CO2 per tonne-km (KiM, CE Delft; Table 9 of 'A shift-share "
                                 "based tool ...', European Transport Research Review, 2019) x 1.2 circuity"),
        )),
    "rail": Mode(
        "rail", handling_days=4.0, km_per_day=600.0, freight_per_kg_km=0.00012, co2_kg_per_kg_km=0.00003,
        sources=(
            ("handling_days", "assumption: terminals, gauge change and pre- and on-carriage by road"),
            ("km_per_day", "DSV, 'Rail freight between China and Europe': 15-18 days terminal to "
                           "terminal from northern and central China to Europe, about 7,500-8,500 "
                           "great-circle km; 4 + 8,000 / 600 = 17.3 days"),
            ("freight_per_kg_km", "topchinaforwarder.com, China Europe Railway Express: USD 6,000-8,500 "
                                  "per 40 ft by rail against 2,200-3,800 by sea, about 2.3 x sea; "
                                  "0.00012 = 2.3 x the sea rate (currency taken 1:1, an assumption)"),
            ("co2_kg_per_kg_km", "assumption between 11.3 g per tonne-km for a mostly electric EU "
                                 "mix (KiM, CE Delft, as for road) and about 40 g per great-circle "
                                 "tonne-km of a Zhengzhou-Hamburg train (stusupplychain.com: 3,000 kg "
                                 "CO2 for 10 t)"),
        )),
    "sea": Mode(
        "sea", handling_days=12.0, km_per_day=400.0, freight_per_kg_km=0.00005, co2_kg_per_kg_km=0.00003,
        sources=(
            ("handling_days", "holocargo.com, 'What affects ocean transit time': cargo at the "
                              "container yard 3-5 days before departure; geesecargo.com: customs, "
                              "drayage and last mile add 3-9 days; 12 days in all, with waiting "
                              "for the sailing, an assumption within those"),
            ("km_per_day", "calibrated on China to north-west Europe, 35-45 days door to door "
                           "(56ok.com, 'Global ocean freight transit times'; dafey.us: 30-45 days): "
                           "12 + 8,900 / 400 = 34.3, so 35 days from Shanghai to Rotterdam; the same "
                           "speed is slow for routes close to the great circle (China to the US west "
                           "coast: 39 days against 20-25 door to door), an assumption"),
            ("freight_per_kg_km", "dafey.us, 'How long does international sea freight take?': sea "
                                  "about USD 0.50 a kg, China to Europe or the US (about 9,000-10,000 "
                                  "great-circle km) = 0.00005 a kg-km (currency taken 1:1)"),
            ("co2_kg_per_kg_km", "stusupplychain.com: 2,580 kg CO2 for 10 t Zhengzhou-Hamburg by sea "
                                 "(24,452 route km, 10.6 g per route tonne-km), about 34 g per "
                                 "great-circle tonne-km; ships 10-40 g per route tonne-km "
                                 "(timeforchange.org)"),
        )),
    "air": Mode(
        "air", handling_days=3.0, km_per_day=5000.0, freight_per_kg_km=0.0005, co2_kg_per_kg_km=0.0006,
        sources=(
            ("handling_days", "climbtheladder.com, 'How long does air freight take': booking 1-3 "
                              "days, ground handling and export clearance 12-24 hours; a standard "
                              "international shipment 3-7 business days door to door"),
            ("km_per_day", "assumption for connections and transfers: 3 + 9,000 / 5,000 = 4.8 days "
                           "Asia-Europe, 3.2-6.6 days from 1,000 to 18,000 km, within the 3-7 days "
                           "door to door cited for handling_days"),
            ("freight_per_kg_km", "dafey.us: standard air about USD 4 a kg, express about 6; "
                                  "topchinaforwarder.com: USD 5.5-9 a kg China-Europe; USD 4.5 over "
                                  "9,000 km = 0.0005 a kg-km (currency taken 1:1)"),
            ("co2_kg_per_kg_km", "500 g per tonne-km for a Lufthansa Cargo B747 (timeforchange.org, "
                                 "'CO2 emissions for shipping of goods'); about 650 g per great-circle "
                                 "tonne-km Zhengzhou-Hamburg (stusupplychain.com: 50,000 kg for 10 t)"),
        )),
}


def lane_km(lat1: float | None, lon1: float | None, lat2: float | None, lon2: float | None,
            same_country: bool, same_region: bool) -> float:
    """Great-circle km between two sites; where either lacks coordinates, :data:`FALLBACK_KM` by
    whether the two are in the same country or region."""
    if None in (lat1, lon1, lat2, lon2):
        country_km, region_km, beyond_km = FALLBACK_KM
        return country_km if same_country else region_km if same_region else beyond_km
    return float(great_circle_km(float(lat1), float(lon1), float(lat2), float(lon2)))


def door_to_door_days(mode: str, km: float) -> int:
    """Whole days door to door over ``km`` great-circle km by ``mode``: ceil(handling days + km /
    km a day)."""
    figures = MODES[mode]
    return math.ceil(figures.handling_days + km / figures.km_per_day - 1e-9)
