"""Cross-field checks of a typed scenario, as ``(field path, message)`` findings; the path indexes
the user's data so the caller can find the file and line. Types and ranges are pydantic's job;
these checks find what one field alone cannot: that things named elsewhere exist and fit together.

:func:`check_scenario` runs them all: the references (:mod:`resim.scenario.checks_references`),
the ones here (lane ids; the bill of materials and loops of follow-ups, which must have no
cycle; what nodes make and stock; lanes and their shares; demand), the firm's own sites offered
as providers (:mod:`resim.scenario.checks_internal`), the circular process specifications
(:mod:`resim.scenario.checks_circular`), the levers of ``optimize``
(:mod:`resim.scenario.checks_optimize`), and then whether every market can be supplied
(:mod:`resim.scenario.checks_supply`). The warnings of a valid scenario are in
:mod:`resim.scenario.checks_warnings`.
"""

from __future__ import annotations

import graphlib
from collections import defaultdict
from typing import TYPE_CHECKING

from resim.scenario.checks_internal import check_internal
from resim.scenario.checks_circular import check_circular
from resim.scenario.checks_optimize import check_optimize
from resim.scenario.checks_references import Finding, check_references
from resim.scenario.checks_supply import check_supply

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["check_scenario"]


def _loops(edges: list[tuple[str, str]], ids: list[str]) -> list[tuple[int, str]]:
    """One cycle per tangle (strongly connected component) of the graph of ``edges``, as (index
    of its first-listed member, "a -> b -> a"); linear in the graph's size, however dense the
    tangle (listing every simple cycle is exponential: 10 densely linked parts have over a million)."""
    successors: dict[str, set[str]] = defaultdict(set)
    for u, v in edges:
        successors[u].add(v)
    try:  # whether there is any cycle, from the standard library: a valid scenario imports no networkx
        graphlib.TopologicalSorter(successors).prepare()
        return []
    except graphlib.CycleError:
        pass
    import networkx as nx

    graph = nx.DiGraph(edges)
    order = {name: i for i, name in enumerate(ids)}
    loops = []
    for tangle in nx.strongly_connected_components(graph):
        if len(tangle) < 2:
            continue  # self-loops are reported apart; a single node is no cycle here
        first = min(tangle, key=order.__getitem__)
        cycle = [u for u, _ in nx.find_cycle(graph.subgraph(tangle), source=first)]
        start = min(range(len(cycle)), key=lambda k: order[cycle[k]])
        cycle = cycle[start:] + cycle[:start]
        loops.append((order[cycle[0]], " -> ".join([*cycle, cycle[0]])))
    return sorted(loops)


def _check_lane_ids(sc: "Scenario") -> list[Finding]:
    found = []
    lane_ids: dict[str, int] = {}
    for i, lane in enumerate(sc.lanes):
        if lane.key in lane_ids:
            first = sc.lanes[lane_ids[lane.key]]
            hint = (f"give it its own id, e.g. {lane.source}_{lane.dest}_{lane.mode}" if first.mode != lane.mode
                    else "list several parts on one lane instead")
            found.append((("lanes", i), f"lane '{lane.key}' appears twice (first at lanes"
                          f"[{lane_ids[lane.key]}]; {hint})"))
        lane_ids.setdefault(lane.key, i)
    # Parallel lanes between two nodes are one per transport mode (the value chain's edges are keyed by mode).
    pairs: dict[tuple[str, str, str], int] = {}
    for i, lane in enumerate(sc.lanes):
        pair = (lane.source, lane.dest, lane.mode)
        if pair in pairs and sc.lanes[pairs[pair]].key != lane.key:
            found.append((("lanes", i), f"a second {lane.mode} lane from '{lane.source}' to '{lane.dest}' "
                          f"(first at lanes[{pairs[pair]}]; one lane per pair of nodes and mode)"))
        pairs.setdefault(pair, i)
    return found


