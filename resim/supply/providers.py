"""MaaS provider pools as flat DataFrames, and synthetic pools with documented distributions.

* :func:`pool_frame` turns a scenario's offerings (``scenario.maas.providers``) into one row per
  offering with flat columns (:data:`COLUMNS`), the form :mod:`resim.supply.matching` filters and scores.
* :func:`generate_pool` draws a plausible synthetic pool of any size with the same columns:
  providers in about 30 countries around real industrial hubs, each of a profile (machining shop,
  moulder, EMS, foundry, ...) offering one to six processes of the DIN 8580 taxonomy, with bands of
  price, capacity, tolerance, size envelope, lead time and onboarding per process family.
  Every figure is a :class:`Band` with its ``source``; figures without a retrieved source say
  ``assumption``. :func:`distributions` lists them all as a table (see ``docs/maas-pool.md``).
* :func:`write_pool_csv` writes a pool as a CSV file a scenario reads with
  ``maas: {providers: {csv: FILE}}``.

Everything random in :func:`generate_pool` comes from one :class:`numpy.random.Generator` seeded
by ``seed``; the same ``(n, seed)`` gives the same frame.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import math
import operator
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Literal, Sequence

import numpy as np
import pandas as pd

from resim.core.files import write_atomic
from resim.scenario.taxonomy import CERTIFICATIONS, check_process

if TYPE_CHECKING:
    from resim.scenario.format.maas import Offering

__all__ = [
    "COLUMNS", "OFFERING_FIELDS", "pool_frame", "generate_pool", "write_pool_csv", "distributions",
    "Band", "SizeClass", "Family", "Profile", "Country", "FAMILIES", "PROCESS_FAMILY", "PROFILES",
    "COUNTRIES", "PROVIDER_FIGURES", "OFFERING_FIGURES", "OFFERINGS_PER_PROVIDER",
    "MAX_OFFERINGS_PER_PROVIDER",
]

#: Columns of a pool frame, in order.
COLUMNS: tuple[str, ...] = (
    "id", "provider", "process", "process_group", "materials", "tolerance_mm",
    "size_l_mm", "size_w_mm", "size_h_mm", "certifications", "capacity_per_day", "setup_cost",
    "unit_price", "expedite_premium", "lead_time_days", "lead_time_mean", "lead_time_sd",
    "onboarding_days", "onboarding_mean", "conformance_rate", "on_time_rate", "country", "region",
    "lat", "lon", "export_controlled", "inputs",
)

#: Fields of :class:`resim.scenario.format.maas.Offering`: the header of a pool CSV, in order.
OFFERING_FIELDS: tuple[str, ...] = (
    "id", "provider", "process", "materials", "tolerance_mm", "size_mm", "certifications",
    "capacity_per_day", "setup_cost", "unit_price", "expedite_premium", "lead_time_days",
    "onboarding_days", "conformance_rate", "on_time_rate", "country", "region", "lat", "lon",
    "export_controlled", "inputs",
)

_FLOAT_COLUMNS = ("tolerance_mm", "size_l_mm", "size_w_mm", "size_h_mm", "capacity_per_day",
                  "setup_cost", "unit_price", "expedite_premium", "lead_time_mean", "lead_time_sd",
                  "onboarding_mean", "conformance_rate", "on_time_rate", "lat", "lon")


# ---------------------------------------------------------------------------------------------
# From offerings to a frame

def offerings_from_frame(frame: pd.DataFrame) -> list["Offering"]:
    """The rows of a pool frame as validated offerings (the inverse of :func:`pool_frame`)."""
    from resim.scenario.format.maas import Offering

    def number(value):
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

    found = []
    for r in frame.to_dict("records"):
        size = None if number(r["size_l_mm"]) is None else (r["size_l_mm"], r["size_w_mm"], r["size_h_mm"])
        found.append(Offering(
            id=r["id"], provider=r["provider"], process=r["process"], materials=r["materials"],
            tolerance_mm=number(r["tolerance_mm"]), size_mm=size, certifications=sorted(r["certifications"]),
            capacity_per_day=r["capacity_per_day"], setup_cost=r["setup_cost"], unit_price=r["unit_price"],
            expedite_premium=r["expedite_premium"], lead_time_days=r["lead_time_days"],
            onboarding_days=r["onboarding_days"], conformance_rate=r["conformance_rate"],
            on_time_rate=r["on_time_rate"], country=r["country"], region=r["region"], lat=number(r["lat"]),
            lon=number(r["lon"]), export_controlled=r["export_controlled"], inputs=r["inputs"]))
    return found


def pool_frame(offerings: Sequence["Offering"]) -> pd.DataFrame:
    """One row per offering with the flat columns of :data:`COLUMNS`.

    ``materials`` holds tuples, ``certifications`` frozensets; missing tolerance, size and
    coordinates are NaN; ``lead_time_days`` and ``onboarding_days`` hold the distributions'
    compact strings, ``lead_time_mean``/``lead_time_sd``/``onboarding_mean`` their moments.
    """
    offs = list(offerings)
    if not offs:
        return _frame({name: [] for name in COLUMNS})
    nan = math.nan
    with _gc_paused():      # 100,000s of small tuples, no cycles: collecting them only costs time
        row = operator.itemgetter(*OFFERING_FIELDS)
        (ids, providers, processes, materials, tolerance, sizes, certifications, capacity, setup,
         price, expedite, lead, onboarding, conformance, on_time, country, region, lat, lon,
         controlled, inputs) = zip(*[row(o.__dict__) for o in offs])
        lead_text, lead_mean, lead_sd = _dist_columns(lead)
        onboarding_text, onboarding_mean, _ = _dist_columns(onboarding)
        data = {
            "id": ids, "provider": providers, "process": processes,
            "process_group": [p.partition("/")[0] for p in processes],
            "materials": materials,
            "tolerance_mm": [nan if x is None else x for x in tolerance],
            "size_l_mm": [nan if s is None else s[0] for s in sizes],
            "size_w_mm": [nan if s is None else s[1] for s in sizes],
            "size_h_mm": [nan if s is None else s[2] for s in sizes],
            "certifications": _frozensets(certifications),
            "capacity_per_day": capacity, "setup_cost": setup, "unit_price": price,
            "expedite_premium": expedite,
            "lead_time_days": lead_text, "lead_time_mean": lead_mean, "lead_time_sd": lead_sd,
            "onboarding_days": onboarding_text, "onboarding_mean": onboarding_mean,
            "conformance_rate": conformance, "on_time_rate": on_time, "country": country,
            "region": region,
            "lat": [nan if x is None else x for x in lat], "lon": [nan if x is None else x for x in lon],
            "export_controlled": controlled, "inputs": inputs,
        }
        return _frame(data)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (if it runs) and restore it afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _dist_columns(dists: Sequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compact strings, means and sds of distributions, each distinct distribution computed once."""
    try:
        keys = [tuple(d.__dict__.values()) for d in dists]     # the name ('dist') and parameters
        codes: dict[tuple, int] = {}
        at = np.array([codes.setdefault(k, len(codes)) for k in keys], dtype=np.int64)
    except TypeError:                                         # unhashable parameters
        at = np.arange(len(dists))
    _, first = np.unique(at, return_index=True)               # codes count up from 0 in order
    unique = [dists[i] for i in first.tolist()]
    texts = _objects([str(d) for d in unique])
    means = np.array([d.mean for d in unique], dtype=float)
    sds = np.array([d.sd for d in unique], dtype=float)
    return texts[at], means[at], sds[at]


