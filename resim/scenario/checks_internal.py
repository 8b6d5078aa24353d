"""Checks of the firm's own sites offered as providers (``maas.internal``): each names a site
that can tell its idle capacity and runs the process it offers, and no two offerings share an id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resim.scenario.checks_references import Finding

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["check_internal"]


def check_internal(sc: "Scenario") -> list[Finding]:
    """Problems of ``maas.internal`` once every reference resolves, as (path, message) pairs: a
    site without ``capacity_per_day`` (its idle capacity is unknown), a process the site does not
    run (no part it makes needs that process or a variant of it), an id another offering has."""
    found = []
    taken = {o.id for o in sc.maas.providers}
    for i, offer in enumerate(sc.maas.internal):
        node = sc.nodes_by_id[offer.node]
        if node.capacity_per_day is None:
            found.append((("maas", "internal", i, "node"), f"node '{node.id}' has no capacity_per_day: its idle "
                                                           "capacity cannot be known (give it one)"))
        processes = sorted({spec.process for part in node.makes
                            if (spec := sc.parts_by_id[part].process) is not None})
        if not any(p == offer.process or p.startswith(offer.process + "/") for p in processes):
            runs = ", ".join(processes) if processes else "no part with a process"
            found.append((("maas", "internal", i, "process"),
                          f"node '{node.id}' does not run {offer.process} (it makes {runs})"))
        if offer.offering_id in taken:
            found.append((("maas", "internal", i, "id"), f"offering id '{offer.offering_id}' is taken by another "
                                                         "offering (give this one an id)"))
        taken.add(offer.offering_id)
    return found
