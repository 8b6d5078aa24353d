"""Figures of service and recovery (R2): how deep service falls under each strategy and when it
comes back.

Recovery times are right-censored at the horizon, so they are shown as Kaplan–Meier medians and
shares recovered (:mod:`resim.core.survival`), never as the plain mean of censored values.

| function | answers |
| --- | --- |
| :func:`recovery_timeline` | how deep does service fall, and by which day has the median replication recovered? |
| :func:`recovery_share` | what share of replications has recovered, n days after the onset? |

Artists carrying a ``gid``: ``recovery:<strategy>``, the Kaplan–Meier median recovery day of a
strategy (a one-point ``PathCollection`` in the strip under the day axis; absent when the median
is not reached within the horizon), ``recovery_interval:<strategy>``, its interval,
``failure_level`` and ``recovery_level``, the threshold lines, ``disruption:<id>``, the windows
of a disruption in the strip above the day axis; ``recovered:<strategy>``, the step curve of
:func:`recovery_share` (a ``Line2D``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from resim.core.survival import km_quantile, recovered_by
from resim.report.figure_helpers import (_DARK, _GREY, _colours_for, _empty, _strategy_order, _title, _windows,
                                         _with_strips)
from resim.report.figures import _figure

__all__ = ["recovery_timeline", "recovery_share"]


# -- recovery timeline ---------------------------------------------------------------------------

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


def _names(names: Sequence[str], width: int = 40) -> str:
    return textwrap.fill(", ".join(names), width)


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


# -- share recovered -----------------------------------------------------------------------------

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
