"""The HTML report of a run: one self-contained file a planner opens in any browser.

Figures are embedded as base64 PNG images and the style sheet is inline, so the report needs no
network and no other file (only figures too large to read on a page, which
:mod:`resim.report.outputs` does not embed, are links to their files); it prints cleanly (figures and tables are not split across pages).
A short inline script marks the page once every image has decoded (``data-images-ok``), which the
tests read from a real browser.
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from resim.core.formatting import days, money, plain, share, signed_money, units

if TYPE_CHECKING:
    from resim.experiment.results import Results
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
td.wrap { max-width: 26rem; text-align: left; }
td.text, td.wrap { overflow-wrap: break-word; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; } figcaption { color: #555; font-size: 0.9rem; }
@media print { body { margin: 0; max-width: none; padding: 0; } table { font-size: 0.7rem; }
               th, td { padding: 0.15rem 0.25rem; } .ci { font-size: 0.65rem; } tr, figure, .advice { break-inside: avoid; }
               h2 { break-after: avoid; } }
"""

_SCRIPT = """
window.addEventListener('load', function () {
  var ok = Array.prototype.every.call(document.images, function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.setAttribute('data-images-ok', ok ? 'true' : 'false');
});
"""


def _e(value) -> str:
    return html.escape(str(value))


def _text(value: str) -> str:
    """Escaped text that may break after an underscore (long ids wrap in a narrow column)."""
    return _e(value).replace("_", "_<wbr>")


