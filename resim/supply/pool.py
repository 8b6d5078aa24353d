"""A MaaS provider pool as a flat DataFrame, one row per offering, and as the CSV a scenario reads.

* :func:`pool_frame` turns a scenario's offerings (``scenario.maas.providers``) into one row per
  offering with flat columns (:data:`COLUMNS`), the form :mod:`resim.supply.matching` filters and
  scores; :func:`offerings_from_frame` turns the rows back into offerings.
* :func:`write_pool_csv` writes a pool frame as a CSV file a scenario reads with
  ``maas: {providers: {csv: FILE}}``.

Synthetic pools with the same columns come from :mod:`resim.supply.generator`.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import math
import operator
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np
import pandas as pd

from resim.core.files import write_atomic
from resim.scenario.taxonomy import CERTIFICATIONS

if TYPE_CHECKING:
    from resim.scenario.format.maas import Offering

__all__ = ["COLUMNS", "EXTERNAL", "OFFERING_FIELDS", "pool_frame", "offerings_from_frame", "write_pool_csv"]

#: Columns of a pool frame, in order.
COLUMNS: tuple[str, ...] = (
    "id", "provider", "process", "process_group", "materials", "tolerance_mm",
    "size_l_mm", "size_w_mm", "size_h_mm", "certifications", "capacity_per_day", "setup_cost",
    "unit_price", "expedite_premium", "lead_time_days", "lead_time_mean", "lead_time_sd",
    "onboarding_days", "onboarding_mean", "conformance_rate", "on_time_rate", "delivered_on_time_rate",
    "delivered_conformance_rate", "country", "region", "lat", "lon", "export_controlled", "inputs",
    "internal", "material_factor",
)

#: Columns a pool has beyond its offerings' fields, with their value for an external offering:
#: whether the offering is one of the firm's own sites (internal MaaS, :mod:`resim.supply.internal`),
#: and the multiple of a needed part's material cost its price adds (1 + margin for an internal
#: offering priced at cost, 0 for a published price).
EXTERNAL: dict[str, object] = {"internal": False, "material_factor": 0.0}

#: Fields of :class:`resim.scenario.format.maas.Offering`: the header of a pool CSV, in order.
OFFERING_FIELDS: tuple[str, ...] = (
    "id", "provider", "process", "materials", "tolerance_mm", "size_mm", "certifications",
    "capacity_per_day", "setup_cost", "unit_price", "expedite_premium", "lead_time_days",
    "onboarding_days", "conformance_rate", "on_time_rate", "delivered_on_time_rate",
    "delivered_conformance_rate", "country", "region", "lat", "lon", "export_controlled", "inputs",
)

_FLOAT_COLUMNS = ("tolerance_mm", "size_l_mm", "size_w_mm", "size_h_mm", "capacity_per_day",
                  "setup_cost", "unit_price", "expedite_premium", "lead_time_mean", "lead_time_sd",
                  "onboarding_mean", "conformance_rate", "on_time_rate", "delivered_on_time_rate",
                  "delivered_conformance_rate", "lat", "lon", "material_factor")


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
            on_time_rate=r["on_time_rate"], delivered_on_time_rate=number(r["delivered_on_time_rate"]),
            delivered_conformance_rate=number(r["delivered_conformance_rate"]), country=r["country"], region=r["region"], lat=number(r["lat"]),
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
         price, expedite, lead, onboarding, conformance, on_time, delivered_on_time, delivered_conformance,
         country, region, lat, lon, controlled, inputs) = zip(*[row(o.__dict__) for o in offs])
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
            "conformance_rate": conformance, "on_time_rate": on_time,
            "delivered_on_time_rate": [nan if x is None else x for x in delivered_on_time],
            "delivered_conformance_rate": [nan if x is None else x for x in delivered_conformance],
            "country": country,
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
    """A pool frame with the documented dtypes: float64 numbers, bool flags, object otherwise;
    the columns of :data:`EXTERNAL` that ``data`` lacks hold their external value."""
    columns: dict[str, np.ndarray] = {}
    size = len(data["id"])
    for name in COLUMNS:
        values = data[name] if name in data else [EXTERNAL[name]] * size
        if name in _FLOAT_COLUMNS:
            columns[name] = (values.astype(float) if isinstance(values, np.ndarray)
                             else np.fromiter(values, dtype=float, count=len(values)))
        elif name in ("export_controlled", "internal"):
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
    needed = [c for c in COLUMNS if c != "process_group" and c not in EXTERNAL]
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
        "delivered_on_time_rate": [_num_or_empty(x) for x in frame["delivered_on_time_rate"].tolist()],
        "delivered_conformance_rate": [_num_or_empty(x) for x in frame["delivered_conformance_rate"].tolist()],
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