def _frozensets(collections: Sequence[tuple[str, ...]]) -> list[frozenset[str]]:
    """``frozenset`` of each tuple, one shared object per distinct tuple."""
    cache: dict[tuple[str, ...], frozenset[str]] = {}
    found = []
    for items in collections:
        hit = cache.get(items)
        if hit is None:
            hit = cache[items] = frozenset(items)
        found.append(hit)
    return found


def _frame(data: dict[str, list | np.ndarray]) -> pd.DataFrame:
    """A pool frame with the documented dtypes: float64 numbers, bool flags, object otherwise."""
    columns: dict[str, np.ndarray] = {}
    for name in COLUMNS:
        values = data[name]
        if name in _FLOAT_COLUMNS:
            columns[name] = (values.astype(float) if isinstance(values, np.ndarray)
                             else np.fromiter(values, dtype=float, count=len(values)))
        elif name == "export_controlled":
            columns[name] = np.asarray(values, dtype=bool)
        else:
            columns[name] = _objects(values)
    return pd.DataFrame(columns, columns=list(COLUMNS))


def _objects(values: Sequence | np.ndarray) -> np.ndarray:
    """A 1-d object array of ``values`` (tuples stay elements, never become a second axis)."""
    if isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1:
        return values
    return np.fromiter(values, dtype=object, count=len(values))


