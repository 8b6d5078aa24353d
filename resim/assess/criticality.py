"""Criticality of components (circularity process C2, activity C2.1) and their fit for reuse and
remanufacturing (C2.2).

A component is critical when the chain can hardly operate or fulfil orders without it. Each
component (a part that is a bill-of-materials child of another part) is assessed on seven factors,
each turned into a risk between 0 and 1 (higher = riskier) by a stated formula:

============== ============================================================ ==========================
factor         raw value                                                    risk (0..1)
============== ============================================================ ==========================
sources        ``sources``: nodes that make the part                        ``1 / sources`` (1 if none)
concentration  ``region_concentration``: Herfindahl index of the makers'    ``HHI``
               capacity share by region
lead_time      ``lead_time_days``: longest mean lead time of the lanes      ``L / (L + 30)``
               carrying the part (0 when none does)
coverage       ``coverage_days``: day-0 stock of the part at all nodes      ``1 / (1 + C / 30)``
               divided by its daily use (inf when not used)                 (0 when C is inf)
product_share  ``product_share``: share of mean daily demand (in product    ``product_share``
               units) whose bill of materials contains the part
substitutes    ``substitutes``: eligible MaaS offerings for the part that   ``1 / (1 + S)``
               deliver within 60 days (onboarding + lead time)
hazard         ``hazard``: the largest expected yearly share of the part's   ``hazard``
               maker capacity that one disruption of the scenario cuts
============== ============================================================ ==========================

Hazard: for each disruption that cuts supply (:func:`resim.sim.disruptions.hit_nodes`), the share of
the part's maker capacity at the nodes it hits (capacity weights as for the concentration) times
its ``annual_probability`` (1 for a disruption the scenario makes happen, with a fixed onset);
the largest over the disruptions. 0 without disruptions.

Region concentration: maker ``i`` has weight ``c_i`` = its ``capacity_per_day``; a maker with
unlimited capacity counts as the largest finite capacity among the part's makers (1 when all are
unlimited). The region shares are ``s_r = sum_{i in r} c_i / sum_i c_i`` and
``HHI = sum_r s_r**2`` (1 = all capacity in one region; 1 also when nobody makes the part).

Daily use of part ``p`` = ``sum_d mean(daily_d) * n_p(product_d)``, where ``n_p(q)`` is the units
of ``p`` in one unit of ``q`` over every BOM level (:func:`resim.scenario.valuechain.bom_explosion`);
the mean of the demand distribution is used, seasonality is not.

Substitutes: ``need_for(scenario, part)`` matched against the scenario's provider pool with
:func:`resim.supply.matching.candidates` (no disruption active, no premium cap), counting the eligible
offerings; 0 when the part has no process specification or no lane carries it.

The weighted contribution of factor ``f`` is ``part_f = w_f * risk_f`` with the weights normalised to
sum 1 (defaults :data:`DEFAULT_WEIGHTS`), and ``score = sum_f part_f`` lies in 0..1.

Fit for circular supply: ``reman_fit`` is True when (1) the circular section grades the part with
``reuse + repair + refurbish + remanufacture > 0`` (``reman_share``, the shares that return it as a
working component; 0 without a grading entry), (2) a take-back stream returns a product whose
bill of materials contains it, and (3) a node of kind ``reman`` makes it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["assess_criticality", "components", "DEFAULT_WEIGHTS", "FACTORS", "HORIZON_DAYS",
           "RECOVERABLE_STATES"]

SUBSTITUTE_WITHIN_DAYS = 60.0  # days from request to first delivery

FACTORS = ("sources", "concentration", "lead_time", "coverage", "product_share", "substitutes", "hazard")
"""The criticality factors, in column order (``risk_<factor>``, ``part_<factor>``)."""

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "sources": 0.20, "concentration": 0.15, "lead_time": 0.10, "coverage": 0.15,
    "product_share": 0.15, "substitutes": 0.10, "hazard": 0.15,
}
"""Default weights of the factors (they sum to 1)."""

HORIZON_DAYS = 30.0
"""Scale of the lead-time and coverage risks: a lead time of 30 days is risk 0.5, as is 30 days of
stock cover (about the notice a supplier's outage gives before shelves run dry)."""

RECOVERABLE_STATES = ("reuse", "repair", "refurbish", "remanufacture")
"""End-of-life states that give back a working component (repurpose and recycle do not)."""

_RAW = ("sources", "region_concentration", "lead_time_days", "coverage_days", "product_share",
        "substitutes", "hazard")


def components(scenario: "Scenario") -> list[str]:
    """Parts that are a bill-of-materials child of another part, sorted."""
    return sorted({child for part in scenario.parts for child in part.bom})


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Default weights overridden by ``weights``, normalised to sum 1."""
    merged = dict(DEFAULT_WEIGHTS)
    for name, value in (weights or {}).items():
        if name not in FACTORS:
            raise ValueError(f"unknown criticality factor '{name}' (expected one of {', '.join(FACTORS)})")
        value = float(value)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"weight of '{name}' must be a finite number >= 0, not {value:g}")
        merged[name] = value
    total = sum(merged.values())
    if total <= 0:
        raise ValueError("at least one criticality weight must be above 0")
    return {name: merged[name] / total for name in FACTORS}


def _capacity_weights(scenario: "Scenario", makers: list[str]) -> dict[str, float]:
    """Each maker's capacity share; an unlimited maker counts as the largest finite one (1 when
    all are unlimited)."""
    nodes = scenario.nodes_by_id
    finite = [nodes[n].capacity_per_day for n in makers if nodes[n].capacity_per_day is not None]
    unlimited = max(finite) if finite else 1.0
    capacity = {n: unlimited if nodes[n].capacity_per_day is None else nodes[n].capacity_per_day for n in makers}
    total = sum(capacity.values())
    return {n: c / total for n, c in capacity.items()}


def _region_hhi(scenario: "Scenario", makers: list[str]) -> float:
    if not makers:
        return 1.0
    by_region: dict[str, float] = defaultdict(float)
    for n, share in _capacity_weights(scenario, makers).items():
        by_region[scenario.nodes_by_id[n].region] += share
    return float(sum(s ** 2 for s in by_region.values()))


def _hazard(scenario: "Scenario", makers: list[str], hits: list[tuple[float, set[str]]]) -> float:
    if not makers:
        return 0.0
    shares = _capacity_weights(scenario, makers)
    return max((p * sum(s for n, s in shares.items() if n in hit) for p, hit in hits), default=0.0)


def _substitutes(scenario: "Scenario", part: str, pool, use: float) -> int:
    from resim.supply.matching import candidates, need_for

    if scenario.parts_by_id[part].process is None or len(pool) == 0:
        return 0
    try:
        need = need_for(scenario, part, units_per_day=use)
    except ValueError:      # no lane carries it: no destination to match for
        return 0
    table = candidates(pool, need)
    # A provider that needs months to qualify does not substitute in a disruption.
    return int((table.eligible & (table.days_to_first_delivery <= SUBSTITUTE_WITHIN_DAYS)).sum())


def assess_criticality(scenario: "Scenario", weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Rank the scenario's components by criticality (C2.1) and mark those fit for reuse or
    remanufacturing (C2.2).

    Args:
        scenario: the scenario.
        weights: factor -> weight, overriding :data:`DEFAULT_WEIGHTS` for the factors named
            (keys from :data:`FACTORS`, values >= 0); normalised to sum 1.

    Returns:
        One row per component, most critical first (score descending, then part id), columns:
        ``part``; raw values ``sources``, ``region_concentration``, ``lead_time_days``,
        ``coverage_days``, ``product_share``, ``substitutes``, ``hazard``; risks ``risk_<factor>`` (0..1);
        contributions ``part_<factor>`` = weight x risk; ``score`` (their sum, 0..1); ``rank``
        (1 = most critical); ``critical_flag`` (the part's ``critical`` field); ``reman_fit``;
        ``reman_share``. Formulas in the module docstring.

    Risks:
        sources ``1 / sources`` (1 with no maker); concentration ``HHI``; lead time
        ``L / (L + 30)``; coverage ``1 / (1 + C / 30)`` (0 when C is inf); product share as is;
        substitutes ``1 / (1 + S)``; hazard as is.

    Raises:
        ValueError: for an unknown factor, a negative weight, or weights summing to 0.
    """
    from resim.sim.disruptions import hit_nodes
    from resim.supply.matching import Pool
    from resim.supply.pool import pool_frame
    w = _weights(weights)
    parts = scenario.parts_by_id
    products = {e.part for e in scenario.demand} | {t.product for t in scenario.circular.take_back}
    explosions = {q: dict(scenario.facts.explosion(q)) for q in sorted(products)}
    demand_total = sum(entry.daily.mean for entry in scenario.demand)
    use: dict[str, float] = defaultdict(float)          # units of the part a day
    in_bom: dict[str, float] = defaultdict(float)       # products a day whose BOM holds the part
    for entry in scenario.demand:
        for part, quantity in explosions[entry.part].items():
            use[part] += entry.daily.mean * quantity
            in_bom[part] += entry.daily.mean
    makers: dict[str, list[str]] = defaultdict(list)
    reman_makers: dict[str, list[str]] = defaultdict(list)
    on_hand: dict[str, float] = defaultdict(float)
    for node in scenario.nodes:
        for part in node.makes:
            makers[part].append(node.id)
            if node.kind == "reman":
                reman_makers[part].append(node.id)
        for stock in node.inventory:
            on_hand[stock.part] += stock.initial_units
    leads: dict[str, float] = defaultdict(float)
    for lane in scenario.lanes:
        for part in lane.parts:
            leads[part] = max(leads[part], float(lane.lead_time_days.mean))
    pool = Pool(pool_frame(scenario.maas.providers))
    hits = [(1.0 if d.annual_probability is None else float(d.annual_probability), set(hit_nodes(scenario, d)))
            for d in scenario.disruptions]
    circular = scenario.circular
    grading = {g.part: g for g in circular.grading}
    returned = {p for stream in circular.take_back for p in explosions[stream.product]}

    rows = []
    for part in components(scenario):
        coverage = on_hand[part] / use[part] if use[part] > 0 else math.inf
        share = in_bom[part] / demand_total if demand_total > 0 else 0.0
        lead = leads[part]
        substitutes = _substitutes(scenario, part, pool, use[part])
        hhi = _region_hhi(scenario, makers[part])
        hazard = _hazard(scenario, makers[part], hits)

        risk = {
            "sources": 1.0 / len(makers[part]) if makers[part] else 1.0,
            "concentration": hhi,
            "lead_time": lead / (lead + HORIZON_DAYS),
            "coverage": 0.0 if math.isinf(coverage) else 1.0 / (1.0 + coverage / HORIZON_DAYS),
            "product_share": share,
            "substitutes": 1.0 / (1.0 + substitutes),
            "hazard": hazard,
        }
        g = grading.get(part)
        reman_share = float(sum(getattr(g, s) for s in RECOVERABLE_STATES)) if g is not None else 0.0
        row = {"part": part, "sources": len(makers[part]), "region_concentration": hhi,
               "lead_time_days": lead, "coverage_days": float(coverage), "product_share": share,
               "substitutes": substitutes, "hazard": hazard}
        row.update({f"risk_{f}": risk[f] for f in FACTORS})
        row.update({f"part_{f}": w[f] * risk[f] for f in FACTORS})
        row["score"] = sum(row[f"part_{f}"] for f in FACTORS)
        row["critical_flag"] = bool(parts[part].critical)
        row["reman_fit"] = bool(reman_share > 0 and part in returned and reman_makers[part])
        row["reman_share"] = reman_share
        rows.append(row)

    columns = ["part", *_RAW, *(f"risk_{f}" for f in FACTORS), *(f"part_{f}" for f in FACTORS),
               "score", "rank", "critical_flag", "reman_fit", "reman_share"]
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows)
    # Sort on the score rounded to 12 digits, so float noise in the sum never breaks a tie by id.
    table = (table.assign(_key=-table.score.round(12))
             .sort_values(["_key", "part"], ignore_index=True).drop(columns="_key"))
    table["rank"] = np.arange(1, len(table) + 1)
    table["sources"] = table.sources.astype(int)
    table["substitutes"] = table.substitutes.astype(int)
    return table[columns]
