"""The value chain of a large scenario, summarised: a map of groups instead of nodes, and the
whole graph as GraphML for tools that can show thousands of nodes.

Beyond a few dozen nodes a map of every node is a hairball whose labels overlap, and drawing it
takes minutes. :func:`value_chain_groups` draws one marker per (stage, region) group instead:
columns are the stages of the chain as :func:`resim.report.chain_figures.value_chain_map` places
them (supplier tiers, plants, DCs, markets; reman and MaaS providers one left of their
customers), rows are regions; a marker's area grows with its number of nodes, a line between
groups with its number of lanes. :func:`write_graphml` keeps every node and lane.

Artists carrying a ``gid``: ``groups:<kind>``, one ``PathCollection`` per node kind with one
offset per group.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from resim.core.files import write_atomic
from resim.report.chain_figures import _KIND_ORDER, NODE_STYLES, _column_label, _columns
from resim.report.figure_helpers import _ALERT, _DARK, _GREY
from resim.report.figures import _figure

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["chain_groups", "value_chain_groups", "write_graphml"]


def _regions(graph: nx.DiGraph, scenario: "Scenario") -> dict[str, str]:
    """Region of every node; a MaaS provider's is its offering's (the graph does not carry it)."""
    offered = {o.id: o.region for o in scenario.maas.providers}
    return {n: str(d.get("region") or offered.get(d.get("offering"), "unknown")) for n, d in graph.nodes(data=True)}


def chain_groups(graph: nx.DiGraph, scenario: "Scenario") -> dict[str, tuple[int, str, str]]:
    """Group of every node of ``graph``: (column of its stage, kind, region)."""
    column, region = _columns(graph), _regions(graph, scenario)
    return {n: (column[n], kind, region[n]) for n, kind in graph.nodes(data="kind")}


def value_chain_groups(scenario: "Scenario", graph: nx.DiGraph, disrupted: Sequence[str] = (), *,
                       title: str = "Value chain") -> Figure:
    """``graph`` (the scenario's value chain, or as a strategy re-orchestrated it) drawn by groups
    of nodes of one stage and region: stages as columns (upstream to the left), regions as rows.
    Each group is a marker of its kind (as on the full map) labelled with its node count, ringed
    in red with the count of ``disrupted`` nodes in it; lanes between two groups are one line,
    wider the more lanes it stands for (MaaS supply dashed orange, reman green)."""
    groups = chain_groups(graph, scenario)
    members = Counter(groups.values())
    hit = Counter(groups[n] for n in disrupted if n in groups)
    lanes: Counter = Counter()
    for u, v in graph.edges():
        if groups[u] != groups[v]:
            lanes[groups[u], groups[v]] += 1
    regions = sorted({g[2] for g in members})
    row = {r: i for i, r in enumerate(regions)}
    columns = sorted({g[0] for g in members})
    # Kinds sharing a column (suppliers and reman, say) sit side by side within it.
    shift = {g: 0.0 for g in members}
    for c in columns:
        kinds = sorted({g[1] for g in members if g[0] == c}, key=lambda k: (_KIND_ORDER + [k]).index(k))
        for g in members:
            if g[0] == c and len(kinds) > 1:
                shift[g] = 0.3 * (kinds.index(g[1]) - (len(kinds) - 1) / 2)
    pos = {g: (g[0] + shift[g], -row[g[2]]) for g in members}
    fig, ax = _figure(11.0, max(4.5, 1.6 + 0.6 * len(regions)))
    largest = max(lanes.values(), default=1)
    for (u, v), count in lanes.items():
        kind = u[1]
        colour, style = ((NODE_STYLES["maas"][1], "--") if kind == "maas" else
                         ("#009E73", "-") if kind == "reman" else (_GREY, "-"))
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(
            arrowstyle="-|>", color=colour, lw=0.4 + 3.6 * np.sqrt(count / largest), ls=style, alpha=0.55,
            shrinkA=9, shrinkB=9, mutation_scale=8), zorder=1)
    most = max(members.values())
    present = [k for k in _KIND_ORDER if any(g[1] == k for g in members)] + \
        sorted({g[1] for g in members if g[1] not in NODE_STYLES})
    for k in present:
        mine = [g for g in members if g[1] == k]
        marker, colour = NODE_STYLES.get(k, ("o", _GREY))
        collection = ax.scatter([pos[g][0] for g in mine], [pos[g][1] for g in mine], marker=marker, c=colour,
                                s=[60 + 540 * np.sqrt(members[g] / most) for g in mine],
                                edgecolors=[_ALERT if hit[g] else "white" for g in mine],
                                linewidths=[2.5 if hit[g] else 0.8 for g in mine], zorder=3)
        collection.set_gid(f"groups:{k}")
        for g in mine:
            text = f"{members[g]:,}" + (f"\n{hit[g]:,} hit" if hit[g] else "")
            ax.annotate(text, pos[g], xytext=(0, -12), textcoords="offset points", ha="center", va="top",
                        fontsize=7, color=_ALERT if hit[g] else _DARK, zorder=4)
    kind_of = {n: k for n, k in graph.nodes(data="kind")}
    by_column = {c: [n for n, g in groups.items() if g[0] == c] for c in columns}
    ax.set_xticks(columns, [_column_label(c, by_column[c], kind_of) for c in columns], fontsize=8)
    ax.set_yticks([-row[r] for r in regions], [r.replace("_", " ") for r in regions], fontsize=8)
    ax.set_xlabel("position in the chain (upstream to the left)")
    ax.set_ylabel("region")
    ax.margins(0.08, 0.12)
    handles = [Line2D([], [], ls="", marker=NODE_STYLES.get(k, ("o",))[0], markersize=9,
                      markerfacecolor=NODE_STYLES.get(k, ("o", _GREY))[1], markeredgecolor="white") for k in present]
    names = [{"dc": "DC", "maas": "MaaS provider"}.get(k, str(k)) for k in present]
    if hit:
        handles.append(Line2D([], [], ls="", marker="o", markersize=9, markerfacecolor="white",
                              markeredgecolor=_ALERT, markeredgewidth=2.5))
        names.append("holds disrupted nodes")
    handles.append(Line2D([], [], color=_GREY, lw=2))
    names.append(f"lanes (widest: {largest:,})")
    ax.legend(handles, names, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0),
              title="marker area: nodes\n(number below)", title_fontsize=8)
    ax.set_title(f"{title}: {graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} lanes "
                 f"in {len(members)} groups of stage and region")
    return fig


def _plain(value: object) -> str | int | float | bool | None:
    """A value GraphML can hold: numbers, text and booleans as they are, sequences joined by
    commas, a mapping by its keys, anything else (a distribution) as its text; None is left out."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, Mapping):
        return ",".join(map(str, value))
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(map(str, value))
    return str(value)


def write_graphml(graph: nx.DiGraph, path: Path, groups: Mapping[str, tuple[int, str, str]] | None = None) -> None:
    """Write ``graph`` as GraphML (NetworkX's writer): every node and lane with its attributes
    (as :func:`_plain` makes them; missing values left out), and with ``groups``
    (:func:`chain_groups`) each node's stage ``column``, so a tool can lay it out as the summary
    figure does."""
    def plain(attributes: Mapping, extra: dict) -> dict:
        values = {k: _plain(v) for k, v in attributes.items()} | extra
        return {k: v for k, v in values.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}

    written = nx.MultiDiGraph(name=str(graph.graph.get("name", "")))  # parallel lanes, one per mode
    written.add_nodes_from((n, plain(d, {"column": groups[n][0]} if groups else {})) for n, d in graph.nodes(data=True))
    written.add_edges_from((u, v, plain(d, {})) for u, v, d in graph.edges(data=True))  # keys 0, 1, ...
    write_atomic(path, "\n".join(nx.generate_graphml(written)) + "\n")
