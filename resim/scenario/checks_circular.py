"""Cross-field checks of the circular section's process specifications (C1 through MaaS
partners, :mod:`resim.sim.circular_partners`) and of the strategies that contract them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resim.scenario.checks_references import Finding
from resim.scenario.format.strategies import ActionKind

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["check_circular"]

# The steps a grade can take after sorting (resim.sim.circular.ROUTES, which the format may not import).
_AFTER_SORTING = {"testing", "repair", "cleaning", "reconditioning", "reassembly"}


def check_circular(sc: "Scenario") -> list[Finding]:
    """What each circular process specification and each ``circular_partners`` strategy must fit."""
    circular, parts, nodes = sc.circular, sc.parts_by_id, sc.nodes_by_id
    found: list[Finding] = []
    if circular is None:
        return found
    held = {(node.id, part) for node in sc.nodes for part in node.makes}
    held |= {(lane.dest, part) for lane in sc.lanes for part in lane.parts}
    graded = {g.part for g in circular.grading}
    seen: dict[str, int] = {}
    for i, spec in enumerate(circular.specifications):
        at = ("circular", "specifications", i)
        streams = [s for s in circular.take_back if s.product == spec.product]
        if spec.product not in parts or spec.part not in parts:
            continue  # named wrongly: the references say so
        if not streams:
            found.append((at + ("product",), f"no take-back stream returns '{spec.product}' (expected the product "
                                             f"of one of circular.take_back)"))
            continue
        if spec.product in seen:
            found.append((at + ("product",), f"'{spec.product}' has a specification already "
                                             f"(circular.specifications[{seen[spec.product]}])"))
        seen.setdefault(spec.product, i)
        if spec.part != spec.product and spec.part not in parts[spec.product].bom:
            found.append((at + ("part",), f"'{spec.part}' is not in the bill of materials of '{spec.product}' "
                                          f"(expected the product or one of its parts)"))
        steps = spec.steps
        if not steps:
            found.append((at + ("steps",), "no steps (expected at least one circular process)"))
        for j, step in enumerate(steps):
            if step in steps[:j]:
                found.append((at + ("steps", j), f"'{step}' is given twice (expected each step once)"))
        if spec.part != spec.product and "disassembly" not in steps:
            found.append((at + ("steps",), f"'{spec.part}' comes out of '{spec.product}' by disassembly "
                                           f"(expected 'disassembly' among the steps)"))
        if "sorting" in steps:
            after = steps[steps.index("sorting") + 1:]
            for j, step in enumerate(after, steps.index("sorting") + 1):
                if step not in _AFTER_SORTING:
                    found.append((at + ("steps", j), f"'{step}' after sorting is on no grade's route (expected "
                                                     f"one of {', '.join(sorted(_AFTER_SORTING))})"))
            if spec.part not in graded:
                found.append((at + ("steps",), f"sorting needs a grading of '{spec.part}' (expected an entry in "
                                               f"circular.grading)"))
        for step in spec.yields:
            if step not in steps:
                found.append((at + ("yields", step), f"'{step}' is not a step of this specification"))
        deliver_to = spec.deliver_to or streams[0].to
        if deliver_to in nodes and (deliver_to, spec.part) not in held:
            field = "deliver_to" if spec.deliver_to else "part"
            found.append((at + (field,), f"'{deliver_to}' neither makes nor receives '{spec.part}' (expected a "
                                         f"node holding the part recovered)"))
    for i, strategy in enumerate(sc.strategies):
        if ActionKind.CIRCULAR_PARTNERS not in strategy.actions:
            continue
        j = strategy.actions.index(ActionKind.CIRCULAR_PARTNERS)
        if not circular.specifications:
            found.append((("strategies", i, "actions", j), "circular_partners needs circular.specifications "
                                                           "(expected the circular processes of a returned product)"))
        elif sc.maas is None or not sc.maas.providers:
            found.append((("strategies", i, "actions", j), "circular_partners needs a provider pool "
                                                           "(expected maas.providers)"))
    return found
