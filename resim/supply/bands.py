"""The figures a synthetic pool is drawn from, each a :class:`Band` with its source.

A :class:`Band` is one generated figure: its distribution, its hard bounds and where it comes
from; figures without a retrieved source say ``assumption``. Here are the bands of each process
family (:data:`FAMILIES`, and :data:`PROCESS_FAMILY` maps process paths to families) and those
drawn once per provider (:data:`PROVIDER_FIGURES`) and per offering (:data:`OFFERING_FIGURES`).
Who the providers are and where is in :mod:`resim.supply.population`; ``docs/maas-pool.md``
tabulates every figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from resim.supply.pool import _num

__all__ = ["Band", "SizeClass", "Family", "FAMILIES", "PROCESS_FAMILY", "PROVIDER_FIGURES",
           "OFFERING_FIGURES", "ASSUMED", "CERTS_ASSUMED"]

ASSUMED = "assumption (no retrieved source)"
HUBS_STANDARDS = ("Hubs (3D Hubs) Manufacturing Standards v1.1, 2018, 3dhubs.com/manufacturing-standards")
HUBS_CNC = (f"{HUBS_STANDARDS}: CNC standard tolerance ±0.125 mm for parts < 300 mm (±0.25 mm "
            "< 600 mm, ±0.4 mm < 900 mm, ±0.8 mm < 1500 mm, ±1.6 mm above) [verified]; the shares of "
            "shops holding tighter tolerances ('exceeds standard tolerances') are an assumption")
HUBS_AM_TOLERANCE = (f"{HUBS_STANDARDS}: 3D printing accuracy FDM ±0.5 % (lower limit ±0.5 mm), "
                     "SLA/DLP ±0.5 % (±0.15 mm), SLS/MJF ±0.3 % (±0.3 mm), DMLS/SLM ±0.2 % (±0.2 mm) "
                     "[verified]; the best tolerance an offering holds is the lower limit")
HUBS_AM_SIZE = ("Hubs knowledge base, '3D printing geometry restrictions', "
                "3dhubs.com/knowledge-base/3d-printing-geometry-restrictions: typical and largest "
                "build sizes FDM 200-900 mm, SLA 145-1500 mm, SLS 300-750 mm, DMLS 250-500 mm "
                "[verified]; MJF build size an assumption")
PROTOLABS_IM = ("Protolabs, 'Lead times', protolabs.com/help-center/lead-times: injection moulding "
                "small parts 7 days, standard 15 days, large ('Mega') 20 days [verified]; the lower "
                "end of each band is Protolabs' figure, the upper end (slower moulders) and the "
                "class shares and envelopes are assumptions")
PROTOLABS_EXPEDITE = ("Protolabs, 'Lead times': expedited moulding in 1 day (small) or 3 days "
                      "(standard) at a premium [verified that expediting exists]; the premium "
                      "fraction and the share of offerings with an expedite option are assumptions")
XOMETRY_PARTNER = ("Xometry Additive Partner Guide: partners expected to ship > 95 % on time with "
                   "< 1 % RMA; the Partner Success Score rates on-time delivery and quality per "
                   "partner [verified]")
XOMETRY_ONBOARDING = ("Xometry Additive Partner Guide: a new partner's first 5 jobs one at a time, "
                      "<= $5,000 each (probation, set in maas.probation) [verified]; AS9102 first "
                      "article inspection among Xometry's quality documents [verified]; the "
                      "qualification days themselves are an assumption")
CERTS_ASSUMED = ("assumption: certification names as in resim.scenario.taxonomy (ISO 9001, IATF 16949, "
                 "AS9100, ISO 13485, IPC-A-610, NADCAP, ...); platforms match on shop "
                 "certifications (Xometry [verified]) but the shares are not from a retrieved source")

Kind = Literal["constant", "uniform", "loguniform", "integers", "choice", "normal"]


@dataclass(frozen=True)
class Band:
    """One generated figure: its distribution, its hard bounds and where it comes from.

    ``kind`` and ``values``: ``constant (v,)``, ``uniform (low, high)``, ``loguniform (low, high)``
    (uniform in the logarithm), ``integers (low, high)`` (both included), ``choice (v1, v2, ...)``
    with ``weights``, ``normal (mean, sd)`` (bounds then mean ± 5 sd, clipped when drawn).
    """

    kind: Kind
    values: tuple[float, ...]
    source: str = ASSUMED
    weights: tuple[float, ...] = ()

    @property
    def low(self) -> float:
        """The smallest value a draw can take."""
        if self.kind == "normal":
            return self.values[0] - 5 * self.values[1]
        return float(min(self.values))

    @property
    def high(self) -> float:
        """The largest value a draw can take."""
        if self.kind == "normal":
            return self.values[0] + 5 * self.values[1]
        return float(max(self.values))

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws as a float array."""
        v = self.values
        if self.kind == "constant":
            return np.full(size, float(v[0]))
        if self.kind == "uniform":
            return rng.uniform(v[0], v[1], size)
        if self.kind == "loguniform":
            return np.exp(rng.uniform(math.log(v[0]), math.log(v[1]), size))
        if self.kind == "integers":
            return rng.integers(int(v[0]), int(v[1]), size, endpoint=True).astype(float)
        if self.kind == "choice":
            p = np.asarray(self.weights, float)
            return np.asarray(v, float)[rng.choice(len(v), size, p=p / p.sum())]
        return np.clip(rng.normal(v[0], v[1], size), self.low, self.high)

    def __str__(self) -> str:
        if self.kind == "choice":
            total = sum(self.weights)
            return "choice(" + ", ".join(f"{_num(x)}: {w / total:.0%}"
                                         for x, w in zip(self.values, self.weights)) + ")"
        return f"{self.kind}({', '.join(_num(x) for x in self.values)})"


