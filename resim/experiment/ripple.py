"""The ripple trace of a finished replication: which disruption reached which market through
which node and part, how many units that market missed, and what answered it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from resim.experiment.metrics import baseline_level, dip_start, recovery_start, rolling_fill
from resim.experiment.records import RippleRow
from resim.sim.disruptions import hit_nodes
from resim.sim.shared import shared
from resim.sim.status import EventKind, NONE_ASKED

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.scenario.format.events import Disruption
    from resim.sim.ledger import Event
    from resim.scenario.format.strategies import Metrics
    from resim.sim.engine import Model
    from resim.sim.strategies import Response

__all__ = ["ripple_trace"]


def ripple_trace(model: "Model", response: "Response | None", strategy: str, replication: int) -> list[RippleRow]:
    """Why service dropped in a replication of ``strategy``: for each disruption of the run, the
    path disruption -> node -> part -> product -> market, the units that market missed from the
    onset until its service recovered (or, without a dip, until the disruption ended; overlapping
    disruptions may share units), and the actions that answered it."""
    scenario, ledger, settings = model.scenario, model.ledger, model.scenario.metrics
    demand, on_time = ledger.market["demand"], ledger.market["on_time"]
    rolling = [rolling_fill(demand[:, i], on_time[:, i], settings.window_days) for i in range(len(scenario.demand))]
    rows = []
    for event in [e for e in ledger.events if e.what == EventKind.START]:
        spec = next(d for d in scenario.disruptions if d.id == event.id)
        answered = "; ".join(f"{a.kind} {a.source or '-'} ({a.status}, from day {a.start})" for a in
                             (response.actions if response else [])
                             if a.trigger == spec.id and a.status not in NONE_ASKED) or "nothing"
        # Every node and part through which the event reaches a market asks the same of that
        # market's service; only the reach differs. Each market's is worked out once per event.
        services: dict[int, _Service] = {}
        missed: dict[tuple[int, int], tuple[float, float]] = {}  # (market, day back) -> missed, lost
        for node, part, index, lag, product, market in shared(scenario, ("ripple", spec.id),
                                                              lambda: _paths(scenario, spec)):
            if index not in services:
                services[index] = _Service(rolling[index], event, settings, model.horizon)
            until = services[index].back(lag)
            units = missed.get((index, until))
            if units is None:
                window = slice(event.day, until)
                units = missed[index, until] = (float((demand[window, index] - on_time[window, index]).sum()),
                                                float(ledger.market["lost"][window, index].sum()))
            # (positional: a path a row, tens of thousands of them on a large chain)
            rows.append(RippleRow(strategy, replication, spec.id, event.day, node, part, product, market,
                                  units[0], units[1], answered))
    return rows


def _paths(scenario: "Scenario", spec: "Disruption") -> tuple[tuple[str, str, int, float, str, str], ...]:
    """Every (hit node, part it makes, demand entry whose product is or contains that part, days
    the change takes from the node to that market, the entry's product and market) of disruption
    ``spec``, in the trace's order: the same in every replication, so worked out once per
    scenario in a process."""
    facts = scenario.facts
    return tuple((node, part, index, facts.lag_days(node, entry.market), entry.part, entry.market)
                 for node in hit_nodes(scenario, spec) for part in scenario.nodes_by_id[node].makes
                 for index, entry in enumerate(scenario.demand) if facts.contains(entry.part, part))


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
