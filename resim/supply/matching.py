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
milliseconds (see ``benchmarks/``). :func:`candidates` and :func:`score` give frames (the tables
``resim providers`` shows); a simulation sourcing many needs matches on arrays instead
(:func:`match`, :class:`Matches`), and the part of a need's match that holds whatever the day is
worked out once per pool (:meth:`Pool.reach`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Iterable, NamedTuple, TypeVar

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from resim.core.geo import great_circle_km
from resim.supply import logistics
from resim.supply.internal import material_cost

if TYPE_CHECKING:
    from resim.scenario.format.events import Disruption
    from resim.scenario import Scenario

__all__ = ["Need", "need_for", "Pool", "Matches", "candidates", "match", "score", "select", "Selection",
           "active_disruptions"]

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
    material_cost: float = 0.0    # the part's components at unit cost: what an internal offering's price adds


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
                expedite=expedite, holding_rate=node.holding_cost_rate,
                material_cost=material_cost(scenario, part))


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
    process it needs (and their more specific variants). What matching a need gives whatever the
    day (:meth:`reach`) is kept for the next query of the same need: the replications of a run
    share one pool, so each works out a need's specification and transport once, not per request.
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
        # Every column as an array, read by the matching and by whoever reads its matches.
        self.columns = {name: frame[name].to_numpy() for name in frame.columns}
        self.envelope = np.sort(frame[["size_l_mm", "size_w_mm", "size_h_mm"]].to_numpy(float), axis=1)
        self.export_controlled = frame.export_controlled.to_numpy(bool)
        self._reaches: dict[Need, _Reach] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def offering(self, process: str) -> np.ndarray:
        """Row numbers of the offerings of ``process`` or of a more specific variant of it."""
        match = (self.paths == process) | np.char.startswith(self.paths.astype(str), process + "/")
        picked = [self._rows[i] for i in np.flatnonzero(match)]
        return np.sort(np.concatenate(picked)) if picked else np.zeros(0, np.int64)

    def reach(self, need: Need) -> "_Reach":
        """What matching ``need`` gives whatever the day and however much is needed
        (:func:`_reach`): worked out on the first query, the same read-only arrays after."""
        key = replace(need, units_per_day=0.0)
        found = self._reaches.get(key)
        if found is None:
            found = _reach(self, need)
            if len(self._reaches) >= _REACHES_KEPT:  # a bound on memory: start afresh, never evict one by one
                self._reaches = {}
            self._reaches[key] = found
        return found


_REACHES_KEPT = 4096  # needs whose reach a pool keeps: a run's distinct (part, destination, speed) needs fit


class _Reach(NamedTuple):
    """The part of matching a need that holds whatever the day, the replication and the amount:
    the rows of the needed process, the first reason of the specification, certificates or
    export control each fails ("" when none), the price multiplier of expediting, the freight per
    unit and the transport columns. Shared by every query of the need: its arrays are read-only."""

    rows: np.ndarray
    reason: np.ndarray
    factor: np.ndarray
    freight: np.ndarray
    transport: dict[str, np.ndarray]   # distance_km, transport_mode, transit_days, expedited, co2, first delivery


class Matches:
    """A pool's offerings matched against a need, as arrays rather than a frame: the pool's row
    numbers, the columns the matching worked out for them (in order) and, read at those rows,
    every other column of the pool. :func:`candidates` and :func:`score` give it as a frame."""

    def __init__(self, pool: Pool, rows: np.ndarray, columns: dict[str, np.ndarray],
                 attrs: dict[str, object] | None = None):
        self.pool, self.rows, self.columns = pool, rows, columns
        self.attrs = attrs if attrs is not None else {}

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, name: object) -> bool:
        return name in self.columns or name in self.pool.columns

    def __getitem__(self, name: str) -> np.ndarray:
        found = self.columns.get(name)
        return self.pool.columns[name][self.rows] if found is None else found

    def take(self, index: np.ndarray, **columns: np.ndarray) -> "Matches":
        """The matches at positions ``index``, in that order, with ``columns`` (given in that
        order) added or replaced."""
        taken = {name: values[index] for name, values in self.columns.items()}
        return Matches(self.pool, self.rows[index], {**taken, **columns}, self.attrs)

    def assign(self, **columns: np.ndarray) -> "Matches":
        """These matches with ``columns`` added or replaced."""
        return Matches(self.pool, self.rows, {**self.columns, **columns}, self.attrs)

    def frame(self) -> pd.DataFrame:
        """The pool's rows of these matches (its row labels), with the worked-out columns."""
        table = self.pool.frame.iloc[self.rows].assign(**self.columns)
        table.attrs.update(self.attrs)
        return table


Table = TypeVar("Table", pd.DataFrame, Matches)


