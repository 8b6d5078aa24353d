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
    until the disruption ended; overlapping disruptions may share units), and the actions that
    answered it. :func:`ripple_frame` makes them rows of ripple.csv."""
    scenario, ledger, settings = model.scenario, model.ledger, model.scenario.metrics
    demand, on_time = ledger.market["demand"], ledger.market["on_time"]
    rolling = [rolling_fill(demand[:, i], on_time[:, i], settings.window_days) for i in range(len(scenario.demand))]
    found = []
    for event in [e for e in ledger.events if e.what == EventKind.START]:
        spec = next(d for d in scenario.disruptions if d.id == event.id)
        answered = "; ".join(f"{a.kind} {a.source or '-'} ({a.status}, from day {a.start})" for a in
                             (response.actions if response else [])
                             if a.trigger == spec.id and a.status not in NONE_ASKED) or "nothing"
        # Every node and part through which the event reaches a market asks the same of that
        # market's service; only the reach differs. Each market's is worked out once per event.
        paths = ripple_paths(scenario, spec.id)
        services: dict[int, _Service] = {}
        missed: dict[tuple[int, int], tuple[float, float]] = {}  # (market, day back) -> missed, lost
        units = np.empty((len(paths.index), 2))
        for path, (index, lag) in enumerate(zip(paths.index, paths.lag)):
            if index not in services:
                services[index] = _Service(rolling[index], event, settings, model.horizon)
            until = services[index].back(lag)
            if (index, until) not in missed:
                window = slice(event.day, until)
                missed[index, until] = (float((demand[window, index] - on_time[window, index]).sum()),
                                        float(ledger.market["lost"][window, index].sum()))
            units[path] = missed[index, until]
        found.append(RippleEvent(strategy, replication, spec.id, event.day, answered, units[:, 0].copy(),
                                 units[:, 1].copy()))
    return found


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
             "answered_by": each([e.answered_by for e in events])}
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
