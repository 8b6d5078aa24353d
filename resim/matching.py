"""MaaS stage 2: from a part's process specification to ranked, explained, selected providers.

1. **Specify**: a part's process specification (process path, material, tolerance, size envelope,
   certifications) and what is needed (units per day, where, from which day).
2. **Filter** the pool (a DataFrame from :func:`resim.providers.pool_frame`) by hard constraints,
   each failure named: the process (an offering must do the required process, or a more specific
   variant of it), material, tolerance, size, certifications, export control, price premium, and
   the conditions of the moment: providers inside an active disaster footprint, flows an active
   embargo forbids, and a destination market's local-content rule.
3. **Score** the candidates on landed cost, time to first delivery, quality, on-time rate, capacity
   coverage and distance, each scaled to 0..1 among the candidates (1 best), weighted by the
   scenario's ``maas.weights``; the parts of every score are kept, so each rank can be explained.
4. **Select** the set of providers that covers the capacity gap at the least cost for the
   agreement period, within the budget and the number of providers, by mixed-integer linear
   programming (scipy's HiGHS); when the gap cannot be covered, the most coverage at least cost.

Everything is vectorised over the pool, so a 100,000-offering pool filters and scores in
milliseconds (see ``benchmarks/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

if TYPE_CHECKING:
    from resim.format.events import Disruption
    from resim.scenario import Scenario

__all__ = ["Need", "need_for", "candidates", "score", "select", "Selection", "active_disruptions",
           "FREIGHT_COST_PER_KG_KM", "CO2_KG_PER_KG_KM"]

# Assumptions (documented in docs/maas.md): a road/sea blend of freight cost and emissions.
FREIGHT_COST_PER_KG_KM = 0.0002     # currency per kg per km
CO2_KG_PER_KG_KM = 0.00008          # kg CO2 per kg per km (about 80 g per tonne-km)
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Need:
    """What is sought: a part's process specification, how much, where and when."""

    part: str
    process: str
    material: str | None
    tolerance_mm: float | None
    size_mm: tuple[float, float, float] | None
    certifications: frozenset[str]
    units_per_day: float
    unit_cost: float
    weight_kg: float
    destination: str
    country: str
    region: str
    lat: float | None
    lon: float | None
    markets: frozenset[str] = field(default_factory=frozenset)


def need_for(scenario: "Scenario", part: str, *, units_per_day: float | None = None,
             destination: str | None = None) -> Need:
    """The need for ``part`` at ``destination`` (default: the first node that receives it from a
    maker), in ``units_per_day`` (default: the part's daily use implied by demand and the BOM)."""
    parts = scenario.parts_by_id
    spec = parts[part].process
    if spec is None:
        raise ValueError(f"part '{part}' has no process specification to match providers on")
    if destination is None:
        destination = next((lane.dest for lane in scenario.lanes if part in lane.parts), None)
        if destination is None:
            raise ValueError(f"no lane carries part '{part}': name the destination")
    node = scenario.nodes_by_id[destination]
    if units_per_day is None:
        units_per_day = _daily_use(scenario, part)
    return Need(part=part, process=spec.process, material=spec.material,
                tolerance_mm=spec.tolerance_mm,
                size_mm=tuple(sorted(spec.size_mm)) if spec.size_mm else None,
                certifications=frozenset(spec.certifications), units_per_day=float(units_per_day),
                unit_cost=parts[part].unit_cost, weight_kg=parts[part].weight_kg,
                destination=destination, country=node.country, region=node.region,
                lat=node.lat, lon=node.lon, markets=frozenset(_markets_served(scenario, destination)))


def _daily_use(scenario: "Scenario", part: str) -> float:
    from resim.valuechain import bom_explosion

    graph = scenario.value_chain()
    use = 0.0
    for entry in scenario.demand:
        use += entry.daily.mean * bom_explosion(graph, entry.part).get(part, 0.0)
    return use


def _markets_served(scenario: "Scenario", node: str) -> set[str]:
    import networkx as nx

    graph = scenario.value_chain()
    return {n for n in nx.descendants(graph, node) | {node} if graph.nodes[n]["kind"] == "market"}


