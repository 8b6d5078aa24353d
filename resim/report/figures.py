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
    """Likelihood (events per year) against impact (profit lost per event) of each catalogue
    disruption; high risks in orange, lines of equal expected yearly loss dotted, a fixed-date
    disruption (whose likelihood is the scenario's assumption) ringed by a square. A disruption without a measured loss
    (a gain, or an interval containing 0) is a hollow point at 0 with its label saying which."""
    fig, ax = _figure()
    if register.empty:
        ax.text(0.5, 0.5, "no disruptions in the scenario", ha="center", va="center", transform=ax.transAxes)
        return fig
    effect = register["profit_effect"] if "profit_effect" in register else pd.Series(
        np.where(register.impact_loss > 0, "loss", "no measurable impact"), index=register.index)
    loss = (effect == "loss").to_numpy(bool)
    impact = register.impact_loss.where(loss, 0.0).clip(lower=0)
    high = np.asarray(register.get("high_risk", pd.Series(False, index=register.index)), bool) & loss
    errors = np.vstack([impact - register.impact_loss_low.clip(lower=0).fillna(impact),
                        register.impact_loss_high.fillna(impact) - impact]).clip(min=0)
    p = register.events_per_year if "events_per_year" in register else register.probability_per_year
    fixed = (register.likelihood.str.startswith("fixed") if "likelihood" in register
             else pd.Series(False, index=register.index)).to_numpy(bool)
    ax.errorbar(p[loss], impact[loss], yerr=errors[:, loss], fmt="none", ecolor="#999999", lw=1)
    for points, style in ((high, dict(c=_HIGH, label="high risk")),
                          (loss & ~high, dict(c=_LOW, label="profit lost")),
                          (~loss, dict(facecolors="none", edgecolors=_LOW,
                                       label="no measured loss (gain, or interval contains 0)"))):
        if points.any():
            ax.scatter(p[points], impact[points], s=60, zorder=3, **style)
    if fixed.any():  # a fixed date is the scenario's assumption, not a measured likelihood
        ax.scatter(p[fixed], impact[fixed], s=160, marker="s", facecolors="none", edgecolors="black", zorder=4,
                   label="fixed date in the scenario (likelihood assumed)")
    top = float(impact.max()) or 1.0
    right = max(1.05, float(p.max()) * 1.1)
    rates = np.linspace(0.01, right, 200)
    for level in np.array([0.25, 0.5, 1.0]) * top:
        ax.plot(rates, level / rates, ls=":", lw=0.8, color="#777777")
    ax.set_xlim(0, right)
    ax.set_ylim(0, top * 1.25)
    names = [name if ok else f"{name} ({kind})" for name, ok, kind in zip(register.disruption, loss, effect)]
    _label_points(ax, p, impact, names, fontsize=9)
    ax.set_xlabel("likelihood (events per year: a hazard's rate, an annual probability, or once in the horizon)")
    ax.set_ylabel("impact: profit lost when it happens (currency)")
    ax.set_title("Risk matrix of the disruption catalogue")
    ax.legend(frameon=False, loc="upper right", fontsize=8)
    return fig


def tts_ttr(nodes: pd.DataFrame) -> Figure:
    """Time-to-survive against time-to-recover per node: nodes below the diagonal (TTS < TTR) are
    exposed; point size shows the risk exposure index. A node whose TTS is unbounded is a
    triangle at the top (it is never exposed); nodes where the LP and the simulation disagree are
    ringed in black."""
    fig, ax = _figure()
    exposed = nodes.exposed.to_numpy(bool)
    tts_days = nodes.tts_days.to_numpy(float)
    unbounded = np.isinf(tts_days)
    top = float(max(nodes.ttr_days.max(), 1.0)) * 1.5
    tts = pd.Series(np.minimum(tts_days, top), index=nodes.index)
    sizes = 30 + 170 * nodes.risk_exposure_index.fillna(0)
    safe = ~exposed & ~unbounded
    ax.scatter(nodes.ttr_days[safe], tts[safe], s=sizes[safe], c=_LOW, alpha=0.7, label="survives")
    ax.scatter(nodes.ttr_days[exposed], tts[exposed], s=sizes[exposed], c=_HIGH, alpha=0.8,
               label="exposed (TTS < TTR)")
    if unbounded.any():
        ax.scatter(nodes.ttr_days[unbounded], tts[unbounded], s=60, marker="^", c=_LOW, alpha=0.7,
                   label="TTS unbounded (never short)")
    disagree = (nodes["lp_and_simulation_disagree"].fillna(False).to_numpy(bool)
                if "lp_and_simulation_disagree" in nodes else np.zeros(len(nodes), bool))
    if disagree.any():
        ax.scatter(nodes.ttr_days[disagree], tts[disagree], s=sizes[disagree] * 2.2 + 40, marker="o",
                   facecolors="none", edgecolors="#000000", linewidths=1.5, zorder=4,
                   label="LP and simulation disagree")
    ax.plot([0, top], [0, top], color="#555555", lw=1, ls="--")
    shown = nodes[exposed | disagree].head(12)
    _label_points(ax, shown.ttr_days, tts[shown.index], shown.node)
    ax.set_xlabel("time to recover (days)")
    ax.set_ylabel(f"time to survive (days, capped at {top:.0f})")
    ax.set_title("Which nodes the chain cannot ride out")
    ax.legend(frameon=False, loc="upper left")
    return fig


def criticality_ranking(table: pd.DataFrame) -> Figure:
    """Criticality of components (C2): one horizontal bar per component (the 20 most critical,
    the most critical at the top), stacked from the weighted contribution of each factor
    (``part_<factor>`` columns of :func:`resim.assess.criticality.assess_criticality`); components fit for
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
