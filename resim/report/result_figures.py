"""Figures of a run's results (R2): planners compare response strategies from them.

Each function takes tables of :class:`resim.experiment.results.Results` (pandas DataFrames) and returns a
``matplotlib.figure.Figure`` built with the object-oriented API (no pyplot state, no I/O), in the
style of :mod:`resim.report.figures`: Okabe-Ito colours, units on every axis, a title naming what the
figure answers, uncertainty shown where the tables carry it.

Every number drawn is one a statistician can defend (issue 16): recovery times are right-censored
at the horizon, so they are shown as Kaplan–Meier medians and shares recovered
(:mod:`resim.core.survival`) or as the mean restricted to the follow-up, never as the plain mean of
censored values; comparisons with ``none`` are paired differences in the same replication
(common random numbers). Money words: ``cost_total`` (what the firm pays), ``revenue``, ``profit``
(revenue − cost_total), ``cost_response`` (cost_total minus none's in the same replication).

| function | answers |
| --- | --- |
| :func:`recovery_timeline` | how deep does service fall, and by which day has the median replication recovered? |
| :func:`recovery_share` | what share of replications has recovered, n days after the onset? |
| :func:`pareto` | which strategies are worth it: restricted mean time to recover against mean profit |
| :func:`cost_breakdown` | what each response adds or saves relative to doing nothing, and where |
| :func:`orchestration_gantt` | who supplies what, from when to when, in one replication |
| :func:`critical_inventory` | which strategies run out of critical parts, and when |
| :func:`value_chain_map` | the value chain, what was hit, and how a strategy re-orchestrated it |

A strategy has the same colour in every figure (:func:`strategy_colours`), provided the figures
are given the strategies in the same order (the tables of one run are), or the same ``colours``.

Artists that tests and callers may look up carry a ``gid``:

* ``recovery:<strategy>``: the Kaplan–Meier median recovery day of a strategy (a one-point
  ``PathCollection`` in the strip under the day axis; absent when the median is not reached within
  the horizon), ``recovery_interval:<strategy>``: its interval, ``failure_level`` and
  ``recovery_level``: the threshold lines, ``disruption:<id>``: the windows of a disruption in the
  strip above a day axis;
* ``recovered:<strategy>``: the step curve of :func:`recovery_share` (a ``Line2D``);
* ``point:<strategy>`` and ``pareto_front``: the points and the front of :func:`pareto`;
* ``cost:<strategy>:<component>``: a bar segment of :func:`cost_breakdown` (component
  ``lost_revenue`` for the revenue segment), ``total:<strategy>``: its marker of the change in
  profit loss (a one-point ``PathCollection``);
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
from matplotlib.ticker import FuncFormatter, PercentFormatter

from resim.report.figures import PALETTE, ResimFigure, _figure
from resim.sim.ledger import COST_COMPONENTS
from resim.core.survival import km_quantile, recovered_by

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["COMPONENT_COLOURS", "KIND_COLOURS", "NODE_STYLES", "strategy_colours", "recovery_timeline",
           "recovery_share", "pareto", "cost_breakdown", "orchestration_gantt", "critical_inventory",
           "value_chain_map"]

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
_NOT_AGREED = ("declined", "no candidate", "destination down")


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


def _plain(value: float) -> str:
    """Four significant digits (more for a large integer part), thousands separated, no e-notation."""
    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else ""
    decimals = max(0, 3 - int(np.floor(np.log10(abs(value)))))
    text = f"{value:,.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace("-", "\u2212")  # a true minus, as on matplotlib's own ticks


def _money(value: float, _pos=None) -> str:
    """An amount in plain digits with a k / M / bn suffix, never in e-notation."""
    size = abs(value)
    for limit, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if size >= limit:
            return _plain(value / limit) + suffix
    return _plain(value)


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


def _with_strips(width: float, height: float, windows: list[tuple[str, float, float]],
                 replication: int, below: int = 0) -> tuple[Figure, object, object]:
    """A figure with its main axes, under a strip of the disruption windows (one row per
    disruption id, bars from start to end, gid ``disruption:<id>``) sharing its day axis, and,
    with ``below`` > 0, over an axes of ``below`` rows sharing it too (returned third, else None)."""
    ids = list(dict.fromkeys(w[0] for w in windows))
    if not ids and not below:
        fig, ax = _figure(width, height)
        return fig, ax, None
    extra = 0.35 + 0.22 * len(ids) if ids else 0.0
    under = 0.45 + 0.24 * below if below else 0.0
    fig = ResimFigure(figsize=(width, height + extra + under), layout="constrained")
    ratios = [r for r in (extra, height, under) if r]
    axes = list(fig.subplots(len(ratios), 1, sharex=True, height_ratios=ratios))
    strip = axes.pop(0) if ids else None
    ax = axes.pop(0)
    bottom = axes.pop(0) if below else None
    if strip is not None:
        for i, ident in enumerate(ids):
            spans = [(start, end - start) for d, start, end in windows if d == ident]
            strip.broken_barh(spans, (i - 0.32, 0.64), facecolors=_DISRUPTION, gid=f"disruption:{ident}")
        strip.set_yticks(range(len(ids)), ids, fontsize=8)
        strip.set_ylim(len(ids) - 0.5, -0.5)
        strip.spines[["top", "right", "left"]].set_visible(False)
        strip.tick_params(left=False, labelbottom=False)
        strip.set_title(f"disruptions in replication {replication}", fontsize=8, loc="left", color=_DARK)
    ax.spines[["top", "right"]].set_visible(False)
    if bottom is not None:
        bottom.set_ylim(below - 0.5, -0.5)
        bottom.spines[["top", "right", "left"]].set_visible(False)
        bottom.tick_params(left=False)
        ax.tick_params(labelbottom=False)
    return fig, ax, bottom


def _title(fig: Figure, ax, text: str) -> None:
    """The title above everything: of the axes, or of the figure when a strip sits on top."""
    if len(fig.axes) > 1:
        fig.suptitle(text)
    else:
        ax.set_title(text)


def _strategy_order(*frames: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(s for f in frames if f is not None and "strategy" in f for s in f.strategy))


def _names(names: Sequence[str], width: int = 40) -> str:
    return textwrap.fill(", ".join(names), width)


# -- 1. recovery timeline ------------------------------------------------------------------------

def _median_recovery_day(rows: pd.DataFrame, confidence: float = 0.95):
    """Kaplan–Meier median (with interval) of the day of recovery, ``onset_day +
    recovery_time_days`` (censored at the horizon where ``recovered`` is 0), over the replications
    with an onset; with ``onset_day`` the same in every replication, that onset plus the median
    time to recover of summary.csv. None without a replication with an onset."""
    rows = rows[rows.onset_day.notna() & rows.recovery_time_days.notna()]
    if rows.empty:
        return None
    ended = rows.recovered.to_numpy(float) if "recovered" in rows else np.ones(len(rows))
    return km_quantile(rows.onset_day.to_numpy(float) + rows.recovery_time_days.to_numpy(float), ended, 0.5,
                       confidence)


def recovery_timeline(timeseries: pd.DataFrame, replications: pd.DataFrame, events: pd.DataFrame | None,
                      failure_level: float = 0.9, recovery_level: float = 0.95, *, replication: int = 0,
                      colours: dict[str, str] | None = None, confidence: float = 0.95) -> Figure:
    """The 7-day rolling fill rate of each strategy over the horizon (mean over replications, with
    its 5-95 % band; ``none`` dashed), over a strip of the disruption windows of replication
    ``replication`` (gid ``disruption:<id>``), with the failure and recovery levels
    (``failure_level`` and ``recovery_level`` times the mean baseline) dashed.

    Under the day axis, one row per strategy: the day by which half of its replications had
    recovered, the Kaplan–Meier median of ``onset_day + recovery_time_days`` with recovery
    censored at the horizon (``recovered`` 0), as a marker (gid ``recovery:<strategy>``) with its
    ``confidence`` interval (gid ``recovery_interval:<strategy>``; an arrow where it runs past the
    horizon). With one onset day, the marker sits at onset + the median of summary.csv. It is not
    drawn on the mean curve: the mean of bimodal, censored replications describes none of them.
    Where fewer than half recovered within the horizon the median is not reached: no marker, the
    row and the legend say so. A median at the onset means at least half the replications never
    fell below the failure level; the row says that too. Replications without an onset (no
    disruption) have no recovery day and are left out of the medians."""
    if timeseries.empty:
        fig, ax = _figure(9.0, 5.0)
        _empty(ax, "no time series in the results")
        return fig
    horizon = float(timeseries.day.max()) + 1
    strategies = _strategy_order(timeseries, replications)
    palette = _colours_for(strategies, colours)
    medians = {}
    if {"onset_day", "recovery_time_days"} <= set(replications):
        for strategy in strategies:
            found = _median_recovery_day(replications[replications.strategy == strategy], confidence)
            if found is not None:
                medians[strategy] = found
    fig, ax, rows_ax = _with_strips(9.0, 5.0, _windows(events, replication, horizon), replication,
                                    below=len(medians))
    for strategy, rows in timeseries.groupby("strategy", sort=False):
        colour = palette[strategy]
        days, fill = rows.day.to_numpy(float), rows.fill_rate.to_numpy(float)
        if {"fill_rate_p05", "fill_rate_p95"} <= set(rows):
            ax.fill_between(days, rows.fill_rate_p05, rows.fill_rate_p95, color=colour, alpha=0.15, lw=0)
        if strategy == "none":  # the reference, dashed on top: strategies that do nothing show as such
            ax.plot(days, fill, color=colour, lw=1.3, ls=(0, (4, 2)), label=strategy, zorder=3)
        else:
            ax.plot(days, fill, color=colour, lw=1.6, label=strategy)
    not_reached = []
    for level, (strategy, found) in enumerate(medians.items()):
        colour = palette[strategy]
        mine = replications[(replications.strategy == strategy) & replications.onset_day.notna()]
        if not np.isfinite(found.estimate):
            not_reached.append(strategy)
            share = float(mine.recovered.mean()) if "recovered" in mine else 1.0
            note = f"not reached by day {horizon:g} ({share * 100:.0f} % recovered)"
        else:
            low = found.low if np.isfinite(found.low) else found.estimate
            open_end = not np.isfinite(found.high)
            high = horizon if open_end else min(found.high, horizon)
            rows_ax.plot([low, high], [level, level], color=colour, lw=2.2, alpha=0.5, solid_capstyle="butt",
                         gid=f"recovery_interval:{strategy}")
            if open_end:
                rows_ax.plot([high], [level], ls="", marker=">", color=colour, alpha=0.5, markersize=5,
                             clip_on=False)
            rows_ax.scatter([found.estimate], [level], s=55, marker="D", color=colour, edgecolors="white",
                            linewidths=0.8, zorder=4, gid=f"recovery:{strategy}")
            span = f"{low:g}–{high:g}" + ("+" if open_end else "")
            note = f"day {found.estimate:g} ({span})"
            if found.estimate <= float(mine.onset_day.min()) and mine.recovery_time_days.median() == 0:
                note += ": the onset; half or more\nnever fell below the failure level"
        rows_ax.annotate(note, (1.0, level), xycoords=("axes fraction", "data"), xytext=(8, 0),
                         textcoords="offset points", va="center", fontsize=7.5, color=_DARK, linespacing=0.95)
    baseline = float(replications.baseline.mean()) if "baseline" in replications and \
        replications.baseline.notna().any() else 1.0
    ax.axhline(failure_level * baseline, color=_DARK, lw=1, ls="--", gid="failure_level")
    ax.axhline(recovery_level * baseline, color=_DARK, lw=1, ls=(0, (7, 2, 1.5, 2)), gid="recovery_level")
    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color=_DARK, lw=1, ls="--"), Line2D([], [], color=_DARK, lw=1, ls=(0, (7, 2, 1.5, 2))),
                Patch(color="#777777", alpha=0.25)]
    labels += [f"failure level ({failure_level:.0%} of baseline)",
               f"recovery level ({recovery_level:.0%} of baseline)",
               "5-95 % of replications"]
    if medians:
        handles.append(Line2D([], [], color=_DARK, lw=2, alpha=0.55, marker="D", markersize=6,
                              markerfacecolor=_DARK, markeredgecolor="white"))
        labels.append(f"below: day by which half the\nreplications recovered (Kaplan–\nMeier median), "
                      f"line: {confidence:.0%} interval;\nright: median (interval)")
    if not_reached:
        handles.append(Line2D([], [], ls="", marker=""))
        labels.append(f"median not reached by day {horizon:g}:\n{_names(not_reached, 32)}")
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("7-day fill rate (share of demand on time)")
    if rows_ax is not None:
        rows_ax.set_yticks(range(len(medians)), list(medians), fontsize=8)
        for tick, strategy in zip(rows_ax.get_yticklabels(), medians):
            tick.set_color(palette[strategy])
        rows_ax.set_title("median recovery day", fontsize=8, loc="left", color=_DARK)
        rows_ax.set_xlabel("day")
    else:
        ax.set_xlabel("day")
    _title(fig, ax, "Service through the disruptions: by which day each strategy has recovered")
    return fig


# -- 2. share recovered --------------------------------------------------------------------------

def recovery_share(replications: pd.DataFrame, colours: dict[str, str] | None = None) -> Figure:
    """The share of replications recovered by day ``t`` after the onset, one step curve per
    strategy (gid ``recovered:<strategy>``, ``none`` dashed): the Kaplan–Meier estimate
    ``1 − S(t)`` of ``recovery_time_days`` with ``recovered`` 0 as censored at the follow-up
    (:func:`resim.core.survival.recovered_by`), from day 0 to the strategy's longest follow-up; with
    every replication followed to the horizon, simply the share recovered by ``t``. Each curve
    starts at day 0 at the share of replications that never fell below the failure level (their
    recovery time is 0), and its final level is labelled at its end and in the legend."""
    fig, ax = _figure(9.0, 5.0)
    needed = {"strategy", "recovery_time_days"}
    if replications.empty or not needed <= set(replications):
        _empty(ax, "no recovery times in the results")
        return fig
    strategies = _strategy_order(replications)
    palette = _colours_for(strategies, colours)
    follow = replications.follow_up_days if "follow_up_days" in replications else replications.recovery_time_days
    longest = float(np.nanmax(np.r_[follow.to_numpy(float), replications.recovery_time_days.to_numpy(float), 1.0]))
    ends: list[tuple[float, float, str]] = []
    for strategy in strategies:
        rows = replications[(replications.strategy == strategy) & replications.recovery_time_days.notna()]
        if rows.empty:
            continue
        times = rows.recovery_time_days.to_numpy(float)
        ended = rows.recovered.to_numpy(float) if "recovered" in rows else np.ones(len(rows))
        last = float(np.nanmax(np.r_[times, rows.follow_up_days.to_numpy(float)])) \
            if "follow_up_days" in rows else float(times.max())
        days = np.unique(np.r_[0.0, times[times <= last], last])
        share = recovered_by(times, ended, days)
        final = float(share[-1])
        dashed = strategy == "none"
        ax.plot(days, share, drawstyle="steps-post", color=palette[strategy], lw=1.3 if dashed else 1.8,
                ls=(0, (4, 2)) if dashed else "-", zorder=3 if dashed else 2, gid=f"recovered:{strategy}",
                label=f"{strategy}: {final * 100:.0f} % by the horizon")
        ends.append((last, final, strategy))
    # the final levels at the curves' ends; equal levels share a label, close ones are spread apart
    groups: dict[int, list[tuple[float, str]]] = {}
    for last, final, strategy in ends:
        groups.setdefault(round(final * 100), []).append((last, strategy))
    placed = []
    for percent in sorted(groups, reverse=True):
        y = percent / 100
        if placed and placed[-1] - y < 0.045:
            y = placed[-1] - 0.045
        placed.append(y)
        members = groups[percent]
        colour = palette[members[0][1]] if len(members) == 1 else _DARK
        moved = abs(y - percent / 100) > 0.01
        ax.annotate(f"{percent} %", (max(m[0] for m in members), percent / 100), xytext=(longest * 1.015, y),
                    textcoords="data", va="center", fontsize=8, color=colour, annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": _GREY, "lw": 0.5} if moved else None)
    ax.set_xlim(0, longest)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("days after the disruption onset")
    ax.set_ylabel("replications recovered (Kaplan–Meier)")
    ax.set_title("Share of replications recovered by each day after the onset")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], ls="", marker=""))
    labels.append("each curve starts at day 0 at the\nshare that never fell below the\nfailure level; "
                  "not recovered by\nthe horizon: censored there")
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.06, 1.0))
    return fig


# -- 3. Pareto -----------------------------------------------------------------------------------

def _interval(summary: pd.DataFrame | None, strategy: str, metric: str, negate: bool = False) -> tuple[float, float]:
    if summary is None or summary.empty:
        return np.nan, np.nan
    rows = summary[(summary.strategy == strategy) & (summary.metric == metric)]
    if rows.empty:
        return np.nan, np.nan
    low, high = float(rows.ci_low.iloc[0]), float(rows.ci_high.iloc[0])
    return (-high, -low) if negate else (low, high)


def pareto(comparison_table: pd.DataFrame, summary: pd.DataFrame | None = None, *, currency: str = "currency",
           colours: dict[str, str] | None = None) -> Figure:
    """Restricted mean time to recover (x, ``recovery_restricted_mean_days``: the mean of
    min(time, τ), so replications censored at the horizon count with what was observed) against
    mean ``profit`` (y) of each strategy (gid ``point:<strategy>``), with the intervals of
    summary.csv's ``recovery_time_days`` and ``profit`` as whiskers; the Pareto front (the
    ``on_front`` strategies: no other strategy recovers sooner and earns more) as a dashed
    staircase bounding what they dominate (gid ``pareto_front``); the recommended strategy larger
    and annotated. Better is left (sooner) and up (more profit)."""
    fig, ax = _figure(8.5, 5.0)
    table = comparison_table
    if table.empty:
        _empty(ax, "no strategies to compare")
        return fig
    palette = _colours_for(table.strategy, colours)
    xs, ys = table.recovery_restricted_mean_days.to_numpy(float), table.profit.to_numpy(float)
    recommended = table.recommended.to_numpy(bool) if "recommended" in table else np.zeros(len(table), bool)
    for strategy, x, y, best in zip(table.strategy, xs, ys, recommended):
        x_ci = _interval(summary, strategy, "recovery_time_days")
        y_ci = _interval(summary, strategy, "profit")
        xerr = np.array([[x - x_ci[0]], [x_ci[1] - x]]).clip(min=0) if np.isfinite(x_ci).all() else None
        yerr = np.array([[y - y_ci[0]], [y_ci[1] - y]]).clip(min=0) if np.isfinite(y_ci).all() else None
        if xerr is not None or yerr is not None:  # no whisker where the summary has no interval
            ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="none", ecolor=palette[strategy], alpha=0.6,
                        lw=1.2, capsize=3, zorder=2)
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
        order = np.lexsort((ys[on_front], xs[on_front]))
        fx, fy = xs[on_front][order], ys[on_front][order]
        # up from the bottom edge to the fastest front point, then right and up through the others:
        # everything below and right of the staircase is dominated
        step_x = [fx[0], fx[0], *np.repeat(fx[1:], 2), xlim[1]]
        step_y = [ylim[0], fy[0], *[v for a, b in zip(fy[:-1], fy[1:]) for v in (a, b)], fy[-1]]
        ax.plot(step_x, step_y, color=_DARK, lw=1, ls="--", zorder=1, gid="pareto_front",
                label="Pareto front: no other strategy\nrecovers sooner and earns more")
    if recommended.any():
        i = int(np.flatnonzero(recommended)[0])
        ax.annotate("recommended", (xs[i], ys[i]), xytext=(18, -26), textcoords="offset points", fontsize=9,
                    fontweight="bold", arrowprops={"arrowstyle": "-", "color": _DARK, "lw": 0.8})
    ax.set_xlim(max(xlim[0], -0.03 * xlim[1]), xlim[1])  # no room for days before the onset
    ax.set_ylim(ylim)
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.set_xlabel("restricted mean time to recover, days after onset (← better)")
    ax.set_ylabel(f"mean profit, {currency} (better ↑)")
    ax.set_title("Time to recover against profit: which strategies are worth it")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=_DARK, lw=1.2, marker="|", markersize=8))
    labels.append("whiskers: confidence intervals\nover replications")
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


# -- 4. cost breakdown ---------------------------------------------------------------------------

def _cost_columns(replications: pd.DataFrame) -> list[str]:
    """The cost components with a ``cost_<component>`` column, the ledger's first."""
    known = [c for c in COST_COMPONENTS if f"cost_{c}" in replications]
    extra = [c.removeprefix("cost_") for c in replications.columns if c.startswith("cost_")
             and c not in ("cost_total", "cost_response") and c.removeprefix("cost_") not in known]
    return known + extra


