"""Rich HTML summaries for Jupyter: what a scenario holds, what a run recommends, a table's head.

These are summaries, not dumps: a scenario shows its node kinds, supplier tiers, single-sourced
critical parts, disruptions and strategies; a run shows its recommendation and the key metrics
with their confidence intervals; a table shows its title and first rows. They back the
``_repr_html_`` methods of :class:`resim.Scenario`, :class:`resim.experiment.results.Results` and
:class:`resim.assess.risk.RiskReport`, and can be called directly::

    from IPython.display import HTML
    from resim.report.display import scenario_html, results_html, table_html
    HTML(table_html(res.comparison.table, "Strategies compared"))

Every text taken from a scenario is HTML-escaped (scenario files may come from anyone).
"""

from __future__ import annotations

import html
import math
from collections import Counter
from typing import TYPE_CHECKING, Iterable

import pandas as pd

if TYPE_CHECKING:
    from resim.assess.risk import RiskReport
    from resim.experiment.results import Results
    from resim.scenario import Scenario

__all__ = ["scenario_html", "results_html", "table_html", "TABLE_ROWS"]

TABLE_ROWS = 15          # rows shown by table_html (and by the lists inside the summaries)

# Scoped to the wrapper, so that the style does not leak into the rest of the notebook.
_STYLE = """<style>
.resim-display table { border-collapse: collapse; margin: 0.3em 0 0.8em 0; font-size: 0.9em; }
.resim-display th, .resim-display td { padding: 0.15em 0.6em; text-align: right; }
.resim-display th.text, .resim-display td.text { text-align: left; }
.resim-display tr.recommended td { font-weight: 600; }
.resim-display .ci, .resim-display .sub { color: #777; font-size: 0.85em; }
.resim-display .advice { border-left: 4px solid #0072B2; padding: 0.3em 0.8em; margin: 0.4em 0; }
.resim-display .warning { border-left: 4px solid #E69F00; padding: 0.3em 0.8em; margin: 0.4em 0; }
.resim-display h4 { margin: 0.8em 0 0.2em 0; }
</style>"""


def _e(value) -> str:
    return html.escape(str(value))


def _wrap(body: str) -> str:
    return f'<div class="resim-display">{_STYLE}{body}</div>'


