"""A readable summary of a scenario's value chain, for ``resim info``."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from resim.scenario import valuechain
from resim.scenario import Scenario

__all__ = ["describe"]


def _counts(counter: Counter) -> str:
    return " · ".join(f"{key} {n}" for key, n in counter.most_common())


def _row(label: str, text: str) -> str:
    return f"  {label:<22}{text}"


def describe(sc: Scenario) -> str:
    """A one-screen text summary: node kinds, tiers, regions, parts, single-sourced critical parts,
    regional concentration, disruptions, MaaS pool, circular streams and strategies."""
    graph = sc.value_chain()
    parts = sc.parts_by_id
    # A supplier that reaches no plant has no tier.
    tiers = Counter(t for n, t in graph.nodes(data="tier") if graph.nodes[n]["kind"] == "supplier" and t is not None)
    bom = valuechain.bom_graph(graph)
    critical = [p.id for p in sc.parts if p.critical]
    single = valuechain.single_sourced_parts(graph)
    lines = [
        f"{sc.name}" + (f"  ({sc.source})" if sc.source else ""),
        _row("horizon", f"{sc.horizon_days} days · {sc.replications} replications · "
             f"seed {sc.seed} · {sc.currency}"),
        _row(f"nodes ({len(sc.nodes)})", _counts(Counter(n.kind for n in sc.nodes))),
        _row("supplier tiers", " · ".join(f"tier {t}: {n}" for t, n in sorted(tiers.items()))
             or "none reach a plant"),
        _row("regions", _counts(Counter(n.region for n in sc.nodes))),
        _row(f"lanes ({len(sc.lanes)})", _counts(Counter(lane.mode for lane in sc.lanes))),
        _row(f"parts ({len(sc.parts)})", f"{len(critical)} critical · BOM depth "
             f"{nx.dag_longest_path_length(bom)} levels below the product"),
    ]
    for d in sc.demand:
        lines.append(_row("demand", f"{d.part} at {d.market}: {d.daily}/day, {d.unmet}"))
    lines.append("")
    lines.append("Single-sourced critical parts")
    flagged = [(p, n) for p, n in single.items() if parts[p].critical]
    for part, node in flagged:
        data = graph.nodes[node]
        lines.append(_row(part, f"{node} ({data['country']}, {data['region']})"))
    if not flagged:
        lines.append(_row("none", "every critical part has two or more makers"))
    lines.append("")
    lines.append("Regional concentration of critical parts (share of capacity in the top region)")
    share = valuechain.supply_share(graph, by="region")
    top = share[share["part"].isin(critical)].groupby("part", sort=True).first()
    for part, row in top.iterrows():
        lines.append(_row(str(part), f"{row['region']} {row['share']:.0%}"))
    lines.append("")
    lines.append(_row(f"disruptions ({len(sc.disruptions)})",
                      ", ".join(f"{d.id} ({d.type})" for d in sc.disruptions) or "none"))
    providers = {o.provider for o in sc.maas.providers}
    countries = {o.country for o in sc.maas.providers}
    lines.append(_row(f"MaaS offerings ({len(sc.maas.providers)})",
                      f"{len(providers)} providers in {len(countries)} countries"))
    lines.append(_row("take-back streams", str(len(sc.circular.take_back))))
    lines.append(_row(f"strategies ({len(sc.strategies)})",
                      ", ".join(s.id for s in sc.strategies)))
    return "\n".join(lines)
