"""Checks of ``optimize`` once every reference resolves: the optimised strategy exists and has
the action each lever sets, a base-stock lever names a stock point of the firm (not a
supplier's, whose holding is in its price) with an order-up-to level, a return-rate lever a
take-back stream and a reman-capacity lever a circular step, a prequalify_best lever a part MaaS
offerings can be ranked for, and no two levers set the same field."""

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
          LeverKind.MAAS_BUDGET: tuple(kind for kind in ActionKind if kind.maas),
          LeverKind.PREQUALIFY: (ActionKind.MAAS_SAME_TIER, ActionKind.MAAS_UPSTREAM),
          LeverKind.PREQUALIFY_BEST: (ActionKind.MAAS_SAME_TIER, ActionKind.MAAS_UPSTREAM),
          LeverKind.EXPEDITE: (ActionKind.EXPEDITE,)}


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
            node = sc.nodes_by_id[lever.node]
            stock = node.stock(lever.part)
            if node.kind == "supplier":  # the model charges no holding there: the lever would look free
                found.append((("optimize", "levers", i, "node"),
                              f"node '{node.id}' is a supplier: its stock is in its price and the firm pays "
                              f"no holding for it (a buffer lever holds stock for the firm at a supplier)"))
            elif stock is None or not isinstance(stock.policy, (BaseStock, Periodic)):
                found.append((("optimize", "levers", i, "part"),
                              f"node '{lever.node}' holds no '{lever.part}' with a base_stock or periodic "
                              f"policy (a base_stock lever sets its level)"))
        if lever.kind is LeverKind.RETURN_RATE and not any(
                s.product == lever.part and s.market == lever.node for s in sc.circular.take_back):
            found.append((("optimize", "levers", i), f"no take-back stream of '{lever.part}' sold in '{lever.node}' "
                                                     f"(a return_rate lever sets a circular.take_back stream's rate)"))
        if lever.kind is LeverKind.REMAN_CAPACITY and lever.process is None:
            node = sc.nodes_by_id[lever.node]
            if node.kind != "reman" or node.capacity_per_day is None:
                found.append((("optimize", "levers", i, "node"),
                              f"node '{lever.node}' is not a reman node with a capacity_per_day (a "
                              f"reman_capacity lever without process sets a reman node's own capacity; "
                              f"give the node one, or name a step with process)"))
        elif lever.kind is LeverKind.REMAN_CAPACITY and not any(
                p.node == lever.node and p.process == lever.process for p in sc.circular.processes):
            found.append((("optimize", "levers", i), f"node '{lever.node}' has no {lever.process} step in "
                                                     f"circular.processes (a reman_capacity lever sets its "
                                                     f"capacity_per_day)"))
        if lever.kind is LeverKind.DUAL_SHARE and not sc.parts_by_id[lever.part].critical:
            found.append((("optimize", "levers", i, "part"),
                          f"part '{lever.part}' is not critical: dual_source adds second sources for "
                          f"critical parts only"))
        if lever.kind is LeverKind.PREQUALIFY_BEST and sc.parts_by_id[lever.part].process is None:
            found.append((("optimize", "levers", i, "part"),
                          f"part '{lever.part}' has no process specification: no MaaS offering can be "
                          f"ranked for it (a prequalify_best lever pre-qualifies the best k)"))
        if lever.kind is LeverKind.EXPEDITE:
            if not sc.parallel_lanes(lever.part, "air"):
                found.append((("optimize", "levers", i, "part"),
                              f"no air lane runs beside a lane carrying '{lever.part}' (an expedite lever "
                              f"flies the part over a parallel air lane)"))
        if lever.name in names:
            found.append((("optimize", "levers", i), f"a second {lever.name} lever (first at "
                                                     f"optimize.levers[{names[lever.name]}])"))
        names.setdefault(lever.name, i)
    return found
