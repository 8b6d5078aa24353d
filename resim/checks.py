"""Cross-reference checks of a typed scenario: ids, references, the BOM, lanes and supply.

Each finding is ``(field path, message)``; the path indexes the user's data so the caller can
find the file and line. Types and ranges are pydantic's job; this module checks what one field
alone cannot: that things named elsewhere exist and fit together.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import TYPE_CHECKING, Iterable

import networkx as nx

from resim import valuechain
from resim.format.events import DISRUPTION_TYPES

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["check_scenario"]

Finding = tuple[tuple, str]


def _duplicates(section: str, ids: Iterable[str]) -> list[Finding]:
    seen: dict[str, int] = {}
    found = []
    for i, item_id in enumerate(ids):
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
    """Each cycle of ``graph`` as (index of its first-listed member, "a -> b -> a")."""
    order = {name: i for i, name in enumerate(ids)}
    loops = []
    for cycle in nx.simple_cycles(graph):
        start = min(range(len(cycle)), key=lambda k: order[cycle[k]])
        cycle = cycle[start:] + cycle[:start]
        loops.append((order[cycle[0]], " -> ".join([*cycle, cycle[0]])))
    return loops


def _check_ids(sc: "Scenario") -> list[Finding]:
    found = _duplicates("parts", (p.id for p in sc.parts))
    found += _duplicates("nodes", (n.id for n in sc.nodes))
    found += _duplicates("disruptions", (d.id for d in sc.disruptions))
    found += _duplicates("strategies", (s.id for s in sc.strategies))
    found += [(("maas", "providers") + f[0][1:], f[1])
              for f in _duplicates("providers", (o.id for o in sc.maas.providers))]
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
                found.append((("parts", i, "bom", child), _unknown("part", child, parts)))
            elif child == part.id:
                found.append((("parts", i, "bom", child), "a part cannot contain itself"))
            else:
                bom.add_edge(part.id, child)
    for index, loop in _loops(bom, [p.id for p in sc.parts]):
        found.append((("parts", index, "bom"),
                      f"bill of materials has a cycle {loop} (expected a tree of parts)"))
    return found


def _check_nodes(sc: "Scenario") -> list[Finding]:
    found = []
    parts = sc.parts_by_id
    for i, node in enumerate(sc.nodes):
        for j, part in enumerate(node.makes):
            if part not in parts:
                found.append((("nodes", i, "makes", j), _unknown("part", part, parts)))
        seen = set()
        for j, stock in enumerate(node.inventory):
            if stock.part not in parts:
                found.append((("nodes", i, "inventory", j, "part"),
                               _unknown("part", stock.part, parts)))
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
        ends_ok = True
        for field, ref in (("from", lane.source), ("to", lane.dest)):
            if ref not in nodes:
                found.append((("lanes", i, field), _unknown("node", ref, nodes)))
                ends_ok = False
        if ends_ok and lane.source == lane.dest:
            found.append((("lanes", i, "to"), "a lane must join two different nodes"))
            ends_ok = False
        for j, part in enumerate(lane.parts):
            if part not in parts:
                found.append((("lanes", i, "parts", j), _unknown("part", part, parts)))
                continue
            if not ends_ok:
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
    nodes, parts = sc.nodes_by_id, sc.parts_by_id
    seen: dict[tuple[str, str], int] = {}
    for i, d in enumerate(sc.demand):
        if d.market not in nodes:
            found.append((("demand", i, "market"), _unknown("node", d.market, nodes)))
        elif nodes[d.market].kind != "market":
            found.append((("demand", i, "market"),
                          f"'{d.market}' is a {nodes[d.market].kind} (expected a node of kind market)"))
        if d.part not in parts:
            found.append((("demand", i, "part"), _unknown("part", d.part, parts)))
        if (d.market, d.part) in seen:
            found.append((("demand", i), f"demand for '{d.part}' at '{d.market}' is given twice "
                          f"(first at demand[{seen[(d.market, d.part)]}])"))
        seen.setdefault((d.market, d.part), i)
    return found


def _missing_link(graph: nx.DiGraph, provided: set, node: str, part: str, depth: int = 0) -> str:
    """Explain why ``node`` cannot get ``part``: follow the first gap upstream."""
    sources = [src for src, _, ps in graph.in_edges(node, data="parts") if part in ps]
    if not sources:
        return f"no lane brings '{part}' to '{node}'"
    if depth > 20:
        return f"'{part}' does not reach '{node}'"
    src = sources[0]
    data = graph.nodes[src]
    if part in data["makes"]:
        bom = graph.graph["parts"][part].bom
        child = next(c for c in bom if not any(
            c in ps and (s, c) in provided for s, _, ps in graph.in_edges(src, data="parts")))
        return _missing_link(graph, provided, src, child, depth + 1)
    return _missing_link(graph, provided, src, part, depth + 1)


def _check_supply(sc: "Scenario") -> list[Finding]:
    graph = valuechain.build_graph(sc)
    provided = valuechain.provisionable(graph)
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
    lanes = {lane.key for lane in sc.lanes} | {f"{lane.source}->{lane.dest}" for lane in sc.lanes}
    events = {d.id for d in sc.disruptions}
    for i, event in enumerate(sc.disruptions):
        for field, kind, known in (("nodes", "node", nodes), ("markets", "node", nodes),
                                   ("lanes", "lane", lanes), ("parts", "part", sc.parts_by_id)):
            for j, ref in enumerate(getattr(event, field, ())):
                if ref not in known:
                    found.append((("disruptions", i, field, j), _unknown(kind, ref, known)))
        for j, ref in enumerate(getattr(event, "markets", ())):
            if ref in nodes and nodes[ref].kind != "market":
                found.append((("disruptions", i, "markets", j), f"'{ref}' is not a market"))
        market = getattr(event, "market", None)
        if market is not None and market not in nodes:
            found.append((("disruptions", i, "market"), _unknown("node", market, nodes)))
        if event.then is not None and event.then not in events:
            found.append((("disruptions", i, "then"), _unknown("disruption", event.then, events)))
    reference = sc.metrics.reference
    if reference is not None and reference not in events:
        found.append((("metrics", "reference"), _unknown("disruption", reference, events)))
    chain = nx.DiGraph((d.id, d.then) for d in sc.disruptions if d.then in events)
    for index, loop in _loops(chain, [d.id for d in sc.disruptions]):
        found.append((("disruptions", index, "then"), f"follow-ups form a loop {loop}"))
    return found


def _check_circular_and_strategies(sc: "Scenario") -> list[Finding]:
    found = []
    nodes, parts = sc.nodes_by_id, sc.parts_by_id
    for i, tb in enumerate(sc.circular.take_back):
        for field, ref, known, kind in (("product", tb.product, parts, "part"),
                                        ("market", tb.market, nodes, "node"),
                                        ("to", tb.to, nodes, "node")):
            if ref not in known:
                found.append((("circular", "take_back", i, field), _unknown(kind, ref, known)))
    for i, grade in enumerate(sc.circular.grading):
        if grade.part not in parts:
            found.append((("circular", "grading", i, "part"), _unknown("part", grade.part, parts)))
    for i, proc in enumerate(sc.circular.processes):
        if proc.node not in nodes:
            found.append((("circular", "processes", i, "node"), _unknown("node", proc.node, nodes)))
    triggers = {d.id for d in sc.disruptions} | set(DISRUPTION_TYPES)
    for i, strategy in enumerate(sc.strategies):
        for j, ref in enumerate(strategy.responds_to):
            if ref not in triggers:
                found.append((("strategies", i, "responds_to", j),
                              _unknown("disruption id or type", ref, triggers)))
        for part in strategy.buffer:
            if part not in parts:
                found.append((("strategies", i, "buffer", part), _unknown("part", part, parts)))
    return found


def check_scenario(sc: "Scenario") -> list[Finding]:
    """Every cross-reference problem of a typed scenario, as (path, message) pairs."""
    found = _check_ids(sc) + _check_parts(sc) + _check_nodes(sc) + _check_demand(sc)
    found += _check_lanes(sc) + _check_events(sc) + _check_circular_and_strategies(sc)
    if not found:  # supply reachability is only meaningful once every reference resolves
        found += _check_supply(sc)
    return found
