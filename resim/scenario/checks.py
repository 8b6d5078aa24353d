"""Cross-reference checks of a typed scenario: ids, references, the BOM, lanes and supply; and the
warnings of a valid scenario (events that cannot happen inside the horizon).

Each finding is ``(field path, message)``; the path indexes the user's data so the caller can
find the file and line. Types and ranges are pydantic's job; this module checks what one field
alone cannot: that things named elsewhere exist and fit together.

:func:`check_references` also works on a scenario that was only partly read (built without
validation from what survived a failed type check; see :func:`resim.scenario.pydantic_errors.salvage`):
pieces that could not be read are None and are skipped, and references to a kind of thing whose
ids could not all be read are not checked, so a broken entry yields no "unknown id" noise.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Collection, Iterable, Iterator

import networkx as nx

from resim.scenario import valuechain
from resim.scenario.format.events import DISRUPTION_TYPES

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["check_scenario", "check_references", "check_warnings", "earliest_onsets", "REFERENCE_FIELDS"]

Finding = tuple[tuple, str]

# What each kind of reference is called in messages.
_NOUNS = {"part": "part", "node": "node", "lane": "lane", "disruption": "disruption",
          "trigger": "disruption id or type"}
# Strategy actions that act from day 0, whether or not anything happens.
_STANDING = ("buffer", "dual_source")


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


def _loops(graph: nx.DiGraph, ids: list[str]) -> list[tuple[int, str]]:
    """One cycle per tangle (strongly connected component) of ``graph``, as (index of its
    first-listed member, "a -> b -> a"); linear in the graph's size, however dense the tangle
    (listing every simple cycle is exponential: 10 densely linked parts have over a million)."""
    order = {name: i for i, name in enumerate(ids)}
    loops = []
    for tangle in nx.strongly_connected_components(graph):
        if len(tangle) < 2:
            continue  # self-loops are reported apart; a single node is no cycle here
        first = min(tangle, key=order.__getitem__)
        edges = nx.find_cycle(graph.subgraph(tangle), source=first)
        cycle = [u for u, _ in edges]
        start = min(range(len(cycle)), key=lambda k: order[cycle[k]])
        cycle = cycle[start:] + cycle[:start]
        loops.append((order[cycle[0]], " -> ".join([*cycle, cycle[0]])))
    return sorted(loops)


# -- references -------------------------------------------------------------------------------


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
    return {"part": parts, "node": nodes, "lane": lanes, "disruption": events,
            "trigger": None if events is None else events | set(DISRUPTION_TYPES)}


#: The fields (of any section) that :func:`check_references` reads: what a partly read scenario
#: must keep (see :func:`resim.scenario.pydantic_errors.salvage`). Keep in step with _references and _known.
REFERENCE_FIELDS = frozenset({
    "parts", "nodes", "lanes", "demand", "disruptions", "maas", "circular", "strategies", "metrics",
    "id", "bom", "makes", "inventory", "part", "source", "dest", "market", "markets", "then",
    "reference", "providers", "take_back", "grading", "processes", "product", "to", "node",
    "responds_to", "buffer",
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
    for i, strategy in _present(sc.strategies):
        for j, ref in enumerate(strategy.responds_to or ()):
            yield ("strategies", i, "responds_to", j), "trigger", ref
        for part in strategy.buffer or ():
            yield ("strategies", i, "buffer", part), "part", part


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


# -- the other checks across sections (on a fully typed scenario) -----------------------------


def _check_lane_ids(sc: "Scenario") -> list[Finding]:
    found = []
    lane_ids: dict[str, int] = {}
    for i, lane in enumerate(sc.lanes):
        if lane.key in lane_ids:
            found.append((("lanes", i), f"lane '{lane.key}' appears twice (first at lanes"
                          f"[{lane_ids[lane.key]}]; list several parts on one lane instead)"))
        lane_ids.setdefault(lane.key, i)
    pairs: dict[tuple[str, str], int] = {}
    for i, lane in enumerate(sc.lanes):
        pair = (lane.source, lane.dest)
        if pair in pairs and sc.lanes[pairs[pair]].key != lane.key:
            found.append((("lanes", i), f"a second lane from '{lane.source}' to '{lane.dest}' "
                          f"(first at lanes[{pairs[pair]}]; one lane per pair of nodes)"))
        pairs.setdefault(pair, i)
    return found


def _check_parts(sc: "Scenario") -> list[Finding]:
    found = []
    parts = sc.parts_by_id
    bom = nx.DiGraph()
    for i, part in enumerate(sc.parts):
        for child in part.bom:
            if child not in parts:
                continue  # an unknown part: reported with the references
            if child == part.id:
                found.append((("parts", i, "bom", child), "a part cannot contain itself"))
            else:
                bom.add_edge(part.id, child)
    for index, loop in _loops(bom, [p.id for p in sc.parts]):
        found.append((("parts", index, "bom"),
                      f"bill of materials has a cycle {loop} (expected a tree of parts)"))
    return found


def _check_nodes(sc: "Scenario") -> list[Finding]:
    found = []
    for i, node in enumerate(sc.nodes):
        seen = set()
        for j, stock in enumerate(node.inventory):
            if stock.part in seen:
                found.append((("nodes", i, "inventory", j, "part"),
                               f"part '{stock.part}' is listed twice in this node's inventory"))
            seen.add(stock.part)
        if node.kind == "market" and (node.makes or node.inventory):
            found.append((("nodes", i, "kind"), "a market neither makes nor stocks parts "
                          "(expected no makes or inventory; put stock in a dc)"))
        if node.kind == "dc" and node.makes:
            found.append((("nodes", i, "makes"), "a dc does not make parts (expected kind plant)"))
        if node.kind in ("supplier", "plant") and not node.makes:
            found.append((("nodes", i, "makes"),
                          f"a {node.kind} must make at least one part (expected makes: [part])"))
    return found


def _check_lanes(sc: "Scenario") -> list[Finding]:
    found = []
    nodes, parts = sc.nodes_by_id, sc.parts_by_id
    demanded = defaultdict(set)
    for d in sc.demand:
        demanded[d.market].add(d.part)
    shares: dict[tuple[str, str], list[tuple[int, float | None]]] = defaultdict(list)
    for i, lane in enumerate(sc.lanes):
        ends_ok = lane.source in nodes and lane.dest in nodes  # unknown ends: references
        if ends_ok and lane.source == lane.dest:
            found.append((("lanes", i, "to"), "a lane must join two different nodes"))
            ends_ok = False
        for j, part in enumerate(lane.parts):
            if part not in parts or not ends_ok:
                continue
            src, dst = nodes[lane.source], nodes[lane.dest]
            if part not in src.makes and src.stock(part) is None:
                found.append((("lanes", i, "parts", j),
                              f"'{src.id}' neither makes nor stocks '{part}' (expected it in "
                              f"{src.id}.makes or {src.id}.inventory)"))
            if dst.kind == "market":
                if part not in demanded[dst.id]:
                    found.append((("lanes", i, "parts", j),
                                  f"market '{dst.id}' has no demand for '{part}'"))
            elif dst.stock(part) is None:
                found.append((("lanes", i, "parts", j),
                              f"'{dst.id}' receives '{part}' but has no inventory policy for it "
                              f"(expected an entry with part: {part} in {dst.id}.inventory)"))
            shares[(lane.dest, part)].append((i, lane.share))
    for (dest, part), entries in shares.items():
        given = [s for _, s in entries if s is not None]
        if given and (len(given) != len(entries) or abs(sum(given) - 1.0) > 1e-6):
            first = entries[0][0]
            found.append((("lanes", first, "share"),
                          f"shares of '{part}' into '{dest}' are {[s for _, s in entries]} "
                          "(expected a share on every such lane, summing to 1, or none)"))
    return found


def _check_demand(sc: "Scenario") -> list[Finding]:
    found = []
    nodes = sc.nodes_by_id
    seen: dict[tuple[str, str], int] = {}
    for i, d in enumerate(sc.demand):
        if d.market in nodes and nodes[d.market].kind != "market":
            found.append((("demand", i, "market"),
                          f"'{d.market}' is a {nodes[d.market].kind} (expected a node of kind market)"))
        if (d.market, d.part) in seen:
            found.append((("demand", i), f"demand for '{d.part}' at '{d.market}' is given twice "
                          f"(first at demand[{seen[(d.market, d.part)]}])"))
        seen.setdefault((d.market, d.part), i)
    return found


def _available(graph: nx.DiGraph, provided: set, node: str, part: str) -> bool:
    """``node`` can use ``part`` in what it makes: a lane brings it from a node that provides it,
    or ``node`` makes it itself and holds it under a policy (a plant making both a product and
    its component makes the component to stock: nothing else would order it)."""
    data = graph.nodes[node]
    if part in data["makes"] and part in data["inventory"] and (node, part) in provided:
        return True
    return any(part in ps and (src, part) in provided
               for src, _, ps in graph.in_edges(node, data="parts"))


def _provisionable(graph: nx.DiGraph) -> set[tuple[str, str]]:
    """(node, part) pairs the chain can keep supplying: :func:`resim.scenario.valuechain.provisionable`,
    where a maker may also use a component it makes itself (the engine takes it from the
    node's own stock of that part, see resim.sim.network).

    The same least fixpoint, computed with a work list in time linear in the chain's size
    (sweeping every node until nothing changes is quadratic in a deep bill of materials).
    """
    parts = graph.graph["parts"]
    carriers: dict[tuple[str, str], list[str]] = {}  # (source, part) -> nodes a lane brings it to
    for src, dst, ps in graph.edges(data="parts"):
        for part in ps or ():
            carriers.setdefault((src, part), []).append(dst)
    missing: dict[tuple[str, str], int] = {}  # (node, made part) -> BOM children not yet available
    needers: dict[tuple[str, str], list[str]] = {}  # (node, child) -> parts made there from it
    provided: set[tuple[str, str]] = set()
    available: set[tuple[str, str]] = set()
    queue: list[tuple[str, str]] = []

    def provide(node: str, part: str) -> None:
        if (node, part) not in provided:
            provided.add((node, part))
            queue.append((node, part))

    for node, data in graph.nodes(data=True):
        from_cores = data["kind"] == "reman"
        for part in data["makes"]:
            children = set() if from_cores else set(parts[part].bom)
            missing[(node, part)] = len(children)
            for child in children:
                needers.setdefault((node, child), []).append(part)
            if not children:
                provide(node, part)

    def arrives(node: str, part: str) -> None:
        """``part`` is now available to ``node`` (by a lane, or from its own stock)."""
        if (node, part) in available:
            return
        available.add((node, part))
        data = graph.nodes[node]
        if part in data["inventory"] and part not in data["makes"]:
            provide(node, part)
        for made in needers.get((node, part), ()):
            missing[(node, made)] -= 1
            if missing[(node, made)] == 0:
                provide(node, made)

    while queue:
        node, part = queue.pop()
        for dst in carriers.get((node, part), ()):
            arrives(dst, part)
        data = graph.nodes[node]
        if part in data["makes"] and part in data["inventory"]:
            arrives(node, part)  # made to its own stock: usable in what it makes
    return provided


def _missing_link(graph: nx.DiGraph, provided: set, node: str, part: str, depth: int = 0) -> str:
    """Explain why ``node`` cannot get ``part``: follow the first gap upstream."""
    if depth > 40:
        return f"'{part}' does not reach '{node}'"
    data = graph.nodes[node]
    if part in data["makes"]:
        bom = graph.graph["parts"][part].bom
        child = next((c for c in bom if not _available(graph, provided, node, c)), None)
        if child is None:
            return f"'{part}' does not reach '{node}'"
        if child in data["makes"] and child not in data["inventory"] and (node, child) in provided:
            return (f"'{node}' makes '{child}' for '{part}' but holds no stock of it (expected an "
                    f"entry with part: {child} in {node}.inventory: a component made in place is "
                    "made to stock)")
        return _missing_link(graph, provided, node, child, depth + 1)
    sources = [src for src, _, ps in graph.in_edges(node, data="parts") if part in ps]
    if not sources:
        return f"no lane brings '{part}' to '{node}'"
    return _missing_link(graph, provided, sources[0], part, depth + 1)


def _check_supply(sc: "Scenario") -> list[Finding]:
    graph = valuechain.build_graph(sc)
    provided = _provisionable(graph)
    found = []
    for i, d in enumerate(sc.demand):
        if any(d.part in ps and (src, d.part) in provided
               for src, _, ps in graph.in_edges(d.market, data="parts")):
            continue
        found.append((("demand", i), f"market '{d.market}' cannot be supplied with '{d.part}': "
                      f"{_missing_link(graph, provided, d.market, d.part)} "
                      "(expected a chain of lanes from sources of every part it needs)"))
    return found


def _check_events(sc: "Scenario") -> list[Finding]:
    found = []
    nodes = sc.nodes_by_id
    events = {d.id for d in sc.disruptions}
    for i, event in enumerate(sc.disruptions):
        for j, ref in enumerate(getattr(event, "markets", ())):
            if ref in nodes and nodes[ref].kind != "market":
                found.append((("disruptions", i, "markets", j), f"'{ref}' is not a market"))
    chain = nx.DiGraph((d.id, d.then) for d in sc.disruptions if d.then in events)
    for index, loop in _loops(chain, [d.id for d in sc.disruptions]):
        found.append((("disruptions", index, "then"), f"follow-ups form a loop {loop}"))
    return found


def check_scenario(sc: "Scenario") -> list[Finding]:
    """Every cross-reference problem of a typed scenario, as (path, message) pairs."""
    found = check_references(sc) + _check_lane_ids(sc) + _check_parts(sc) + _check_nodes(sc)
    found += _check_demand(sc) + _check_lanes(sc) + _check_events(sc)
    if not found:  # supply reachability is only meaningful once every reference resolves
        found += _check_supply(sc)
    return found


# -- warnings: valid, but without effect ------------------------------------------------------


def _day(value: float) -> int:
    """A drawn day as the simulation rounds it (see resim.sim.disruptions.sample_occurrences)."""
    return max(int(round(float(value))), 0)


def _lowest(dist: Any) -> float:
    """The smallest value a (non-negative) distribution can take."""
    kind = dist.dist
    if kind == "constant":
        return dist.value
    if kind in ("uniform", "triangular"):
        return dist.low
    if kind == "normal" and dist.sd == 0:
        return dist.mean
    if kind == "discrete":
        return min(v for v, w in zip(dist.values, dist.weights) if w > 0)
    return 0.0  # the others reach 0 (a normal is clipped there)


def earliest_onsets(sc: "Scenario") -> dict[str, int | None]:
    """The earliest day each disruption can start in a replication, whatever the horizon
    (None: never). A follow-up (named by ``then``) starts only after its predecessor ends: at the
    earliest, the predecessor's earliest start plus its shortest duration (at least a day) plus
    the follow-up's own shortest ``onset_day`` (0 with ``annual_probability``)."""
    by_id = {d.id: d for d in sc.disruptions}
    preceding: dict[str, list] = defaultdict(list)
    for d in sc.disruptions:
        if d.then is not None:
            preceding[d.then].append(d)
    earliest: dict[str, int | None] = {}

    def start(d) -> int | None:
        if d.id in earliest:
            return earliest[d.id]
        earliest[d.id] = None  # a loop (an error, reported elsewhere) never starts
        if d.id not in preceding:
            if d.onset_day is not None:
                day = _day(_lowest(d.onset_day))
            else:
                day = 0 if d.annual_probability > 0 else None
        else:
            days = [follow for before in preceding[d.id]
                    if (follow := _follow_start(before, d, start(before))) is not None]
            day = min(days, default=None)
        earliest[d.id] = day
        return day

    for d in by_id.values():
        start(d)
    return earliest


def _end(before, begins: int | None) -> int | None:
    """The earliest day ``before`` ends when it starts on ``begins`` (None: never, or for good)."""
    if begins is None or before.duration_days is None:
        return None
    return begins + max(_day(_lowest(before.duration_days)), 1)


def _follow_start(before, after, begins: int | None) -> int | None:
    end = _end(before, begins)
    if end is None:
        return None
    if after.annual_probability is not None:
        return end if after.annual_probability > 0 else None
    return end + _day(_lowest(after.onset_day))


def check_warnings(sc: "Scenario") -> list[Finding]:
    """What is valid but has no effect: a disruption that cannot start inside the horizon (a
    fixed or earliest onset at or after ``horizon_days``, an ``annual_probability`` of 0, a
    follow-up that can only start after the horizon or after a predecessor that lasts for good),
    and ``metrics.reference`` naming such a disruption."""
    horizon = sc.horizon_days
    bound = f"the horizon ({horizon} days, the last is day {horizon - 1})"
    earliest = earliest_onsets(sc)
    happens = {name for name, day in earliest.items() if day is not None and day < horizon}
    by_id = {d.id: d for d in sc.disruptions}
    if happens:
        effect = "so it changes no result"
    else:
        standing = sorted({a for s in sc.strategies for a in s.actions if a in _STANDING})
        effect = ("so every strategy gives the same result" if not standing else
                  f"so strategies differ only by their standing measures ({', '.join(standing)})")

    def never(d, subject: str = "it") -> str:
        """'it never happens', with the follow-ups it takes along, and what that means."""
        gone, follow = [], d.then
        while follow in by_id and follow not in happens and follow not in gone and follow != d.id:
            gone.append(follow)
            follow = by_id[follow].then
        names = ", ".join(f"'{g}'" for g in gone)
        also = f", nor its follow-up{'s' if len(gone) > 1 else ''} {names}" if gone else ""
        return f"{subject} never happens{also}, {effect}"

    found: list[Finding] = []
    followers = {d.then for d in sc.disruptions if d.then is not None}
    for i, d in enumerate(sc.disruptions):
        if d.id in happens:
            continue
        if d.id not in followers:
            if d.annual_probability is not None:
                found.append((("disruptions", i, "annual_probability"),
                              f"a chance of 0: {never(d)} (expected above 0)"))
            elif d.onset_day.dist == "constant":
                found.append((("disruptions", i, "onset_day"),
                              f"day {d.onset_day} is after {bound}: {never(d)}"))
            else:
                found.append((("disruptions", i, "onset_day"),
                              f"{d.onset_day} starts on day {earliest[d.id]} at the earliest, "
                              f"after {bound}: {never(d)}"))
            continue
        before = next((b for b in sc.disruptions if b.then == d.id and b.id in happens), None)
        if before is None:
            continue  # no predecessor happens: their warnings name this follow-up
        j = sc.disruptions.index(before)
        end = _end(before, earliest[before.id])
        if end is None:
            found.append((("disruptions", j, "then"),
                          f"'{before.id}' lasts for good (no duration_days) and its follow-up "
                          f"'{d.id}' starts only when it ends: {never(d, repr(d.id))}"))
        elif d.annual_probability is not None and d.annual_probability == 0:
            found.append((("disruptions", i, "annual_probability"),
                          f"a chance of 0 that it follows '{before.id}': {never(d)} (expected above 0)"))
        else:
            delay = f", then onset_day {d.onset_day} of '{d.id}'" if d.onset_day is not None else ""
            found.append((("disruptions", j, "then"),
                          f"follow-up '{d.id}' starts on day {earliest[d.id]} at the earliest "
                          f"('{before.id}' ends on day {end} at the earliest{delay}), after {bound}: "
                          f"{never(d, repr(d.id))}"))
    reference = sc.metrics.reference
    if reference in by_id and reference not in happens:
        found.append((("metrics", "reference"),
                      f"disruption '{reference}' never happens inside {bound}, so the recovery "
                      "metrics of every strategy see no disruption: recovery time 0, no dip "
                      f"(expected a disruption that can start by day {horizon - 1})"))
    return found
