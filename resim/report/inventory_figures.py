"""The figure of critical parts (R2): how many units of each are on hand at the focal nodes over
the days, per strategy; which strategies run dry, and when. A large chain has hundreds of
critical parts: the figure then shows the few whose stock fell deepest (:func:`worst_parts`),
and inventory.csv holds them all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from resim.report.figure_helpers import _DARK, _DISRUPTION, _colours_for, _empty, _money, _windows
from resim.report.figures import ResimFigure, _figure

__all__ = ["critical_inventory", "worst_parts"]


def worst_parts(inventory: pd.DataFrame, k: int) -> list[str]:
    """The ``k`` parts whose stock fell deepest, worst first: ranked by the lowest, over the
    strategies, of the part's trough over its peak (least over most units on hand on any day, 0
    when it ran dry); a part never held counts as no fall (1). Ties keep the table's order."""
    grouped = inventory.groupby(["part", "strategy"], sort=False).on_hand
    low, high = grouped.min(), grouped.max()
    fall = (low / high.where(high > 0)).fillna(1.0).groupby(level="part", sort=False).min()
    return fall.index[np.argsort(fall.to_numpy(), kind="stable")[:k]].tolist()


def critical_inventory(inventory: pd.DataFrame, *, events: pd.DataFrame | None = None, replication: int = 0,
                       colours: dict[str, str] | None = None, limit: int | None = None) -> Figure:
    """Small multiples, one panel per critical part: units on hand at the focal nodes over the
    days (mean over replications) per strategy (``none`` dashed); with ``on_hand_p05`` and
    ``on_hand_p95`` columns, their band; with ``events``, the onsets of the disruptions of
    replication ``replication`` as dotted lines. With ``limit`` and more parts than that, only
    the ``limit`` parts of :func:`worst_parts`, worst first, and the title says so."""
    parts = list(dict.fromkeys(inventory.part)) if not inventory.empty else []
    everything = len(parts)
    if limit is not None and everything > limit:
        parts = worst_parts(inventory, limit)
        inventory = inventory[inventory.part.isin(parts)]
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
    title = "Stock of critical parts at focal nodes: which strategies run dry"
    if len(parts) < everything:
        title += (f"\nthe {len(parts)} of {everything:,} parts whose stock fell deepest (lowest trough "
                  f"over peak); inventory.csv holds them all")
    fig.suptitle(title)
    return fig