def _rows(table: Table, index: np.ndarray, **columns: np.ndarray) -> Table:
    """The rows of ``table`` at positions ``index`` with ``columns`` added, as the same kind of table."""
    if isinstance(table, Matches):
        return table.take(index, **columns)
    return table.iloc[index].assign(**columns)


def candidates(pool: "Pool | pd.DataFrame", need: Need, *, active: Iterable["Disruption"] = (),
               max_premium: float | None = None, scenario: "Scenario | None" = None) -> pd.DataFrame:
    """The offerings of the needed process, each with ``eligible`` and, when not, the first
    ``reason`` it fails; adds the distance, transport mode and transit days, the landed cost and
    CO2 per unit and the days to first delivery (onboarding + lead time + transit); for an
    expedited need, ``unit_price`` is the expedited price. ``attrs["not_offering"]`` counts the
    pool's offerings of other processes. The frame of :func:`match`."""
    pool = pool if isinstance(pool, Pool) else Pool(pool)
    return match(pool, need, active=active, max_premium=max_premium, scenario=scenario).frame()


def match(pool: Pool, need: Need, *, active: Iterable["Disruption"] = (), max_premium: float | None = None,
          scenario: "Scenario | None" = None, capacity: np.ndarray | None = None,
          price: np.ndarray | None = None) -> Matches:
    """:func:`candidates` on arrays, with each offering's ``capacity`` a day and ``price`` a
    unit as the moment leaves them (arrays over the whole pool; default: as published). The
    part that holds whatever the day comes from :meth:`Pool.reach`; the price (with the need's
    material for an internal offering priced at cost, :mod:`resim.supply.internal`), the premium
    limit and the ``active`` disruptions are applied here, in that order after it."""
    reach = pool.reach(need)
    rows = reach.rows
    reason = reach.reason.copy()
    unit_price = (pool.columns["unit_price"] if price is None else price)[rows] * reach.factor
    material_factor = pool.columns.get("material_factor")
    if material_factor is not None and need.material_cost > 0:  # internal offerings price the part's components
        unit_price = unit_price + need.material_cost * material_factor[rows]
    landed = unit_price + reach.freight
    if max_premium is not None and need.unit_cost > 0:
        _fail(reason, landed / need.unit_cost - 1.0 > max_premium + 1e-12, f"premium above {max_premium:.0%}")
    for event in active:
        _moment(pool.country[rows], pool.region[rows], pool.columns["lat"][rows], pool.columns["lon"][rows],
                need, event, partial(_fail, reason), scenario)
    transport = reach.transport
    columns = {"capacity_per_day": (pool.columns["capacity_per_day"] if capacity is None else capacity)[rows],
               "unit_price": unit_price, "distance_km": transport["distance_km"],
               "transport_mode": transport["transport_mode"], "transit_days": transport["transit_days"],
               "expedited": transport["expedited"], "landed_unit_cost": landed,
               "co2_kg_per_unit": transport["co2_kg_per_unit"],
               "days_to_first_delivery": transport["days_to_first_delivery"], "eligible": reason == "", "reason": reason}
    return Matches(pool, rows, columns, {"not_offering": len(pool) - len(rows), "process": need.process})


def _fail(reason: np.ndarray, mask: np.ndarray, why: "str | np.ndarray") -> None:
    """Give ``why`` (one text, or one per offering) as the reason of the offerings in ``mask``
    that have none yet: each keeps the first reason it fails."""
    open_ = (reason == "") & mask
    reason[open_] = why[open_] if isinstance(why, np.ndarray) else why


def _reach(pool: Pool, need: Need) -> _Reach:
    """The offerings of ``need``'s process, the first reason each fails on the specification,
    certificates or export control, and their transport (see :class:`_Reach`)."""
    rows = pool.offering(need.process)
    reason = np.full(len(rows), "", dtype=object)
    fail = partial(_fail, reason)
    if need.material:
        wanted = need.material.lower()
        processes = np.array([not ms or any(m.lower() == wanted for m in ms) for ms in pool.material_sets], bool)
        fail(~processes[pool.material_codes[rows]], f"does not process {need.material}")
    number = {name: pool.columns[name][rows] for name in (
        "tolerance_mm", "lat", "lon", "onboarding_mean", "lead_time_mean", "expedite_premium")}
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
    # Transport (resim.supply.logistics): the distance (a fallback without coordinates), the mode of
    # least freight and in-transit holding, its transit days, freight and CO2. An expedited need
    # has offerings with an expedite option ship by air where that is faster than their usual
    # mode, at price x (1 + premium).
    same_country, same_region = country == need.country, region == need.region
    distance = logistics.distance_km(need.lat, need.lon, number["lat"], number["lon"], same_country, same_region)
    premium = number["expedite_premium"]
    goods = dict(weight_kg=need.weight_kg, value=need.unit_cost, holding_rate=need.holding_rate)
    mode = logistics.choose_mode(distance, same_country, same_region, **goods)
    expedited = np.zeros(len(mode), bool)
    if need.expedite:
        usual, mode = mode, logistics.choose_mode(distance, same_country, same_region, **goods, expedite=premium > 0)
        expedited = mode != usual
    transit = logistics.transit_days(distance, mode)
    transport = {"distance_km": distance, "transport_mode": mode, "transit_days": transit, "expedited": expedited,
                 "co2_kg_per_unit": logistics.co2_per_unit(need.weight_kg, distance, mode),
                 "days_to_first_delivery": number["onboarding_mean"] + number["lead_time_mean"] + transit}
    reach = _Reach(rows, reason, np.where(expedited, 1.0 + premium, 1.0),
                   logistics.freight_per_unit(need.weight_kg, distance, mode), transport)
    for values in (reach.rows, reach.reason, reach.factor, reach.freight, *transport.values()):
        values.flags.writeable = False
    return reach


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


