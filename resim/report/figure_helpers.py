"""What the figures of a run share: a colour per strategy, amounts in plain digits, a strip of
the disruption windows over a day axis, the title above it all. Used by the figure modules of
:mod:`resim.report`; only :func:`strategy_colours` is meant for callers.

A strategy has the same colour in every figure (:func:`strategy_colours`), provided the figures
are given the strategies in the same order (the tables of one run are), or the same ``colours``.
The strip names each disruption's windows by gid ``disruption:<id>``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from resim.report.figures import PALETTE, ResimFigure, _figure

__all__ = ["strategy_colours"]

_GREY, _DARK, _ALERT, _DISRUPTION = "#999999", "#555555", "#D55E00", "#888888"


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
