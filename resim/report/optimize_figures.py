"""Figures of an optimisation (:func:`resim.optimize`): the candidates' cost against service with
the Pareto front and the recommended plan, and how the best cost found evolved over the trials.

Artists carrying a ``gid``: ``trials`` (every candidate), ``pareto_front`` (the front's
staircase), ``chosen`` (the recommended plan, as searched), ``fresh`` (its fresh re-evaluation
with intervals), ``target`` (the service target); ``best_feasible`` in :func:`history`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from resim.report.figure_helpers import _ALERT, _DARK, _GREY, _empty, _money
from resim.report.figures import PALETTE, _figure

if TYPE_CHECKING:
    from resim.assess.optimize import Optimization

__all__ = ["front", "history"]


def front(opt: "Optimization", *, currency: str = "currency") -> Figure:
    """Cost (x) against service (y) of every candidate (grey: misses the target), the Pareto front
    as a staircase, the target as a line, the recommended plan circled, and its fresh
    re-evaluation with confidence intervals as whiskers. Better is left and up."""
    fig, ax = _figure(8.0, 5.0)
    table = opt.trials
    if table.empty:
        _empty(ax, "no candidates evaluated")
        return fig
    target = opt.info["objective"]["target"]
    colours = np.where(table.feasible.to_numpy(bool), PALETTE[1], _GREY)
    ax.scatter(table.cost, table.service, s=28, c=list(colours), alpha=0.8, gid="trials",
               label="candidates (grey: below the target)")
    on = table[table.on_front].sort_values("cost")
    if len(on):
        xs, ys = on.cost.to_numpy(float), on.service.to_numpy(float)
        ax.step(xs, ys, where="post", color=_DARK, lw=1, ls="--", gid="pareto_front",
                label="Pareto front: none cheaper\nwith a better service")
    ax.axhline(target, color=_ALERT, lw=0.8, ls=":", gid="target", label=f"service target {target:g}")
    chosen = table[table.chosen].iloc[0]
    ax.scatter([chosen.cost], [chosen.service], s=180, facecolors="none", edgecolors="black", lw=1.6,
               zorder=4, gid="chosen", label="recommended plan (search)")
    scores = opt.plan[opt.plan.role == "score"].set_index("name")
    cost, service = scores.loc["cost_mean"], scores.loc["service"]
    xerr = np.array([[cost.value - cost.ci_low], [cost.ci_high - cost.value]]).clip(min=0)
    yerr = np.array([[service.value - service.ci_low], [service.ci_high - service.value]]).clip(min=0)
    ax.errorbar([cost.value], [service.value], xerr=None if np.isnan(xerr).any() else xerr,
                yerr=None if np.isnan(yerr).any() else yerr, fmt="D", color="black", ms=6, capsize=3,
                zorder=5, gid="fresh", label="recommended plan, fresh replications\n(mean cost, intervals)")
    ax.xaxis.set_major_formatter(FuncFormatter(_money))
    what = "mean fill rate" if opt.info["objective"]["service"] == "fill_rate" else \
        f"share recovered within {opt.info['objective']['within_days']:g} days"
    ax.set_xlabel(f"{'mean' if opt.info['objective']['cost'] == 'mean' else 'CVaR of'} cost per replication, "
                  f"{currency} (← better)")
    ax.set_ylabel(f"{what} (better ↑)")
    ax.set_title(f"Levers of {opt.info['strategy']}: cost against service")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def history(opt: "Optimization", *, currency: str = "currency") -> Figure:
    """Each trial's cost (dots; grey below the service target) and the lowest cost of a trial
    meeting the target so far (a line), by trial number."""
    fig, ax = _figure(7.0, 4.0)
    table = opt.trials.sort_values("trial")
    if table.empty:
        _empty(ax, "no candidates evaluated")
        return fig
    feasible = table.feasible.to_numpy(bool)
    ax.scatter(table.trial, table.cost, s=18, c=list(np.where(feasible, PALETTE[1], _GREY)), alpha=0.8)
    best = np.minimum.accumulate(np.where(feasible, table.cost.to_numpy(float), np.inf))
    shown = np.isfinite(best)
    ax.step(table.trial.to_numpy()[shown], best[shown], where="post", color="black", lw=1.2,
            gid="best_feasible", label="cheapest meeting the target so far")
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.set_xlabel("trial")
    ax.set_ylabel(f"cost, {currency}")
    ax.set_title("Objective history")
    ax.legend(frameon=False, fontsize=8)
    return fig
