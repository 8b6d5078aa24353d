"""The shortfall each strategy closed, disruption by disruption, and the part of it each of its
levers is credited with: the rows of levers.csv.

The shortfall closed is counterfactual. Every strategy runs on the same replications (common
random numbers: the same disruptions on the same days), so the units missed that the ripple trace
charges to a disruption under the baseline strategy (``none``), less those it charges to it under
a strategy, are the units that strategy closed in that replication (:class:`LeverRow`).

A combined strategy's levers are not run one by one, so the closed units are shared out among
them by what each made available to the disruption: the units of its actions that were in place
on the disruption's paths during its window (from its onset to the day service was back), in
proportion, and no lever is credited with more than it made available. The levers' credits thus
sum to at most the units closed; what is left uncredited is the part that no lever's units
account for. What a lever made available:

- an action that answers the disruption (its ``trigger``), or a standing one (no trigger) for a
  part on the disruption's paths (a part a hit node makes, one of its components or an assembly
  containing it);
- ``buffer``: the extra units held, once, when the buffer is held during the window;
- the others (``dual_source``, ``maas_same_tier``, ``maas_upstream``, ``circular``,
  ``expedite``: the usual lane's normal flow it moves to the fast lane): units a day times its
  days in the window, for actions that made an agreement or are active, less the same for the
  rest of an agreement ended for cause (status ``ended``).

Units made available are not units delivered: the ledger keeps market flows per day, not each
action's; a lever's credit is therefore bounded both by its availability and by the shortfall
that the strategy as a whole closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from resim.experiment.records import LeverRow, OrchestrationRow, RippleEvent, frame
from resim.experiment.ripple import ripple_paths
from resim.experiment.strategy_runs import StrategyRun
from resim.scenario.format.strategies import ActionKind
from resim.sim.status import ACTED, ActionStatus

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["lever_frame", "charged_total", "credit"]


def lever_frame(scenario: "Scenario", ripple: list[RippleEvent], actions: list[OrchestrationRow],
                baseline: str = "none") -> pd.DataFrame:
    """levers.csv's table (:class:`LeverRow`'s columns): for every strategy of the run but
    ``baseline``, each replication's disruptions that reach a market and each lever (action kind)
    of the strategy, the shortfall closed and the lever's credit. Without the baseline in the
    run, no rows."""
    charged = {(e.strategy, e.replication, e.disruption, e.onset): charged_total(scenario, e) for e in ripple}
    done = {(e.replication, e.disruption, e.onset) for e in ripple if e.strategy == baseline}
    by_run: dict[tuple[str, int], list[OrchestrationRow]] = {}
    for action in actions:
        by_run.setdefault((action.strategy, action.replication), []).append(action)
    specs = {s.id: s for s in scenario.strategies}
    rows = []
    for event in ripple:
        spec = specs.get(StrategyRun.parse(event.strategy).strategy)
        # A disruption with no path to a market (ripple.csv has no row for it) has nothing charged to close.
        if (event.strategy == baseline or spec is None or not len(event.charged_units)
                or (event.replication, event.disruption, event.onset) not in done):
            continue
        levers = [kind for kind in spec.actions if kind != ActionKind.NONE]
        base = charged[baseline, event.replication, event.disruption, event.onset]
        own = charged[event.strategy, event.replication, event.disruption, event.onset]
        available = [_available(scenario, event, kind, by_run.get((event.strategy, event.replication), []))
                     for kind in levers]
        for kind, units, credited in zip(levers, available, credit(base - own, available)):
            rows.append(LeverRow(event.strategy, event.replication, event.disruption, event.onset, base, own,
                                 base - own, str(kind), units, credited))
    return frame(LeverRow, rows)


def charged_total(scenario: "Scenario", event: RippleEvent) -> float:
    """The units missed charged to ``event`` over all its markets (each market's share once,
    though it is on each of the event's paths to that market)."""
    _, first = np.unique(np.asarray(ripple_paths(scenario, event.disruption).index, dtype=np.int64),
                         return_index=True)
    return float(event.charged_units[first].sum())


def credit(closed: float, available: list[float]) -> list[float]:
    """The ``closed`` units shared out among levers in proportion to the units each made
    ``available``, none above its own; nothing when the strategy closed nothing (or missed more)."""
    total = sum(available)
    if closed <= 0 or total <= 0:
        return [0.0] * len(available)
    return [min(units, closed * units / total) for units in available]


def _available(scenario: "Scenario", event: RippleEvent, kind: ActionKind, actions: list[OrchestrationRow]) -> float:
    """The units the strategy's actions of ``kind`` made available to ``event`` in its window
    (see the module's docstring)."""
    first, stop = event.onset, int(event.back_day.max())  # the event's window: it has paths
    facts, parts = scenario.facts, set(ripple_paths(scenario, event.disruption).part)

    def answers(action: OrchestrationRow) -> bool:
        return action.trigger == event.disruption or (not action.trigger and any(
            facts.contains(action.part, part) or facts.contains(part, action.part) for part in parts))

    units = 0.0
    for action in actions:
        if action.kind != kind or action.status not in (*ACTED, ActionStatus.ENDED) or not answers(action):
            continue
        days = max(0, min(action.end, stop) - max(action.start, first))
        if kind == ActionKind.BUFFER:  # a stock, held once, not units a day
            offered = action.units_per_day if days > 0 else 0.0
        else:
            offered = action.units_per_day * days
        # An ended row is the rest of an agreement ended for cause: what it will no longer deliver.
        units += -offered if action.status == ActionStatus.ENDED else offered
    return max(units, 0.0)
