"""MaaS stage 2: from a part's process specification to ranked, explained, selected providers.

1. **Specify**: a part's process specification (process path, material, tolerance, size envelope,
   certifications) and what is needed (units per day, where, from which day).
2. **Filter** the pool (a DataFrame from :func:`resim.supply.pool.pool_frame`) by hard constraints,
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

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from resim.core.geo import great_circle_km
from resim.supply import logistics

if TYPE_CHECKING:
    from resim.scenario.format.events import Disruption
    from resim.scenario import Scenario

__all__ = ["Need", "need_for", "Pool", "candidates", "score", "select", "Selection", "active_disruptions"]

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
    expedite: bool = False        # asks for speed: offerings with an expedite option ship by air
    holding_rate: float = 0.0     # the destination's yearly holding rate (mode choice, resim.supply.logistics)


def need_for(scenario: "Scenario", part: str, *, units_per_day: float | None = None,
             destination: str | None = None, expedite: bool = False) -> Need:
    """The need for ``part`` at ``destination`` (default: the first node that receives it from a
    maker), in ``units_per_day`` (default: the part's daily use implied by demand and the BOM);
    ``expedite`` asks for expedited work shipped by air (see :func:`candidates`)."""
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
                lat=node.lat, lon=node.lon, markets=scenario.facts.markets_served(destination),
                expedite=expedite, holding_rate=node.holding_cost_rate)


def _daily_use(scenario: "Scenario", part: str) -> float:
    use = 0.0
    for entry in scenario.demand:
        use += entry.daily.mean * scenario.facts.explosion(entry.part).get(part, 0.0)
    return use


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


class Pool:
    """A provider pool indexed for matching: build once, query for many parts.

    Offerings are grouped by process path, so a query looks only at the offerings of the
    process it needs (and their more specific variants).
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.reset_index(drop=True)
        self.paths, self._inverse = np.unique(self.frame.process.to_numpy(str), return_inverse=True)
        order = np.argsort(self._inverse, kind="stable")
        bounds = np.searchsorted(self._inverse[order], np.arange(len(self.paths) + 1))
        self._rows = [order[bounds[i]:bounds[i + 1]] for i in range(len(self.paths))]
        # Few distinct certificate and material sets: match each once, not each offering.
        self.cert_codes, self.cert_sets = pd.factorize(self.frame.certifications)
        self.material_codes, self.material_sets = pd.factorize(self.frame.materials)
        frame = self.frame
        self.country = frame.country.to_numpy(str)
        self.region = frame.region.to_numpy(str)
        self.numbers = {name: frame[name].to_numpy(float) for name in (
            "tolerance_mm", "lat", "lon", "unit_price", "onboarding_mean", "lead_time_mean")}
        self.envelope = np.sort(frame[["size_l_mm", "size_w_mm", "size_h_mm"]].to_numpy(float), axis=1)
        self.export_controlled = frame.export_controlled.to_numpy(bool)

    def __len__(self) -> int:
        return len(self.frame)

    def reframed(self, frame: pd.DataFrame) -> "Pool":
        """This index over ``frame``: the same offerings in the same order, with the capacities
        and prices ``frame`` gives them (other firms' contention, bookings), not indexed again."""
        if len(frame) != len(self.frame):
            raise ValueError(f"a pool of {len(self.frame)} offerings cannot be reframed over {len(frame)}")
        pool = copy.copy(self)
        pool.frame = frame.reset_index(drop=True)
        pool.numbers = {**self.numbers, "unit_price": pool.frame.unit_price.to_numpy(float)}
        return pool

    def offering(self, process: str) -> np.ndarray:
        """Row numbers of the offerings of ``process`` or of a more specific variant of it."""
        match = (self.paths == process) | np.char.startswith(self.paths.astype(str), process + "/")
        picked = [self._rows[i] for i in np.flatnonzero(match)]
        return np.sort(np.concatenate(picked)) if picked else np.zeros(0, np.int64)


def candidates(pool: "Pool | pd.DataFrame", need: Need, *, active: Iterable["Disruption"] = (),
               max_premium: float | None = None, scenario: "Scenario | None" = None) -> pd.DataFrame:
    """The offerings of the needed process, each with ``eligible`` and, when not, the first
    ``reason`` it fails; adds the distance, transport mode and transit days, the landed cost and
    CO2 per unit and the days to first delivery (onboarding + lead time + transit); for an
    expedited need, ``unit_price`` is the expedited price. ``attrs["not_offering"]`` counts the
    pool's offerings of other processes."""
    pool = pool if isinstance(pool, Pool) else Pool(pool)
    rows = pool.offering(need.process)
    table = pool.frame.iloc[rows]
    table.attrs["not_offering"] = len(pool) - len(rows)
    table.attrs["process"] = need.process
    reason = np.full(len(table), "", dtype=object)

    def fail(mask: np.ndarray, why) -> None:
        open_ = (reason == "") & mask
        reason[open_] = why[open_] if isinstance(why, np.ndarray) else why

    if need.material:
        wanted = need.material.lower()
        processes = np.array([not ms or any(m.lower() == wanted for m in ms) for ms in pool.material_sets], bool)
        fail(~processes[pool.material_codes[rows]], f"does not process {need.material}")
    number = {name: values[rows] for name, values in pool.numbers.items()}
    country, region = pool.country[rows], pool.region[rows]
    if need.tolerance_mm is not None:
        fail(~(number["tolerance_mm"] <= need.tolerance_mm + 1e-12), f"cannot hold ±{need.tolerance_mm:g} mm")
    if need.size_mm is not None:
        envelope = pool.envelope[rows]
        fits = np.all(envelope >= np.asarray(need.size_mm) - 1e-9, axis=1) | np.isnan(envelope).all(axis=1)
        fail(~fits, f"part of {need.size_mm} mm does not fit")
    if need.certifications:
        lacking = np.array([", ".join(sorted(need.certifications - set(c))) for c in pool.cert_sets], object)
        missing = lacking[pool.cert_codes[rows]]
        fail(missing != "", "lacks " + missing)
    fail(pool.export_controlled[rows] & (country != need.country), "export-controlled: cannot ship abroad")
    lats, lons = number["lat"], number["lon"]
    # Transport (resim.supply.logistics): the distance (a fallback without coordinates), the mode of
    # least freight and in-transit holding, its transit days, freight and CO2. An expedited need
    # has offerings with an expedite option ship by air where that is faster than their usual
    # mode, at price x (1 + premium).
    same_country, same_region = country == need.country, region == need.region
    distance = logistics.distance_km(need.lat, need.lon, lats, lons, same_country, same_region)
    premium = table.expedite_premium.to_numpy(float)
    goods = dict(weight_kg=need.weight_kg, value=need.unit_cost, holding_rate=need.holding_rate)
    mode = logistics.choose_mode(distance, same_country, same_region, **goods)
    expedited = np.zeros(len(mode), bool)
    if need.expedite:
        usual, mode = mode, logistics.choose_mode(distance, same_country, same_region, **goods, expedite=premium > 0)
        expedited = mode != usual
    transit = logistics.transit_days(distance, mode)
    price = number["unit_price"] * np.where(expedited, 1.0 + premium, 1.0)
    landed = price + logistics.freight_per_unit(need.weight_kg, distance, mode)
    if max_premium is not None and need.unit_cost > 0:
        fail(landed / need.unit_cost - 1.0 > max_premium + 1e-12, f"premium above {max_premium:.0%}")
    for event in active:
        _moment(country, region, lats, lons, need, event, fail, scenario)
    return table.assign(unit_price=price, distance_km=distance, transport_mode=mode, transit_days=transit,
                        expedited=expedited, landed_unit_cost=landed,
                        co2_kg_per_unit=logistics.co2_per_unit(need.weight_kg, distance, mode),
                        days_to_first_delivery=number["onboarding_mean"] + number["lead_time_mean"] + transit,
                        eligible=reason == "", reason=reason)


def _moment(country: np.ndarray, region: np.ndarray, lats: np.ndarray, lons: np.ndarray, need: Need,
            event, fail, scenario) -> None:
    kind = event.type
    if kind == "natural_disaster":
        area = event.footprint
        inside = np.isin(country, list(area.countries)) | np.isin(region, list(area.regions))
        if area.center is not None:
            distance = great_circle_km(*area.center, lats, lons)
            inside |= np.nan_to_num(distance, nan=np.inf) <= area.radius_km
        fail(inside, f"inside the footprint of {event.id}")
    elif kind == "trade_barrier" and event.barrier == "embargo":
        source = ((np.isin(country, list(event.from_countries)) | np.isin(region, list(event.from_regions)))
                  if (event.from_countries or event.from_regions) else np.ones(len(country), bool))
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
    eligible = np.flatnonzero(table.eligible.to_numpy(bool))

    def column(name: str) -> np.ndarray:
        return table[name].to_numpy(float)[eligible]

    raw = {
        "cost": -column("landed_unit_cost"),
        "lead_time": -column("days_to_first_delivery"),
        "quality": column("conformance_rate"),
        "on_time": column("on_time_rate"),
        "capacity": np.minimum(column("capacity_per_day") / max(need.units_per_day, 1e-9), 1.0),
        "distance": -column("distance_km"),
    }
    w = {k: float(getattr(weights, k)) for k in raw}
    total_weight = sum(w.values())
    parts = {}
    for name, values in raw.items():
        low, high = (values.min(), values.max()) if len(values) else (0.0, 0.0)
        scaled = (values - low) / (high - low) if high > low else np.ones(len(values))
        parts[f"part_{name}"] = w[name] / total_weight * scaled
    total = np.sum(list(parts.values()), axis=0) if len(eligible) else np.zeros(0)
    order = np.lexsort((table.id.to_numpy(str)[eligible], -raw["cost"], -total))  # best score, then cheapest
    return table.iloc[eligible[order]].assign(**{name: values[order] for name, values in parts.items()},
                                              score=total[order], rank=np.arange(1, len(order) + 1))


def _worth_keeping(table: pd.DataFrame, gap: float, limit: int) -> np.ndarray:
    """Candidates dominated by fewer than ``limit`` others (no dearer per unit, no dearer to set
    up, at least as much useful capacity). With at most ``limit`` providers chosen, a dominated
    candidate can always be swapped for an unused one that dominates it, so dropping the rest
    keeps an optimal selection."""
    capacity = np.minimum(table.capacity_per_day.to_numpy(float), gap)
    # In this order a candidate can only be dominated by ones before it (ties broken by position).
    order = np.lexsort((-capacity, table.setup_cost.to_numpy(float), table.landed_unit_cost.to_numpy(float)))
    setup = table.setup_cost.to_numpy(float)[order]
    capacity = capacity[order]
    n = len(order)
    kept = np.ones(n, bool)
    for start in range(limit, n, 256):
        j = slice(start, min(start + 256, n))
        before = np.arange(j.stop)[None, :] < np.arange(start, j.stop)[:, None]
        dominators = before & (setup[None, :j.stop] <= setup[j, None]) & (capacity[None, :j.stop] >= capacity[j, None])
        kept[j] = dominators.sum(axis=1) < limit
    keep = np.empty(n, bool)
    keep[order] = kept
    return keep


_ENUMERATE_UP_TO = 5000


def _subsets_count(n: int, k: int) -> int:
    from math import comb
    return sum(comb(n, size) for size in range(1, min(k, n) + 1))


def _best_subset(unit: np.ndarray, setup: np.ndarray, capacity: np.ndarray, gap: float,
                 budget: float | None, limit: int) -> np.ndarray:
    """Exact selection for few candidates: every subset of at most ``limit``, each filled cheapest
    unit first (optimal for a fixed subset, also under a budget); most coverage, then least cost."""
    from itertools import combinations

    order = np.argsort(unit, kind="stable")  # subsets list candidates cheapest first
    n = len(unit)
    best_x, best = np.zeros(n), (0.0, 0.0)
    for size in range(1, min(limit, n) + 1):
        members = order[np.array(list(combinations(range(n), size)))]        # (m, size)
        money = np.full(len(members), np.inf if budget is None else budget) - setup[members].sum(axis=1)
        left = np.full(len(members), gap)
        take = np.zeros(members.shape)
        for column in range(size):
            u, c = unit[members[:, column]], capacity[members[:, column]]
            affordable = np.divide(np.maximum(money, 0.0), u, out=np.full(len(u), np.inf), where=u > 0)
            take[:, column] = np.where(money >= 0, np.minimum(np.minimum(c, left), affordable), 0.0)
            left -= take[:, column]
            money -= take[:, column] * u
        covered = take.sum(axis=1)
        cost = (take * unit[members]).sum(axis=1) + setup[members].sum(axis=1)
        feasible = money >= -1e-9
        covered = np.where(feasible, covered, -1.0)
        top = covered.max()
        ties = np.flatnonzero(covered >= top - 1e-9)
        pick = ties[np.argmin(cost[ties])]
        if (top > best[0] + 1e-9) or (abs(top - best[0]) <= 1e-9 and cost[pick] < best[1] - 1e-9):
            best = (top, cost[pick])
            best_x = np.zeros(n)
            best_x[members[pick]] = take[pick]
    return best_x


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
    index = np.arange(len(ranked))
    if max_providers is not None:
        index = index[_worth_keeping(ranked, need.units_per_day, max_providers)]
    n = len(index)
    if n == 0 or need.units_per_day <= 0:
        return Selection(ranked.iloc[:0].assign(units_per_day=[]), 0.0, max(need.units_per_day, 0.0), 0.0)
    capacity = np.minimum(ranked.capacity_per_day.to_numpy(float)[index], need.units_per_day)
    unit = ranked.landed_unit_cost.to_numpy(float)[index] * days
    setup = ranked.setup_cost.to_numpy(float)[index]
    gap = need.units_per_day
    if max_providers is not None and _subsets_count(n, max_providers) <= _ENUMERATE_UP_TO:
        x = _best_subset(unit, setup, capacity, gap, budget, max_providers)
        picked = x > 1e-9
        chosen = ranked.iloc[index[picked]].assign(units_per_day=x[picked])
        covered = float(x.sum())
        cost = float(unit[picked] @ x[picked] + setup[picked].sum())
        return Selection(chosen, covered, max(gap - covered, 0.0), cost)
    # Variables: x_i (units per day), y_i (chosen), s (units per day not covered).
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
    chosen = ranked.iloc[index[picked]].assign(units_per_day=x[picked])
    covered = float(x[picked].sum())
    cost = float(unit[picked] @ x[picked] + setup[picked].sum())
    return Selection(chosen, covered, max(gap - covered, 0.0), cost)
