"""The levers of an optimisation (``optimize.levers``) as scenario fields: a candidate plan (one
value per lever) becomes a scenario variant, and what the plan costs beyond what the model charges.

A lever's field path, as :meth:`resim.Scenario.replace` takes it:

| kind | field set |
| --- | --- |
| ``buffer`` | ``strategies[S].buffer.PART``: extra units held all year (holding charged by the model) |
| ``base_stock`` | ``nodes[N].inventory[k].policy.level``: the order-up-to level of N's stock of the part |
| ``dual_share`` | ``strategies[S].dual_source_share.PART``: the second source's share of the part's flow |
| ``maas_budget`` | ``strategies[S].budget``: money the strategy's MaaS actions may spend |
| ``return_rate`` | ``circular.take_back[k].return_rate``: the share of the product sold in the market taken back |
| ``reman_capacity`` | ``circular.processes[k].capacity_per_day``: units a day the circular step at the node takes; without a process, ``nodes[N].capacity_per_day``: the reman node's good units started a day |
| ``prequalify`` | ``strategies[S].prequalified.OFFERING``: a standby agreement (1) or none (0), its retainer the lever's cost |
| ``prequalify_best`` | ``strategies[S].prequalified``: the k offerings ranked best for the part (:func:`best_offerings`) |
| ``expedite`` | ``strategies[S].expedite.PART``: an air bridge for the part (1) or none (0) |

:func:`parse_lever` reads the command line's ``--lever NAME=LOW:HIGH[:STEP]``. Nothing here runs
a simulation or touches a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from resim.scenario.format.optimize import Lever, LeverKind, Optimize

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["lever_path", "plan_variant", "lever_costs", "lever_baselines", "parse_lever", "with_levers",
           "best_offerings"]

# Levers whose cost_per_unit_year is charged only above the scenario's own value (the status quo,
# which the firm already pays for: its customers' returns, its centre's capacity).
_ABOVE_SCENARIO = (LeverKind.RETURN_RATE, LeverKind.REMAN_CAPACITY)


def lever_path(scenario: "Scenario", strategy: str, lever: Lever) -> str:
    """The field path ``lever`` sets in ``scenario`` for the optimised ``strategy`` (for the
    pre-qualification levers, the strategy's whole ``prequalified``: see :func:`plan_variant`)."""
    if lever.kind.prequalifies:
        return f"strategies[{strategy}].prequalified"
    if lever.kind is LeverKind.EXPEDITE:
        return f"strategies[{strategy}].expedite"
    if lever.kind is LeverKind.BASE_STOCK:
        node = scenario.nodes_by_id[lever.node]
        k = next(i for i, stock in enumerate(node.inventory) if stock.part == lever.part)
        return f"nodes[{lever.node}].inventory[{k}].policy.level"
    if lever.kind is LeverKind.MAAS_BUDGET:
        return f"strategies[{strategy}].budget"
    if lever.kind is LeverKind.RETURN_RATE:
        k = next(i for i, s in enumerate(scenario.circular.take_back)
                 if s.product == lever.part and s.market == lever.node)
        return f"circular.take_back[{k}].return_rate"
    if lever.kind is LeverKind.REMAN_CAPACITY and lever.process is None:
        return f"nodes[{lever.node}].capacity_per_day"
    if lever.kind is LeverKind.REMAN_CAPACITY:
        k = next(i for i, p in enumerate(scenario.circular.processes)
                 if p.node == lever.node and p.process == lever.process)
        return f"circular.processes[{k}].capacity_per_day"
    field = "buffer" if lever.kind is LeverKind.BUFFER else "dual_source_share"
    return f"strategies[{strategy}].{field}.{lever.part}"


def plan_variant(scenario: "Scenario", spec: Optimize, values: Mapping[str, float]) -> "Scenario":
    """The scenario with every lever of ``spec`` set to ``values[lever.name]``; its other fields,
    and the optimised strategy's other fields, as they were. A variant keeps the scenario's seed.

    The pre-qualification levers together set the strategy's ``prequalified``: the offerings it
    names that no lever decides, then each ``prequalify`` lever at 1 and the ``prequalify_best``
    levers' offerings, each at its lever's ``cost_per_unit_year`` (the retainer)."""
    changes: dict[str, object] = {lever_path(scenario, spec.strategy, lever): float(values[lever.name])
                                  for lever in spec.levers if not lever.kind.whole}
    strategy = next((s for s in scenario.strategies if s.id == spec.strategy), None)
    bridges = [lever for lever in spec.levers if lever.kind is LeverKind.EXPEDITE]
    if bridges:
        decided = {lever.part for lever in bridges}
        flown = {part: mode for part, mode in strategy.expedite.items() if part not in decided}
        flown.update({lever.part: "air" for lever in bridges if int(round(float(values[lever.name]))) >= 1})
        changes[f"strategies[{spec.strategy}].expedite"] = flown
    standby = [lever for lever in spec.levers if lever.kind.prequalifies]
    if standby:
        decided = {lever.offering for lever in standby if lever.kind is LeverKind.PREQUALIFY}
        chosen = {offering: retainer for offering, retainer in strategy.prequalified.items() if offering not in decided}
        for lever in standby:
            count = int(round(float(values[lever.name])))
            if lever.kind is LeverKind.PREQUALIFY:
                offerings = [lever.offering] if count >= 1 else []
            else:
                offerings = best_offerings(scenario, lever.part, count)
            chosen.update({offering: lever.cost_per_unit_year for offering in offerings})
        changes[f"strategies[{spec.strategy}].prequalified"] = chosen
    return scenario.replace(**changes)


def best_offerings(scenario: "Scenario", part: str, k: int) -> list[str]:
    """The ``k`` offerings of the pool ranked best for ``part`` in normal times, as ``resim
    providers SCENARIO --part PART`` ranks them (eligible ones only: fewer when fewer are)."""
    from resim.supply.matching import candidates, need_for, score
    from resim.supply.pool import pool_frame

    if k <= 0:
        return []
    need = need_for(scenario, part)
    ranked = score(candidates(pool_frame(scenario.maas.providers), need, scenario=scenario), need,
                   scenario.maas.weights)
    return [str(offering) for offering in ranked["id"][:k]]


def lever_baselines(scenario: "Scenario", spec: Optimize) -> dict[str, float]:
    """Per lever, the value above which its ``cost_per_unit_year`` is charged: the scenario's own
    return rate, step or reman node capacity for ``return_rate`` and ``reman_capacity`` levers, 0 for the
    others."""
    base = {}
    for lever in spec.levers:
        value = 0.0
        if lever.kind is LeverKind.RETURN_RATE:
            value = next(s.return_rate for s in scenario.circular.take_back
                         if s.product == lever.part and s.market == lever.node)
        elif lever.kind is LeverKind.REMAN_CAPACITY and lever.process is None:
            value = scenario.nodes_by_id[lever.node].capacity_per_day
        elif lever.kind is LeverKind.REMAN_CAPACITY:
            value = next(p.capacity_per_day for p in scenario.circular.processes
                         if p.node == lever.node and p.process == lever.process)
        base[lever.name] = float(value)
    return base


def lever_costs(spec: Optimize, values: Mapping[str, float], horizon_days: int,
                baselines: Mapping[str, float] | None = None) -> float:
    """What the plan's levers cost over ``horizon_days`` that the model does not charge itself:
    Σ max(0, value − baseline) × ``cost_per_unit_year`` × horizon / 365 (money), the baselines
    :func:`lever_baselines` (0 when not given: the whole value is charged). Holding of buffers
    and base stock, onboarding and premiums of second sources, money spent from a budget, and
    the reman steps' cost per unit, and the retainers and setups of pre-qualified offerings are in
    the replications' ``cost_total`` already and are not counted here again."""
    base = baselines or {}
    return sum(max(0.0, float(values[lever.name]) - base.get(lever.name, 0.0)) * lever.cost_per_unit_year
               for lever in spec.levers if not lever.kind.prequalifies) * horizon_days / 365.0


def _number(text: str, whole: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"cannot read {whole!r}: {text!r} is not a number "
                         f"(expected NAME=LOW:HIGH[:STEP], e.g. buffer[mcu]=0:8000:500)")
    return value


def parse_lever(text: str) -> Lever:
    """Read a ``--lever`` text ``NAME=LOW:HIGH[:STEP]``, NAME one of ``buffer[PART]``,
    ``base_stock[NODE/PART]``, ``dual_share[PART]``, ``maas_budget``, ``return_rate[MARKET/PRODUCT]``,
    ``reman_capacity[NODE/PROCESS]`` (a step's), ``reman_capacity[NODE]`` (the reman node's own),
    ``prequalify[OFFERING]``, ``prequalify_best[PART]`` or
    ``expedite[PART]``. Raises ValueError."""
    expected = "(expected NAME=LOW:HIGH[:STEP], e.g. buffer[mcu]=0:8000:500 or base_stock[plant_de/controller]=0:900)"
    name, sep, rest = str(text).partition("=")
    name = name.strip()
    kind, bracket, inside = name.partition("[")
    if not sep or kind not in {k.value for k in LeverKind} or bool(bracket) != inside.endswith("]"):
        raise ValueError(f"cannot read {text!r} as a lever {expected}")
    fields: dict[str, object] = {"kind": kind}
    inside = inside[:-1]
    pairs = {LeverKind.BASE_STOCK: ("NODE/PART", "part"), LeverKind.RETURN_RATE: ("MARKET/PRODUCT", "part"),
             LeverKind.REMAN_CAPACITY: ("NODE/PROCESS or NODE", "process")}
    if kind in pairs:
        node, slash, second = inside.partition("/")
        shape, field = pairs[LeverKind(kind)]
        if slash:
            fields.update({"node": node.strip(), field: second.strip()})
        elif kind == LeverKind.REMAN_CAPACITY and node.strip():
            fields["node"] = node.strip()   # the reman node's own capacity
        else:
            raise ValueError(f"cannot read {text!r}: a {kind} lever is named {kind}[{shape}] {expected}")
    elif inside:
        fields["offering" if kind == LeverKind.PREQUALIFY else "part"] = inside.strip()
    bounds = rest.split(":")
    if len(bounds) not in (2, 3):
        raise ValueError(f"cannot read {text!r}: expected LOW:HIGH or LOW:HIGH:STEP {expected}")
    numbers = [_number(b, text) for b in bounds]
    fields.update(low=numbers[0], high=numbers[1])
    if len(numbers) == 3:
        fields["step"] = numbers[2]
    from pydantic import ValidationError

    try:
        return Lever(**fields)
    except ValidationError as exc:
        raise ValueError(f"cannot read {text!r}: {exc.errors()[0]['msg']}") from None


def with_levers(spec: Optimize, levers: Sequence[Lever]) -> Optimize:
    """``spec`` with ``levers`` replacing the bounds of its levers of the same name (each keeps its
    ``cost_per_unit_year``, which the command line cannot give) and the others added."""
    given = {lever.name: lever for lever in levers}
    kept = [given.pop(lever.name).model_copy(update={"cost_per_unit_year": lever.cost_per_unit_year})
            if lever.name in given else lever for lever in spec.levers]
    return spec.model_copy(update={"levers": tuple(kept) + tuple(given.values())})