def _stack(ax, x: np.ndarray, table: pd.DataFrame, strategies: list[str], styles: dict[str, dict]) -> np.ndarray:
    """Bars of ``table`` (rows: strategies, columns: segments) stacked up from 0 for positive
    values and down for negative ones (gid ``cost:<strategy>:<segment>``); the top of each stack."""
    up, down = np.zeros(len(x)), np.zeros(len(x))
    spare = iter(PALETTE)
    for segment in table.columns:
        values = table[segment].to_numpy(float)
        bottom = np.where(values >= 0, up, down)
        style = styles.get(segment) or {"color": COMPONENT_COLOURS.get(segment) or next(spare, _GREY),
                                         "edgecolor": "white", "linewidth": 0.5}
        bars = ax.bar(x, values, bottom=bottom, width=0.62, label=segment.replace("_", " "), **style)
        for strategy, patch in zip(strategies, bars.patches):
            patch.set_gid(f"cost:{strategy}:{segment}")
        up += np.where(values >= 0, values, 0)
        down += np.where(values < 0, values, 0)
    return up


def _strategy_ticks(ax, x: np.ndarray, strategies: list[str]) -> None:
    long = max(map(len, strategies)) > 8
    ax.set_xticks(x, strategies, rotation=20 if long else 0, ha="right" if long else "center")


