"""Who the providers of a synthetic pool are and where: kinds of provider (:data:`PROFILES`)
with the processes they offer and their chance of sector certificates, countries
(:data:`COUNTRIES`) with their share of providers, cost level and industrial hubs, and how many
offerings a provider has. Shares and cost levels are assumptions (each table names its source).
"""

from __future__ import annotations

from dataclasses import dataclass

from resim.supply.bands import CERTS_ASSUMED

__all__ = ["Profile", "Country", "PROFILES", "COUNTRIES", "OFFERINGS_PER_PROVIDER",
           "MAX_OFFERINGS_PER_PROVIDER"]


@dataclass(frozen=True)
class Profile:
    """A kind of provider: its share of providers, its processes (weights) and sector certificates."""

    share: float
    processes: dict[str, float]
    iatf_16949: float
    as9100: float
    iso_13485: float


@dataclass(frozen=True)
class Country:
    """A country providers are placed in: region, share of providers, cost level, industrial hubs."""

    region: str
    weight: float
    cost_level: float
    hubs: tuple[tuple[str, float, float], ...]


#: Kinds of provider: share of providers, processes offered (weights), chance of sector certificates.
PROFILES: dict[str, Profile] = {
    "machining": Profile(0.28, {
        "cutting/milling/3-axis": 0.30, "cutting/milling/5-axis": 0.15, "cutting/turning": 0.30,
        "cutting/grinding": 0.08, "cutting/edm": 0.05, "coating/anodizing": 0.06,
        "changing_material_properties/heat_treatment": 0.03, "joining/assembly": 0.03},
        iatf_16949=0.20, as9100=0.12, iso_13485=0.06),
    "sheet_metal": Profile(0.14, {
        "cutting/laser_cutting": 0.25, "forming/bending": 0.20, "forming/stamping": 0.15,
        "cutting/punching": 0.08, "cutting/waterjet_cutting": 0.05, "joining/welding": 0.17,
        "coating/powder_coating": 0.10},
        iatf_16949=0.20, as9100=0.08, iso_13485=0.02),
    "moulding": Profile(0.12, {
        "primary_shaping/injection_moulding": 0.70, "joining/assembly": 0.12, "other/packaging": 0.06,
        "coating/painting": 0.06, "other/testing": 0.06},
        iatf_16949=0.30, as9100=0.03, iso_13485=0.12),
    "foundry": Profile(0.06, {
        "primary_shaping/die_casting": 0.45, "primary_shaping/sand_casting": 0.15,
        "primary_shaping/investment_casting": 0.12, "cutting/milling/3-axis": 0.14,
        "changing_material_properties/heat_treatment": 0.07, "coating/powder_coating": 0.07},
        iatf_16949=0.35, as9100=0.10, iso_13485=0.02),
    "forge": Profile(0.03, {
        "forming/forging": 0.50, "changing_material_properties/heat_treatment": 0.20,
        "cutting/turning": 0.20, "cutting/milling/3-axis": 0.10},
        iatf_16949=0.40, as9100=0.15, iso_13485=0.02),
    "electronics": Profile(0.12, {
        "joining/smt_assembly": 0.50, "joining/assembly": 0.25, "other/testing": 0.15,
        "joining/soldering": 0.10},
        iatf_16949=0.25, as9100=0.08, iso_13485=0.08),
    "assembly": Profile(0.07, {
        "joining/assembly": 0.45, "forming/winding": 0.15, "other/testing": 0.15,
        "other/packaging": 0.15, "joining/adhesive_bonding": 0.10},
        iatf_16949=0.15, as9100=0.05, iso_13485=0.06),
    "additive": Profile(0.08, {
        "primary_shaping/additive_manufacturing/fdm": 0.18,
        "primary_shaping/additive_manufacturing/sla": 0.20,
        "primary_shaping/additive_manufacturing/sls": 0.25,
        "primary_shaping/additive_manufacturing/mjf": 0.20,
        "primary_shaping/additive_manufacturing/dmls": 0.17},
        iatf_16949=0.05, as9100=0.15, iso_13485=0.08),
    "finishing": Profile(0.05, {
        "coating/powder_coating": 0.22, "coating/anodizing": 0.22, "coating/electroplating": 0.18,
        "coating/painting": 0.13, "changing_material_properties/heat_treatment": 0.15,
        "changing_material_properties/hardening": 0.10},
        iatf_16949=0.20, as9100=0.10, iso_13485=0.02),
    "powder": Profile(0.02, {
        "primary_shaping/sintering": 0.50, "primary_shaping/powder_metallurgy": 0.30,
        "changing_material_properties/magnetizing": 0.20},
        iatf_16949=0.30, as9100=0.03, iso_13485=0.02),
    "reman": Profile(0.03, {
        "cutting/disassembly": 0.22, "cutting/cleaning": 0.15, "other/testing": 0.20,
        "other/reconditioning": 0.25, "joining/reassembly": 0.18},
        iatf_16949=0.10, as9100=0.05, iso_13485=0.02),
}
PROFILE_SOURCE = ("assumption: provider kinds and process mixes after the service catalogues of "
                  "Protolabs Network (Hubs) and Xometry (CNC machining, sheet metal, injection "
                  "moulding, 3D printing) and the technologies they route jobs by [verified that "
                  "platforms match on technology]; the shares themselves are not from a source")
