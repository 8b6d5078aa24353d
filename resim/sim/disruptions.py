"""Disruptions in a running model: when each happens in a replication, and what it does.

Timing is drawn per replication from the stream ``("disruption", id)``, so every strategy meets the
same disruptions. A disruption starts at the start of its onset day and lasts ``duration_days``;
then its recovery begins: at once (``step``) or linearly over ``ramp_days`` (``ramp``; for a natural
disaster each hit node ramps up over its own time, 0.5-1.5 × ramp_days). A follow-up named by
``then`` starts its own ``onset_day`` days after its predecessor ends (with ``annual_probability``:
that chance of following at all); it never starts on its own. ``annual_probability`` p makes a
disruption happen with chance 1 - (1 - p)^(horizon / 365), on a uniformly drawn day.
``rate_per_year`` makes it a hazard: its events arrive as a Poisson process (seasonal with
``seasonality``; :func:`hazard_onsets`), each with its own drawn duration and, with
``severity_distribution``, severity (:attr:`Occurrence.severity`), so they recur and overlap,
each undone by its own end.

What each type stops (the vocabulary of DESIGN.md; "severity" scales every factor):

| type | new orders | production | shipments out | goods in transit | receipts | stock on hand |
| --- | --- | --- | --- | --- | --- | --- |
| natural_disaster (nodes in the footprint) | still placed, stay owed | × (1 - damage) | × (1 - damage) | arrive | received | `stock_destroyed` share scrapped at onset |
| trade_barrier embargo / used_goods_ban | go to other open lanes; placed ones stay owed | — | blocked on matching flows | arrive | received | — |
| trade_barrier tariff | unchanged | — | charged rate × unit value | arrive | received | — |
| trade_barrier local_content | as embargo (or a penalty per unit when `penalty_per_unit` > 0) on supply to the market below `min_local_share` | — | — | arrive | received | — |
| capacity_loss | unchanged | × (1 - severity) at the nodes (or their listed processes) | from stock continue | arrive | received | — |
| demand_shock | — | — | — | — | — | demand × multiplier |
| logistics (closure) | go to other open lanes; placed ones stay owed | — | lane capacity × (1 - severity) | arrive | received | — |
| logistics (lead_time_multiplier) | unchanged | — | leave with longer lead times | keep their arrival day | received | — |
| quality | unchanged | — | — | arrive | received | severity share quarantined (released at the end) or scrapped |
| supplier_failure | still placed, stay owed | stopped | stopped | arrive | received | kept (unusable while down) |

A breakdown process (capacity_loss with ``mtbf_days`` and ``mttr_days``) alternates up times
(mtbf) and repairs (mttr) from the onset for ``duration_days``; each repair is one stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from resim.core.geo import great_circle_km
from resim.scenario.format.events import (
    CapacityLoss, DemandShock, Logistics, NaturalDisaster, Quality, SupplierFailure, TradeBarrier,
)
from resim.sim.ledger import Event
from resim.sim.shared import shared
from resim.sim.status import EventKind

if TYPE_CHECKING:
    from resim.sim.engine import Model
    from resim.scenario.format.events import Disruption
    from resim.scenario import Scenario
    from resim.core.streams import Streams

__all__ = ["Occurrence", "sample_occurrences", "hazard_onsets", "schedule_disruptions", "footprint_nodes", "hit_nodes"]

@dataclass(frozen=True)
class Occurrence:
    """One disruption as it happens in a replication: days [start, end); end None = lasting."""

    spec: "Disruption"
    start: int
    end: int | None
    number: int = 0
    severity: float | None = None   # its own drawn severity (spec.severity_distribution), else None

    @property
    def scale(self) -> float:
        """What its effects are scaled by beyond the spec's own: its drawn severity, else 1."""
        return 1.0 if self.severity is None else self.severity

    @property
    def effective_severity(self) -> float:
        """The share of capacity or flow this event takes: the spec's ``severity`` times its drawn one."""
        return self.spec.severity * self.scale

    @property
    def cause(self) -> str:
        """The name its changes are kept under in the model's levers."""
        return f"disruption:{self.spec.id}:{self.number}"

    def event(self, what: EventKind) -> Event:
        """Its start or its end, as the model's listeners hear it (on its onset or its end day)."""
        day = self.start if what == EventKind.START else self.end
        return Event(what, day, self.spec.id, self.spec.type, self.number, self.end)