def _distance_km(lat: float | None, lon: float | None, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    if lat is None or lon is None:
        return np.full(len(lats), np.nan)
    lat1, lon1 = np.radians(lat), np.radians(lon)
    lat2, lon2 = np.radians(lats), np.radians(lons)
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def active_disruptions(scenario: "Scenario", day: int) -> list["Disruption"]:
    """Disruptions with a fixed onset whose mean course covers ``day`` (for ``--at DAY``)."""
    found = []
    for event in scenario.disruptions:
        if event.onset_day is None or event.onset_day.sd > 0 or event.annual_probability is not None:
            continue
        start = event.onset_day.mean
        end = np.inf if event.duration_days is None else start + event.duration_days.mean
        if start <= day < end:
            found.append(event)
    return found


def candidates(pool: pd.DataFrame, need: Need, *, active: Iterable["Disruption"] = (),
               max_premium: float | None = None, scenario: "Scenario | None" = None) -> pd.DataFrame:
    """Every offering with ``eligible`` and, when not, the first ``reason`` it fails; adds the
    landed cost, distance and CO2 per unit and the days to first delivery."""
    table = pool.copy()
    process = table.process.to_numpy(str)
    required = need.process
    reason = np.full(len(table), "", dtype=object)

    def fail(mask: np.ndarray, why: str) -> None:
        reason[(reason == "") & mask] = why

    fail(~((process == required) | np.char.startswith(process, required + "/")),
         f"does not offer {required}")
    if need.material:
        wanted = need.material.lower()
        offers = table.materials.map(lambda ms: not ms or any(m.lower() == wanted for m in ms)).to_numpy(bool)
        fail(~offers, f"does not process {need.material}")
    if need.tolerance_mm is not None:
        tolerance = table.tolerance_mm.to_numpy(float)
        fail(~(tolerance <= need.tolerance_mm + 1e-12), f"cannot hold ±{need.tolerance_mm:g} mm")
    if need.size_mm is not None:
        envelope = np.sort(table[["size_l_mm", "size_w_mm", "size_h_mm"]].to_numpy(float), axis=1)
        fits = np.all(envelope >= np.asarray(need.size_mm) - 1e-9, axis=1) | np.isnan(envelope).all(axis=1)
        fail(~fits, f"part of {need.size_mm} mm does not fit")
    if need.certifications:
        certified = table.certifications.map(lambda c: need.certifications <= set(c)).to_numpy(bool)
        fail(~certified, f"lacks {', '.join(sorted(need.certifications))}")
    controlled = table.export_controlled.to_numpy(bool) & (table.country.to_numpy(str) != need.country)
    fail(controlled, "export-controlled: cannot ship abroad")
    distance = _distance_km(need.lat, need.lon, table.lat.to_numpy(float), table.lon.to_numpy(float))
    distance = np.where(np.isnan(distance), _fallback_km(table, need), distance)
    transport = need.weight_kg * distance * FREIGHT_COST_PER_KG_KM
    table["distance_km"] = distance
    table["landed_unit_cost"] = table.unit_price.to_numpy(float) + transport
    table["co2_kg_per_unit"] = need.weight_kg * distance * CO2_KG_PER_KG_KM
    table["days_to_first_delivery"] = table.onboarding_mean.to_numpy(float) + table.lead_time_mean.to_numpy(float)
    if max_premium is not None and need.unit_cost > 0:
        premium = table.landed_unit_cost.to_numpy(float) / need.unit_cost - 1.0
        fail(premium > max_premium + 1e-12, f"premium above {max_premium:.0%}")
    for event in active:
        _moment(table, need, event, fail, scenario)
    table["eligible"] = reason == ""
    table["reason"] = reason
    return table


def _fallback_km(table: pd.DataFrame, need: Need) -> np.ndarray:
    """Without coordinates: 300 km in the same country, 1,500 km in the region, 9,000 km beyond."""
    same_country = table.country.to_numpy(str) == need.country
    same_region = table.region.to_numpy(str) == need.region
    return np.where(same_country, 300.0, np.where(same_region, 1500.0, 9000.0))


def _moment(table: pd.DataFrame, need: Need, event, fail, scenario) -> None:
    kind = event.type
    country, region = table.country.to_numpy(str), table.region.to_numpy(str)
    if kind == "natural_disaster":
        area = event.footprint
        inside = np.isin(country, list(area.countries)) | np.isin(region, list(area.regions))
        if area.center is not None:
            distance = _distance_km(area.center[0], area.center[1], table.lat.to_numpy(float),
                                    table.lon.to_numpy(float))
            inside |= np.nan_to_num(distance, nan=np.inf) <= area.radius_km
        fail(inside, f"inside the footprint of {event.id}")
    elif kind == "trade_barrier" and event.barrier == "embargo":
        source = ((np.isin(country, list(event.from_countries)) | np.isin(region, list(event.from_regions)))
                  if (event.from_countries or event.from_regions) else np.ones(len(table), bool))
        into = ((need.country in event.to_countries or need.region in event.to_regions)
                if (event.to_countries or event.to_regions) else True)
        applies = not event.parts or need.part in event.parts
        fail(source & into & applies & (country != need.country), f"embargoed by {event.id}")
    elif kind == "trade_barrier" and event.barrier == "local_content" and event.market in need.markets:
        market_region = scenario.nodes_by_id[event.market].region if scenario is not None else need.region
        fail(region != market_region, f"outside {market_region}: local-content rule {event.id}")


def score(table: pd.DataFrame, need: Need, weights) -> pd.DataFrame:
    """Rank eligible candidates by a weighted score (0..1, higher is better), keeping its parts.

    ``weights`` has fields cost, lead_time, quality, on_time, capacity, distance (normalised here).
    Returns the eligible rows sorted best first, with ``score``, ``rank`` and one ``part_<criterion>``
    column per criterion (its weighted contribution).
    """
    chosen = table[table.eligible].copy()
    raw = {
        "cost": -chosen.landed_unit_cost.to_numpy(float),
        "lead_time": -chosen.days_to_first_delivery.to_numpy(float),
        "quality": chosen.conformance_rate.to_numpy(float),
        "on_time": chosen.on_time_rate.to_numpy(float),
        "capacity": np.minimum(chosen.capacity_per_day.to_numpy(float) / max(need.units_per_day, 1e-9), 1.0),
        "distance": -chosen.distance_km.to_numpy(float),
    }
    w = {k: float(getattr(weights, k)) for k in raw}
    total_weight = sum(w.values())
    total = np.zeros(len(chosen))
    for name, values in raw.items():
        low, high = (values.min(), values.max()) if len(values) else (0.0, 0.0)
        scaled = (values - low) / (high - low) if high > low else np.ones(len(values))
        contribution = w[name] / total_weight * scaled
        chosen[f"part_{name}"] = contribution
        total += contribution
    chosen["score"] = total
    chosen = chosen.sort_values(["score", "landed_unit_cost", "id"], ascending=[False, True, True])
    chosen["rank"] = np.arange(1, len(chosen) + 1)
    return chosen


@dataclass
class Selection:
    """Chosen providers with their daily quantities, and what the gap still misses."""

    chosen: pd.DataFrame          # rows of the candidates with ``units_per_day``
    covered_per_day: float
    missing_per_day: float
    cost: float                   # setup + landed units over the period


def select(ranked: pd.DataFrame, need: Need, *, days: float, budget: float | None = None,
           max_providers: int | None = None) -> Selection:
    """The least-cost set of providers covering ``need.units_per_day`` for ``days``, within the
    budget and provider limit (MILP). If the gap cannot be covered, the largest coverage (then the
    least cost) is chosen."""
    table = ranked.reset_index(drop=True)
    n = len(table)
    if n == 0 or need.units_per_day <= 0:
        return Selection(table.iloc[:0].assign(units_per_day=[]), 0.0, max(need.units_per_day, 0.0), 0.0)
    capacity = np.minimum(table.capacity_per_day.to_numpy(float), need.units_per_day)
    unit = table.landed_unit_cost.to_numpy(float) * days
    setup = table.setup_cost.to_numpy(float)
    # Variables: x_i (units per day), y_i (chosen), s (units per day not covered).
    gap = need.units_per_day
    penalty = (unit.max() + setup.max() / max(gap, 1e-9)) * 10 + 1.0  # missing a unit costs more than any
    c = np.concatenate([unit, setup, [penalty * days]])
    rows, lower, upper = [], [], []
    rows.append(np.concatenate([np.ones(n), np.zeros(n), [1.0]]))          # sum x + s >= gap
    lower.append(gap), upper.append(np.inf)
    link = np.hstack([np.eye(n), -np.diag(capacity), np.zeros((n, 1))])    # x_i <= cap_i y_i
    rows.extend(link), lower.extend([-np.inf] * n), upper.extend([0.0] * n)
    if max_providers is not None:
        rows.append(np.concatenate([np.zeros(n), np.ones(n), [0.0]]))
        lower.append(-np.inf), upper.append(max_providers)
    if budget is not None:
        rows.append(np.concatenate([unit, setup, [0.0]]))
        lower.append(-np.inf), upper.append(budget)
    constraints = LinearConstraint(np.array(rows), lower, upper)
    integrality = np.concatenate([np.zeros(n), np.ones(n), [0]])
    bounds = Bounds(np.zeros(2 * n + 1), np.concatenate([capacity, np.ones(n), [gap]]))
    result = milp(c, constraints=constraints, integrality=integrality, bounds=bounds)
    if result.x is None:
        raise RuntimeError(f"provider selection failed: {result.message}")
    x, y = result.x[:n], np.round(result.x[n:2 * n])
    picked = (y > 0.5) & (x > 1e-9)
    chosen = table[picked].assign(units_per_day=x[picked])
    covered = float(x[picked].sum())
    cost = float(unit[picked] @ x[picked] + setup[picked].sum())
    return Selection(chosen, covered, max(gap - covered, 0.0), cost)
