"""Figures of who supplies whom (R2): the orchestration Gantt chart of one replication and the
value-chain map, as the scenario draws it or as a strategy re-orchestrated it.

| function | answers |
| --- | --- |
| :func:`orchestration_gantt` | who supplies what, from when to when, in one replication |
| :func:`value_chain_map` | the value chain, what was hit, and how a strategy re-orchestrated it |

Artists carrying a ``gid``: ``action``, ``waiting``, ``not_agreed``, the bars, onboarding bars
and markers of the Gantt chart, ``disruption:<id>``, the windows of a disruption in the strip
above its day axis; ``nodes:<kind>``, the node markers of :func:`value_chain_map` (one offset
per node).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from resim.scenario.format.strategies import ActionKind
from resim.sim.status import NONE_ASKED, ActionStatus
from resim.report.figure_helpers import _ALERT, _DARK, _GREY, _empty, _strategy_order, _title, _windows, _with_strips
from resim.report.figures import _figure

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["KIND_COLOURS", "NODE_STYLES", "orchestration_gantt", "value_chain_map"]

#: Colour of each kind of action in the Gantt chart (a table read back from disk holds the
#: kinds as plain strings, which find the same entries).
KIND_COLOURS = {ActionKind.BUFFER: "#0072B2", ActionKind.DUAL_SOURCE: "#CC79A7", ActionKind.MAAS_SAME_TIER: "#E69F00",
                ActionKind.MAAS_UPSTREAM: _ALERT, ActionKind.CIRCULAR: "#009E73"}
#: Marker and colour of each node kind on the value-chain map.
NODE_STYLES = {"supplier": ("o", "#56B4E9"), "plant": ("s", "#0072B2"), "dc": ("D", "#BBBBBB"),
               "market": ("^", "#CC79A7"), "reman": ("h", "#009E73"), "maas": ("p", "#E69F00")}
_KIND_ORDER = list(NODE_STYLES)
#: Colour of a lane drawn beside another mode's between the same two nodes (curved, dotted).
MODE_COLOURS = {"air": "#0072B2", "sea": "#56B4E9", "rail": "#555555", "road": "#999999"}
_NOT_AGREED = (ActionStatus.DECLINED, *NONE_ASKED)  # shown as asked-but-no-agreement


# -- orchestration Gantt chart -------------------------------------------------------------------

def orchestration_gantt(orchestrations: pd.DataFrame, replication: int = 0, *,
                        events: pd.DataFrame | None = None, horizon: float | None = None) -> Figure:
    """The actions of one replication, one row each (strategy, kind when it differs from the
    strategy's name, source -> destination, part; evaluation rows excluded): a bar from its start
    (the qualified day of a MaaS agreement, the activation day of circular supply) to its end,
    coloured by kind (gid ``action``); declined requests, needs without a candidate and needs
    whose destination was down as an x (gid ``not_agreed``) with the reason beside it. Under
    each label: status, rate, unit cost and, for an agreement, its evaluation (received,
    rejected, late, cost).

    With ``events`` (``Results.events``), a strip on top shows the disruption windows of the
    replication, and before each answering action a lighter bar (gid ``waiting``) runs from the
    onset of the disruption it answers to its start: detection, decision, negotiation and
    onboarding. ``horizon`` (days) sets the day axis; by default the latest action end."""
    rows = orchestrations[(orchestrations.replication == replication) & (orchestrations.kind != "evaluation")]
    height = max(3.0, 1.2 + 0.5 * len(rows))
    if rows.empty:
        fig, ax = _figure(10.0, height)
        _empty(ax, f"no actions in replication {replication}")
        return fig
    order = {s: i for i, s in enumerate(_strategy_order(orchestrations))}
    rows = rows.assign(_order=rows.strategy.map(order)).sort_values(["_order", "start"], kind="stable")
    evaluations = orchestrations[(orchestrations.replication == replication) & (orchestrations.kind == "evaluation")]
    outcome = {(e.strategy, e.source, e.part, e.destination): e.note for e in evaluations.itertuples()}
    horizon = float(horizon if horizon is not None else max(float(rows.end.max()), float(rows.start.max()) + 1))
    windows = _windows(events, replication, horizon)
    fig, ax, _ = _with_strips(11.0, height, windows, replication)
    onsets: dict[str, list[float]] = {}
    for ident, start, _ in windows:
        onsets.setdefault(ident, []).append(start)
    labels, y = [], np.arange(len(rows))[::-1]
    for row, level in zip(rows.itertuples(), y):
        colour = KIND_COLOURS.get(row.kind, _GREY)
        source = row.source if isinstance(row.source, str) and row.source else "no provider"
        kind = "" if row.kind == row.strategy else f" · {row.kind.replace('_', ' ')}"
        first = f"{row.strategy}{kind}: {source} → {row.destination} ({row.part})"
        if row.status in _NOT_AGREED:
            ax.scatter([row.start], [level], marker="x", s=60, color=colour, linewidths=2, zorder=4,
                       gid="not_agreed")
            right = row.start > 0.6 * horizon  # the reason on the side with room
            ax.annotate(textwrap.fill(f"{row.status}: {row.note}" if row.note else row.status, 34),
                        (row.start, level), xytext=(-8 if right else 8, 0), textcoords="offset points",
                        va="center", ha="right" if right else "left", fontsize=7, color=_DARK)
            labels.append(f"{first}\n{row.status}")
            continue
        before = [t for t in onsets.get(row.trigger, []) if t <= row.start] if row.trigger else []
        if before and row.start > max(before):
            onset = max(before)
            wait = ax.barh(level, row.start - onset, left=onset, height=0.55, color=colour, alpha=0.3, lw=0)
            wait.patches[0].set_gid("waiting")
        bar = ax.barh(level, row.end - row.start, left=row.start, height=0.55, color=colour, lw=0)
        bar.patches[0].set_gid("action")
        if row.kind == ActionKind.BUFFER:
            detail = f"{row.status}; {row.note}" if row.note else row.status
        else:
            detail = f"{row.status}, {row.units_per_day:,.0f}/day at {row.unit_cost:,.4g} each"
            evaluation = outcome.get((row.strategy, row.source, row.part, row.destination))
            detail += f"; {evaluation}" if evaluation else ""
        labels.append(f"{first}\n{detail}")
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(0, horizon)
    ax.set_xlabel("day")
    _title(fig, ax, f"Orchestrations of replication {replication}: who supplies what, from when to when")
    kinds = list(dict.fromkeys(rows.kind))
    handles = [Patch(color=KIND_COLOURS.get(k, _GREY)) for k in kinds]
    names = [k.replace("_", " ") for k in kinds]
    if any(p.get_gid() == "waiting" for p in ax.patches):
        handles.append(Patch(color=_DARK, alpha=0.3))
        names.append("onset to start:\ndetection, decision, onboarding")
    if rows.status.isin(_NOT_AGREED).any():
        handles.append(Line2D([], [], ls="", marker="x", color=_DARK, markeredgewidth=2))
        names.append("not agreed\n(declined, no candidate\nor destination down)")
    ax.legend(handles, names, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


# -- value-chain map -----------------------------------------------------------------------------

def _has_coordinates(data: dict) -> bool:
    lat, lon = data.get("lat"), data.get("lon")
    return lat is not None and lon is not None and np.isfinite(lat) and np.isfinite(lon)


def _columns(graph: nx.DiGraph) -> dict[str, int]:
    """Column of each node: -tier for suppliers, 0 for plants, distance from the plants for DCs,
    markets in the last column; reman and MaaS nodes one left of their customers."""
    from resim.scenario.valuechain import tiers

    kind = dict(graph.nodes(data="kind"))
    column = {n: -t for n, t in tiers(graph).items()}
    plants = [n for n, k in kind.items() if k == "plant"]
    downstream = nx.multi_source_dijkstra_path_length(graph, plants, weight=None) if plants else {}
    for n, k in kind.items():
        if k == "dc":
            column[n] = max(int(downstream.get(n, 1)), 1)
    for _ in range(len(graph)):  # feeders: one left of their leftmost placed customer
        changed = False
        for n in graph:
            if n in column or kind[n] == "market":
                continue
            placed = [column[s] for s in graph.successors(n) if s in column]
            if placed:
                column[n], changed = min(placed) - 1, True
        if not changed:
            break
    last = max([c for c in column.values()] + [0]) + 1
    for n, k in kind.items():
        if k == "market":
            column[n] = last
        column.setdefault(n, 0)
    return column


def _tier_positions(graph: nx.DiGraph) -> tuple[dict[str, tuple[float, float]], dict[int, list[str]]]:
    column = _columns(graph)
    members: dict[int, list[str]] = {}
    rank = {k: i for i, k in enumerate(_KIND_ORDER)}
    for n in sorted(graph, key=lambda n: (rank.get(graph.nodes[n].get("kind"), 99), str(n))):
        members.setdefault(column[n], []).append(n)
    y = {}
    for nodes in members.values():
        y.update({n: i - (len(nodes) - 1) / 2 for i, n in enumerate(nodes)})
    undirected = graph.to_undirected(as_view=True)
    for _ in range(4):  # barycentre sweeps: fewer crossings
        for c in sorted(members):
            nodes = members[c]
            centre = {n: np.mean([y[m] for m in undirected[n] if column[m] != c] or [y[n]]) for n in nodes}
            nodes.sort(key=lambda n: (centre[n], rank.get(graph.nodes[n].get("kind"), 99), str(n)))
            y.update({n: i - (len(nodes) - 1) / 2 for i, n in enumerate(nodes)})
    return {n: (float(column[n]), -float(y[n])) for n in graph}, members


def _geo_positions(graph: nx.DiGraph, scenario) -> dict[str, tuple[float, float]]:
    pos = {n: (float(d["lon"]), float(d["lat"])) for n, d in graph.nodes(data=True) if _has_coordinates(d)}
    offerings = {}
    providers = getattr(getattr(scenario, "maas", None), "providers", None) or []
    for offering in providers:
        lat, lon = getattr(offering, "lat", None), getattr(offering, "lon", None)
        if lat is not None and lon is not None:
            offerings[getattr(offering, "id", None)] = (float(lon), float(lat))
    for n, d in graph.nodes(data=True):
        if n in pos:
            continue
        if d.get("offering") in offerings:
            pos[n] = offerings[d["offering"]]
            continue
        near = [pos[m] for m in graph.successors(n) if m in pos]
        x, y = near[0] if near else (0.0, 0.0)
        pos[n] = (x - 4.0, y - 3.0)  # a provider without coordinates: beside its customer
    return pos


def value_chain_map(scenario: "Scenario", orchestrations: pd.DataFrame | None = None, strategy: str | None = None,
                    replication: int = 0, disrupted: Sequence[str] = (), *, layout: str = "auto") -> Figure:
    """The value chain: nodes by tier (suppliers left by tier, plants, DCs, markets right) or, with
    ``layout="geo"`` (or ``"auto"`` when every node has lat/lon), by longitude and latitude. Node
    kind by marker (supplier o, plant s, dc D, market ^, reman h, MaaS provider p; one
    ``PathCollection`` per kind, gid ``nodes:<kind>``); ``disrupted`` node ids ringed in red; reman
    lanes green (thick where the strategy activated them).

    With ``orchestrations`` and ``strategy``, the chain as that strategy re-orchestrated it in
    ``replication`` (:func:`resim.sim.actions.orchestrated_chain`): its MaaS providers (agreements
    accepted or countered) in orange, their lanes dashed, each labelled by its offering id."""
    if layout not in ("auto", "tiers", "geo"):
        raise ValueError(f"layout must be 'auto', 'tiers' or 'geo', not {layout!r}")
    if orchestrations is not None and strategy is not None:
        from resim.sim.actions import orchestrated_chain

        graph = orchestrated_chain(scenario, orchestrations, strategy, replication)
    else:
        graph = scenario.value_chain()
    unknown = sorted(set(disrupted) - set(graph))
    if unknown:
        raise ValueError(f"disrupted: unknown node ids {', '.join(unknown)}")
    base = [d for d in graph.nodes.values() if d.get("kind") != "maas"]
    geo = layout == "geo" or (layout == "auto" and base and all(_has_coordinates(d) for d in base))
    fig, ax = _figure(10.0, 6.0)
    if geo:
        pos, members = _geo_positions(graph, scenario), {}
    else:
        pos, members = _tier_positions(graph)
    kind = dict(graph.nodes(data="kind"))
    size = 150 if geo else 260  # places crowd on a map
    plain, reman, reman_on, maas = [], [], [], []
    parallel: dict[str, list[tuple[str, str]]] = {}  # mode -> a pair's second, third... lanes
    drawn: set[tuple[str, str]] = set()
    for u, v, d in graph.edges(data=True):
        if kind.get(u) == "maas":
            maas.append((u, v))
        elif kind.get(u) == "reman":
            (reman_on if d.get("orchestrated") else reman).append((u, v))
        elif (u, v) in drawn:  # a lane of another mode beside one already drawn: curved beside it
            parallel.setdefault(str(d.get("mode")), []).append((u, v))
        else:
            plain.append((u, v))
        drawn.add((u, v))
    edge_style = {"arrows": True, "arrowstyle": "-|>", "arrowsize": 10, "node_size": size, "ax": ax}
    nx.draw_networkx_edges(graph, pos, edgelist=plain, edge_color=_GREY, width=1.0, **edge_style)
    for mode, pairs in parallel.items():
        for patch in nx.draw_networkx_edges(graph, pos, edgelist=pairs, edge_color=MODE_COLOURS.get(mode, _DARK),
                                            width=1.4, style="dotted", connectionstyle="arc3,rad=0.25",
                                            **edge_style):
            patch.set_gid(f"lane:parallel:{mode}")
    nx.draw_networkx_edges(graph, pos, edgelist=reman, edge_color="#009E73", width=1.2, **edge_style)
    nx.draw_networkx_edges(graph, pos, edgelist=reman_on, edge_color="#009E73", width=2.8, **edge_style)
    nx.draw_networkx_edges(graph, pos, edgelist=maas, edge_color=NODE_STYLES["maas"][1], width=2.0,
                           style="dashed", **edge_style)
    hit = set(disrupted)
    present = [k for k in _KIND_ORDER if k in kind.values()] + \
        sorted({k for k in kind.values() if k not in NODE_STYLES}, key=str)
    for k in present:
        nodes = [n for n in graph if kind[n] == k]
        marker, colour = NODE_STYLES.get(k, ("o", _GREY))
        collection = nx.draw_networkx_nodes(
            graph, pos, nodelist=nodes, node_shape=marker, node_color=colour, node_size=size, ax=ax,
            edgecolors=[_ALERT if n in hit else "white" for n in nodes],
            linewidths=[3.0 if n in hit else 0.8 for n in nodes])
        collection.set_gid(f"nodes:{k}")
        collection.set_zorder(3)
    for n, (x, y) in pos.items():  # a provider by its offering id, as every table names it
        label = (graph.nodes[n].get("offering") or n) if kind[n] == "maas" else n
        ax.annotate(str(label), (x, y), xytext=(0, -13), textcoords="offset points", ha="center", va="top",
                    fontsize=7, color=_DARK if kind[n] != "maas" else "#A06000", zorder=4)
    handles = [Line2D([], [], ls="", marker=NODE_STYLES.get(k, ("o",))[0], markersize=9,
                      markerfacecolor=NODE_STYLES.get(k, ("o", _GREY))[1], markeredgecolor="white")
               for k in present]
    names = [{"dc": "DC", "maas": "MaaS provider"}.get(k, str(k)) for k in present]
    if hit:
        handles.append(Line2D([], [], ls="", marker="o", markersize=9, markerfacecolor="white",
                              markeredgecolor=_ALERT, markeredgewidth=2.5))
        names.append("disrupted")
    if reman or reman_on:
        handles.append(Line2D([], [], color="#009E73", lw=2))
        names.append("reman supply" + (" (thick: activated)" if reman_on else ""))
    for mode in parallel:
        handles.append(Line2D([], [], color=MODE_COLOURS.get(mode, _DARK), lw=1.6, ls=":"))
        names.append(f"{mode} lane beside another mode")
    if maas:
        handles.append(Line2D([], [], color=NODE_STYLES["maas"][1], lw=2, ls="--"))
        names.append("orchestrated MaaS supply")
    ax.legend(handles, names, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if geo:
        ax.set_xlabel("longitude (°)")
        ax.set_ylabel("latitude (°)")
        ax.tick_params(bottom=True, labelbottom=True, left=True, labelleft=True)
        ax.margins(0.08)
    else:
        ax.set_xticks(sorted(members), [_column_label(c, members[c], kind) for c in sorted(members)], fontsize=8)
        ax.tick_params(bottom=True, labelbottom=True)
        ax.set_xlabel("position in the chain (upstream to the left)")
        ax.set_yticks([])
        ax.spines[["left"]].set_visible(False)
        ax.margins(0.08, 0.1)
    title = "Value chain"
    if strategy is not None and orchestrations is not None:
        providers = sum(1 for k in kind.values() if k == "maas")
        title = f"Value chain as {strategy} re-orchestrated it (replication {replication})"
        if not providers and not reman_on:
            title += ": no MaaS agreement or reman supply"
    elif hit:
        title = "Value chain and the disrupted nodes"
    ax.set_title(title)
    return fig


def _column_label(column: int, nodes: list[str], kind: dict[str, str]) -> str:
    kinds = {kind[n] for n in nodes} - {"maas", "reman"} or {kind[n] for n in nodes}
    if kinds == {"plant"}:
        return "plants"
    if kinds == {"dc"}:
        return "DCs" if column == 1 else f"DCs ({column})"
    if kinds == {"market"}:
        return "markets"
    if kinds <= {"supplier"} and column < 0:
        return f"tier {-column}"
    return " / ".join(sorted(kinds))