def _days(value: float) -> int:
    return max(int(round(float(value))), 0)


def sample_occurrences(scenario: "Scenario", streams: "Streams") -> list[Occurrence]:
    """The disruptions of one replication, with their days, in order of onset."""
    horizon = scenario.horizon_days
    by_id = {d.id: d for d in scenario.disruptions}
    followers = {d.then for d in scenario.disruptions if d.then}
    found: list[Occurrence] = []
    for root in scenario.disruptions:
        if root.id in followers:
            continue
        if root.rate_per_year is not None:
            found.extend(_hazard_events(root, streams, horizon))
            continue
        spec, start = root, _first_onset(root, streams.get("disruption", root.id), horizon)
        while start is not None and start < horizon:
            rng = streams.get("disruption", spec.id, "course")
            duration = _duration(spec, rng)
            end = None if duration is None else start + duration
            found.extend(_expand(spec, start, end, rng, horizon))
            if spec.then is None or end is None:
                break
            spec = by_id[spec.then]
            start = _follow(spec, streams.get("disruption", spec.id), end)
    return sorted(found, key=lambda o: (o.start, o.spec.id, o.number))


def hazard_onsets(spec: "Disruption", rng: np.random.Generator, horizon: int) -> np.ndarray:
    """The onset days of a hazard's events over ``horizon`` days: a Poisson process at
    ``rate_per_year`` / 365 a day, its rate in each month scaled by ``seasonality`` (12 factors,
    scaled to mean 1; day 0 is 1 January, months of 365 / 12 days), on whole days, drawn by thinning: a
    homogeneous process at the highest month's rate, each event kept with the chance its month's
    rate is of that."""
    factors = np.ones(12) if spec.seasonality is None else np.asarray(spec.seasonality, float)
    factors = factors / factors.mean()
    peak = spec.rate_per_year * factors.max() / 365.0
    days = np.sort(rng.integers(0, horizon, rng.poisson(peak * horizon)))
    month = np.minimum((days % 365) * 12 // 365, 11)  # as demand's seasonality counts months
    kept = rng.random(len(days)) < factors[month] / factors.max()
    return days[kept]


def _hazard_events(spec: "Disruption", streams: "Streams", horizon: int) -> list[Occurrence]:
    """A hazard's events in one replication (:func:`hazard_onsets`), each with its own duration
    and, with ``severity_distribution``, severity (at most 1), numbered in order of onset."""
    onsets = hazard_onsets(spec, streams.get("disruption", spec.id), horizon)
    rng = streams.get("disruption", spec.id, "course")
    found = []
    for start in onsets.tolist():
        duration = _duration(spec, rng)
        found.append(Occurrence(spec, start, None if duration is None else start + duration, len(found),
                                _severity(spec, rng)))
    return found


def _severity(spec: "Disruption", rng: np.random.Generator) -> float | None:
    """An event's own severity, drawn from ``severity_distribution`` (at most 1); None without one."""
    if spec.severity_distribution is None:
        return None
    return min(float(spec.severity_distribution.sample(rng)), 1.0)


def _first_onset(spec: "Disruption", rng: np.random.Generator, horizon: int) -> int | None:
    if spec.onset_day is not None:
        return _days(spec.onset_day.sample(rng))
    chance = 1.0 - (1.0 - spec.annual_probability) ** (horizon / 365.0)
    happens, day = rng.random() < chance, int(rng.integers(0, horizon))
    return day if happens else None


def _follow(spec: "Disruption", rng: np.random.Generator, after: int) -> int | None:
    if spec.annual_probability is not None:
        return after if rng.random() < spec.annual_probability else None
    return after + _days(spec.onset_day.sample(rng))


def _duration(spec: "Disruption", rng: np.random.Generator) -> int | None:
    if spec.duration_days is None:  # a supplier failure without a duration is permanent
        return None
    return max(_days(spec.duration_days.sample(rng)), 1)


def _expand(spec, start: int, end: int | None, rng, horizon: int) -> list[Occurrence]:
    """A breakdown process becomes its repairs; any other disruption is one occurrence. Each
    draws its own severity where the disruption has a ``severity_distribution``."""
    if not (isinstance(spec, CapacityLoss) and spec.mtbf_days is not None):
        return [Occurrence(spec, start, end, severity=_severity(spec, rng))]
    stops, day, limit = [], start, min(end if end is not None else horizon, horizon)
    while True:
        day += max(_days(spec.mtbf_days.sample(rng)), 1)
        if day >= limit:
            return stops
        repair = max(_days(spec.mttr_days.sample(rng)), 1)
        stops.append(Occurrence(spec, day, day + repair, number=len(stops), severity=_severity(spec, rng)))
        day += repair


def footprint_nodes(scenario: "Scenario", spec: NaturalDisaster) -> dict[str, float]:
    """Nodes a disaster hits, with the damage each takes (severity, less with distance). Worked
    out once per scenario and disaster (every need asks whether its destination is hit)."""
    # The entry holds the spec, so no other object can take its id while the entry lives.
    _, hit = shared(scenario, ("footprint", id(spec)), lambda: (spec, _footprint(scenario, spec)))
    return dict(hit)


def _footprint(scenario: "Scenario", spec: NaturalDisaster) -> dict[str, float]:
    area, hit = spec.footprint, {}
    for node in scenario.nodes:
        if node.country in area.countries or node.region in area.regions:
            hit[node.id] = spec.severity
        elif area.center is not None and node.lat is not None:
            distance = great_circle_km(*area.center, node.lat, node.lon)
            if distance <= area.radius_km:
                # Damage falls off from the epicentre to half at the edge of the footprint.
                hit[node.id] = spec.severity * (1.0 - 0.5 * distance / area.radius_km)
    return hit


def hit_nodes(scenario: "Scenario", spec: "Disruption") -> list[str]:
    """The nodes whose supply a disruption cuts: a disaster's footprint, the nodes of a capacity
    loss or supplier failure, the sources of a logistics event's lanes, an embargo's origins
    (none for demand shocks, quality events and tariffs)."""
    if isinstance(spec, NaturalDisaster):
        return sorted(footprint_nodes(scenario, spec))
    if isinstance(spec, (CapacityLoss, SupplierFailure)):
        return list(spec.nodes)
    if isinstance(spec, Logistics):
        return sorted({lane.source for lane in scenario.lanes
                       if lane.key in spec.lanes or f"{lane.source}->{lane.dest}" in spec.lanes})
    if isinstance(spec, TradeBarrier) and spec.barrier == "embargo":
        return sorted(n.id for n in scenario.nodes
                      if n.country in spec.from_countries or n.region in spec.from_regions)
    return []


class _Effect:
    """What one occurrence does to the model; ``set(levels)`` applies it at recovery levels 0..1."""

    def __init__(self, model: "Model", occurrence: Occurrence, rng: np.random.Generator):
        self.model, self.occurrence, self.spec = model, occurrence, occurrence.spec
        self.cause = occurrence.cause
        ramp = self.spec.recovery.ramp_days if self.spec.recovery.profile == "ramp" else 0.0
        self.ramp_days = np.array([ramp])

    def start(self) -> None:
        self.set(np.ones(len(self.ramp_days)))

    def set(self, levels: np.ndarray) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        self.model.end(self.cause)


class _NodeStop(_Effect):
    """Production and shipments of nodes scaled down (disaster, capacity loss, failure)."""

    def __init__(self, model, occurrence, rng):
        super().__init__(model, occurrence, rng)
        spec, sc = self.spec, model.scenario
        if isinstance(spec, NaturalDisaster):
            hit = footprint_nodes(sc, spec)
            self.nodes, self.damage = list(hit), np.array(list(hit.values())) * occurrence.scale
            self.ramp_days = self.ramp_days[0] * rng.uniform(0.5, 1.5, len(self.nodes))
        else:
            self.nodes = list(spec.nodes)
            self.damage = np.full(len(self.nodes), occurrence.effective_severity)
            self.ramp_days = np.full(len(self.nodes), self.ramp_days[0])
        self.ships = not isinstance(spec, CapacityLoss)
        self.rows = None
        if isinstance(spec, CapacityLoss) and spec.processes:
            self.rows = self._process_rows(spec.processes)

    def _process_rows(self, processes) -> list[np.ndarray]:
        net, parts = self.model.net, self.model.scenario.parts_by_id
        rows = []
        for node in self.nodes:
            index = net.node_index[node]
            rows.append(np.array([r for r in np.flatnonzero(net.row_node == index)
                                  if (spec := parts[net.part_ids[net.sku_part[net.row_sku[r]]]].process)
                                  and any(spec.process.startswith(p) for p in processes)], np.int64))
        return rows

    def start(self) -> None:
        spec = self.spec
        if isinstance(spec, NaturalDisaster) and spec.stock_destroyed > 0:
            net = self.model.net
            hit = np.isin(net.sku_node, [net.node_index[n] for n in self.nodes])
            self.model.remove_stock(np.flatnonzero(hit), spec.stock_destroyed, quarantine=False)
        super().start()

    def set(self, levels: np.ndarray) -> None:
        for i, node in enumerate(self.nodes):
            factor = 1.0 - self.damage[i] * levels[i]
            if self.rows is not None:
                self.model.set_process_capacity(self.rows[i], factor, cause=self.cause)
            else:
                self.model.set_capacity(node, factor, cause=self.cause)
            if self.ships:
                self.model.set_shipping(node, factor, cause=self.cause)


class _Demand(_Effect):
    def set(self, levels: np.ndarray) -> None:
        factor = 1.0 + (self.spec.multiplier - 1.0) * levels[0]
        for market in self.spec.markets:
            for part in self.spec.parts or (None,):
                self.model.set_demand_factor(market, factor, part, cause=self.cause)


class _Lanes(_Effect):
    def set(self, levels: np.ndarray) -> None:
        net, spec = self.model.net, self.spec
        for ref in spec.lanes:
            lane = net.lane_index.get(ref)
            if lane is None:
                lane = next(i for i, l in enumerate(net.lanes)
                            if f"{l.source}->{l.dest}" == ref and net.lane_index.get(l.key) == i)  # its own
            key = net.lane_keys[lane]
            if spec.lead_time_multiplier is not None:
                factor = 1.0 + (spec.lead_time_multiplier - 1.0) * levels[0]
                self.model.set_lead_time_factor(key, factor, cause=self.cause)
            else:
                self.model.set_lane_capacity(key, 1.0 - self.occurrence.effective_severity * levels[0],
                                             cause=self.cause)


class _Quality(_Effect):
    def start(self) -> None:
        net, spec = self.model.net, self.spec
        nodes = [net.node_index[n] for n in spec.nodes]
        parts = [net.part_index[p] for p in spec.parts] if spec.parts else None
        mask = np.isin(net.sku_node, nodes) & (np.isin(net.sku_part, parts) if parts else True)
        self.skus = np.flatnonzero(mask)
        self.held = self.model.remove_stock(self.skus, self.occurrence.effective_severity,
                                            quarantine=spec.action == "quarantine")

    def set(self, levels: np.ndarray) -> None:
        return None  # stock effects happen at the start and the end, not by degree

    def finish(self) -> None:
        if self.spec.action == "quarantine":
            self.model.release_hold(self.skus, self.held)
        super().finish()


class _Trade(_Effect):
    """Rules on flows between country groups, also applied to lanes added while in force."""

    def start(self) -> None:
        self.model.add_arc_rule(self.cause, self._rule)

    def set(self, levels: np.ndarray) -> None:
        return None  # trade rules hold fully until they are lifted

    def _rule(self, arcs: np.ndarray) -> None:
        spec, net, model = self.spec, self.model.net, self.model
        arcs = arcs[self._matching(arcs)]
        if spec.barrier == "tariff":
            model.set_tariff(arcs, spec.rate, cause=self.cause)
        elif spec.barrier == "local_content":
            share = local_value_share(model, model.scenario.nodes_by_id[spec.market].region)
            below = arcs[share[net.arc_src[arcs]] < spec.min_local_share - 1e-12]
            if spec.penalty_per_unit > 0:
                model.set_duty(below, spec.penalty_per_unit, cause=self.cause)
            else:
                model.block_arcs(below, cause=self.cause)
        else:
            model.block_arcs(arcs, cause=self.cause)

    def _matching(self, arcs: np.ndarray) -> np.ndarray:
        spec, net = self.spec, self.model.net
        nodes = net.nodes
        keep = np.ones(len(arcs), bool)
        for k, arc in enumerate(arcs):
            lane = net.lanes[net.arc_lane[arc]]
            src, dst = nodes[net.node_index[lane.source]], nodes[net.node_index[lane.dest]]
            part = net.part_ids[net.sku_part[net.arc_src[arc]]]
            if spec.barrier == "local_content":
                keep[k] = lane.dest == spec.market
            else:
                keep[k] = (_in_group(src, spec.from_countries, spec.from_regions)
                           and _in_group(dst, spec.to_countries, spec.to_regions)
                           and src.country != dst.country)
                if spec.barrier == "used_goods_ban":
                    keep[k] = keep[k] and src.kind == "reman"
            keep[k] = keep[k] and (not spec.parts or part in spec.parts)
        return keep


def _in_group(node, countries, regions) -> bool:
    if not countries and not regions:
        return True
    return node.country in countries or node.region in regions


def local_value_share(model: "Model", region: str) -> np.ndarray:
    """Per stock point, the share of a unit's value added in ``region`` along its sources, each
    weighted by its part of the stock point's orders today (the scenario's shares when none is
    open): own conversion value where it is made, plus its components' local value."""
    net, parts = model.net, model.scenario.parts_by_id
    weights = model.order_weights()
    local = np.full(net.n_sku, np.nan)
    inbound: dict[int, list[int]] = {}
    for arc in net.repl[model.own_arc[net.repl]]:  # not other replications' (closed to it)
        inbound.setdefault(int(net.arc_dst[arc]), []).append(int(arc))

    def value(sku: int, seen: frozenset) -> float:
        if not np.isnan(local[sku]):
            return local[sku]
        if sku in seen:
            return 0.0
        seen = seen | {sku}
        node = net.nodes[net.sku_node[sku]]
        part = parts[net.part_ids[net.sku_part[sku]]]
        if net.sku_row[sku] >= 0:
            children = sum(parts[c].unit_cost * q for c, q in part.bom.items())
            result = max(part.unit_cost - children, 0.0) * (node.region == region)
            for child, quantity in part.bom.items():
                child_sku = net.sku_index.get((node.id, child))
                result += quantity * (value(child_sku, seen) if child_sku is not None else 0.0)
        else:
            arcs = inbound.get(sku, [])
            split = weights[arcs] if weights[arcs].sum() > 0 else net.base_share[arcs]
            total = float(split.sum())
            result = sum(w / total * value(int(net.arc_src[a]), seen) for a, w in zip(arcs, split)) if total else 0.0
        local[sku] = result
        return result

    values = np.array([value(s, frozenset()) for s in range(net.n_sku)])
    return np.divide(values, net.sku_value, out=np.ones(net.n_sku), where=net.sku_value > 0)


_EFFECTS = {NaturalDisaster: _NodeStop, CapacityLoss: _NodeStop, SupplierFailure: _NodeStop,
            DemandShock: _Demand, Logistics: _Lanes, Quality: _Quality, TradeBarrier: _Trade}


def schedule_disruptions(model: "Model") -> list[Occurrence]:
    """Draw this replication's disruptions and schedule them on ``model``; return them."""
    occurrences = sample_occurrences(model.scenario, model.streams)
    for occurrence in occurrences:
        model.env.process(_course(model, occurrence))
    return occurrences


def _course(model: "Model", occurrence: Occurrence):
    env = model.env
    yield env.timeout(occurrence.start - env.now)
    rng = model.streams.get("disruption", occurrence.spec.id, "effect", str(occurrence.number))
    effect = _EFFECTS[type(occurrence.spec)](model, occurrence, rng)
    effect.start()
    model.notify(occurrence.event(EventKind.START))
    if occurrence.end is None or occurrence.end >= model.horizon:
        return
    yield env.timeout(occurrence.end - occurrence.start)
    model.notify(occurrence.event(EventKind.END))
    ramp = effect.ramp_days
    for day in range(1, int(np.ceil(ramp.max(initial=0.0))) + 1):
        effect.set(np.clip(1.0 - day / np.maximum(ramp, 1e-9), 0.0, 1.0))
        yield env.timeout(1)
    effect.finish()
