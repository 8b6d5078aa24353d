"""The ripple trace of a finished replication: which disruption reached which market through
which node and part, how many units that market missed, and what answered it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from resim.experiment.metrics import baseline_level, dip_start, recovery_start, rolling_fill
from resim.experiment.records import RippleEvent, RippleRow, columns
from resim.sim.disruptions import hit_nodes
from resim.sim.shared import shared
from resim.sim.status import EventKind, NONE_ASKED

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.sim.ledger import Event
    from resim.scenario.format.strategies import Metrics
    from resim.sim.engine import Model
    from resim.sim.strategies import Response

__all__ = ["ripple_trace", "ripple_paths", "ripple_frame", "Paths"]


def ripple_trace(model: "Model", response: "Response | None", strategy: str, replication: int) -> list[RippleEvent]:
    """Why service dropped in a replication of ``strategy``: for each disruption of the run, and
    each of its paths disruption -> node -> part -> product -> market (:func:`ripple_paths`),
    the units that market missed from the onset until its service recovered (or, without a dip,
    until the disruption ended), the day that window ends, the disruption's share of the units
    missed in it (:func:`apportion`: overlapping disruptions split each day's shortfall, so the
    shares of a market sum to its units missed in the union of their windows), and the actions
    that answered it. :func:`ripple_frame` makes them rows of ripple.csv."""
    scenario, ledger, settings = model.scenario, model.ledger, model.scenario.metrics
    demand, on_time = ledger.market["demand"], ledger.market["on_time"]
    # Per market, day by day: units missed (demand not met on time) and units lost.
    short = np.stack([demand - on_time, ledger.market["lost"]], axis=2)
    rolling = [rolling_fill(demand[:, i], on_time[:, i], settings.window_days) for i in range(len(scenario.demand))]
    traced = []
    severity = {(o.spec.id, o.number): o.effective_severity for o in model.occurrences}  # each event's own
    for event in [e for e in ledger.events if e.what == EventKind.START]:
        spec = next(d for d in scenario.disruptions if d.id == event.id)
        answered = "; ".join(f"{a.kind} {a.source or '-'} ({a.status}, from day {a.start})" for a in
                             (response.actions if response else [])
                             if a.trigger == spec.id and a.status not in NONE_ASKED) or "nothing"
        # Every node and part through which the event reaches a market asks the same of that
        # market's service; only the reach differs. Each market's is worked out once per event.
        paths = ripple_paths(scenario, spec.id)
        services: dict[int, _Service] = {}
        back = np.empty(len(paths.index), np.int64)
        for path, (index, lag) in enumerate(zip(paths.index, paths.lag)):
            if index not in services:
                services[index] = _Service(rolling[index], event, settings, model.horizon)
            back[path] = services[index].back(lag)
        # The units of each (market, day back) once: many paths share them.
        pairs, which = np.unique(np.column_stack([np.asarray(paths.index, np.int64), back]).reshape(-1, 2),
                                 axis=0, return_inverse=True)
        units = np.array([short[event.day:until, index].sum(axis=0) for index, until in pairs]).reshape(-1, 2)
        traced.append(_Traced(event, severity.get((event.id, event.number), spec.mean_severity), paths, back,
                              units[which.reshape(-1)], answered))
    charged = _charged(traced, short, model.horizon)
    return [RippleEvent(strategy, replication, t.event.id, t.event.day, t.answered, t.units[:, 0].copy(),
                        t.units[:, 1].copy(), t.back.astype(float), shares[:, 0].copy(), shares[:, 1].copy())
            for t, shares in zip(traced, charged)]


@dataclass(frozen=True)
class _Traced:
    """A disruption's occurrence as the trace follows it: its start ``event``, ``severity``,
    ``paths``, the day service was back on each path, and each path's units missed and lost."""

    event: "Event"
    severity: float
    paths: "Paths"
    back: np.ndarray
    units: np.ndarray
    answered: str


def _charged(traced: list[_Traced], short: np.ndarray, horizon: int) -> list[np.ndarray]:
    """Each traced occurrence's share of its markets' units missed and lost (``short``: day ×
    market × (missed, lost)), per path, path × (missed, lost): a path carries its market's share.
    On a market, an occurrence is charged from its onset to the latest day service was back on
    its paths to that market."""
    charged = [np.zeros((len(t.back), 2)) for t in traced]
    reach: dict[int, list[tuple[int, np.ndarray]]] = {}  # market -> (occurrence, its paths to it)
    for k, t in enumerate(traced):
        index = np.asarray(t.paths.index, dtype=np.int64)
        for market in np.unique(index):
            reach.setdefault(int(market), []).append((k, index == market))
    for market, found in sorted(reach.items()):
        events = [traced[k].event for k, _ in found]
        windows = [(e.day, int(traced[k].back[on].max())) for e, (k, on) in zip(events, found)]
        in_force = [(e.day, horizon if e.end is None else min(e.end, horizon)) for e in events]
        shares = apportion(short[:, market], windows, in_force, [traced[k].severity for k, _ in found])
        for (k, on), share in zip(found, shares):
            charged[k][on] = share
    return charged