SECTOR_SOURCE = CERTS_ASSUMED

#: Where providers are: 32 countries in 8 regions, around real industrial hubs (city, lat, lon).
COUNTRIES: dict[str, Country] = {
    "DE": Country("europe", 0.080, 1.00, (("Stuttgart", 48.78, 9.18), ("Munich", 48.14, 11.58),
                                          ("Nuremberg", 49.45, 11.08), ("Dortmund", 51.51, 7.47))),
    "IT": Country("europe", 0.040, 0.85, (("Milan", 45.46, 9.19), ("Bologna", 44.49, 11.34),
                                          ("Turin", 45.07, 7.69), ("Brescia", 45.54, 10.21))),
    "FR": Country("europe", 0.020, 0.95, (("Lyon", 45.76, 4.84), ("Toulouse", 43.60, 1.44))),
    "ES": Country("europe", 0.020, 0.80, (("Barcelona", 41.39, 2.17), ("Bilbao", 43.26, -2.93))),
    "PT": Country("europe", 0.008, 0.65, (("Porto", 41.15, -8.61), ("Marinha Grande", 39.75, -8.93))),
    "PL": Country("europe", 0.025, 0.60, (("Wroclaw", 51.11, 17.04), ("Poznan", 52.41, 16.93),
                                          ("Katowice", 50.26, 19.02))),
    "CZ": Country("europe", 0.020, 0.60, (("Brno", 49.19, 16.61), ("Plzen", 49.74, 13.38),
                                          ("Mlada Boleslav", 50.41, 14.90))),
    "HU": Country("europe", 0.010, 0.55, (("Gyor", 47.69, 17.63), ("Budapest", 47.50, 19.04))),
    "SK": Country("europe", 0.008, 0.55, (("Bratislava", 48.15, 17.11), ("Zilina", 49.22, 18.74))),
    "RO": Country("europe", 0.008, 0.50, (("Timisoara", 45.75, 21.23), ("Pitesti", 44.86, 24.87))),
    "NL": Country("europe", 0.010, 1.00, (("Eindhoven", 51.44, 5.48),)),
    "SE": Country("europe", 0.008, 1.00, (("Gothenburg", 57.71, 11.97),)),
    "CH": Country("europe", 0.008, 1.15, (("Zurich", 47.38, 8.54),)),
    "GB": Country("europe", 0.020, 0.95, (("Birmingham", 52.49, -1.89),)),
    "TR": Country("europe", 0.020, 0.50, (("Bursa", 40.19, 29.06), ("Istanbul", 41.01, 28.98))),
    "CN": Country("east_asia", 0.200, 0.45, (("Shenzhen", 22.54, 114.06), ("Dongguan", 23.02, 113.75),
                                             ("Suzhou", 31.30, 120.59), ("Ningbo", 29.87, 121.55),
                                             ("Chongqing", 29.56, 106.55), ("Tianjin", 39.34, 117.36))),
    "TW": Country("east_asia", 0.030, 0.70, (("Taichung", 24.15, 120.67), ("Hsinchu", 24.80, 120.97))),
    "JP": Country("east_asia", 0.060, 0.95, (("Nagoya", 35.18, 136.91), ("Osaka", 34.69, 135.50),
                                             ("Hamamatsu", 34.71, 137.73))),
    "KR": Country("east_asia", 0.040, 0.80, (("Changwon", 35.23, 128.68), ("Incheon", 37.46, 126.71),
                                             ("Ulsan", 35.54, 129.31))),
    "VN": Country("southeast_asia", 0.025, 0.35, (("Hanoi", 21.03, 105.85), ("Ho Chi Minh City", 10.82, 106.63))),
    "TH": Country("southeast_asia", 0.015, 0.40, (("Rayong", 12.68, 101.28), ("Bangkok", 13.76, 100.50))),
    "MY": Country("southeast_asia", 0.015, 0.45, (("Penang", 5.41, 100.33), ("Johor Bahru", 1.49, 103.74))),
    "ID": Country("southeast_asia", 0.010, 0.35, (("Bekasi", -6.24, 106.99), ("Batam", 1.13, 104.05))),
    "PH": Country("southeast_asia", 0.006, 0.35, (("Santa Rosa, Laguna", 14.31, 121.11),)),
    "IN": Country("south_asia", 0.050, 0.35, (("Pune", 18.52, 73.86), ("Chennai", 13.08, 80.27),
                                              ("Bengaluru", 12.97, 77.59))),
    "US": Country("north_america", 0.120, 1.05, (("Detroit", 42.33, -83.05), ("Chicago", 41.88, -87.63),
                                                 ("Houston", 29.76, -95.37), ("San Jose", 37.34, -121.89),
                                                 ("Charlotte", 35.23, -80.84), ("Cleveland", 41.50, -81.69))),
    "MX": Country("north_america", 0.030, 0.50, (("Monterrey", 25.69, -100.32), ("Queretaro", 20.59, -100.39),
                                                 ("Tijuana", 32.51, -117.04), ("Guadalajara", 20.66, -103.35))),
    "CA": Country("north_america", 0.015, 0.95, (("Toronto", 43.65, -79.38), ("Windsor", 42.31, -83.04),
                                                 ("Montreal", 45.50, -73.57))),
    "BR": Country("south_america", 0.015, 0.55, (("Sao Paulo", -23.55, -46.63), ("Joinville", -26.30, -48.85))),
    "ZA": Country("africa", 0.004, 0.50, (("Johannesburg", -26.20, 28.05), ("Gqeberha", -33.96, 25.60))),
    "MA": Country("africa", 0.004, 0.40, (("Tangier", 35.76, -5.83), ("Casablanca", 33.57, -7.59))),
    "AU": Country("oceania", 0.005, 1.00, (("Melbourne", -37.81, 144.96), ("Adelaide", -34.93, 138.60))),
}
COUNTRY_SOURCE = ("hub coordinates: the cities' approximate centres; country weights (share of "
                  "providers, loosely after the size of each manufacturing sector) and cost levels "
                  "(prices relative to Germany): assumption")

#: Offerings per provider on average (n offerings come from ceil(n / 3) providers), and at most.
OFFERINGS_PER_PROVIDER = 3
MAX_OFFERINGS_PER_PROVIDER = 6
