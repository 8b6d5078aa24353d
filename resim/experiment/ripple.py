"""The ripple trace of a finished replication: which disruption reached which market through
which node and part, how many units that market missed, and what answered it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from resim.experiment.metrics import baseline_level, dip_start, recovery_start, rolling_fill
from resim.experiment.records import RippleRow
from resim.sim.disruptions import hit_nodes
from resim.sim.status import EventKind, NONE_ASKED

if TYPE_CHECKING:
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
    facts = scenario.facts
    demand, on_time = ledger.market["demand"], ledger.market["on_time"]
    rolling = [rolling_fill(demand[:, i], on_time[:, i], settings.window_days) for i in range(len(scenario.demand))]
    rows = []
    for event in [e for e in ledger.events if e.what == EventKind.START]:
        spec = next(d for d in scenario.disruptions if d.id == event.id)
        answers = [f"{a.kind} {a.source or '-'} ({a.status}, from day {a.start})" for a in
                   (response.actions if response else [])
                   if a.trigger == spec.id and a.status not in NONE_ASKED]
        for node in hit_nodes(scenario, spec):
            for part in scenario.nodes_by_id[node].makes:
                for index, entry in enumerate(scenario.demand):
                    if not facts.contains(entry.part, part):
                        continue
                    until = _service_back(rolling[index], event, settings, model.horizon,
                                          facts.lag_days(node, entry.market))
                    window = slice(event.day, until)
                    rows.append(RippleRow(
                        strategy=strategy, replication=replication, disruption=spec.id, onset=event.day,
                        node=node, part=part, product=entry.part, market=entry.market,
                        missed_units=float((demand[window, index] - on_time[window, index]).sum()),
                        lost_units=float(ledger.market["lost"][window, index].sum()),
                        answered_by="; ".join(answers) or "nothing"))
    return rows


def _service_back(rolling: np.ndarray, event: "Event", settings: "Metrics", horizon: int, reach: float) -> int:
    """The day a market's service is back after a disruption's onset: after a dip that starts
    while the disruption (plus the time its effect takes to travel to the market) can cause it,
    the start of the recovery; without such a dip, the disruption's end."""
    onset, end = event.day, min(event.end or horizon, horizon)
    base = baseline_level(rolling, onset, settings)
    dip = dip_start(rolling, base, settings, onset, int(min(horizon, end + reach + settings.window_days)))
    if dip is None:
        return end
    back = recovery_start(rolling, base, settings, dip)
    return horizon if back is None else back
