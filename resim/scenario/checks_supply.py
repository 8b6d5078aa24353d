"""Whether every market can be supplied: a chain of lanes brings each demanded part from nodes
that make or stock it and everything it is made of; when not, the first gap upstream."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resim.scenario.checks_references import Finding

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.scenario.format.chain import Part

__all__ = ["check_supply"]


class _Chain:
    """The value chain as the check walks it: each node's kind, the parts it makes and those it
    stocks, and the lanes into it as (source, parts) in the file's order. Plain dicts, where
    :func:`resim.scenario.valuechain.build_graph` would make `resim validate` import networkx
    (and work out tiers the check never reads); the check runs once every reference resolves and
    no two lanes join the same pair of nodes, so they hold what that graph would."""

    def __init__(self, sc: "Scenario") -> None:
        self.parts: dict[str, Part] = sc.parts_by_id
        self.kind = {n.id: n.kind for n in sc.nodes}
        self.makes = {n.id: n.makes for n in sc.nodes}
        self.stocks = {n.id: {s.part for s in n.inventory} for n in sc.nodes}
        self.into: dict[str, list[tuple[str, tuple[str, ...]]]] = {n.id: [] for n in sc.nodes}
        for lane in sc.lanes:
            self.into[lane.dest].append((lane.source, lane.parts))


def _available(chain: _Chain, provided: set, node: str, part: str) -> bool:
    """``node`` can use ``part`` in what it makes: a lane brings it from a node that provides it,
    or ``node`` makes it itself and holds it under a policy (a plant making both a product and
    its component makes the component to stock: nothing else would order it)."""
    if part in chain.makes[node] and part in chain.stocks[node] and (node, part) in provided:
        return True
    return any(part in ps and (src, part) in provided for src, ps in chain.into[node])


def _provisionable(chain: _Chain) -> set[tuple[str, str]]:
    """(node, part) pairs the chain can keep supplying: :func:`resim.scenario.valuechain.provisionable`,
    where a maker may also use a component it makes itself (the engine takes it from the
    node's own stock of that part, see resim.sim.network).

    The same least fixpoint, computed with a work list in time linear in the chain's size
    (sweeping every node until nothing changes is quadratic in a deep bill of materials).
    """
    parts = chain.parts
    carriers: dict[tuple[str, str], list[str]] = {}  # (source, part) -> nodes a lane brings it to
    for dst, lanes in chain.into.items():
        for src, ps in lanes:
            for part in ps:
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

    for node, made in chain.makes.items():
        from_cores = chain.kind[node] == "reman"
        for part in made:
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
        if part in chain.stocks[node] and part not in chain.makes[node]:
            provide(node, part)
        for made in needers.get((node, part), ()):
            missing[(node, made)] -= 1
            if missing[(node, made)] == 0:
                provide(node, made)

    while queue:
        node, part = queue.pop()
        for dst in carriers.get((node, part), ()):
            arrives(dst, part)
        if part in chain.makes[node] and part in chain.stocks[node]:
            arrives(node, part)  # made to its own stock: usable in what it makes
    return provided


def _missing_link(chain: _Chain, provided: set, node: str, part: str, depth: int = 0) -> str:
    """Explain why ``node`` cannot get ``part``: follow the first gap upstream."""
    if depth > 40:
        return f"'{part}' does not reach '{node}'"
    if part in chain.makes[node]:
        bom = chain.parts[part].bom
        child = next((c for c in bom if not _available(chain, provided, node, c)), None)
        if child is None:
            return f"'{part}' does not reach '{node}'"
        if child in chain.makes[node] and child not in chain.stocks[node] and (node, child) in provided:
            return (f"'{node}' makes '{child}' for '{part}' but holds no stock of it (expected an "
                    f"entry with part: {child} in {node}.inventory: a component made in place is "
                    "made to stock)")
        return _missing_link(chain, provided, node, child, depth + 1)
    sources = [src for src, ps in chain.into[node] if part in ps]
    if not sources:
        return f"no lane brings '{part}' to '{node}'"
    return _missing_link(chain, provided, sources[0], part, depth + 1)


def check_supply(sc: "Scenario") -> list[Finding]:
    """A finding for each demand whose market the chain cannot keep supplied, naming the first
    gap upstream; to be run once every reference resolves."""
    chain = _Chain(sc)
    provided = _provisionable(chain)
    found = []
    for i, d in enumerate(sc.demand):
        if any(d.part in ps and (src, d.part) in provided for src, ps in chain.into[d.market]):
            continue
        found.append((("demand", i), f"market '{d.market}' cannot be supplied with '{d.part}': "
                      f"{_missing_link(chain, provided, d.market, d.part)} "
                      "(expected a chain of lanes from sources of every part it needs)"))
    return found
