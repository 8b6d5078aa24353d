"""Whether every market can be supplied: a chain of lanes brings each demanded part from nodes
that make or stock it and everything it is made of; when not, the first gap upstream."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from resim.scenario import valuechain
from resim.scenario.checks_references import Finding

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["check_supply"]


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


def check_supply(sc: "Scenario") -> list[Finding]:
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
