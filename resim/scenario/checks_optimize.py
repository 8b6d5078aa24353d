"""Checks of ``optimize`` once every reference resolves: the optimised strategy exists and has
the action each lever sets, a base-stock lever names a stock point with an order-up-to level,
and no two levers set the same field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resim.scenario.checks_references import Finding
from resim.scenario.format.chain import BaseStock, Periodic
from resim.scenario.format.optimize import LeverKind
from resim.scenario.format.strategies import ActionKind

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["check_optimize"]

# The action a strategy needs for a lever of each kind to change anything.
_NEEDS = {LeverKind.BUFFER: (ActionKind.BUFFER,), LeverKind.DUAL_SHARE: (ActionKind.DUAL_SOURCE,),
          LeverKind.MAAS_BUDGET: tuple(kind for kind in ActionKind if kind.maas)}


def check_optimize(sc: "Scenario") -> list[Finding]:
    """Problems of ``optimize``, as (path, message) pairs; none when the section is absent."""
    if sc.optimize is None:
        return []
    strategies = {s.id: s for s in sc.strategies}
    strategy = strategies.get(sc.optimize.strategy)
    if strategy is None:
        return [(("optimize", "strategy"), f"unknown strategy '{sc.optimize.strategy}' "
                                           f"(expected one of {', '.join(strategies)})")]
    found, names = [], {}
    for i, lever in enumerate(sc.optimize.levers):
        needs = _NEEDS.get(lever.kind, ())
        if needs and not set(needs) & set(strategy.actions):
            found.append((("optimize", "levers", i, "kind"),
                          f"strategy '{strategy.id}' has no {' or '.join(needs)} action: a {lever.kind.value} "
                          f"lever would change nothing (add the action to the strategy)"))
        if lever.kind is LeverKind.BASE_STOCK:
            stock = sc.nodes_by_id[lever.node].stock(lever.part)
            if stock is None or not isinstance(stock.policy, (BaseStock, Periodic)):
                found.append((("optimize", "levers", i, "part"),
                              f"node '{lever.node}' holds no '{lever.part}' with a base_stock or periodic "
                              f"policy (a base_stock lever sets its level)"))
        if lever.kind is LeverKind.DUAL_SHARE and not sc.parts_by_id[lever.part].critical:
            found.append((("optimize", "levers", i, "part"),
                          f"part '{lever.part}' is not critical: dual_source adds second sources for "
                          f"critical parts only"))
        if lever.name in names:
            found.append((("optimize", "levers", i), f"a second {lever.name} lever (first at "
                                                     f"optimize.levers[{names[lever.name]}])"))
        names.setdefault(lever.name, i)
    return found
