"""The references of a scenario: duplicate ids, and names of parts, nodes, lanes and disruptions
that no entry has.

:func:`check_references` also works on a scenario that was only partly read (built without
validation from what survived a failed type check; see :func:`resim.scenario.pydantic_errors.salvage`):
pieces that could not be read are None and are skipped, and references to a kind of thing whose
ids could not all be read are not checked, so a broken entry yields no "unknown id" noise.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Collection, Iterable, Iterator

from resim.scenario.format.events import DISRUPTION_TYPES

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["check_references", "REFERENCE_FIELDS", "Finding"]

#: A problem found: (field path indexing the user's data, message).
Finding = tuple[tuple, str]

# What each kind of reference is called in messages.
_NOUNS = {"part": "part", "node": "node", "lane": "lane", "disruption": "disruption",
          "trigger": "disruption id or type", "offering": "MaaS offering"}


def _present(items: Iterable[Any] | None) -> Iterator[tuple[int, Any]]:
    """(index, item) of the items that could be read (None: a section or item that could not)."""
    for i, item in enumerate(items or ()):
        if item is not None:
            yield i, item


def _duplicates(section: str, ids: Iterable[str | None]) -> list[Finding]:
    seen: dict[str, int] = {}
    found = []
    for i, item_id in enumerate(ids):
        if item_id is None:
            continue
        if item_id in seen:
            found.append(((section, i, "id"),
                          f"duplicate id '{item_id}' (first used by {section}[{seen[item_id]}])"))
        else:
            seen[item_id] = i
    return found


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'?" if close else f"no {kind} has this id"
    return f"unknown {kind} '{name}' ({hint})"


def _ids(items: Iterable[Any] | None) -> set[str] | None:
    """The ids of a section's entries; None when the section or one entry's id cannot be read
    (any name could then be that entry's)."""
    if items is None:
        return None
    found = set()
    for item in items:
        item_id = getattr(item, "id", None)
        if not isinstance(item_id, str):
            return None
        found.add(item_id)
    return found


def _known(sc: "Scenario", unread: Collection[tuple] = ()) -> dict[str, set[str] | None]:
    """The ids each kind of reference may name; None when they could not all be read: a list or
    one of its entries, or (of a lane) an ``id``, ``from`` or ``to``, is among the ``unread`` paths."""
    def readable(section: str, fields: tuple[str, ...] = ("id",)) -> bool:
        return not any(p[:1] == (section,) and (len(p) <= 2 or (len(p) == 3 and p[2] in fields))
                       for p in unread)

    lane_ends_read = sc.lanes is not None and readable("lanes", ("id", "from", "to"))
    lanes: set[str] | None = set() if lane_ends_read else None
    for lane in sc.lanes or ():
        source, dest = getattr(lane, "source", None), getattr(lane, "dest", None)
        if lanes is None or not (isinstance(source, str) and isinstance(dest, str)):
            lanes = None  # a lane whose ends cannot be read: any FROM->TO could be it
            break
        lanes |= {lane.key, f"{source}->{dest}"}
    parts = _ids(sc.parts) if readable("parts") else None
    nodes = _ids(sc.nodes) if readable("nodes") else None
    events = _ids(sc.disruptions) if readable("disruptions") else None
    maas = getattr(sc, "maas", None)
    offerings = _ids(getattr(maas, "providers", ())) if maas is not None and readable("maas") else None
    return {"part": parts, "node": nodes, "lane": lanes, "disruption": events,
            "trigger": None if events is None else events | set(DISRUPTION_TYPES), "offering": offerings}


#: The fields (of any section) that :func:`check_references` reads: what a partly read scenario
#: must keep (see :func:`resim.scenario.pydantic_errors.salvage`). Keep in step with _references and _known.
REFERENCE_FIELDS = frozenset({
    "parts", "nodes", "lanes", "demand", "disruptions", "maas", "circular", "strategies", "metrics",
    "id", "bom", "makes", "inventory", "part", "source", "dest", "market", "markets", "then",
    "reference", "providers", "take_back", "grading", "processes", "product", "to", "node",
    "responds_to", "buffer", "monitoring", "early_warning", "sites", "internal", "specifications",
    "deliver_to", "dual_source_share", "optimize", "levers", "prequalified", "offering", "expedite",
})


def _references(sc: "Scenario") -> Iterator[tuple[tuple, str, Any]]:
    """Every id the scenario names, as (path, kind of thing named, the id or None if unreadable)."""
    for i, part in _present(sc.parts):
        for child in part.bom or ():
            yield ("parts", i, "bom", child), "part", child
    for i, node in _present(sc.nodes):
        for j, part in enumerate(node.makes or ()):
            yield ("nodes", i, "makes", j), "part", part
        for j, stock in _present(node.inventory):
            yield ("nodes", i, "inventory", j, "part"), "part", stock.part
    for i, lane in _present(sc.lanes):
        yield ("lanes", i, "from"), "node", lane.source
        yield ("lanes", i, "to"), "node", lane.dest
        for j, part in enumerate(lane.parts or ()):
            yield ("lanes", i, "parts", j), "part", part
    for i, d in _present(sc.demand):
        yield ("demand", i, "market"), "node", d.market
        yield ("demand", i, "part"), "part", d.part
    for i, event in _present(sc.disruptions):
        for field, kind in (("nodes", "node"), ("markets", "node"), ("lanes", "lane"), ("parts", "part")):
            for j, ref in enumerate(getattr(event, field, None) or ()):
                yield ("disruptions", i, field, j), kind, ref
        if hasattr(event, "market"):
            yield ("disruptions", i, "market"), "node", event.market
        yield ("disruptions", i, "then"), "disruption", event.then
    if sc.metrics is not None:
        yield ("metrics", "reference"), "disruption", sc.metrics.reference
    circular = sc.circular
    if circular is not None:
        for i, tb in _present(circular.take_back):
            yield ("circular", "take_back", i, "product"), "part", tb.product
            yield ("circular", "take_back", i, "market"), "node", tb.market
            yield ("circular", "take_back", i, "to"), "node", tb.to
        for i, grade in _present(circular.grading):
            yield ("circular", "grading", i, "part"), "part", grade.part
        for i, proc in _present(circular.processes):
            yield ("circular", "processes", i, "node"), "node", proc.node
        for i, spec in _present(circular.specifications):
            yield ("circular", "specifications", i, "product"), "part", spec.product
            yield ("circular", "specifications", i, "part"), "part", spec.part
            yield ("circular", "specifications", i, "deliver_to"), "node", spec.deliver_to
    for i, offer in _present(getattr(sc.maas, "internal", None)):
        yield ("maas", "internal", i, "node"), "node", offer.node
    for i, strategy in _present(sc.strategies):
        for j, ref in enumerate(strategy.responds_to or ()):
            yield ("strategies", i, "responds_to", j), "trigger", ref
        for part in strategy.buffer or ():
            yield ("strategies", i, "buffer", part), "part", part
        for service in ("monitoring", "early_warning"):
            for j, node in enumerate(getattr(getattr(strategy, service, None), "sites", None) or ()):
                yield ("strategies", i, service, "sites", j), "node", node
        for j, part in enumerate(getattr(strategy.early_warning, "parts", None) or ()):
            yield ("strategies", i, "early_warning", "parts", j), "part", part
        for part in getattr(strategy, "dual_source_share", None) or ():
            yield ("strategies", i, "dual_source_share", part), "part", part
        for part in getattr(strategy, "expedite", None) or ():
            yield ("strategies", i, "expedite", part), "part", part
        for offering in getattr(strategy, "prequalified", None) or ():
            yield ("strategies", i, "prequalified", offering), "offering", offering
    for i, lever in _present(getattr(getattr(sc, "optimize", None), "levers", None)):
        yield ("optimize", "levers", i, "part"), "part", lever.part
        yield ("optimize", "levers", i, "node"), "node", lever.node
        yield ("optimize", "levers", i, "offering"), "offering", getattr(lever, "offering", None)


def _check_unknown(sc: "Scenario", unread: Collection[tuple]) -> list[Finding]:
    known = _known(sc, unread)
    found = []
    for path, kind, ref in _references(sc):
        ids = known[kind]
        if isinstance(ref, str) and ids is not None and ref not in ids:
            found.append((path, _unknown(_NOUNS[kind], ref, ids)))
    return found


def _id_list(items: Iterable[Any] | None) -> list[str | None]:
    return [item_id if isinstance(item_id := getattr(item, "id", None), str) else None
            for item in items or ()]


def _check_duplicate_ids(sc: "Scenario") -> list[Finding]:
    found = _duplicates("parts", _id_list(sc.parts))
    found += _duplicates("nodes", _id_list(sc.nodes))
    found += _duplicates("disruptions", _id_list(sc.disruptions))
    found += _duplicates("strategies", _id_list(sc.strategies))
    providers = sc.maas.providers if sc.maas is not None else ()
    found += [(("maas", "providers") + f[0][1:], f[1]) for f in _duplicates("providers", _id_list(providers))]
    return found


def check_references(sc: "Scenario", unread: Collection[tuple] = ()) -> list[Finding]:
    """Duplicate ids and names of things that do not exist: what :func:`check_scenario` finds
    first, and all it can find in a scenario that was only partly read (``unread``: the paths
    :func:`resim.scenario.pydantic_errors.salvage` could not read). Nothing is said at or under an unread
    path, and names of a kind of thing are not checked when one of its ids was not read."""
    found = _check_duplicate_ids(sc) + _check_unknown(sc, unread)
    return [(path, message) for path, message in found
            if not any(path[:len(p)] == p for p in unread)]
