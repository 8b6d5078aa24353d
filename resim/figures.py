"""Figures (matplotlib): each answers one question at a glance.

Figures are built with the object-oriented API (``matplotlib.figure.Figure``), so they need no
display and no global state: save them with ``fig.savefig(path)`` or show them in Jupyter.
Colours are the Okabe-Ito palette, safe for colour-blind readers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["ResimFigure", "PALETTE", "criticality_ranking", "risk_matrix", "tts_ttr"]

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
_HIGH, _LOW = "#D55E00", "#0072B2"


class ResimFigure(Figure):
    """A matplotlib Figure that Jupyter shows by itself (no pyplot, no %matplotlib needed)."""

    def _repr_png_(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def _figure(width: float = 7.0, height: float = 4.5) -> tuple[Figure, object]:
    fig = ResimFigure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _label_points(ax, xs, ys, texts, fontsize: float = 8) -> None:
    """Label points beside them, legibly: points that coincide share one label (names joined),
    and a label that would overlap one above it is moved down, with a thin line to its point."""
    groups: dict[tuple[float, float], list[str]] = {}
    for x, y, text in zip(xs, ys, texts):
        groups.setdefault((float(x), float(y)), []).append(str(text))
    ax.autoscale_view()
    points_to_px = ax.figure.dpi / 72
    gap = 1.5 * fontsize * points_to_px          # between label baselines
    reach = 90 * points_to_px                     # labels this close across may collide
    placed: list[tuple[float, float]] = []
    for (x, y), names in sorted(groups.items(), key=lambda item: (-item[0][1], item[0][0])):
        px, py = ax.transData.transform((x, y))
        label = py
        for qx, qy in placed:  # placed top to bottom: settle below each close one in turn
            if abs(qx - px) < reach and qy - label < gap:
                label = qy - gap
        placed.append((px, label))
        dy = (label - py) / points_to_px
        ax.annotate(", ".join(names), (x, y), xytext=(5, dy + 3), textcoords="offset points", fontsize=fontsize,
                    arrowprops=dict(arrowstyle="-", lw=0.5, color="#777777") if dy < -1 else None)


def risk_matrix(register: pd.DataFrame) -> Figure:
    """Likelihood (per year) against impact (cost) of each catalogue disruption; high risks in
    orange, lines of equal expected yearly loss dotted."""
    fig, ax = _figure()
    if register.empty:
        ax.text(0.5, 0.5, "no disruptions in the scenario", ha="center", va="center", transform=ax.transAxes)
        return fig
    impact = register.impact_loss.clip(lower=0)
    colours = np.where(register.get("high_risk", False), _HIGH, _LOW)
    errors = np.vstack([impact - register.impact_loss_low.clip(lower=0).fillna(impact),
                        register.impact_loss_high.fillna(impact) - impact]).clip(min=0)
    ax.errorbar(register.probability_per_year, impact, yerr=errors, fmt="none", ecolor="#999999", lw=1)
    ax.scatter(register.probability_per_year, impact, c=colours, s=60, zorder=3)
    top = float(impact.max()) or 1.0
    probabilities = np.linspace(0.01, 1.05, 200)
    for loss in np.array([0.25, 0.5, 1.0]) * top:
        ax.plot(probabilities, loss / probabilities, ls=":", lw=0.8, color="#777777")
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, top * 1.25)
    _label_points(ax, register.probability_per_year, impact, register.disruption, fontsize=9)
    ax.set_xlabel("likelihood (probability per year)")
    ax.set_ylabel("impact: profit lost when it happens (currency)")
    ax.set_title("Risk matrix of the disruption catalogue")
    return fig


def tts_ttr(nodes: pd.DataFrame) -> Figure:
    """Time-to-survive against time-to-recover per node: nodes below the diagonal (TTS < TTR) are
    exposed; point size shows the risk exposure index."""
    fig, ax = _figure()
    exposed = nodes.exposed.to_numpy(bool)
    horizon = float(max(nodes.ttr_days.max(), 1.0)) * 1.5
    tts = nodes.tts_days.clip(upper=horizon)
    sizes = 30 + 170 * nodes.risk_exposure_index.fillna(0)
    ax.scatter(nodes.ttr_days[~exposed], tts[~exposed], s=sizes[~exposed], c=_LOW, alpha=0.7, label="survives")
    ax.scatter(nodes.ttr_days[exposed], tts[exposed], s=sizes[exposed], c=_HIGH, alpha=0.8, label="exposed (TTS < TTR)")
    ax.plot([0, horizon], [0, horizon], color="#555555", lw=1, ls="--")
    shown = nodes[exposed].head(12)
    _label_points(ax, shown.ttr_days, shown.tts_days.clip(upper=horizon), shown.node)
    ax.set_xlabel("time to recover (days)")
    ax.set_ylabel(f"time to survive (days, capped at {horizon:.0f})")
    ax.set_title("Which nodes the chain cannot ride out")
    ax.legend(frameon=False, loc="upper left")
    return fig


def criticality_ranking(table: pd.DataFrame) -> Figure:
    """Criticality of components (C2): one horizontal bar per component (the 20 most critical,
    the most critical at the top), stacked from the weighted contribution of each factor
    (``part_<factor>`` columns of :func:`resim.criticality.assess_criticality`); components fit for
    reuse or remanufacturing carry a ♻ mark after their bar, those flagged critical in the
    scenario have their label in bold."""
    fig, ax = _figure()
    if table.empty:
        ax.text(0.5, 0.5, "no components in the scenario", ha="center", va="center", transform=ax.transAxes)
        return fig
    shown = table.sort_values(["score", "part"], ascending=[False, True]).head(20)
    factors = [c for c in shown.columns if c.startswith("part_")]
    n = len(shown)
    fig.set_size_inches(7.5, max(3.0, 1.4 + 0.32 * n))
    y = np.arange(n)[::-1]            # the first (most critical) row at the top
    left = np.zeros(n)
    for i, column in enumerate(factors):
        widths = shown[column].to_numpy(float)
        ax.barh(y, widths, left=left, height=0.7, color=PALETTE[i % len(PALETTE)],
                edgecolor="white", linewidth=0.5, label=column.removeprefix("part_").replace("_", " "))
        left += widths
    fit = shown["reman_fit"].to_numpy(bool) if "reman_fit" in shown else np.zeros(n, bool)
    for row, total, ok in zip(y, left, fit):
        if ok:
            ax.text(total + 0.01, row, "♻ reman", va="center", fontsize=8, color=PALETTE[2])
    ax.set_yticks(y, shown["part"].astype(str).tolist())
    if "critical_flag" in shown:
        flagged = dict(zip(shown["part"].astype(str), shown["critical_flag"].to_numpy(bool)))
        for label in ax.get_yticklabels():
            label.set_fontweight("bold" if flagged.get(label.get_text()) else "normal")
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, max(1.0, float(left.max()) + 0.12))
    ax.set_xlabel("criticality score (0-1)")
    ax.set_title("Criticality of components: which are hardest to replace (bold: flagged critical)")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="factor",
              title_fontsize=8)
    return fig