# ---------------------------------------------------------------------------------------------
# The documented distributions

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

#: Offerings per provider on average (n offerings come from ceil(n / 3) providers), and at most.
OFFERINGS_PER_PROVIDER = 3
MAX_OFFERINGS_PER_PROVIDER = 6

_SECTOR = ("IATF 16949", "AS9100", "ISO 13485")


def distributions() -> pd.DataFrame:
    """Every figure :func:`generate_pool` draws: scope, figure, distribution, low, high, source."""
    rows: list[dict] = []

    def add(scope: str, figure: str, band: Band | None) -> None:
        if band is not None:
            rows.append({"scope": scope, "figure": figure, "distribution": str(band),
                         "low": band.low, "high": band.high, "source": band.source})

    for name, fam in FAMILIES.items():
        add(name, "unit_price", fam.unit_price)
        add(name, "setup_cost", fam.setup_cost)
        add(name, "capacity_per_day", fam.capacity_per_day)
        add(name, "tolerance_mm", fam.tolerance_mm)
        for cls in fam.classes:
            label = "" if len(fam.classes) == 1 else f" ({cls.name}, {cls.share:.0%})"
            add(name, f"size_l_mm{label}", cls.length_mm)
            add(name, f"lead_time_mode{label}", cls.lead_time_mode)
        add(name, "width_ratio", fam.width_ratio)
        add(name, "height_ratio", fam.height_ratio)
        add(name, "onboarding_mode", fam.onboarding_mode)
        if fam.materials:
            rows.append({"scope": name, "figure": "materials",
                         "distribution": f"each with chance {fam.material_share:g}: "
                                         + ", ".join(fam.materials),
                         "low": math.nan, "high": math.nan, "source": ASSUMED})
        for cert, chance in fam.certifications.items():
            rows.append({"scope": name, "figure": f"certification {cert}",
                         "distribution": f"chance {chance:g}" + (" (AS9100 providers only)"
                                                                  if cert == "NADCAP" else ""),
                         "low": 0.0, "high": 1.0, "source": CERTS_ASSUMED})
    for name, prof in PROFILES.items():
        rows.append({"scope": f"profile {name}", "figure": "share of providers",
                     "distribution": f"{prof.share:g}; processes " + ", ".join(
                         f"{p} {w:g}" for p, w in prof.processes.items()),
                     "low": math.nan, "high": math.nan, "source": PROFILE_SOURCE})
        rows.append({"scope": f"profile {name}", "figure": "sector certificates",
                     "distribution": f"IATF 16949 {prof.iatf_16949:g}, AS9100 {prof.as9100:g}, "
                                     f"ISO 13485 {prof.iso_13485:g} (ISO 9001 providers only)",
                     "low": 0.0, "high": 1.0, "source": SECTOR_SOURCE})
    for code, place in COUNTRIES.items():
        rows.append({"scope": f"country {code}", "figure": "weight, cost level, hubs",
                     "distribution": f"{place.weight:g}, {place.cost_level:g}, "
                                     + ", ".join(h[0] for h in place.hubs) + f" ({place.region})",
                     "low": math.nan, "high": math.nan, "source": COUNTRY_SOURCE})
    for name, band in PROVIDER_FIGURES.items():
        add("provider", name, band)
    for name, band in OFFERING_FIGURES.items():
        add("offering", name, band)
    return pd.DataFrame(rows, columns=["scope", "figure", "distribution", "low", "high", "source"])


