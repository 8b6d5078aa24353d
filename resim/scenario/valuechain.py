"""The value chain as a NetworkX graph, and the questions analysts ask of it.

Nodes are sites (suppliers, plants, DCs, markets, reman centres), edges are lanes; the parts and
their bill of materials ride along in ``G.graph["parts"]``. Node attributes: ``kind``, ``name``,
``country``, ``region``, ``lat``, ``lon``, ``makes`` (tuple of part ids), ``capacity_per_day``,
``production_cost_per_unit``, ``inventory`` (part id -> Stock), ``holding_cost_rate``, ``tier``
(plants 0, suppliers 1 = delivers to a plant, 2 = delivers to tier 1, ...; others None).
Edge attributes: ``id``, ``parts``, ``lead_time_days`` (a distribution), ``cost_per_unit``, ``cost_per_kg``,
``capacity_per_day``, ``mode``, ``share``.

The graph is a ``networkx.MultiDiGraph`` whose edges are keyed by transport mode: two sites may
be joined by parallel lanes, one per mode (a sea lane and an air lane for expediting):
``G.edges["sA", "plant", "road"]``, or ``G["sA"]["plant"]`` for every mode between the two.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Iterable

import networkx as nx

if TYPE_CHECKING:
    import pandas as pd

    from resim.scenario import Scenario

__all__ = [
    "build_graph", "bom_graph", "bom_explosion", "explode", "tiers", "makers", "upstream_suppliers",
    "single_sourced_parts", "supply_share", "supply_paths", "provisionable", "uses",
]


def build_graph(scenario: "Scenario") -> nx.MultiDiGraph:
    """The scenario's value chain as a MultiDiGraph, edges keyed by mode, with typed attributes
    (see module docstring)."""
    graph = nx.MultiDiGraph(name=scenario.name, currency=scenario.currency,
                       horizon_days=scenario.horizon_days,
                       parts={p.id: p for p in scenario.parts})
    for node in scenario.nodes:
        graph.add_node(
            node.id, kind=node.kind, name=node.name or node.id, country=node.country,
            region=node.region, lat=node.lat, lon=node.lon, makes=node.makes,
            capacity_per_day=node.capacity_per_day,
            production_cost_per_unit=node.production_cost_per_unit,
            inventory={s.part: s for s in node.inventory}, holding_cost_rate=node.holding_cost_rate,
        )
    for lane in scenario.lanes:
        graph.add_edge(
            lane.source, lane.dest, key=lane.mode, id=lane.key, parts=lane.parts,
            lead_time_days=lane.lead_time_days, cost_per_unit=lane.cost_per_unit, cost_per_kg=lane.cost_per_kg,
            capacity_per_day=lane.capacity_per_day, mode=lane.mode, share=lane.share,
        )
    nx.set_node_attributes(graph, tiers(graph), "tier")
    for node, data in graph.nodes(data=True):
        data.setdefault("tier", None)
    return graph


def bom_graph(graph: nx.DiGraph) -> nx.DiGraph:
    """Bill of materials as a DiGraph: edge parent -> child with ``quantity`` per parent unit."""
    bom = nx.DiGraph()
    for part in graph.graph["parts"].values():
        bom.add_node(part.id, critical=part.critical)
        for child, quantity in part.bom.items():
            bom.add_edge(part.id, child, quantity=quantity)
    return bom


def bom_explosion(graph: nx.DiGraph, product: str) -> dict[str, float]:
    """Units of every part, at every level, that one unit of ``product`` needs (product excluded).

    >>> # drive_unit: motor x1; motor: magnet x12  ->  {"motor": 1.0, "magnet": 12.0}
    """
    return explode(bom_graph(graph), product)


def explode(bom: nx.DiGraph, product: str) -> dict[str, float]:
    """:func:`bom_explosion` over a bill of materials already built (:func:`bom_graph`), for
    callers that explode many products of one chain."""
    need: dict[str, float] = defaultdict(float)
    need[product] = 1.0
    # topological order visits a parent before its children, so its need is complete when expanded
    for part in nx.topological_sort(bom.subgraph(nx.descendants(bom, product) | {product})):
        for _, child, qty in bom.out_edges(part, data="quantity"):
            need[child] += need[part] * qty
    del need[product]
    return dict(need)


def tiers(graph: nx.DiGraph) -> dict[str, int]:
    """Tier of each plant (0) and supplier (edges on the shortest lane path to a plant)."""
    plants = [n for n, kind in graph.nodes(data="kind") if kind == "plant"]
    if not plants:
        return {}
    # distances from every node to its nearest plant, on the reversed graph from all plants at once
    distance = nx.multi_source_dijkstra_path_length(graph.reverse(copy=False), plants, weight=None)
    return {n: d for n, d in distance.items()
            if graph.nodes[n]["kind"] in ("plant", "supplier")}


def makers(graph: nx.DiGraph, part: str) -> list[str]:
    """Nodes that produce ``part``, sorted."""
    return sorted(n for n, made in graph.nodes(data="makes") if part in made)


def upstream_suppliers(graph: nx.DiGraph, part: str, at: str | None = None) -> list[str]:
    """Nodes that make ``part`` or any part in its bill of materials, sorted.

    With ``at``, only those with a lane path to node ``at``.
    """
    bom = bom_graph(graph)
    needed = nx.descendants(bom, part) | {part} if part in bom else {part}
    found = {n for p in needed for n in makers(graph, p)}
    if at is not None:
        found &= nx.ancestors(graph, at) | {at}
    return sorted(found)


def single_sourced_parts(graph: nx.DiGraph) -> dict[str, str]:
    """Parts made by exactly one node: part id -> that node."""
    counts: dict[str, list[str]] = defaultdict(list)
    for node, made in graph.nodes(data="makes"):
        for part in made:
            counts[part].append(node)
    return {part: nodes[0] for part, nodes in sorted(counts.items()) if len(nodes) == 1}


def supply_share(graph: nx.DiGraph, by: str = "country") -> pd.DataFrame:
    """Share of each part's production capacity per ``by`` (``country`` or ``region``).

    Columns: part, <by>, makers, share. Makers are weighted by capacity_per_day; when any maker of
    a part has unlimited capacity, every maker of it counts equally.
    """
    if by not in ("country", "region"):
        raise ValueError(f"by must be 'country' or 'region', not {by!r}")
    rows = []
    for part in sorted(graph.graph["parts"]):
        nodes = makers(graph, part)
        if not nodes:
            continue
        capacities = [graph.nodes[n]["capacity_per_day"] for n in nodes]
        weights = [1.0] * len(nodes) if None in capacities else capacities
        total = sum(weights)
        grouped: dict[str, list[float]] = defaultdict(list)
        for node, weight in zip(nodes, weights):
            grouped[graph.nodes[node][by]].append(weight)
        for place, ws in grouped.items():
            rows.append({"part": part, by: place, "makers": len(ws), "share": sum(ws) / total})
    import pandas as pd  # here, not at the top: pandas would be a third of `resim validate`'s start

    frame = pd.DataFrame(rows, columns=["part", by, "makers", "share"])
    return frame.sort_values(["part", "share"], ascending=[True, False], ignore_index=True)


def supply_paths(graph: nx.DiGraph, supplier: str | None = None,
                 market: str | None = None) -> dict[tuple[str, str], list[list[str]]]:
    """Every simple lane path from each supplier to each market (optionally one of each).

    The number of paths can grow quickly in dense networks; name a supplier or market there.
    """
    sources = [supplier] if supplier else [n for n, k in graph.nodes(data="kind") if k == "supplier"]
    targets = [market] if market else [n for n, k in graph.nodes(data="kind") if k == "market"]
    paths = {}
    for source in sources:
        for target in targets:
            found = [list(p) for p in nx.all_simple_paths(graph, source, target)]
            if found:
                paths[(source, target)] = found
    return paths


def uses(graph: nx.DiGraph, node: str) -> set[str]:
    """Parts a node consumes or holds: BOM children of what it makes, plus its stocked parts."""
    parts = graph.graph["parts"]
    data = graph.nodes[node]
    used = {child for made in data["makes"] for child in parts[made].bom}
    return used | set(data["inventory"])


def provisionable(graph: nx.DiGraph) -> set[tuple[str, str]]:
    """(node, part) pairs the network can keep supplying from its sources, indefinitely.

    A node provides a part it makes once every BOM child reaches it by a lane from a node that
    provides that child (raw parts, with no BOM, need nothing; a reman node makes from returned
    cores, so it needs no BOM children either); a node provides a part it stocks
    but does not make once a lane brings that part from a provider. Computed as a least fixpoint.
    """
    parts = graph.graph["parts"]
    provided: set[tuple[str, str]] = set()

    def delivered(node: str, part: str) -> bool:
        return any(part in parts_ and (src, part) in provided
                   for src, _, parts_ in graph.in_edges(node, data="parts"))

    changed = True
    while changed:
        changed = False
        for node, data in graph.nodes(data=True):
            from_cores = data["kind"] == "reman"
            candidates: Iterable[tuple[str, bool]] = [
                *((p, from_cores or all(delivered(node, c) for c in parts[p].bom))
                  for p in data["makes"]),
                *((p, delivered(node, p)) for p in data["inventory"] if p not in data["makes"]),
            ]
            for part, ok in candidates:
                if ok and (node, part) not in provided:
                    provided.add((node, part))
                    changed = True
    return provided
