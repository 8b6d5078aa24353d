"""The HTML report of a run: one self-contained file a planner opens in any browser.

Figures are embedded as base64 PNG images and the style sheet is inline, so the report needs no
network and no other file; it prints cleanly (figures and tables are not split across pages).
A short inline script marks the page once every image has decoded (``data-images-ok``), which the
tests read from a real browser.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING, Mapping

import pandas as pd

from resim.formatting import days, money, share, signed_money, units

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from resim.results import Results
    from resim.scenario import Scenario

__all__ = ["render_report", "KEY_METRICS"]

KEY_METRICS = {
    "fill_rate": ("fill rate", share),
    "recovered": ("recovered by the horizon", lambda v: share(v, 0)),
    "recovery_time_median_days": ("median time to recover (Kaplan-Meier)", days),
    "recovery_time_days": ("restricted mean time to recover", days),
    "shortfall_units": ("shortfall (units)", units),
    "resilience_index": ("resilience index", share),
    "cost_total": ("total cost", money),
    "cost_response": ("cost vs none (paired)", signed_money),
    "profit": ("profit", money),
}

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto; max-width: 70rem;
       color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #e4e4e4; text-align: right; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
tr.recommended td { font-weight: 600; background: #eef6fb; }
.ci { color: #777; font-size: 0.8rem; }
.advice { background: #eef6fb; border-left: 4px solid #0072B2; padding: 0.6rem 1rem; }
.note { background: #f4f4f4; border-left: 4px solid #999; padding: 0.6rem 1rem; margin: 0.3rem 0; }
.warning { background: #fff4e5; border-left: 4px solid #E69F00; padding: 0.6rem 1rem; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; } figcaption { color: #555; font-size: 0.9rem; }
@media print { body { margin: 0; max-width: none; } figure, table, .advice { break-inside: avoid; }
               h2 { break-after: avoid; } }
"""

_SCRIPT = """
window.addEventListener('load', function () {
  var ok = Array.prototype.every.call(document.images, function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.setAttribute('data-images-ok', ok ? 'true' : 'false');
});
"""


def _png(figure: "Figure") -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _e(value) -> str:
    return html.escape(str(value))