# ---------------------------------------------------------------------------------------------
# The generator

class _Tables:
    """The tables above as arrays, built once."""

    def __init__(self) -> None:
        self.family_names = tuple(FAMILIES)
        self.process_paths = tuple(PROCESS_FAMILY)
        for path in self.process_paths:
            check_process(path)
        self.process_family = np.array([self.family_names.index(PROCESS_FAMILY[p])
                                        for p in self.process_paths])
        self.profile_names = tuple(PROFILES)
        self.profile_share = np.array([p.share for p in PROFILES.values()])
        width = max(len(p.processes) for p in PROFILES.values())
        self.profile_process = np.zeros((len(PROFILES), width), dtype=np.int64)
        self.profile_logw = np.full((len(PROFILES), width), -np.inf)
        self.profile_size = np.zeros(len(PROFILES), dtype=np.int64)
        for i, prof in enumerate(PROFILES.values()):
            for j, (path, weight) in enumerate(prof.processes.items()):
                self.profile_process[i, j] = self.process_paths.index(path)
                self.profile_logw[i, j] = math.log(weight)
            self.profile_size[i] = len(prof.processes)
        self.profile_sector = np.array([[p.iatf_16949, p.as9100, p.iso_13485] for p in PROFILES.values()])
        self.country_codes = tuple(COUNTRIES)
        weights = np.array([c.weight for c in COUNTRIES.values()])
        self.country_p = weights / weights.sum()
        self.country_region = np.array([c.region for c in COUNTRIES.values()], dtype=object)
        self.country_level = np.array([c.cost_level for c in COUNTRIES.values()])
        self.hub_count = np.array([len(c.hubs) for c in COUNTRIES.values()])
        self.hub_start = np.concatenate([[0], np.cumsum(self.hub_count)[:-1]])
        hubs = [h for c in COUNTRIES.values() for h in c.hubs]
        self.hub_lat = np.array([h[1] for h in hubs])
        self.hub_lon = np.array([h[2] for h in hubs])
        self.cert_bit = {name: 1 << i for i, name in enumerate(CERTIFICATIONS)}


_TABLES: _Tables | None = None


def _tables() -> _Tables:
    global _TABLES
    if _TABLES is None:
        _TABLES = _Tables()
    return _TABLES