def apportion(short: np.ndarray, windows: list[tuple[int, int]], in_force: list[tuple[int, int]],
              severity: list[float]) -> np.ndarray:
    """Split a market's shortfall among the disruptions charged with it: ``short`` is its units
    short per day (day × kinds of unit, e.g. missed and lost), ``windows`` each disruption's days
    [first, stop) charged on this market, ``in_force`` its days [onset, end) in force, ``severity``
    its share of capacity or flow lost. Returns each disruption's units, disruption × kinds.

    The rule: a day's shortfall goes to the disruptions whose window covers that day, in
    proportion to the severity-days each has been in force up to and including that day
    (severity × days from its onset to that day or to its end, whichever is earlier); when none
    of them has been in force yet (or all have severity 0), in equal shares. Why: a market falls
    short on a day by the supply its chain lost earlier and has not made up (the backlog), and
    the ledger does not say which disruption's lost supply a missed unit was; each disruption's
    severity-days are its measure of that lost supply. A 2-day breakdown inside a disaster in
    force for 60 days so far thus takes 2/62 of the day's units (equal severities), not all of
    them. Each covered day's units are handed out whole, so the disruptions' units sum to
    the units short in the union of their windows; a lone disruption takes all of its window."""
    charged = np.zeros((len(windows), short.shape[1]))
    if not windows:
        return charged
    first, stop = min(w[0] for w in windows), max(w[1] for w in windows)
    if stop <= first:
        return charged
    days = np.arange(first, stop)
    covers = np.array([(days >= a) & (days < b) for a, b in windows], dtype=float)
    dose = np.array([s * np.clip(np.minimum(days + 1, end) - onset, 0, None)
                     for (onset, end), s in zip(in_force, severity)]) * covers
    weight = np.where(dose.sum(axis=0) > 0, dose, covers)
    total = weight.sum(axis=0)
    share = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
    return share @ short[first:stop]


@dataclass(frozen=True)
class Paths:
    """A disruption's paths to the markets, in the trace's order, as columns: hit node, part it
    makes, demand entry whose product is or contains that part (its index, product and market),
    and the days the change takes from the node to that market."""

    node: tuple[str, ...]
    part: tuple[str, ...]
    index: tuple[int, ...]
    lag: tuple[float, ...]
    product: tuple[str, ...]
    market: tuple[str, ...]


def ripple_paths(scenario: "Scenario", disruption: str) -> Paths:
    """The paths of ``disruption`` (its id): the same in every replication, so worked out once
    per scenario in a process."""
    def make() -> Paths:
        spec = next(d for d in scenario.disruptions if d.id == disruption)
        facts = scenario.facts
        paths = [(node, part, index, facts.lag_days(node, entry.market), entry.part, entry.market)
                 for node in hit_nodes(scenario, spec) for part in scenario.nodes_by_id[node].makes
                 for index, entry in enumerate(scenario.demand) if facts.contains(entry.part, part)]
        return Paths(*(tuple(column) for column in zip(*paths))) if paths else Paths((), (), (), (), (), ())
    return shared(scenario, ("ripple", disruption), make)


def ripple_frame(scenario: "Scenario", events: list[RippleEvent]) -> pd.DataFrame:
    """ripple.csv's table (:class:`RippleRow`'s columns) of the ``events`` of ``scenario``'s
    replications: a row per path of each, in order."""
    names = columns(RippleRow)
    if not events:
        return pd.DataFrame([], columns=names)
    paths = [ripple_paths(scenario, event.disruption) for event in events]
    counts = [len(p.node) for p in paths]

    def each(values: list) -> np.ndarray:  # an event's value on each of its paths
        return np.repeat(np.array(values, dtype=object), counts)

    def joined(column: str) -> list:
        return [value for p in paths for value in getattr(p, column)]

    table = {"strategy": each([e.strategy for e in events]),
             "replication": np.repeat(np.array([e.replication for e in events], np.int64), counts),
             "disruption": each([e.disruption for e in events]),
             "onset": np.repeat(np.array([e.onset for e in events], np.int64), counts),
             "node": joined("node"), "part": joined("part"), "product": joined("product"),
             "market": joined("market"),
             "missed_units": np.concatenate([e.missed_units for e in events]),
             "lost_units": np.concatenate([e.lost_units for e in events]),
             "answered_by": each([e.answered_by for e in events]),
             "back_day": np.concatenate([e.back_day for e in events]).astype(np.int64),
             "charged_units": np.concatenate([e.charged_units for e in events]),
             "charged_lost_units": np.concatenate([e.charged_lost_units for e in events])}
    return pd.DataFrame(table, columns=names)


class _Service:
    """A market's service after a disruption's onset (its rolling fill rate, ``rolling``), for
    any reach: the baseline, the first dip from the onset and the recovery after it, computed once."""

    def __init__(self, rolling: np.ndarray, event: "Event", settings: "Metrics", horizon: int) -> None:
        self.end, self.horizon, self.window = min(event.end or horizon, horizon), horizon, settings.window_days
        base = baseline_level(rolling, event.day, settings)
        self.dip = dip_start(rolling, base, settings, event.day)
        self.recovery = None if self.dip is None else recovery_start(rolling, base, settings, self.dip)

    def back(self, reach: float) -> int:
        """The day service is back: after a dip that starts while the disruption (plus ``reach``,
        the time its effect takes to travel to the market) can cause it, the start of the
        recovery; without such a dip, the disruption's end."""
        if self.dip is None or self.dip >= int(min(self.horizon, self.end + reach + self.window)):
            return self.end
        return self.horizon if self.recovery is None else self.recovery
