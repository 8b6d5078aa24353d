"""Questions about a scenario's value chain that every replication asks, answered once.

A response, a ripple trace and a need's sizing all ask the same things of the graph: which
products contain a part, how many units of each part a product needs, and how long an outage
at a node takes to reach a market. They depend on the scenario alone, so :class:`ChainFacts`
answers them once per scenario (``Scenario.facts``) instead of once per replication, event, node
and market. The graph it holds is frozen: code that wants to change a value chain copies it.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

import networkx as nx

from resim.scenario.valuechain import bom_graph, build_graph, explode

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.scenario.format.chain import Lane

__all__ = ["ChainFacts", "PATH_CUTOFF"]

PATH_CUTOFF = 12  # lanes on the longest path searched in a chain with loops (no value chain is deeper)


class ChainFacts:
    """The value chain's graph (frozen) and what follows from it, each computed when first asked."""

    def __init__(self, scenario: "Scenario") -> None:
        self.graph: nx.DiGraph = nx.freeze(build_graph(scenario))
        self._bom = nx.freeze(bom_graph(self.graph))  # built once: every product's explosion walks it
        self._lead = {(lane.source, lane.dest): lane.lead_time_days.mean for lane in scenario.lanes}
        self._products = tuple(dict.fromkeys(entry.part for entry in scenario.demand))
        self._acyclic = nx.is_directed_acyclic_graph(self.graph)
        # Who makes each part and which lanes leave and enter each node, in the scenario's order
        # (sums over them add up as a scan of the scenario would); tuples of the scenario's own items.
        makers: dict[str, list[str]] = {}
        for node in scenario.nodes:
            for part in dict.fromkeys(node.makes) if node.kind != "reman" else ():
                makers.setdefault(part, []).append(node.id)
        out: dict[str, list[Lane]] = {}
        into: dict[str, list[Lane]] = {}
        for lane in scenario.lanes:
            out.setdefault(lane.source, []).append(lane)
            into.setdefault(lane.dest, []).append(lane)
        self._makers = {part: tuple(ids) for part, ids in makers.items()}
        self._out = {node: tuple(lanes) for node, lanes in out.items()}
        self._in = {node: tuple(lanes) for node, lanes in into.items()}
        # Answers kept as they are computed; plain dicts, so that the facts pickle with their scenario.
        self._explosions: dict[str, dict[str, float]] = {}
        self._to_market: dict[str, dict[str, float]] = {}
        self._lags: dict[tuple[str, str], float] = {}
        self._markets: dict[str, frozenset[str]] = {}

    def explosion(self, product: str) -> Mapping[str, float]:
        """Units of every part that one unit of ``product`` needs, at every level (product
        excluded; read-only)."""
        if product not in self._explosions:
            self._explosions[product] = explode(self._bom, product)
        return MappingProxyType(self._explosions[product])

    def contains(self, product: str, part: str) -> bool:
        """Whether ``product`` is ``part`` or needs it at some level of its bill of materials."""
        return product == part or part in self.explosion(product)

    def products_with(self, part: str) -> tuple[str, ...]:
        """The demanded products that are or contain ``part``, in the order of the demand entries."""
        return tuple(p for p in self._products if self.contains(p, part))

    def markets_served(self, node: str) -> frozenset[str]:
        """The markets ``node`` reaches over the lanes (itself, when a market)."""
        if node not in self._markets:
            reached = nx.descendants(self.graph, node) | {node}
            self._markets[node] = frozenset(n for n in reached if self.graph.nodes[n]["kind"] == "market")
        return self._markets[node]

    def makers(self, part: str) -> tuple[str, ...]:
        """The nodes that make ``part`` (reman centres aside), in the scenario's order."""
        return self._makers.get(part, ())

    def lanes_from(self, node: str) -> tuple["Lane", ...]:
        """The lanes out of ``node``, in the scenario's order."""
        return self._out.get(node, ())

    def lanes_into(self, node: str) -> tuple["Lane", ...]:
        """The lanes into ``node``, in the scenario's order."""
        return self._in.get(node, ())

    def lag_days(self, node: str, market: str) -> float:
        """Days a change at ``node`` takes to reach ``market``: the longest sum of mean lead
        times over the paths between them (0 when none)."""
        if self._acyclic:
            return self._longest_to(market).get(node, 0.0)
        if (node, market) not in self._lags:
            paths = nx.all_simple_paths(self.graph, node, market, cutoff=PATH_CUTOFF)
            self._lags[node, market] = max((sum(self._lead[step] for step in zip(p, p[1:])) for p in paths),
                                           default=0.0)
        return self._lags[node, market]

    def _longest_to(self, market: str) -> dict[str, float]:
        """In a loop-free chain, every node's longest lead-time path to ``market``: one pass over
        the nodes in reverse topological order (each path is then found once, not enumerated)."""
        if market not in self._to_market:
            longest: dict[str, float] = {market: 0.0}
            for node in reversed(list(nx.topological_sort(self.graph))):
                reached = [self._lead[node, after] + longest[after] for after in self.graph.successors(node)
                           if after in longest]
                if reached:
                    longest[node] = max(longest.get(node, 0.0), *reached)
            longest.pop(market)
            self._to_market[market] = longest
        return self._to_market[market]