def _table(frame: pd.DataFrame, text_columns: tuple[str, ...] = (), row_class=None) -> str:
    head = "".join(f'<th class="{"text" if c in text_columns else ""}">{_e(c)}</th>' for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        css = f' class="{row_class(row)}"' if row_class and row_class(row) else ""
        cells = "".join(f'<td class="{"text" if c in text_columns else ""}">{_e(row[c])}</td>' for c in frame.columns)
        rows.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _summary_table(results: "Results") -> str:
    summary = results.summary.set_index(["strategy", "metric"])
    recommended = results.info.get("recommended")
    currency = results.info.get("currency", "")
    head = "".join(f"<th>{_e(label)}</th>" for label, _ in KEY_METRICS.values())
    rows = []
    for strategy in dict.fromkeys(results.summary.strategy):
        cells = []
        for metric, (_, form) in KEY_METRICS.items():
            if (strategy, metric) not in summary.index:
                cells.append("<td>–</td>")
                continue
            row = summary.loc[(strategy, metric)]
            show = (lambda v: form(v, currency)) if form in (money, signed_money) else form
            interval = (f'<br><span class="ci">{_e(show(row.ci_low))} – {_e(show(row.ci_high))}</span>'
                        if pd.notna(row.ci_low) and row.ci_low != row.ci_high else "")
            cells.append(f"<td>{_e(show(row.estimate))}{interval}</td>")
        css = ' class="recommended"' if strategy == recommended else ""
        rows.append(f'<tr{css}><td class="text">{_e(strategy)}</td>{"".join(cells)}</tr>')
    tau = summary.xs("recovery_time_days", level="metric").method.iloc[0] if len(summary) else ""
    return (f'<table><thead><tr><th class="text">strategy</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            f'<p class="ci">Over {results.info.get("replications")} replications (common random numbers: every '
            f"strategy met the same demand and disruptions), with {results.info.get('confidence', 0.95):.0%} intervals "
            f"under each value: Wilson for the share recovered, bootstrap (BCa) for means, log-log Kaplan-Meier for "
            f"the median. A replication that had not recovered by the end of the horizon is censored there: the median "
            f"is 'not reached' when fewer than half recovered, and the restricted mean counts "
            f"{_e(tau.split('; ')[-1])}. Cost vs none is the mean paired difference in total cost; "
            f"profit is revenue minus total cost. summary.csv states the method of every number.</p>")


def _scenario_section(scenario: "Scenario") -> str:
    kinds = pd.Series([n.kind for n in scenario.nodes]).value_counts()
    nodes = " · ".join(f"{count} {kind}" for kind, count in kinds.items())
    events = pd.DataFrame([{
        "disruption": d.id, "type": d.type,
        "when": f"day {d.onset_day}" if d.onset_day is not None else f"{d.annual_probability:.0%} a year",
        "duration (days)": str(d.duration_days) if d.duration_days is not None else "permanent",
        "what": d.description} for d in scenario.disruptions])
    strategies = pd.DataFrame([{"strategy": s.id, "actions": ", ".join(s.actions), "what": s.description}
                               for s in scenario.strategies])
    parts = (f"<p>{len(scenario.nodes)} nodes ({nodes}), {len(scenario.lanes)} lanes, "
             f"{len(scenario.parts)} parts, {len(scenario.demand)} demand streams, "
             f"{len(scenario.maas.providers)} MaaS offerings, horizon {scenario.horizon_days} days.</p>")
    if scenario.description:
        parts = f"<p>{_e(scenario.description)}</p>" + parts
    if len(events):
        parts += "<h3>Disruptions</h3>" + _table(events, ("disruption", "type", "when", "duration (days)", "what"))
    if len(strategies):
        parts += "<h3>Strategies</h3>" + _table(strategies, ("strategy", "actions", "what"))
    return parts


def _advice(info: Mapping) -> str:
    """The recommendation, its criterion and reasons, then notes and warnings (HTML)."""
    parts = []
    if info.get("recommended"):
        reasons = "".join(f"<li>{_e(r)}</li>" for r in info.get("reasons", []))
        parts.append(f'<div class="advice"><strong>Recommended: {_e(info["recommended"])}</strong>'
                     f'<br><span class="ci">criterion: {_e(info.get("criterion", ""))}</span><ul>{reasons}</ul></div>')
    parts += [f'<div class="note">{_e(n)}</div>' for n in info.get("notes", [])]
    parts += [f'<div class="warning">{_e(w)}</div>' for w in info.get("warnings", [])]
    return "".join(parts)


def render_report(results: "Results", scenario: "Scenario", figures: Mapping[str, tuple[str, "Figure"]]) -> str:
    """The report as one HTML string; ``figures`` maps a name to (caption, Figure)."""
    info = results.info
    advice = _advice(info)
    shown = "".join(f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{_png(figure)}">'
                    f"<figcaption>{_e(caption)}</figcaption></figure>" for caption, figure in figures.values())
    chosen = results.orchestrations
    chosen = chosen[(chosen.replication == 0) & (chosen.kind != "evaluation")]
    orchestration = (_table(chosen.drop(columns=["replication"]).round(2),
                            ("strategy", "kind", "trigger", "source", "part", "destination", "status", "note"))
                     if len(chosen) else "<p>No strategy took an action.</p>")
    ripple = results.ripple
    ripple = ripple[(ripple.replication == 0) & (ripple.strategy == info.get("recommended", "none"))]
    ripple_html = (_table(ripple.drop(columns=["replication"]).round(1),
                          ("strategy", "disruption", "node", "part", "product", "market", "answered_by"))
                   if len(ripple) else "")
    provenance = pd.DataFrame([
        {"item": k, "value": ", ".join(map(str, v)) if isinstance(v, list) else v}
        for k, v in info.items() if k not in ("reasons", "warnings", "notes", "cost_components")])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>resim report: {_e(info.get("scenario_name", ""))}</title><style>{_CSS}</style></head>
<body>
<h1>{_e(info.get("scenario_name", "resim run"))}</h1>
<p class="sub">resim {_e(info.get("resim_version", ""))} · {_e(info.get("replications"))} replications ·
seed {_e(info.get("seed"))} · scenario {_e(info.get("scenario") or "built in Python")}</p>
<h2>Which response to choose</h2>{advice}{_summary_table(results)}
<h2>The scenario</h2>{_scenario_section(scenario)}
<h2>Figures</h2>{shown}
<h2>Orchestrations (replication 0)</h2>{orchestration}
<h2>Why service dropped (replication 0 of {_e(info.get("recommended", "none"))})</h2>{ripple_html or "<p>No disruption reached a market.</p>"}
<h2>Provenance</h2>{_table(provenance, ("item", "value"))}
<script>{_SCRIPT}</script>
</body></html>
"""
