"""Synthetic MaaS provider pools of any size, drawn from documented distributions.

:func:`generate_pool` draws a plausible pool with the columns of :data:`resim.supply.pool.COLUMNS`:
providers in about 30 countries around real industrial hubs, each of a profile (machining shop,
moulder, EMS, foundry, ...) offering one to six processes of the DIN 8580 taxonomy, with bands of
price, capacity, tolerance, size envelope, lead time and onboarding per process family
(:mod:`resim.supply.bands`, :mod:`resim.supply.population`). :func:`distributions` lists every
figure it draws as a table (see ``docs/maas-pool.md``). Write a pool as CSV with
:func:`resim.supply.pool.write_pool_csv`.

Everything random in :func:`generate_pool` comes from one :class:`numpy.random.Generator` seeded
by ``seed``; the same ``(n, seed)`` gives the same frame.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from resim.scenario.taxonomy import CERTIFICATIONS, check_process
from resim.supply.bands import (
    ASSUMED, CERTS_ASSUMED, FAMILIES, OFFERING_FIGURES, PROCESS_FAMILY, PROVIDER_FIGURES, Band,
)
from resim.supply.pool import _frame, _objects, pool_frame
from resim.supply.population import (
    COUNTRIES, COUNTRY_SOURCE, MAX_OFFERINGS_PER_PROVIDER, OFFERINGS_PER_PROVIDER, PROFILES,
    PROFILE_SOURCE, SECTOR_SOURCE,
)

__all__ = ["generate_pool", "distributions"]

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


class _Tables:
    """The tables of :mod:`resim.supply.bands` and :mod:`resim.supply.population` as arrays, built once."""

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
        # A synthetic provider delivers as it publishes.
        "delivered_on_time_rate": np.full(len(owner), np.nan),
        "delivered_conformance_rate": np.full(len(owner), np.nan),
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