def _rows(header: Iterable[str], rows: list[list], text_columns: Iterable[int] = (0,)) -> str:
    """A small table; the columns numbered in ``text_columns`` are left-aligned text."""
    text = set(text_columns)

    def css(i: int) -> str:
        return ' class="text"' if i in text else ""

    head = "".join(f"<th{css(i)}>{_e(h)}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f"<td{css(i)}>{_e(v)}</td>" for i, v in enumerate(row)) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _limited(rows: list[list], header: Iterable[str], text_columns: Iterable[int] = (0,)) -> str:
    shown = _rows(header, rows[:TABLE_ROWS], text_columns)
    if len(rows) > TABLE_ROWS:
        shown += f'<p class="sub">… and {len(rows) - TABLE_ROWS} more</p>'
    return shown


def _number(x: float) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return str(x)
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _dist(dist) -> str:
    """A distribution in the scenario notation (``triangular(60, 90, 150)``), a constant as a number."""
    if dist is None:
        return ""
    if getattr(dist, "dist", None) == "constant":
        return _number(dist.value)
    return str(dist)


def scenario_html(sc: "Scenario") -> str:
    """A one-screen HTML summary of a scenario: sizes, node kinds, supplier tiers, single-sourced
    critical parts, disruptions and strategies."""
    from resim.scenario import valuechain

    graph = sc.value_chain()
    kinds = Counter(n.kind for n in sc.nodes)
    tiers = Counter(t for n, t in graph.nodes(data="tier") if graph.nodes[n]["kind"] == "supplier"
                    and t is not None)
    critical = [p.id for p in sc.parts if p.critical]
    single = valuechain.single_sourced_parts(graph)
    parts = [f"<h4>Scenario: {_e(sc.name)}</h4>"]
    if sc.description:
        text = sc.description.strip()
        parts.append(f"<p>{_e(text if len(text) <= 400 else text[:400] + '…')}</p>")
    source = f" · {_e(sc.source)}" if sc.source else ""
    parts.append(f'<p class="sub">horizon {sc.horizon_days} days · {sc.replications} replications · '
                 f"seed {sc.seed} · {_e(sc.currency)}{source}</p>")
    sizes = [
        ["nodes", len(sc.nodes), " · ".join(f"{kind} {n}" for kind, n in kinds.most_common())],
        ["supplier tiers", sum(tiers.values()),
         " · ".join(f"tier {t}: {n}" for t, n in sorted(tiers.items())) or "none reach a plant"],
        ["lanes", len(sc.lanes), ""],
        ["parts", len(sc.parts), f"{len(critical)} critical"],
        ["demand streams", len(sc.demand), ""],
        ["MaaS offerings", len(sc.maas.providers),
         f"{len({o.provider for o in sc.maas.providers})} providers" if sc.maas.providers else ""],
        ["take-back streams", len(sc.circular.take_back), ""],
    ]
    parts.append(_rows(["", "count", "detail"], sizes, text_columns=(0, 2)))
    flagged = [[part, node, graph.nodes[node]["country"], graph.nodes[node]["region"]]
               for part, node in single.items() if part in critical]
    parts.append("<h4>Single-sourced critical parts</h4>")
    parts.append(_limited(flagged, ["part", "only maker", "country", "region"], text_columns=range(4))
                 if flagged else "<p>none: every critical part has two or more makers</p>")
    events = []
    for d in sc.disruptions:
        when = f"day {_dist(d.onset_day)}" if d.onset_day is not None else d.timing
        duration = _dist(d.duration_days) if d.duration_days is not None else "permanent"
        events.append([d.id, d.type, when, duration])
    parts.append(f"<h4>Disruptions ({len(sc.disruptions)})</h4>")
    parts.append(_limited(events, ["disruption", "type", "when", "duration (days)"], text_columns=range(4))
                 if events else "<p>none</p>")
    strategies = [[s.id, ", ".join(s.actions), s.description] for s in sc.strategies]
    parts.append(f"<h4>Strategies ({len(sc.strategies)})</h4>")
    parts.append(_limited(strategies, ["strategy", "actions", "what"], text_columns=range(3)))
    return _wrap("".join(parts))


def results_html(res: "Results") -> str:
    """An HTML summary of a run: the recommendation with its reasons and warnings, and the key
    metrics per strategy with their intervals."""
    from resim.report.html import _advice, _summary_table

    info = res.info
    strategies = info.get("strategies") or list(dict.fromkeys(res.summary.get("strategy", [])))
    parts = [f"<h4>Results: {_e(info.get('scenario_name') or 'resim run')}</h4>",
             f'<p class="sub">{_e(info.get("replications"))} replications of {len(strategies)} strategies '
             f"({_e(', '.join(strategies))}) · seed {_e(info.get('seed'))} · "
             f"{_e(info.get('executor'))} executor</p>"]
    parts.append(_advice(info))
    if len(res.summary):
        parts.append(_summary_table(res))
    parts.append('<p class="sub">Tables: summary, replications, timeseries, costs, orchestrations, '
                 "comparison.table, ripple, levers, events, inventory; figures: res.plot.recovery(), "
                 ".pareto(), .costs(), .network(), .gantt(), .inventory()</p>")
    return _wrap("".join(parts))


def risk_html(report: "RiskReport") -> str:
    """A risk assessment in a notebook: the node stress test and the risk register."""
    return (table_html(report.nodes, "Nodes: time to survive against time to recover")
            + table_html(report.register, "Risk register"))


def table_html(frame: pd.DataFrame, title: str, rows: int = TABLE_ROWS) -> str:
    """A titled HTML table of the first ``rows`` rows of ``frame`` (15 by default), with its size."""
    shown = frame.head(rows)
    formatters = {c: _number for c in shown.columns if pd.api.types.is_float_dtype(shown[c])}
    body = shown.to_html(border=0, formatters=formatters, escape=True, na_rep="–",
                         index=not isinstance(frame.index, pd.RangeIndex))
    size = f"{len(frame):,} rows × {frame.shape[1]} columns"
    note = f"first {len(shown)} of {size}" if len(frame) > len(shown) else size
    return _wrap(f"<h4>{_e(title)}</h4>{body}<p class=\"sub\">{note}</p>")