@dataclass(frozen=True)
class SizeClass:
    """A size class of a family: its share, the longest side of its envelope and its lead time."""

    name: str
    share: float
    length_mm: Band | None
    lead_time_mode: Band


@dataclass(frozen=True)
class Family:
    """Figures shared by a family of processes (per offering, at cost level 1.0)."""

    unit_price: Band
    setup_cost: Band
    capacity_per_day: Band
    onboarding_mode: Band
    classes: tuple[SizeClass, ...]
    tolerance_mm: Band | None = None
    width_ratio: Band | None = None      # width = length x ratio
    height_ratio: Band | None = None     # height = width x ratio
    materials: tuple[str, ...] = ()
    material_share: float = 0.5          # chance an offering processes each of ``materials``
    certifications: dict[str, float] = field(default_factory=dict)   # offering-level, by chance


def _one(length: Band | None, lead: Band) -> tuple[SizeClass, ...]:
    return (SizeClass("all", 1.0, length, lead),)


def _lu(low: float, high: float, source: str = ASSUMED) -> Band:
    return Band("loguniform", (low, high), source)


def _days(low: int, high: int, source: str = ASSUMED) -> Band:
    return Band("integers", (low, high), source)


def _u(low: float, high: float, source: str = ASSUMED) -> Band:
    return Band("uniform", (low, high), source)


def _choice(options: dict[float, float], source: str = ASSUMED) -> Band:
    return Band("choice", tuple(options), source, tuple(options.values()))


_CNC_TOLERANCE = _choice({0.125: 0.35, 0.05: 0.30, 0.025: 0.20, 0.01: 0.10, 0.005: 0.05}, HUBS_CNC)
_MACHINING_MATERIALS = ("6061-T6", "6082-T6", "7075-T6", "AlSi10Mg", "304", "316L", "16MnCr5",
                        "42CrMo4", "C45", "Ti-6Al-4V", "POM", "PEEK")
_SQUARE = _u(0.5, 1.0)

