"""Figures of a run's results (R2): planners compare response strategies from them.

Each function takes tables of :class:`resim.results.Results` (pandas DataFrames) and returns a
``matplotlib.figure.Figure`` built with the object-oriented API (no pyplot state, no I/O), in the
style of :mod:`resim.figures`: Okabe-Ito colours, units on every axis, a title naming what the
figure answers, uncertainty shown where the tables carry it.

| function | answers |
| --- | --- |
| :func:`recovery_timeline` | how deep does service fall, and when does each strategy recover? |
| :func:`pareto` | which strategies are worth it: recovery time against cost |
| :func:`cost_breakdown` | what each strategy costs, and where the money goes |
| :func:`orchestration_gantt` | who supplies what, from when to when, in one replication |
| :func:`critical_inventory` | which strategies run out of critical parts, and when |
| :func:`value_chain_map` | the value chain, what was hit, and how a strategy re-orchestrated it |

A strategy has the same colour in every figure (:func:`strategy_colours`), provided the figures
are given the strategies in the same order (the tables of one run are), or the same ``colours``.

Artists that tests and callers may look up carry a ``gid``:

* ``recovery:<strategy>``: the recovery point of a strategy (a one-point ``PathCollection``),
  ``failure_level`` and ``recovery_level``: the threshold lines, ``disruption:<id>``: the windows
  of a disruption in the strip above a day axis;
* ``point:<strategy>`` and ``pareto_front``: the points and the front of :func:`pareto`;
* ``cost:<strategy>:<component>``: a bar segment of :func:`cost_breakdown`;
* ``action``, ``waiting``, ``not_agreed``: bars, onboarding bars and markers of the Gantt chart;
* ``nodes:<kind>``: the node markers of :func:`value_chain_map` (one offset per node).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from resim.figures import PALETTE, ResimFigure, _figure

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["COMPONENT_COLOURS", "KIND_COLOURS", "NODE_STYLES", "strategy_colours", "recovery_timeline",
           "pareto", "cost_breakdown", "orchestration_gantt", "critical_inventory", "value_chain_map"]

_GREY, _DARK, _ALERT, _DISRUPTION = "#999999", "#555555", "#D55E00", "#888888"

#: Colour of each cost component (unknown components take the palette in turn).
COMPONENT_COLOURS = {
    "production": "#0072B2", "procurement": "#56B4E9", "transport": _GREY, "tariff": "#E69F00",
    "holding": "#F0E442", "maas_onboarding": "#CC79A7", "maas_premium": "#000000", "reman": "#009E73",
    "shortage_penalty": _ALERT,
}
#: Colour of each kind of action in the Gantt chart.
KIND_COLOURS = {"buffer": "#0072B2", "dual_source": "#CC79A7", "maas_same_tier": "#E69F00",
                "maas_upstream": _ALERT, "circular": "#009E73"}
#: Marker and colour of each node kind on the value-chain map.
NODE_STYLES = {"supplier": ("o", "#56B4E9"), "plant": ("s", "#0072B2"), "dc": ("D", "#BBBBBB"),
               "market": ("^", "#CC79A7"), "reman": ("h", "#009E73"), "maas": ("p", "#E69F00")}
_KIND_ORDER = list(NODE_STYLES)
_NOT_AGREED = ("declined", "no candidate")


# -- shared helpers ------------------------------------------------------------------------------

def strategy_colours(names: Iterable[str]) -> dict[str, str]:
    """A colour per strategy: ``none`` (the do-nothing reference) black, the others the Okabe-Ito
    palette in the order given (cycled beyond seven). Same names in the same order, same colours."""
    others = [c for c in PALETTE if c != "#000000"]
    colours, i = {}, 0
    for name in dict.fromkeys(names):
        if name == "none":
            colours[name] = "#000000"
        else:
            colours[name] = others[i % len(others)]
            i += 1
    return colours


def _colours_for(names: Iterable[str], colours: dict[str, str] | None) -> dict[str, str]:
    names = list(dict.fromkeys(names))
    found = strategy_colours(names)
    if colours:
        found.update({k: v for k, v in colours.items() if k in found})
    return found


def _money(value: float, _pos=None) -> str:
    size = abs(value)
    for limit, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if size >= limit:
            return f"{value / limit:.4g}{suffix}"
    return f"{value:.4g}"


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)


def _windows(events: pd.DataFrame | None, replication: int, horizon: float) -> list[tuple[str, float, float]]:
    """(id, start, end) of the disruptions of one replication, ends clipped to the horizon."""
    if events is None or events.empty:
        return []
    rows = events[events.replication == replication] if "replication" in events else events
    found = []
    for row in rows.sort_values("start").itertuples():
        end = horizon if pd.isna(row.end) else min(float(row.end), horizon)
        if row.start < horizon and end > row.start:
            found.append((str(row.id), float(row.start), end))
    return found


def _with_strip(width: float, height: float, windows: list[tuple[str, float, float]],
                replication: int) -> tuple[Figure, object]:
    """A figure with its main axes, under a strip of the disruption windows (one row per
    disruption id, bars from start to end, gid ``disruption:<id>``) sharing its day axis."""
    ids = list(dict.fromkeys(w[0] for w in windows))
    if not ids:
        return _figure(width, height)
    extra = 0.35 + 0.22 * len(ids)
    fig = ResimFigure(figsize=(width, height + extra), layout="constrained")
    strip, ax = fig.subplots(2, 1, sharex=True, height_ratios=[extra, height])
    for i, ident in enumerate(ids):
        spans = [(start, end - start) for d, start, end in windows if d == ident]
        strip.broken_barh(spans, (i - 0.32, 0.64), facecolors=_DISRUPTION, gid=f"disruption:{ident}")
    strip.set_yticks(range(len(ids)), ids, fontsize=8)
    strip.set_ylim(len(ids) - 0.5, -0.5)
    strip.spines[["top", "right", "left"]].set_visible(False)
    strip.tick_params(left=False, labelbottom=False)
    strip.set_title(f"disruptions in replication {replication}", fontsize=8, loc="left", color=_DARK)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _title(fig: Figure, ax, text: str) -> None:
    """The title above everything: of the axes, or of the figure when a strip sits on top."""
    if len(fig.axes) > 1:
        fig.suptitle(text)
    else:
        ax.set_title(text)


def _strategy_order(*frames: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(s for f in frames if f is not None and "strategy" in f for s in f.strategy))


# -- 1. recovery timeline ------------------------------------------------------------------------

def recovery_timeline(timeseries: pd.DataFrame, replications: pd.DataFrame, events: pd.DataFrame | None,
                      failure_level: float = 0.9, recovery_level: float = 0.95, *, replication: int = 0,
                      colours: dict[str, str] | None = None) -> Figure:
    """The 7-day rolling fill rate of each strategy over the horizon (mean over replications, with
    its 5-95 % band; ``none`` dashed), over a strip of the disruption windows of replication
    ``replication`` (gid ``disruption:<id>``),
    the failure and recovery levels (``failure_level`` and ``recovery_level`` times the mean
    baseline) dashed, and each strategy's mean recovery point: a marker at day
    ``mean(onset_day) + mean(recovery_time_days)`` of its replications (gid ``recovery:<strategy>``),
    on its curve, hollow when some replications never recovered (censored at the horizon)."""
    if timeseries.empty:
        fig, ax = _figure(9.0, 5.0)
        _empty(ax, "no time series in the results")
        return fig
    horizon = float(timeseries.day.max()) + 1
    fig, ax = _with_strip(9.0, 5.0, _windows(events, replication, horizon), replication)
    palette = _colours_for(_strategy_order(timeseries, replications), colours)
    for strategy, rows in timeseries.groupby("strategy", sort=False):
        colour = palette[strategy]
        days, fill = rows.day.to_numpy(float), rows.fill_rate.to_numpy(float)
        if {"fill_rate_p05", "fill_rate_p95"} <= set(rows):
            ax.fill_between(days, rows.fill_rate_p05, rows.fill_rate_p95, color=colour, alpha=0.15, lw=0)
        if strategy == "none":  # the reference, dashed on top: strategies that do nothing show as such
            ax.plot(days, fill, color=colour, lw=1.3, ls=(0, (4, 2)), label=strategy, zorder=3)
        else:
            ax.plot(days, fill, color=colour, lw=1.6, label=strategy)
        mine = replications[replications.strategy == strategy]
        if mine.empty or "onset_day" not in mine or mine.onset_day.isna().all():
            continue
        x = float(mine.onset_day.mean() + mine.recovery_time_days.mean())
        if not np.isfinite(x):
            continue
        censored = "recovered" in mine and bool((mine.recovered < 1).any())
        ax.scatter([x], [float(np.interp(x, days, fill))], s=70, zorder=5, linewidths=1.8,
                   facecolors="white" if censored else colour, edgecolors=colour, gid=f"recovery:{strategy}")
    baseline = float(replications.baseline.mean()) if "baseline" in replications and \
        replications.baseline.notna().any() else 1.0
    ax.axhline(failure_level * baseline, color=_DARK, lw=1, ls="--", gid="failure_level")
    ax.axhline(recovery_level * baseline, color=_DARK, lw=1, ls=(0, (7, 2, 1.5, 2)), gid="recovery_level")
    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color=_DARK, lw=1, ls="--"), Line2D([], [], color=_DARK, lw=1, ls=(0, (7, 2, 1.5, 2))),
                Line2D([], [], ls="", marker="o", color=_DARK, markersize=7),
                Line2D([], [], ls="", marker="o", markerfacecolor="white", markeredgecolor=_DARK, markersize=7),
                Patch(color="#777777", alpha=0.25)]
    labels += [f"failure level ({failure_level:.0%} of baseline)",
               f"recovery level ({recovery_level:.0%} of baseline)",
               "mean recovery day", "mean recovery day, some never recovered",
               "5-95 % of replications"]
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("day")
    ax.set_ylabel("7-day fill rate (share of demand on time)")
    _title(fig, ax, "Service through the disruptions: when each strategy recovers")
    return fig


# -- 2. Pareto -----------------------------------------------------------------------------------

def _interval(summary: pd.DataFrame, strategy: str, metric: str, negate: bool = False) -> tuple[float, float]:
    rows = summary[(summary.strategy == strategy) & (summary.metric == metric)]
    if rows.empty:
        return np.nan, np.nan
    low, high = float(rows.ci_low.iloc[0]), float(rows.ci_high.iloc[0])
    return (-high, -low) if negate else (low, high)


def pareto(comparison_table: pd.DataFrame, summary: pd.DataFrame, *, cost: str = "net_cost",
           currency: str = "currency", colours: dict[str, str] | None = None) -> Figure:
    """Mean recovery time (x, days) against mean cost (y) of each strategy (gid ``point:<strategy>``),
    with confidence-interval whiskers on both from ``summary``; the Pareto front
    (``comparison_table.on_front``) as a dashed step line (gid ``pareto_front``); the recommended
    strategy larger and annotated.

    ``cost`` is ``"net_cost"`` (total cost minus revenue, the cost the front and the recommendation
    are computed on; its interval is that of profit, negated) or ``"cost_total"``."""
    if cost not in ("net_cost", "cost_total"):
        raise ValueError(f"cost must be 'net_cost' or 'cost_total', not {cost!r}")
    fig, ax = _figure(8.0, 5.0)
    table = comparison_table
    if table.empty:
        _empty(ax, "no strategies to compare")
        return fig
    palette = _colours_for(table.strategy, colours)
    xs, ys = table.recovery_time_days.to_numpy(float), table[cost].to_numpy(float)
    recommended = table.recommended.to_numpy(bool) if "recommended" in table else np.zeros(len(table), bool)
    for strategy, x, y, best in zip(table.strategy, xs, ys, recommended):
        x_ci = _interval(summary, strategy, "recovery_time_days")
        y_ci = _interval(summary, strategy, "profit", negate=True) if cost == "net_cost" \
            else _interval(summary, strategy, "cost_total")
        xerr = np.nan_to_num(np.array([[x - x_ci[0]], [x_ci[1] - x]])).clip(min=0)
        yerr = np.nan_to_num(np.array([[y - y_ci[0]], [y_ci[1] - y]])).clip(min=0)
        ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="none", ecolor=palette[strategy], alpha=0.6, lw=1.2,
                    capsize=3, zorder=2)
        ax.scatter([x], [y], s=220 if best else 70, color=palette[strategy], zorder=4,
                   edgecolors="black" if best else "white", linewidths=1.5 if best else 0.8,
                   gid=f"point:{strategy}")
    # one label per distinct point (strategies with identical means share it)
    groups: dict[tuple[float, float], list[str]] = {}
    for strategy, x, y in zip(table.strategy, xs, ys):
        groups.setdefault((round(x, 6), round(y, 6)), []).append(str(strategy))
    for (x, y), names in groups.items():
        ax.annotate(" = ".join(names), (x, y), xytext=(7, 5), textcoords="offset points", fontsize=8)
    ax.margins(0.12)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    on_front = table.on_front.to_numpy(bool) if "on_front" in table else np.zeros(len(table), bool)
    if on_front.any():
        order = np.argsort(xs[on_front], kind="stable")
        fx, fy = xs[on_front][order], ys[on_front][order]
        # down from the top to the fastest front point, then right and down through the others
        step_x = [fx[0], fx[0], *np.repeat(fx[1:], 2), xlim[1]]
        step_y = [ylim[1], fy[0], *[v for a, b in zip(fy[:-1], fy[1:]) for v in (a, b)], fy[-1]]
        ax.plot(step_x, step_y, color=_DARK, lw=1, ls="--", zorder=1, gid="pareto_front",
                label="Pareto front: no other strategy is both faster and cheaper")
    if recommended.any():
        i = int(np.flatnonzero(recommended)[0])
        ax.annotate("recommended", (xs[i], ys[i]), xytext=(18, -26), textcoords="offset points", fontsize=9,
                    fontweight="bold", arrowprops={"arrowstyle": "-", "color": _DARK, "lw": 0.8})
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.set_xlabel("mean recovery time (days after onset)")
    ax.set_ylabel(f"mean net cost = total cost - revenue ({currency})" if cost == "net_cost"
                  else f"mean total cost ({currency})")
    ax.set_title("Recovery time against cost: which strategies are worth it")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=_DARK, lw=1.2, marker="|", markersize=8))
    labels.append("whiskers: confidence interval over replications")
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="best")
    return fig


# -- 3. cost breakdown ---------------------------------------------------------------------------

def cost_breakdown(costs: pd.DataFrame, *, summary: pd.DataFrame | None = None,
                   currency: str = "currency") -> Figure:
    """Mean cost of each strategy as a bar stacked by cost component (gid
    ``cost:<strategy>:<component>``); components that are zero for every strategy are left out.
    With ``summary``, the confidence interval of the total cost as a whisker on each bar."""
    fig, ax = _figure(8.5, 5.0)
    if costs.empty:
        _empty(ax, "no costs in the results")
        return fig
    strategies = _strategy_order(costs)
    components = list(dict.fromkeys(costs.component))
    means = costs.pivot_table(index="strategy", columns="component", values="mean", aggfunc="sum")
    means = means.reindex(index=strategies, columns=components).fillna(0.0)
    means = means.loc[:, (means.abs() > 0).any(axis=0)]
    x = np.arange(len(strategies))
    up, down = np.zeros(len(x)), np.zeros(len(x))
    spare = iter(PALETTE)
    for component in means.columns:
        values = means[component].to_numpy(float)
        bottom = np.where(values >= 0, up, down)
        colour = COMPONENT_COLOURS.get(component) or next(spare, _GREY)
        bars = ax.bar(x, values, bottom=bottom, width=0.65, color=colour, edgecolor="white", linewidth=0.5,
                      label=component.replace("_", " "))
        for strategy, patch in zip(strategies, bars.patches):
            patch.set_gid(f"cost:{strategy}:{component}")
        up += np.where(values >= 0, values, 0)
        down += np.where(values < 0, values, 0)
    totals = means.sum(axis=1).to_numpy(float)
    tops = np.maximum(up, totals)
    if summary is not None:
        for i, strategy in enumerate(strategies):
            low, high = _interval(summary, strategy, "cost_total")
            if np.isfinite(low) and np.isfinite(high):
                ax.errorbar([i], [totals[i]], yerr=[[max(totals[i] - low, 0)], [max(high - totals[i], 0)]],
                            fmt="none", ecolor="black", capsize=4, lw=1)
                tops[i] = max(tops[i], high)
    for i, total in enumerate(totals):
        ax.annotate(_money(total), (i, tops[i]), xytext=(0, 4), textcoords="offset points",
                    ha="center", fontsize=8)
    ax.set_xticks(x, strategies, rotation=20 if max(map(len, strategies)) > 8 else 0, ha="right"
                  if max(map(len, strategies)) > 8 else "center")
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.set_ylabel(f"cost ({currency})")
    ax.set_title("What each strategy costs, by component" +
                 (" (whisker: interval of the total)" if summary is not None else ""))
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], frameon=False, fontsize=8, loc="upper left",
              bbox_to_anchor=(1.0, 1.0), title="component", title_fontsize=8)
    return fig


# -- 4. orchestration Gantt chart ----------------------------------------------------------------

def orchestration_gantt(orchestrations: pd.DataFrame, replication: int = 0, *,
                        events: pd.DataFrame | None = None, horizon: float | None = None) -> Figure:
    """The actions of one replication, one row each (strategy, kind when it differs from the
    strategy's name, source -> destination, part; evaluation rows excluded): a bar from its start
    (the qualified day of a MaaS agreement, the activation day of circular supply) to its end,
    coloured by kind (gid ``action``); declined requests and needs without a candidate as an x
    (gid ``not_agreed``) with the reason beside it. Under each label: status, rate, unit cost and,
    for an agreement, its evaluation (received, rejected, late, cost).

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
    fig, ax = _with_strip(11.0, height, windows, replication)
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
        if row.kind == "buffer":
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
        names.append("not agreed\n(declined or no candidate)")
    ax.legend(handles, names, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


# -- 5. critical inventory -----------------------------------------------------------------------

def critical_inventory(inventory: pd.DataFrame, *, events: pd.DataFrame | None = None, replication: int = 0,
                       colours: dict[str, str] | None = None) -> Figure:
    """Small multiples, one panel per critical part: units on hand at the focal nodes over the
    days (mean over replications) per strategy (``none`` dashed); with ``on_hand_p05`` and
    ``on_hand_p95`` columns, their band; with ``events``, the onsets of the disruptions of
    replication ``replication`` as dotted lines."""
    parts = list(dict.fromkeys(inventory.part)) if not inventory.empty else []
    if not parts:
        fig, ax = _figure()
        _empty(ax, "no critical parts held at focal nodes")
        return fig
    ncols = min(3, len(parts))
    nrows = -(-len(parts) // ncols)
    fig = ResimFigure(figsize=(3.4 * ncols + 1.8, 2.6 * nrows + 0.7), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    palette = _colours_for(inventory.strategy, colours)
    horizon = float(inventory.day.max()) + 1
    onsets = sorted({start for _, start, _ in _windows(events, replication, horizon)})
    for ax, part in zip(axes, parts):
        ax.spines[["top", "right"]].set_visible(False)
        for day in onsets:
            ax.axvline(day, color=_DISRUPTION, lw=0.8, ls=":", zorder=0)
        mine = inventory[inventory.part == part]
        for strategy, rows in mine.groupby("strategy", sort=False):
            colour = palette[strategy]
            if {"on_hand_p05", "on_hand_p95"} <= set(rows):
                ax.fill_between(rows.day, rows.on_hand_p05, rows.on_hand_p95, color=colour, alpha=0.15, lw=0)
            if strategy == "none":
                ax.plot(rows.day, rows.on_hand, color=colour, lw=1.1, ls=(0, (4, 2)), label=strategy, zorder=3)
            else:
                ax.plot(rows.day, rows.on_hand, color=colour, lw=1.3, label=strategy)
        if not (mine.on_hand.abs() > 0).any():
            ax.text(0.5, 0.5, "none held at focal nodes", ha="center", va="center", fontsize=8,
                    color=_DARK, transform=ax.transAxes)
        ax.set_title(str(part), fontsize=10)
        ax.set_xlim(0, horizon)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(_money))
        ax.set_ylabel("units on hand")
        ax.set_xlabel("day")
        ax.tick_params(labelbottom=True)
    for ax in axes[len(parts):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    if onsets:
        handles.append(Line2D([], [], color=_DISRUPTION, lw=0.8, ls=":"))
        labels.append(f"disruption onsets\n(replication {replication})")
    fig.legend(handles, labels, frameon=False, fontsize=8, loc="outside right upper")
    fig.suptitle("Stock of critical parts at focal nodes: which strategies run dry")
    return fig


# -- 6. value-chain map --------------------------------------------------------------------------

def _has_coordinates(data: dict) -> bool:
    lat, lon = data.get("lat"), data.get("lon")
    return lat is not None and lon is not None and np.isfinite(lat) and np.isfinite(lon)


def _columns(graph: nx.DiGraph) -> dict[str, int]:
    """Column of each node: -tier for suppliers, 0 for plants, distance from the plants for DCs,
    markets in the last column; reman and MaaS nodes one left of their customers."""
    from resim.valuechain import tiers

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
    ``replication`` (:func:`resim.strategies.orchestrated_chain`): its MaaS providers (agreements
    accepted or countered) in orange, their lanes dashed."""
    if layout not in ("auto", "tiers", "geo"):
        raise ValueError(f"layout must be 'auto', 'tiers' or 'geo', not {layout!r}")
    if orchestrations is not None and strategy is not None:
        from resim.strategies import orchestrated_chain

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
    for u, v, d in graph.edges(data=True):
        if kind.get(u) == "maas":
            maas.append((u, v))
        elif kind.get(u) == "reman":
            (reman_on if d.get("orchestrated") else reman).append((u, v))
        else:
            plain.append((u, v))
    edge_style = {"arrows": True, "arrowstyle": "-|>", "arrowsize": 10, "node_size": size, "ax": ax}
    nx.draw_networkx_edges(graph, pos, edgelist=plain, edge_color=_GREY, width=1.0, **edge_style)
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
    for n, (x, y) in pos.items():
        ax.annotate(str(n), (x, y), xytext=(0, -13), textcoords="offset points", ha="center", va="top",
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
