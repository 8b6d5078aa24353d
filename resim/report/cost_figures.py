"""Figures of what the strategies cost (R2): which are worth it, and what each response adds or
saves against doing nothing.

Comparisons with ``none`` are paired differences in the same replication (common random
numbers); time to recover is the mean restricted to the follow-up, so censored replications
count with what was observed. Money words: ``cost_total`` (what the firm pays), ``revenue``,
``profit`` (revenue − cost_total), ``cost_response`` (cost_total minus none's in the same
replication).

| function | answers |
| --- | --- |
| :func:`pareto` | which strategies are worth it: restricted mean time to recover against mean profit |
| :func:`cost_breakdown` | what each response adds or saves relative to doing nothing, and where |

Artists carrying a ``gid``: ``point:<strategy>`` and ``pareto_front``, the points and the front
of :func:`pareto`; ``cost:<strategy>:<component>``, a bar segment of :func:`cost_breakdown`
(component ``lost_revenue`` for the revenue segment), ``total:<strategy>``, its marker of the
change in profit loss (a one-point ``PathCollection``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from resim.report.figure_helpers import _ALERT, _DARK, _GREY, _colours_for, _empty, _money, _strategy_order
from resim.report.figures import PALETTE, _figure
from resim.sim.ledger import COST_COMPONENTS

__all__ = ["COMPONENT_COLOURS", "pareto", "cost_breakdown"]

#: Colour of each cost component (unknown components take the palette in turn).
COMPONENT_COLOURS = {
    "production": "#0072B2", "procurement": "#56B4E9", "transport": _GREY, "tariff": "#E69F00",
    "holding": "#F0E442", "maas_onboarding": "#CC79A7", "maas_premium": "#000000", "reman": "#009E73",
    "shortage_penalty": _ALERT, "services": "#D55E00",
}

# -- Pareto --------------------------------------------------------------------------------------

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


# -- cost breakdown ------------------------------------------------------------------------------

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
    differ from none's are left out), ``lost_revenue``, the mean of none's revenue minus the
    strategy's (revenue a response wins back is negative: a saving), and ``stock_drawn``, the mean
    of none's ``stock_change`` minus the strategy's (stock used up and not bought back, beyond
    none's; segment gid ``cost:<strategy>:stock_drawn``). The segments add up to
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
        if "stock_change" in replications:  # stock used up beyond none's: spent, though not bought in the horizon
            row["stock_drawn"] = float((base.loc[common, "stock_change"] - mine.loc[common, "stock_change"]).mean())
        deltas[strategy] = row
        if "profit" in replications:
            totals[strategy] = -float((mine.loc[common, "profit"] - base.loc[common, "profit"]).mean())
        else:
            totals[strategy] = sum(row.values())
    table = pd.DataFrame.from_dict(deltas, orient="index").reindex(others)
    scale = max(float(table.abs().to_numpy().max()), 1.0)
    table = table.loc[:, (table.abs() > 1e-9 * scale).any(axis=0)]
    x = np.arange(len(others))
    styles = {"lost_revenue": {"color": "#EEEEEE", "edgecolor": _DARK, "hatch": "////", "linewidth": 0.5},
              "stock_drawn": {"color": "#FFFFFF", "edgecolor": _DARK, "hatch": "....", "linewidth": 0.5}}
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
    names = {"lost revenue": "lost revenue\n(none's revenue − the strategy's)",
             "stock drawn": "stock drawn\n(its stock's fall in value\nbeyond none's)"}
    handles, labels = handles[::-1], [names.get(lab, lab) for lab in labels[::-1]]
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