#: Figures per process family (prices and setup costs at cost level 1.0, in the scenario's currency).
FAMILIES: dict[str, Family] = {
    "cnc_milling": Family(
        unit_price=_lu(15, 250), setup_cost=_lu(300, 4000), capacity_per_day=_lu(10, 300),
        onboarding_mode=_days(7, 21, XOMETRY_ONBOARDING), tolerance_mm=_CNC_TOLERANCE,
        classes=_one(_lu(300, 2000), _days(4, 12)), width_ratio=_u(0.4, 0.8), height_ratio=_u(0.4, 1.0),
        materials=_MACHINING_MATERIALS, material_share=0.45),
    "cnc_turning": Family(
        unit_price=_lu(8, 150), setup_cost=_lu(200, 3000), capacity_per_day=_lu(20, 600),
        onboarding_mode=_days(7, 21, XOMETRY_ONBOARDING), tolerance_mm=_CNC_TOLERANCE,
        classes=_one(_lu(150, 1500), _days(4, 12)), width_ratio=_u(0.1, 0.5),
        height_ratio=Band("constant", (1.0,), "definition: a turned part's envelope is round, height = width"),
        materials=_MACHINING_MATERIALS, material_share=0.45),
    "precision_machining": Family(
        unit_price=_lu(20, 300), setup_cost=_lu(300, 3000), capacity_per_day=_lu(10, 200),
        onboarding_mode=_days(10, 25, XOMETRY_ONBOARDING),
        tolerance_mm=_choice({0.01: 0.3, 0.005: 0.4, 0.002: 0.3}),
        classes=_one(_lu(200, 1000), _days(5, 14)), width_ratio=_u(0.4, 0.8), height_ratio=_u(0.3, 1.0),
        materials=("1.2379", "100Cr6", "16MnCr5", "42CrMo4", "Ti-6Al-4V", "tungsten carbide")),
    "sheet_metal": Family(
        unit_price=_lu(5, 120), setup_cost=_lu(100, 2000), capacity_per_day=_lu(50, 2000),
        onboarding_mode=_days(7, 21, XOMETRY_ONBOARDING),
        tolerance_mm=_choice({0.5: 0.3, 0.25: 0.4, 0.1: 0.3}),
        classes=_one(_lu(1000, 4000), _days(4, 10)), width_ratio=_u(0.4, 0.6), height_ratio=_u(0.1, 0.4),
        materials=("DC01", "S235", "S355", "DX51D", "304", "316L", "5052-H32", "5754-H111")),
    "stamping": Family(
        unit_price=_lu(0.2, 15), setup_cost=_lu(5000, 80000), capacity_per_day=_lu(1000, 50000),
        onboarding_mode=_days(21, 45, XOMETRY_ONBOARDING),
        tolerance_mm=_choice({0.05: 0.3, 0.1: 0.5, 0.2: 0.2}),
        classes=_one(_lu(200, 1500), _days(10, 25)), width_ratio=_u(0.4, 0.9), height_ratio=_u(0.1, 0.5),
        materials=("DC04", "DX51D", "S355MC", "1.4301", "5182", "CuZn37")),
    "injection_moulding": Family(
        unit_price=_lu(0.3, 8), setup_cost=_lu(3000, 50000), capacity_per_day=_lu(500, 20000),
        onboarding_mode=_days(21, 45, XOMETRY_ONBOARDING),
        tolerance_mm=_choice({0.05: 0.3, 0.1: 0.5, 0.25: 0.2}),
        classes=(SizeClass("small", 0.3, _u(60, 150, PROTOLABS_IM), _days(7, 10, PROTOLABS_IM)),
                 SizeClass("standard", 0.5, _u(150, 500, PROTOLABS_IM), _days(15, 20, PROTOLABS_IM)),
                 SizeClass("mega", 0.2, _u(500, 1000, PROTOLABS_IM), _days(20, 28, PROTOLABS_IM))),
        width_ratio=_u(0.4, 1.0), height_ratio=_u(0.2, 0.8),
        materials=("ABS", "PP", "PA6", "PA66-GF30", "PC", "POM", "PBT", "TPE")),
    "die_casting": Family(
        unit_price=_lu(2, 40), setup_cost=_lu(15000, 100000), capacity_per_day=_lu(200, 5000),
        onboarding_mode=_days(30, 60, XOMETRY_ONBOARDING),
        tolerance_mm=_choice({0.05: 0.2, 0.1: 0.5, 0.2: 0.3}),
        classes=_one(_lu(150, 800), _days(10, 25)), width_ratio=_u(0.4, 0.9), height_ratio=_u(0.2, 0.8),
        materials=("AlSi10Mg", "AlSi9Cu3", "AlSi12", "ZAMAK 5", "AZ91D")),
    "casting": Family(
        unit_price=_lu(5, 200), setup_cost=_lu(1000, 20000), capacity_per_day=_lu(20, 1000),
        onboarding_mode=_days(30, 60, XOMETRY_ONBOARDING),
        tolerance_mm=_choice({0.25: 0.3, 0.5: 0.4, 1.0: 0.3}),
        classes=_one(_lu(200, 2000), _days(15, 35)), width_ratio=_u(0.4, 0.9), height_ratio=_u(0.3, 1.0),
        materials=("GJL-250", "GJS-400-15", "GJS-500-7", "AlSi7Mg", "1.4408", "42CrMo4")),
    "forging": Family(
        unit_price=_lu(3, 150), setup_cost=_lu(5000, 60000), capacity_per_day=_lu(100, 5000),
        onboarding_mode=_days(30, 60, XOMETRY_ONBOARDING),
        tolerance_mm=_choice({0.3: 0.4, 0.5: 0.4, 1.0: 0.2}),
        classes=_one(_lu(100, 1500), _days(15, 35)), width_ratio=_u(0.2, 0.8), height_ratio=_u(0.3, 1.0),
        materials=("42CrMo4", "C45", "16MnCr5", "38MnVS6", "6082-T6", "Ti-6Al-4V")),
    "welding": Family(
        unit_price=_lu(10, 200), setup_cost=_lu(200, 5000), capacity_per_day=_lu(10, 300),
        onboarding_mode=_days(10, 30, XOMETRY_ONBOARDING),
        tolerance_mm=_choice({0.5: 0.4, 1.0: 0.4, 2.0: 0.2}),
        classes=_one(_lu(500, 6000), _days(5, 14)), width_ratio=_u(0.2, 0.8), height_ratio=_u(0.2, 1.0),
        materials=("S235", "S355", "304", "316L", "5083", "6082-T6"),
        certifications={"NADCAP": 0.6}),
    "smt_assembly": Family(
        unit_price=_lu(5, 120), setup_cost=_lu(1000, 12000), capacity_per_day=_lu(50, 2000),
        onboarding_mode=_days(14, 35, XOMETRY_ONBOARDING),
        classes=_one(_lu(300, 600), _days(5, 15)), width_ratio=_u(0.6, 1.0), height_ratio=_u(0.05, 0.2),
        certifications={"IPC-A-610": 0.7}),
    "assembly": Family(
        unit_price=_lu(5, 200), setup_cost=_lu(500, 8000), capacity_per_day=_lu(20, 1000),
        onboarding_mode=_days(10, 28, XOMETRY_ONBOARDING), classes=_one(None, _days(3, 10)),
        certifications={"IPC-A-610": 0.2}),
    "winding": Family(
        unit_price=_lu(3, 60), setup_cost=_lu(1000, 10000), capacity_per_day=_lu(50, 1000),
        onboarding_mode=_days(14, 35, XOMETRY_ONBOARDING),
        classes=_one(_lu(100, 600), _days(7, 20)), width_ratio=_SQUARE, height_ratio=_u(0.3, 1.0),
        materials=("enamelled copper", "enamelled aluminium"), material_share=0.7),
    "testing": Family(
        unit_price=_lu(1, 40), setup_cost=_lu(500, 10000), capacity_per_day=_lu(50, 3000),
        onboarding_mode=_days(10, 28, XOMETRY_ONBOARDING), classes=_one(None, _days(2, 7)),
        certifications={"IPC-A-610": 0.2}),
    "additive_fdm": Family(
        unit_price=_lu(5, 150), setup_cost=_u(0, 200), capacity_per_day=_lu(5, 100),
        onboarding_mode=_days(5, 14, XOMETRY_ONBOARDING),
        tolerance_mm=Band("constant", (0.5,), HUBS_AM_TOLERANCE),
        classes=_one(_lu(200, 900, HUBS_AM_SIZE), _days(2, 6)), width_ratio=_u(0.67, 1.0),
        height_ratio=_u(0.75, 1.5),
        materials=("PLA", "ABS", "PETG", "ASA", "PC", "ULTEM 9085")),
    "additive_sla": Family(
        unit_price=_lu(5, 200), setup_cost=_u(0, 200), capacity_per_day=_lu(5, 150),
        onboarding_mode=_days(5, 14, XOMETRY_ONBOARDING),
        tolerance_mm=Band("constant", (0.15,), HUBS_AM_TOLERANCE),
        classes=_one(_lu(145, 1500, HUBS_AM_SIZE), _days(2, 7)), width_ratio=_u(0.5, 1.0),
        height_ratio=_u(0.6, 1.2),
        materials=("standard resin", "tough resin", "clear resin", "high-temperature resin")),
    "additive_sls": Family(
        unit_price=_lu(8, 200), setup_cost=_u(0, 200), capacity_per_day=_lu(10, 300),
        onboarding_mode=_days(5, 14, XOMETRY_ONBOARDING),
        tolerance_mm=Band("constant", (0.3,), HUBS_AM_TOLERANCE),
        classes=_one(_lu(300, 750, HUBS_AM_SIZE), _days(3, 8)), width_ratio=_u(0.7, 1.0),
        height_ratio=_u(0.9, 1.0), materials=("PA12", "PA11", "PA12-GF", "TPU")),
    "additive_mjf": Family(
        unit_price=_lu(5, 150), setup_cost=_u(0, 200), capacity_per_day=_lu(20, 500),
        onboarding_mode=_days(5, 14, XOMETRY_ONBOARDING),
        tolerance_mm=Band("constant", (0.3,), HUBS_AM_TOLERANCE),
        classes=_one(_lu(330, 380), _days(3, 8)), width_ratio=_u(0.7, 1.0), height_ratio=_u(0.9, 1.3),
        materials=("PA12", "PA11", "TPU", "PP")),
    "additive_dmls": Family(
        unit_price=_lu(50, 800), setup_cost=_u(0, 500), capacity_per_day=_lu(2, 50),
        onboarding_mode=_days(10, 28, XOMETRY_ONBOARDING),
        tolerance_mm=Band("constant", (0.2,), HUBS_AM_TOLERANCE),
        classes=_one(_lu(250, 500, HUBS_AM_SIZE), _days(5, 12)), width_ratio=_u(0.55, 0.6),
        height_ratio=_u(1.0, 1.3),
        materials=("AlSi10Mg", "316L", "Ti-6Al-4V", "IN718", "17-4PH", "1.2709")),
    "coating": Family(
        unit_price=_lu(1, 30), setup_cost=_lu(100, 3000), capacity_per_day=_lu(100, 10000),
        onboarding_mode=_days(7, 21, XOMETRY_ONBOARDING),
        classes=_one(_lu(1000, 6000), _days(2, 7)), width_ratio=_u(0.3, 0.8), height_ratio=_u(0.5, 1.0),
        materials=("aluminium", "steel", "stainless steel", "zinc die-cast", "brass"),
        certifications={"NADCAP": 0.6}),
    "heat_treatment": Family(
        unit_price=_lu(0.5, 20), setup_cost=_lu(100, 2000), capacity_per_day=_lu(200, 10000),
        onboarding_mode=_days(7, 21, XOMETRY_ONBOARDING),
        classes=_one(_lu(500, 2500), _days(2, 7)), width_ratio=_SQUARE, height_ratio=_SQUARE,
        materials=("16MnCr5", "42CrMo4", "C45", "100Cr6", "1.2379", "17-4PH"),
        certifications={"NADCAP": 0.6}),
    "sintering": Family(
        unit_price=_lu(0.5, 20), setup_cost=_lu(5000, 50000), capacity_per_day=_lu(500, 20000),
        onboarding_mode=_days(30, 60, XOMETRY_ONBOARDING),
        tolerance_mm=_choice({0.05: 0.4, 0.1: 0.6}),
        classes=_one(_lu(50, 300), _days(15, 35)), width_ratio=_SQUARE, height_ratio=_u(0.2, 1.0),
        materials=("NdFeB N42SH", "NdFeB N52", "SmCo", "Fe-Cu-C", "316L")),
    "reman": Family(
        unit_price=_lu(2, 80), setup_cost=_lu(500, 10000), capacity_per_day=_lu(10, 500),
        onboarding_mode=_days(14, 35, XOMETRY_ONBOARDING), classes=_one(None, _days(3, 14)),
        certifications={"RIC001": 0.3}),
}