def cost_breakdown(replications: pd.DataFrame, differences: pd.DataFrame | None = None, *,
                   summary: pd.DataFrame | None = None, currency: str = "currency") -> Figure:
    """What each response adds or saves relative to doing nothing, one stacked bar per strategy
    other than ``none``: per cost component the mean paired difference ``cost_<c>`` minus none's
    in the same replication (common random numbers), positive segments stacked up from zero and
    negative ones (savings) down (gid ``cost:<strategy>:<component>``; components that never
    differ from none's are left out), and ``lost_revenue``, the mean of none's revenue minus the
    strategy's (revenue a response wins back is negative: a saving). The segments add up to
    ``−mean Δprofit``, the change in profit loss, drawn as a marker (gid ``total:<strategy>``)
    with its interval from ``differences`` (Comparison.differences, metric ``profit``; without
    it, the marker alone, from the replications).

    Without a ``none`` strategy there is nothing to pair with: then each strategy's mean cost
    (costs.csv's ``estimate``) as a bar stacked by component, with, given ``summary``, the
    interval of ``cost_total`` as a whisker."""
    fig, ax = _figure(9.0, 5.0)
    components = _cost_columns(replications) if not replications.empty else []
    if not components:
        _empty(ax, "no costs in the results")
        return fig
    strategies = _strategy_order(replications)
    if "none" not in strategies or len(strategies) < 2:
        return _absolute_costs(fig, ax, replications, components, strategies, summary, currency)
    others = [s for s in strategies if s != "none"]
    base = replications[replications.strategy == "none"].set_index("replication")
    deltas, totals = {}, {}
    for strategy in others:
        mine = replications[replications.strategy == strategy].set_index("replication")
        common = mine.index.intersection(base.index)
        row = {c: float((mine.loc[common, f"cost_{c}"] - base.loc[common, f"cost_{c}"]).mean()) for c in components}
        if "revenue" in replications:
            row["lost_revenue"] = float((base.loc[common, "revenue"] - mine.loc[common, "revenue"]).mean())
        deltas[strategy] = row
        if "profit" in replications:
            totals[strategy] = -float((mine.loc[common, "profit"] - base.loc[common, "profit"]).mean())
        else:
            totals[strategy] = sum(row.values())
    table = pd.DataFrame.from_dict(deltas, orient="index").reindex(others)
    scale = max(float(table.abs().to_numpy().max()), 1.0)
    table = table.loc[:, (table.abs() > 1e-9 * scale).any(axis=0)]
    x = np.arange(len(others))
    styles = {"lost_revenue": {"color": "#EEEEEE", "edgecolor": _DARK, "hatch": "////", "linewidth": 0.5}}
    _stack(ax, x, table, others, styles)
    ax.axhline(0, color="black", lw=0.8, zorder=1)
    intervals = {}
    if differences is not None and not differences.empty:
        for strategy in others:
            rows = differences[(differences.strategy == strategy) & (differences.metric == "profit")]
            if not rows.empty:
                row = rows.iloc[0]
                totals[strategy] = -float(row.estimate)
                intervals[strategy] = (-float(row.ci_high), -float(row.ci_low))
    for i, strategy in enumerate(others):
        total = totals[strategy]
        low, high = intervals.get(strategy, (np.nan, np.nan))
        if np.isfinite(low) and np.isfinite(high):
            ax.errorbar([i], [total], yerr=[[max(total - low, 0)], [max(high - total, 0)]], fmt="none",
                        ecolor="black", capsize=5, lw=1.2, zorder=5)
        ax.scatter([i], [total], marker="D", s=48, color="black", edgecolors="white", linewidths=0.8, zorder=6,
                   gid=f"total:{strategy}")
        text = "same as none" if not table.loc[strategy].abs().gt(0).any() and total == 0 else _money(total)
        ax.annotate(text, (i, total), xytext=(9, 0), textcoords="offset points", va="center", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}, zorder=7)
    _strategy_ticks(ax, x, others)
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.set_ylabel(f"mean paired difference from none, {currency}\n(+ costs more, − saves)")
    ax.set_title("What each response adds or saves relative to doing nothing (same replications)")
    handles, labels = ax.get_legend_handles_labels()
    handles, labels = handles[::-1], [("lost revenue\n(none's revenue − the strategy's)" if lab == "lost revenue"
                                       else lab) for lab in labels[::-1]]
    marker = Line2D([], [], ls="-", color="black", lw=1.2, marker="D", markersize=6, markeredgecolor="white")
    handles.insert(0, marker)
    labels.insert(0, "total: change in profit loss\n= −Δprofit" + (", with its interval" if intervals else ""))
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _absolute_costs(fig, ax, replications: pd.DataFrame, components: list[str], strategies: list[str],
                    summary: pd.DataFrame | None, currency: str) -> Figure:
    """The fallback of :func:`cost_breakdown`: each strategy's mean cost stacked by component."""
    means = replications.groupby("strategy", sort=False)[[f"cost_{c}" for c in components]].mean()
    means = means.reindex(strategies).rename(columns=lambda c: c.removeprefix("cost_")).fillna(0.0)
    means = means.loc[:, (means.abs() > 0).any(axis=0)]
    x = np.arange(len(strategies))
    tops = _stack(ax, x, means, strategies, {})
    totals = means.sum(axis=1).to_numpy(float)
    tops = np.maximum(tops, totals)
    for i, strategy in enumerate(strategies):
        low, high = _interval(summary, strategy, "cost_total")
        if np.isfinite(low) and np.isfinite(high):
            ax.errorbar([i], [totals[i]], yerr=[[max(totals[i] - low, 0)], [max(high - totals[i], 0)]],
                        fmt="none", ecolor="black", capsize=4, lw=1)
            tops[i] = max(tops[i], high)
    for i, total in enumerate(totals):
        ax.annotate(_money(total), (i, tops[i]), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8)
    _strategy_ticks(ax, x, strategies)
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.set_ylabel(f"mean cost_total, {currency}")
    ax.set_title("What each strategy costs, by component" +
                 (" (whisker: interval of cost_total)" if summary is not None else ""))
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], frameon=False, fontsize=8, loc="upper left",
              bbox_to_anchor=(1.0, 1.0), title="component", title_fontsize=8)
    return fig


# -- 5. orchestration Gantt chart ----------------------------------------------------------------

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
        names.append("not agreed\n(declined, no candidate\nor destination down)")
    ax.legend(handles, names, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


# -- 6. critical inventory -----------------------------------------------------------------------

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


# -- 7. value-chain map --------------------------------------------------------------------------

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
    ``replication`` (:func:`resim.sim.strategies.orchestrated_chain`): its MaaS providers (agreements
    accepted or countered) in orange, their lanes dashed, each labelled by its offering id."""
    if layout not in ("auto", "tiers", "geo"):
        raise ValueError(f"layout must be 'auto', 'tiers' or 'geo', not {layout!r}")
    if orchestrations is not None and strategy is not None:
        from resim.sim.strategies import orchestrated_chain

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