def score(table: Table, need: Need, weights) -> Table:
    """Rank eligible candidates by a weighted score (0..1, higher is better), keeping its parts.

    ``table`` is a frame of :func:`candidates` or the :class:`Matches` of :func:`match`;
    ``weights`` has fields cost, lead_time, quality, on_time, capacity, distance (normalised here).
    Returns the eligible rows sorted best first, as the same kind of table, with ``score``,
    ``rank`` and one ``part_<criterion>`` column per criterion (its weighted contribution).
    """
    eligible = np.flatnonzero(np.asarray(table["eligible"], bool))

    def column(name: str) -> np.ndarray:
        return np.asarray(table[name], float)[eligible]

    raw = {
        "cost": -column("landed_unit_cost"),
        "lead_time": -column("days_to_first_delivery"),
        # As later selections rate providers they have worked with (resim.sim.scorecards), else published.
        "quality": column("rated_conformance_rate" if "rated_conformance_rate" in table else "conformance_rate"),
        "on_time": column("rated_on_time_rate" if "rated_on_time_rate" in table else "on_time_rate"),
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
    ids = np.asarray(table["id"], str)[eligible]
    order = np.lexsort((ids, -raw["cost"], -total))  # best score, then cheapest
    return _rows(table, eligible[order], **{name: values[order] for name, values in parts.items()},
                 score=total[order], rank=np.arange(1, len(order) + 1))


def _worth_keeping(table: "pd.DataFrame | Matches", gap: float, limit: int) -> np.ndarray:
    """Candidates dominated by fewer than ``limit`` others (no dearer per unit, no dearer to set
    up, at least as much useful capacity). With at most ``limit`` providers chosen, a dominated
    candidate can always be swapped for an unused one that dominates it, so dropping the rest
    keeps an optimal selection."""
    capacity = np.minimum(np.asarray(table["capacity_per_day"], float), gap)
    setup = np.asarray(table["setup_cost"], float)
    # In this order a candidate can only be dominated by ones before it (ties broken by position).
    order = np.lexsort((-capacity, setup, np.asarray(table["landed_unit_cost"], float)))
    setup = setup[order]
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

    chosen: "pd.DataFrame | Matches"   # rows of the candidates (as they were given) with ``units_per_day``
    covered_per_day: float
    missing_per_day: float
    cost: float                   # setup + landed units over the period


def select(ranked: "pd.DataFrame | Matches", need: Need, *, days: float, budget: float | None = None,
           max_providers: int | None = None) -> Selection:
    """The least-cost set of providers covering ``need.units_per_day`` for ``days``, within the
    budget and provider limit (MILP). If the gap cannot be covered, the largest coverage (then the
    least cost) is chosen. ``ranked`` is a frame or :class:`Matches` (of :func:`score`), and
    the chosen rows are the same kind of table."""
    index = np.arange(len(ranked))
    if max_providers is not None:
        index = index[_worth_keeping(ranked, need.units_per_day, max_providers)]
    n = len(index)
    if n == 0 or need.units_per_day <= 0:
        return Selection(_rows(ranked, index[:0], units_per_day=np.zeros(0)), 0.0, max(need.units_per_day, 0.0), 0.0)
    capacity = np.minimum(np.asarray(ranked["capacity_per_day"], float)[index], need.units_per_day)
    unit = np.asarray(ranked["landed_unit_cost"], float)[index] * days
    setup = np.asarray(ranked["setup_cost"], float)[index]
    gap = need.units_per_day
    if max_providers is not None and _subsets_count(n, max_providers) <= _ENUMERATE_UP_TO:
        x = _best_subset(unit, setup, capacity, gap, budget, max_providers)
        picked = x > 1e-9
        chosen = _rows(ranked, index[picked], units_per_day=x[picked])
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
    chosen = _rows(ranked, index[picked], units_per_day=x[picked])
    covered = float(x[picked].sum())
    cost = float(unit[picked] @ x[picked] + setup[picked].sum())
    return Selection(chosen, covered, max(gap - covered, 0.0), cost)