#: The family of each process path a generated pool offers.
PROCESS_FAMILY: dict[str, str] = {
    "cutting/milling/3-axis": "cnc_milling", "cutting/milling/5-axis": "cnc_milling",
    "cutting/turning": "cnc_turning",
    "cutting/grinding": "precision_machining", "cutting/edm": "precision_machining",
    "cutting/laser_cutting": "sheet_metal", "forming/bending": "sheet_metal",
    "cutting/punching": "sheet_metal", "cutting/waterjet_cutting": "sheet_metal",
    "forming/stamping": "stamping",
    "primary_shaping/injection_moulding": "injection_moulding",
    "primary_shaping/die_casting": "die_casting",
    "primary_shaping/sand_casting": "casting", "primary_shaping/investment_casting": "casting",
    "forming/forging": "forging",
    "joining/welding": "welding",
    "joining/smt_assembly": "smt_assembly", "joining/soldering": "smt_assembly",
    "joining/assembly": "assembly", "joining/adhesive_bonding": "assembly", "other/packaging": "assembly",
    "forming/winding": "winding",
    "other/testing": "testing",
    "primary_shaping/additive_manufacturing/fdm": "additive_fdm",
    "primary_shaping/additive_manufacturing/sla": "additive_sla",
    "primary_shaping/additive_manufacturing/sls": "additive_sls",
    "primary_shaping/additive_manufacturing/mjf": "additive_mjf",
    "primary_shaping/additive_manufacturing/dmls": "additive_dmls",
    "coating/powder_coating": "coating", "coating/anodizing": "coating",
    "coating/electroplating": "coating", "coating/painting": "coating",
    "changing_material_properties/heat_treatment": "heat_treatment",
    "changing_material_properties/hardening": "heat_treatment",
    "primary_shaping/sintering": "sintering", "primary_shaping/powder_metallurgy": "sintering",
    "changing_material_properties/magnetizing": "sintering",
    "cutting/disassembly": "reman", "cutting/cleaning": "reman", "other/reconditioning": "reman",
    "joining/reassembly": "reman",
}

