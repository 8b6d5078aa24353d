"""Expediting as a response (an air bridge): a strategy's ``expedite: {part: mode}`` moves a part's
orders from its usual lanes to their parallel lanes of a faster mode for the disruption's expected
course, then back.

When the strategy decides on a disruption, every lane carrying an expedited part whose source is a
hit node or downstream of one, and that has a parallel lane of the named mode carrying the part
(same two nodes: :meth:`resim.scenario.Scenario.parallel_lanes`), hands its orders of the part to that lane: the fast lane takes
the usual lane's share of the destination's orders, the usual lane goes on standby, and its open
orders of the part are re-ordered (now by the fast lane). The bridge lasts to the expected recovery
plus the usual lane's mean lead time (the pipeline that refills after it), then both lanes return
to the scenario's shares. The fast lane's freight (``cost_per_unit`` and ``cost_per_kg``) is charged on what it carries
(transport, by the model) within its ``capacity_per_day``; its CO₂e is in the run's transport
emissions.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import networkx as nx

from resim.scenario.format.strategies import ActionKind
from resim.sim.actions import Action
from resim.sim.status import ActionStatus

if TYPE_CHECKING:
    from resim.sim.engine import Model
    from resim.sim.strategies import Course, Response

__all__ = ["expedite"]


def expedite(response: "Response", model: "Model", course: "Course") -> None:
    """Bridge each expedited part's lanes downstream of the disruption's hit nodes (module
    docstring), from today to the expected recovery plus the usual lane's lead time."""
    scenario, strategy = model.scenario, response.strategy
    graph = scenario.facts.graph
    reached = set(course.hit) | {n for node in course.hit for n in nx.descendants(graph, node)}
    day = int(model.env.now)
    for part, mode in strategy.expedite.items():
        for usual, fast in scenario.parallel_lanes(part, mode):
            if usual.source not in reached:
                continue
            end = min(course.end + math.ceil(usual.lead_time_days.mean), model.horizon)
            if end <= day:
                continue
            cause = f"expedite:{course.spec.id}@{course.onset}{course.stage}:{usual.key}:{part}"
            weight = response.flows.weight.get((usual.key, part), 0.0)
            model.set_share(fast.key, weight if weight > 0 else 1.0, cause=cause, part=part)
            model.set_share_factor(usual.key, 0.0, cause=cause, part=part)
            model.cancel_orders(usual.key, part)   # re-ordered now, by the fast lane
            model.at(end, lambda m, cause=cause: m.end(cause))
            moved = response.flows.lane(usual.key, part)   # units a day the fast lane takes over, normally
            response.actions.append(Action(
                strategy.id, ActionKind.EXPEDITE, course.spec.id, fast.key, part, usual.dest, moved, day, end,
                fast.freight(scenario.parts_by_id[part].weight_kg), ActionStatus.ACTIVE,
                f"orders move from {usual.key} ({usual.mode}, {usual.lead_time_days.mean:g} days) to "
                f"{fast.key} ({fast.mode}, {fast.lead_time_days.mean:g} days) until the expected recovery "
                f"and the {usual.mode} pipeline"))