def _cell(value) -> str:
    """A table cell as people read it: whole numbers without decimals, thousands separators,
    never e-notation; text as is; missing values as ``–``."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    if not np.isfinite(value):
        return str(value)
    return units(float(value)) if abs(value) >= 100 or float(value).is_integer() else plain(float(value))


def _table(frame: pd.DataFrame, text_columns: tuple[str, ...] = (), row_class=None,
           css_class: Mapping[str, str] | None = None) -> str:
    def css(c):
        return (css_class or {}).get(c) or ("text" if c in text_columns else "")

    head = "".join(f'<th class="{"text" if c in text_columns else ""}">{_e(c)}</th>' for c in frame.columns)
    rows = []
    for row in frame.to_dict("records"):  # row by row keeps each column's type (no int -> float)
        row_css = f' class="{row_class(row)}"' if row_class and row_class(row) else ""
        cells = "".join(f'<td class="{css(c)}">{_text(_cell(row[c])) if css(c) else _e(_cell(row[c]))}</td>'
                        for c in frame.columns)
        rows.append(f"<tr{row_css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _orchestration_table(chosen: pd.DataFrame, currency: str) -> str:
    """The actions of one replication, in fewer, readable columns: the part and where it goes in
    one, the days from start to end in one; numbers formatted, notes wrapped."""
    shown = pd.DataFrame({
        "strategy": chosen.strategy, "action": chosen.kind, "trigger": chosen.trigger.fillna("–"),
        "source": chosen.source, "part → to": chosen.part.astype(str) + " → " + chosen.destination.astype(str),
        "units/day": chosen.units_per_day.map(units),
        "days": [f"{_cell(a)}–{_cell(b)}" for a, b in zip(chosen.start, chosen.end)],
        f"unit cost{' (' + currency + ')' if currency else ''}":
            chosen.unit_cost.map(lambda v: "–" if pd.isna(v) else f"{v:,.2f}"),
        "status": chosen.status, "note": chosen.note.fillna("")})
    return _table(shown, ("strategy", "action", "trigger", "source", "part → to", "status", "note"),
                  css_class={"note": "wrap"})


def _dropped(results: "Results") -> tuple[str, int, str] | None:
    """The replication whose ripple the report explains: the one where the recommended strategy
    fell shortest, or, when it never fell short, where doing nothing did; with the reason said."""
    reps = results.replications
    recommended = results.info.get("recommended") or "none"
    if "shortfall_units" not in reps:
        return None
    for strategy in dict.fromkeys((recommended, "none")):
        rows = reps[(reps.strategy == strategy) & (reps.shortfall_units > 0)]
        if len(rows):
            worst = rows.loc[rows.shortfall_units.idxmax()]
            why = f"its largest shortfall, {units(worst.shortfall_units)} units"
            if strategy != recommended:
                why = (f"{recommended} never fell short, so this is the largest shortfall of {strategy}, "
                       f"{units(worst.shortfall_units)} units")
            return strategy, int(worst.replication), why
    return None


def _levers_table(results: "Results") -> str:
    """Per strategy and lever, the mean per replication of the shortfall the strategy closed
    against ``none`` and of the part credited to the lever (levers.csv summed over disruptions)."""
    levers = results.levers
    if not len(levers):
        return "<p>No strategy with levers ran beside <code>none</code>.</p>"
    runs = results.replications.groupby("strategy").replication.nunique()
    table = levers.groupby(["strategy", "lever"], sort=False)[["closed_units", "credited_units"]].sum()
    table = table.div(table.index.get_level_values("strategy").map(runs).to_numpy(), axis=0).reset_index()
    table = table.assign(closed_units=table.closed_units.map(units), credited_units=table.credited_units.map(units))
    return (_table(table.rename(columns={"closed_units": "units closed by the strategy (net)",
                                         "credited_units": "credited to the lever"}), ("strategy", "lever"))
            + "<p>Units closed: those <code>none</code> missed less those the strategy missed, disruption by "
              "disruption in the same replication. A lever is credited only where its strategy closed some, in "
              "proportion to the units it made available and at most those (levers.csv; docs/strategies.md); "
              "the net is smaller where a strategy missed more than <code>none</code>.</p>")


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
            f"profit is revenue minus total cost plus the change in the value of the firm's stock (stock used up "
            f"and not bought back counts as spent). summary.csv states the method of every number.</p>")


def _with_intervals(rows: pd.DataFrame, form) -> list[str]:
    """Each row's ``estimate`` as ``form`` writes it, with its interval where it has a real one
    ("–" for a missing estimate)."""
    return [("–" if pd.isna(e) else form(e)) + (f" ({form(lo)} – {form(hi)})" if pd.notna(lo) and pd.notna(hi)
                                                 and lo != hi else "")
            for e, lo, hi in zip(rows.estimate, rows.ci_low, rows.ci_high)]


def _annual_section(results: "Results") -> str:
    """Year by year (annual.csv), for a horizon longer than a year: per strategy and year, and
    for the mean year, the mean units short and cost with their intervals and the cost's value
    at risk; empty for a horizon of a year or less."""
    annual = results.annual
    if not len(annual) or results.info.get("horizon_days", 0) <= 365:
        return ""
    currency = results.info.get("currency", "")

    def shown(metric: str, statistic: str, form) -> pd.Series:
        rows = annual[(annual.metric == metric) & (annual.statistic.str.startswith(statistic))]
        return pd.Series(_with_intervals(rows, form), index=pd.MultiIndex.from_arrays([rows.strategy, rows.period]))

    table = pd.DataFrame({"units short": shown("shortfall_units", "mean", units),
                          f"cost{' (' + currency + ')' if currency else ''}": shown("cost_total", "mean", units),
                          "cost at risk (95 %)": shown("cost_total", "var", units)}).reset_index()
    return ("<h2>Year by year</h2>" + _table(table, ("strategy", "period"))
            + '<p class="ci">annual.csv: each 365-day year of the horizon and the mean year (the horizon\'s '
              "totals × 365 / its days), means over the replications with 95 % intervals; the cost at risk is "
              "the 95 % quantile of the cost across replications with a distribution-free interval (none "
              "below 72 replications). docs/model.md explains the definitions.</p>")


def _events_section(results: "Results") -> str:
    """Per disruption (event_impact.csv): how often it struck a year and the units short one
    event cost under each strategy, with intervals; for runs where events recur (a rate, or a
    horizon longer than a year), else empty."""
    impact, scenario = results.event_impact, results.scenario
    recurring = scenario is not None and any(d.rate_per_year is not None for d in scenario.disruptions)
    if not len(impact) or not (recurring or results.info.get("horizon_days", 0) > 365):
        return ""

    strategies = list(dict.fromkeys(impact.strategy))
    first = impact[(impact.strategy == strategies[0]) & (impact.statistic == "events_per_year")]
    table = pd.DataFrame({"disruption": first.disruption.to_list(), "type": first.type.to_list(),
                          "events a year": _with_intervals(first, lambda v: f"{v:.2f}")})
    for strategy in strategies:
        rows = impact[(impact.strategy == strategy) & (impact.statistic == "shortfall_per_event")]
        table[f"units short an event: {strategy}"] = _with_intervals(rows, units)
        rows = impact[(impact.strategy == strategy) & (impact.statistic == "days_disrupted_median")]
        table[f"days disrupted (median): {strategy}"] = _with_intervals(rows, lambda v: f"{v:.0f}")
    return ("<h2>Events</h2>" + _table(table, ("disruption", "type"))
            + '<p class="ci">event_impact.csv: each disruption\'s events a year (the same under every strategy: '
              "common random numbers) and the units short charged to it per event (its share where events "
              "overlap), the total over the replications over its events, with a 95 % bootstrap interval "
              "over the replications; and the median days from an event's onset until service was back on "
              "every market it reaches (its end when service did not dip; Kaplan-Meier, censored at the "
              "horizon): one event's course, where the run's recovery time counts from the horizon's first "
              "onset. – where it never struck. The file also gives its units short a year. "
              "docs/model.md explains the definitions.</p>")


def _scenario_section(scenario: "Scenario") -> str:
    kinds = pd.Series([n.kind for n in scenario.nodes]).value_counts()
    nodes = " · ".join(f"{count} {kind}" for kind, count in kinds.items())
    events = pd.DataFrame([{
        "disruption": d.id, "type": d.type,
        "when": d.timing,
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


def _figures(figures: Mapping[str, tuple[str, bytes | str]], level: str) -> str:
    """Embedded PNG images (bytes), or links to figure files too large to read on the page (paths)."""
    if not figures:
        return (f"<p>No figures were drawn for this run (figures: {_e(level)}); the tables beside this report "
                f"hold every number.</p>")
    shown = []
    for caption, image in figures.values():
        if isinstance(image, str):
            shown.append(f'<p class="note">Too large to read on this page: <a href="{_e(image)}">{_e(image)}</a> '
                         f"({_e(caption)}).</p>")
        else:
            data = base64.b64encode(image).decode("ascii")
            shown.append(f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{_e(caption)}</figcaption></figure>")
    return "".join(shown)


def render_report(results: "Results", scenario: "Scenario", figures: Mapping[str, tuple[str, bytes | str]], *,
                  figures_level: str = "summary") -> str:
    """The report as one HTML string; ``figures`` maps a file name to (caption, PNG image to
    embed) or (caption, path of a figure file to link, relative to the report); with none,
    the report says no figures were drawn (``figures_level``, as given to ``--figures``)."""
    info = results.info
    advice = _advice(info)
    shown = _figures(figures, figures_level)
    chosen = results.orchestrations
    chosen = chosen[(chosen.replication == 0) & (chosen.kind != "evaluation")]
    orchestration = (_orchestration_table(chosen, info.get("currency", ""))
                     if len(chosen) else "<p>No strategy took an action.</p>")
    dropped = _dropped(results)
    if dropped is None:
        why_heading = "Why service dropped"
        ripple_html = "<p>Service never fell short: no replication of any strategy had a shortfall.</p>"
    else:
        strategy, replication, why = dropped
        why_heading = f"Why service dropped (replication {replication} of {strategy}: {why})"
        ripple = results.ripple
        ripple = ripple[(ripple.replication == replication) & (ripple.strategy == strategy)]
        # The disruption's own share beside the window's total: overlapping disruptions share the latter.
        ripple = ripple.drop(columns=["replication", "back_day", "charged_lost_units"]).assign(
            missed_units=ripple.missed_units.map(units), lost_units=ripple.lost_units.map(units),
            charged_units=ripple.charged_units.map(units)).rename(
            columns={"missed_units": "missed units", "lost_units": "lost units", "answered_by": "answered by",
                     "charged_units": "charged units"})
        ripple_html = (_table(ripple, ("strategy", "disruption", "node", "part", "product", "market", "answered by"))
                       if len(ripple) else "<p>No disruption reached a market.</p>")
    provenance = pd.DataFrame([
        {"item": k, "value": ", ".join(map(str, v)) if isinstance(v, list) else str(v)}  # as recorded (seeds, hashes)
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
<h2>{_e(why_heading)}</h2>{ripple_html}
<h2>Shortfall each lever closed (mean per replication, against none)</h2>{_levers_table(results)}
{_annual_section(results)}
{_events_section(results)}
<h2>Provenance</h2>{_table(provenance, ("item", "value"))}
<script>{_SCRIPT}</script>
</body></html>
"""
