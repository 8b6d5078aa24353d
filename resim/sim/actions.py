"""What a response did: its actions (rows of ``orchestrations.csv`` once the experiment adds the
replication, :class:`resim.experiment.records.OrchestrationRow`), and the value chain they
re-orchestrated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from resim.scenario.format.strategies import ActionKind
from resim.sim.status import AGREED, ActionStatus

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Action", "orchestrated_chain"]


@dataclass
class Action:
    """One step of an orchestration: the columns of ``orchestrations.csv`` but the replication."""

    strategy: str
    kind: ActionKind | str    # a str for a service bought (resim.sim.warning.MONITORING, WARNING)
    trigger: str              # the disruption it answers ("" for proactive actions)
    source: str               # provider offering, reman node, or the node holding a buffer
    part: str
    destination: str
    units_per_day: float
    start: int
    end: int
    unit_cost: float
    status: ActionStatus
    note: str = ""


# A set, not ActionKind(row.kind): the table's evaluation rows have a kind that is no ActionKind.
_MAAS_KINDS = {kind for kind in ActionKind if kind.maas}


def orchestrated_chain(scenario, orchestrations: pd.DataFrame, strategy: str, replication: int = 0) -> "nx.MultiDiGraph":
    """The value chain as a strategy re-orchestrated it in one replication: the scenario's graph
    plus its providers (nodes of kind ``maas``) and their lanes, and the reman lanes it turned on."""
    graph = scenario.value_chain().copy()
    rows = orchestrations[(orchestrations.strategy == strategy) & (orchestrations.replication == replication)]
    for row in rows.itertuples():
        if row.kind in _MAAS_KINDS and row.status in AGREED:
            node = f"maas_{row.source}"
            graph.add_node(node, kind="maas", makes=(row.part,), offering=row.source)
            graph.add_edge(node, row.destination, parts=(row.part,), orchestrated=True, start=row.start,
                           end=row.end, unit_cost=row.unit_cost, units_per_day=row.units_per_day)
        elif (row.kind == ActionKind.CIRCULAR and row.status == ActionStatus.ACTIVE
              and graph.has_edge(row.source, row.destination)):
            for data in graph[row.source][row.destination].values():  # each mode's lane
                data.update(orchestrated=True, start=row.start, end=row.end)
    return graph