def _chance(band: Band, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draws of a 0/1 ``choice`` band as booleans."""
    return band.draw(rng, size) > 0.5


def generate_pool(n: int, seed: int = 0) -> pd.DataFrame:
    """A synthetic pool of ``n`` offerings from ``ceil(n / 3)`` providers, with :data:`COLUMNS`.

    Providers get a profile (:data:`PROFILES`), a country and hub (:data:`COUNTRIES`), a cost
    factor, certificates, an on-time rate and an export-control flag; each offers 1 to 6
    different processes of its profile (weighted sampling without replacement), each drawn from
    its family's bands (:data:`FAMILIES`). Same ``(n, seed)``, same frame.

    Raises:
        ValueError: when ``n < 0``.
    """
    if n < 0:
        raise ValueError(f"n must be at least 0, not {n}")
    if n == 0:
        return pool_frame([])
    t = _tables()
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))

    # Providers
    m = max(1, -(-n // OFFERINGS_PER_PROVIDER))
    profile = rng.choice(len(t.profile_names), m, p=t.profile_share)
    country = rng.choice(len(t.country_codes), m, p=t.country_p)
    hub = t.hub_start[country] + np.floor(rng.random(m) * t.hub_count[country]).astype(np.int64)
    jitter = PROVIDER_FIGURES["coordinate_jitter_deg"]
    p_lat = np.clip(np.round(t.hub_lat[hub] + jitter.draw(rng, m), 3), -90.0, 90.0)
    p_lon = np.clip(np.round(t.hub_lon[hub] + jitter.draw(rng, m), 3), -180.0, 180.0)
    cost = t.country_level[country] * PROVIDER_FIGURES["cost_factor"].draw(rng, m)
    bits = t.cert_bit
    iso9001 = _chance(PROVIDER_FIGURES["iso_9001"], rng, m)
    sector = (rng.random((m, 3)) < t.profile_sector[profile]) & iso9001[:, None]
    as9100 = sector[:, 1]
    p_certs = (iso9001 * bits["ISO 9001"]
               + _chance(PROVIDER_FIGURES["iso_14001"], rng, m) * bits["ISO 14001"]
               + _chance(PROVIDER_FIGURES["iso_45001"], rng, m) * bits["ISO 45001"]
               + _chance(PROVIDER_FIGURES["iso_50001"], rng, m) * bits["ISO 50001"]
               + sector @ np.array([bits[c] for c in _SECTOR]))
    controlled = (_chance(PROVIDER_FIGURES["export_controlled"], rng, m)
                  | (as9100 & (rng.random(m) < PROVIDER_FIGURES["export_controlled_as9100_extra"].values[0])))
    is_us = np.array(t.country_codes)[country] == "US"
    p_certs = p_certs + (controlled & is_us) * bits["ITAR"]
    on_time = np.round(1.0 - PROVIDER_FIGURES["late_share"].draw(rng, m), 4)

    # Offerings per provider: at least one each, at most the profile's processes (and 6)
    cap = np.minimum(t.profile_size[profile], MAX_OFFERINGS_PER_PROVIDER)
    counts = np.ones(m, dtype=np.int64) + np.bincount(rng.integers(0, m, n - m), minlength=m)
    while True:
        over = np.maximum(counts - cap, 0)
        spare = int(over.sum())
        if spare == 0:
            break
        counts -= over
        room = np.flatnonzero(counts < cap)
        counts += np.bincount(room[rng.integers(0, len(room), spare)], minlength=m)
    # Weighted sampling without replacement (Gumbel top-k): a provider's r-th offering
    keys = t.profile_logw[profile] + rng.gumbel(size=t.profile_logw[profile].shape)
    order = np.argsort(-keys, axis=1, kind="stable")
    owner = np.repeat(np.arange(m), counts)
    rank = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    process = t.profile_process[profile[owner], order[owner, rank]]
    family = t.process_family[process]

    # Per-offering figures, family by family
    nan = math.nan
    unit_price = np.empty(n)
    setup = np.empty(n)
    capacity = np.empty(n)
    tolerance = np.full(n, nan)
    size = np.full((n, 3), nan)
    lead_mode = np.empty(n)
    onboard_mode = np.empty(n)
    o_certs = p_certs[owner].astype(np.int64)
    materials_array = _objects([()] * n)
    for f, name in enumerate(t.family_names):
        idx = np.flatnonzero(family == f)
        k = len(idx)
        if k == 0:
            continue
        fam = FAMILIES[name]
        level = cost[owner[idx]]
        unit_price[idx] = np.round(fam.unit_price.draw(rng, k) * level, 2)
        setup[idx] = np.round(fam.setup_cost.draw(rng, k) * level, 0)
        capacity[idx] = np.maximum(np.round(fam.capacity_per_day.draw(rng, k)), 1.0)
        if fam.tolerance_mm is not None:
            tolerance[idx] = fam.tolerance_mm.draw(rng, k)
        shares = np.array([c.share for c in fam.classes])
        cls = rng.choice(len(fam.classes), k, p=shares / shares.sum()) if len(fam.classes) > 1 else np.zeros(k, int)
        for c, spec in enumerate(fam.classes):
            sub = idx[cls == c]
            if len(sub) == 0:
                continue
            lead_mode[sub] = spec.lead_time_mode.draw(rng, len(sub))
            if spec.length_mm is not None:
                length = spec.length_mm.draw(rng, len(sub))
                width = length * fam.width_ratio.draw(rng, len(sub))
                height = width * fam.height_ratio.draw(rng, len(sub))
                size[sub] = np.maximum(np.rint(np.column_stack([length, width, height])), 1.0)
        onboard_mode[idx] = fam.onboarding_mode.draw(rng, k)
        if fam.materials:
            picks = rng.random((k, len(fam.materials))) < fam.material_share
            none = ~picks.any(axis=1)
            picks[np.flatnonzero(none), rng.integers(0, len(fam.materials), int(none.sum()))] = True
            masks = picks @ (1 << np.arange(len(fam.materials)))
            cache: dict[int, tuple[str, ...]] = {}
            for mask in np.unique(masks):
                cache[int(mask)] = tuple(m_ for j, m_ in enumerate(fam.materials) if mask >> j & 1)
            materials_array[idx] = _objects([cache[mask] for mask in masks.tolist()])
        for cert, chance in fam.certifications.items():
            got = rng.random(k) < chance
            if cert == "NADCAP":
                got &= as9100[owner[idx]]
            o_certs[idx] |= got * bits[cert]

    # Shared per-offering figures
    of = OFFERING_FIGURES
    conformance = np.round(1.0 - of["defect_share"].draw(rng, n), 4)
    expedite = np.where(_chance(of["expedite_offered"], rng, n),
                        np.round(of["expedite_premium"].draw(rng, n), 2), 0.0)
    low = np.maximum(np.floor(lead_mode * of["lead_time_low_factor"].draw(rng, n)), 1.0)
    high = np.maximum(np.ceil(lead_mode * of["lead_time_high_factor"].draw(rng, n)), lead_mode + 1)
    sector_owner = sector[owner].any(axis=1)
    onboard_mode = onboard_mode + sector_owner * of["onboarding_sector_extra"].draw(rng, n)
    o_low = np.maximum(np.floor(onboard_mode * of["onboarding_low_factor"].draw(rng, n)), 1.0)
    o_high = np.maximum(np.ceil(onboard_mode * of["onboarding_high_factor"].draw(rng, n)), onboard_mode + 1)

    # Names and cells
    countries = np.array(t.country_codes, dtype=object)[country]
    profiles = np.array(t.profile_names, dtype=object)[profile]
    digits = max(5, len(str(m)))
    provider_ids = [f"{p}_{c.lower()}_{i:0{digits}d}" for i, (p, c) in enumerate(zip(profiles, countries))]
    offering_owner = owner.tolist()
    ranks = (rank + 1).tolist()
    paths = np.array(t.process_paths, dtype=object)[process]
    groups = np.array([path.partition("/")[0] for path in t.process_paths], dtype=object)[process]
    cert_sets = _cert_sets(o_certs)
    data = {
        "id": [f"{provider_ids[o]}.{r}" for o, r in zip(offering_owner, ranks)],
        "provider": [provider_ids[o] for o in offering_owner],
        "process": paths,
        "process_group": groups,
        "materials": materials_array,
        "tolerance_mm": tolerance,
        "size_l_mm": size[:, 0], "size_w_mm": size[:, 1], "size_h_mm": size[:, 2],
        "certifications": cert_sets,
        "capacity_per_day": capacity,
        "setup_cost": setup,
        "unit_price": unit_price,
        "expedite_premium": expedite,
        "lead_time_days": _triangulars(low, lead_mode, high),
        "lead_time_mean": (low + lead_mode + high) / 3,
        "lead_time_sd": _triangular_sd(low, lead_mode, high),
        "onboarding_days": _triangulars(o_low, onboard_mode, o_high),
        "onboarding_mean": (o_low + onboard_mode + o_high) / 3,
        "conformance_rate": conformance,
        "on_time_rate": on_time[owner],
        "country": countries[owner],
        "region": t.country_region[country][owner],
        "lat": p_lat[owner],
        "lon": p_lon[owner],
        "export_controlled": controlled[owner],
        "inputs": np.full(len(owner), "consigned", dtype=object),  # the firm supplies components
    }
    return _frame(data)


def _cert_sets(masks: np.ndarray) -> list[frozenset[str]]:
    """Bit masks over :data:`resim.scenario.taxonomy.CERTIFICATIONS` as frozensets (one per distinct mask)."""
    cache = {int(mask): frozenset(c for i, c in enumerate(CERTIFICATIONS) if int(mask) >> i & 1)
             for mask in np.unique(masks)}
    return [cache[mask] for mask in masks.tolist()]


def _triangulars(low: np.ndarray, mode: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Compact strings ``triangular(a, b, c)`` of whole-day parameters (each distinct one once)."""
    key = (low.astype(np.int64) << 42) | (mode.astype(np.int64) << 21) | high.astype(np.int64)
    unique, inverse = np.unique(key, return_inverse=True)
    mask = (1 << 21) - 1
    texts = np.array([f"triangular({k >> 42}, {k >> 21 & mask}, {k & mask})" for k in unique.tolist()],
                     dtype=object)
    return texts[inverse.reshape(-1)]


def _triangular_sd(a: np.ndarray, c: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Standard deviation of triangular(a, c, b), as :class:`resim.core.dists.Triangular` computes it."""
    return np.sqrt(np.maximum(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18)


# ---------------------------------------------------------------------------------------------
# Writing a pool as CSV

def _num(x: float) -> str:
    """A number as the scenario format writes it: ``40`` rather than ``40.0``, exact otherwise."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _num_or_empty(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else _num(x)


def write_pool_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` (from :func:`pool_frame` or :func:`generate_pool`) as a CSV file that a
    scenario reads with ``maas: {providers: {csv: FILE}}``: one column per Offering field,
    lists as ``a; b``, ``size_mm`` as ``[L, W, H]``, distributions as compact strings.
    Written atomically (temporary file, then rename).

    Raises:
        ValueError: when ``frame`` lacks a column of :data:`COLUMNS` the CSV needs.
    """
    needed = [c for c in COLUMNS if c != "process_group"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"the pool frame lacks column(s) {', '.join(missing)}")
    order = {c: i for i, c in enumerate(CERTIFICATIONS)}

    def dist_cells(text_column: str, mean_column: str) -> list[str]:
        texts = frame[text_column].tolist()
        means = frame[mean_column].tolist()
        return [t if isinstance(t, str) and t else _num(mu) for t, mu in zip(texts, means)]

    sizes = frame[["size_l_mm", "size_w_mm", "size_h_mm"]].to_numpy(float)
    cells = {
        "id": frame["id"].astype(str).tolist(),
        "provider": frame["provider"].astype(str).tolist(),
        "process": frame["process"].astype(str).tolist(),
        "materials": ["; ".join(ms) for ms in frame["materials"].tolist()],
        "tolerance_mm": [_num_or_empty(x) for x in frame["tolerance_mm"].tolist()],
        "size_mm": ["" if np.isnan(s).any() else f"[{_num(s[0])}, {_num(s[1])}, {_num(s[2])}]"
                    for s in sizes],
        "certifications": ["; ".join(sorted(cs, key=lambda c: order.get(c, len(order))))
                           for cs in frame["certifications"].tolist()],
        "capacity_per_day": [_num(x) for x in frame["capacity_per_day"].tolist()],
        "setup_cost": [_num(x) for x in frame["setup_cost"].tolist()],
        "unit_price": [_num(x) for x in frame["unit_price"].tolist()],
        "expedite_premium": [_num(x) for x in frame["expedite_premium"].tolist()],
        "lead_time_days": dist_cells("lead_time_days", "lead_time_mean"),
        "onboarding_days": dist_cells("onboarding_days", "onboarding_mean"),
        "conformance_rate": [_num(x) for x in frame["conformance_rate"].tolist()],
        "on_time_rate": [_num(x) for x in frame["on_time_rate"].tolist()],
        "country": frame["country"].astype(str).tolist(),
        "region": frame["region"].astype(str).tolist(),
        "lat": [_num_or_empty(x) for x in frame["lat"].tolist()],
        "lon": [_num_or_empty(x) for x in frame["lon"].tolist()],
        "export_controlled": ["true" if x else "false" for x in frame["export_controlled"].tolist()],
        "inputs": frame["inputs"].astype(str).tolist(),
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(OFFERING_FIELDS)
    writer.writerows(zip(*(cells[name] for name in OFFERING_FIELDS)))
    write_atomic(Path(path), buffer.getvalue())