#: Figures drawn once per provider.
PROVIDER_FIGURES: dict[str, Band] = {
    "coordinate_jitter_deg": Band("normal", (0.0, 0.25), "assumption: sites within about 30 km of a hub"),
    "cost_factor": _u(0.85, 1.15, "assumption: a provider's prices vary ±15 % around its country's level"),
    "iso_9001": Band("choice", (0.0, 1.0), CERTS_ASSUMED, (0.2, 0.8)),
    "iso_14001": Band("choice", (0.0, 1.0), CERTS_ASSUMED, (0.65, 0.35)),
    "iso_45001": Band("choice", (0.0, 1.0), CERTS_ASSUMED, (0.85, 0.15)),
    "iso_50001": Band("choice", (0.0, 1.0), CERTS_ASSUMED, (0.95, 0.05)),
    "late_share": _lu(0.01, 0.15, f"{XOMETRY_PARTNER}; on_time_rate = 1 - late_share, 0.85-0.99 with "
                      "median 0.96; the spread below 95 % is an assumption"),
    "export_controlled": Band("choice", (0.0, 1.0), "assumption: export control and ITAR matter in "
                              "defence work (not verified in a retrieved page); 2 % of providers, "
                              "+25 % of AS9100 ones; US export-controlled providers hold ITAR",
                              (0.98, 0.02)),
    "export_controlled_as9100_extra": Band("constant", (0.25,), "assumption (see export_controlled)"),
}