def _check_parts(sc: "Scenario") -> list[Finding]:
    found = []
    parts = sc.parts_by_id
    bom = []
    for i, part in enumerate(sc.parts):
        for child in part.bom:
            if child not in parts:
                continue  # an unknown part: reported with the references
            if child == part.id:
                found.append((("parts", i, "bom", child), "a part cannot contain itself"))
            else:
                bom.append((part.id, child))
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
            if lane.cost_per_kg and not parts[part].weight_kg:
                found.append((("lanes", i, "parts", j),
                              f"part '{part}' has no weight_kg: the lane's cost_per_kg cannot charge "
                              f"its freight (expected weight_kg on part '{part}')"))
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


def _check_events(sc: "Scenario") -> list[Finding]:
    found = []
    nodes = sc.nodes_by_id
    events = {d.id for d in sc.disruptions}
    for i, event in enumerate(sc.disruptions):
        for j, ref in enumerate(getattr(event, "markets", ())):
            if ref in nodes and nodes[ref].kind != "market":
                found.append((("disruptions", i, "markets", j), f"'{ref}' is not a market"))
    hazards = {d.id for d in sc.disruptions if d.rate_per_year is not None}
    for i, event in enumerate(sc.disruptions):
        if event.then in hazards:
            found.append((("disruptions", i, "then"), f"'{event.then}' is a hazard (rate_per_year): its events "
                                                      f"arrive on their own and cannot follow another disruption"))
    chain = [(d.id, d.then) for d in sc.disruptions if d.then in events]
    for index, loop in _loops(chain, [d.id for d in sc.disruptions]):
        found.append((("disruptions", index, "then"), f"follow-ups form a loop {loop}"))
    return found


def _check_warnings(sc: "Scenario") -> list[Finding]:
    """A shortage early warning watches parts that reach its sites on a lane: their expected
    daily use is what arrives there in normal times."""
    found = []
    nodes = sc.nodes_by_id
    received: dict[str, set[str]] = {}
    for lane in sc.lanes:
        received.setdefault(lane.dest, set()).update(lane.parts)
    for i, strategy in enumerate(sc.strategies):
        warning = strategy.early_warning
        if warning is None:
            continue
        for j, site in enumerate(warning.sites):
            if site in nodes and nodes[site].kind == "market":
                found.append((("strategies", i, "early_warning", "sites", j),
                              f"'{site}' is a market, which holds no stock (expected a plant, DC or supplier)"))
            elif site in nodes and not received.get(site):
                found.append((("strategies", i, "early_warning", "sites", j),
                              f"'{site}' receives no part on any lane (expected a site whose stock is supplied)"))
        watched = {site: received.get(site, set()) for site in warning.sites}
        for j, part in enumerate(warning.parts):
            if part in sc.parts_by_id and not any(part in parts for parts in watched.values()):
                found.append((("strategies", i, "early_warning", "parts", j),
                              f"no site of the warning receives '{part}' (expected a part that reaches one "
                              f"of {', '.join(warning.sites)} on a lane)"))
    return found


def _check_expedite(sc: "Scenario") -> list[Finding]:
    """An expedited part needs a lane of the named mode parallel to one of its usual lanes."""
    if not any(strategy.expedite for strategy in sc.strategies):
        return []
    found = []
    for i, strategy in enumerate(sc.strategies):
        for part, mode in strategy.expedite.items():
            if part in sc.parts_by_id and not sc.parallel_lanes(part, mode):
                found.append((("strategies", i, "expedite", part),
                              f"no {mode} lane runs beside a lane carrying '{part}' (expected a parallel lane "
                              f"of that mode between the same two nodes, at share 0 for standby)"))
    return found


def check_scenario(sc: "Scenario") -> list[Finding]:
    """Every cross-reference problem of a typed scenario, as (path, message) pairs."""
    found = check_references(sc) + _check_lane_ids(sc) + _check_parts(sc) + _check_nodes(sc)
    found += _check_demand(sc) + _check_lanes(sc) + _check_events(sc) + _check_warnings(sc) + _check_expedite(sc)
    if not found:  # the firm's own sites as providers: once the nodes and parts they name exist
        found += check_internal(sc)
    found += check_circular(sc)
    if not found:  # the optimised levers: once the strategy, nodes and parts they name exist
        found += check_optimize(sc)
    if not found:  # supply reachability is only meaningful once every reference resolves
        found += check_supply(sc)
    return found