#: Figures drawn once per offering (all families).
OFFERING_FIGURES: dict[str, Band] = {
    "defect_share": _lu(0.001, 0.03, f"{XOMETRY_PARTNER}; conformance_rate = 1 - defect_share, "
                        "0.97-0.999 (median 0.995); the tail below 99 % is an assumption"),
    "expedite_offered": Band("choice", (0.0, 1.0), PROTOLABS_EXPEDITE, (0.25, 0.75)),
    "expedite_premium": _u(0.15, 0.6, PROTOLABS_EXPEDITE),
    "lead_time_low_factor": _u(0.6, 0.9, "assumption: triangular lead time, low = floor(mode x factor)"),
    "lead_time_high_factor": _u(1.3, 1.8, "assumption: triangular lead time, high = ceil(mode x factor)"),
    "onboarding_sector_extra": _days(7, 21, "assumption: PPAP or AS9102 first-article approval adds "
                                     "days for IATF 16949, AS9100 and ISO 13485 providers "
                                     "(AS9102 form: Xometry quality documents [verified])"),
    "onboarding_low_factor": _u(0.6, 0.8, "assumption: triangular onboarding, low = floor(mode x factor)"),
    "onboarding_high_factor": _u(1.4, 2.0, "assumption: triangular onboarding, high = ceil(mode x factor)"),
    "material_at_least_one": Band("constant", (1.0,), "definition: an offering of a family with a "
                                  "material list processes at least one (one drawn uniformly "
                                  "when none was)"),
}
