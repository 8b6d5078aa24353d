"""The HTML report of an optimisation (:func:`resim.optimize`): one self-contained file, as a
run's report (:mod:`resim.report.html`: inline style, figures embedded as base64 PNG).

It shows the recommended plan with its fresh-replication intervals, the front and history
figures, the local sensitivity and the global importance tables, and the provenance. Every
sentence that compares two numbers is written from those numbers, and both stand in a table
beside it; a comparison is made on the numbers as shown (rounded as printed), so the words never
contradict what a reader sees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from resim.core.formatting import money, share, signed_money, units
from resim.report.html import _CSS, _SCRIPT, _e, _figures, _table

if TYPE_CHECKING:
    from resim.assess.optimize import Optimization

__all__ = ["render_optimize_report"]


def _score_form(name: str, currency: str):
    """How a score is printed: money for costs, a percentage for fill rate and service."""
    if name.startswith("cost") or name == "lever_cost":
        return lambda v: money(v, currency)
    return share


def _as_money(value: float) -> float:
    """Money as :func:`money` prints it: to the unit."""
    return float(round(value))


def _as_share(value: float) -> float:
    """A share as :func:`share` prints it: a percentage to one decimal."""
    return round(100 * float(value), 1)


def _than(a: float, b: float) -> str:
    """``higher than``, ``lower than`` or ``equal to``: ``a`` against ``b``, both as printed."""
    return "higher than" if a > b else "lower than" if a < b else "equal to"


def _plan_tables(opt: "Optimization", currency: str) -> tuple[str, str]:
    plan = opt.plan
    levers = plan[plan.role == "lever"][["name", "value"]].rename(columns={"name": "lever"})
    scores = plan[plan.role == "score"]
    rows = []
    for row in scores.itertuples():
        form = _score_form(row.name, currency)
        rows.append({"score": row.name, "search (common replications)": form(row.search),
                     "fresh replications": form(row.value),
                     "95 % interval": f"{form(row.ci_low)} – {form(row.ci_high)}" if np.isfinite(row.ci_low) else "–",
                     "n": int(row.n)})
    return _table(levers, ("lever",)), _table(pd.DataFrame(rows), ("score",))


def _verdict(opt: "Optimization", currency: str) -> list[str]:
    """The sentences comparing the plan with the target and its fresh cost with the search's."""
    info, scores = opt.info, opt.plan[opt.plan.role == "score"].set_index("name")
    target = float(info["objective"]["target"])
    service, cost = scores.loc["service"], scores.loc["cost_mean"]
    what = ("mean fill rate" if info["objective"]["service"] == "fill_rate"
            else f"share recovered within {info['objective']['within_days']:g} days")
    searched = _as_share(service.search) >= _as_share(target)
    fresh = _as_share(service.value) >= _as_share(target)
    sentences = [
        f"On the search's {info['replications']} common replications the plan's {what} is {share(service.search)}, "
        f"{'at least' if searched else 'below'} the target of {share(target)}; on {info['fresh_replications']} "
        f"fresh replications it is {share(service.value)}, {'at least' if fresh else 'below'} the target.",
        f"Its mean cost on the fresh replications, {money(cost.value, currency)}, is "
        f"{_than(_as_money(cost.value), _as_money(cost.search))} the search's estimate, "
        f"{money(cost.search, currency)} (the search's winner is the best of many noisy estimates, so its own "
        f"estimate tends to be low: the fresh one is the one to plan with)."]
    return sentences


def _sensitivity(opt: "Optimization", currency: str) -> tuple[str, str]:
    moves = opt.sensitivity
    if not len(moves):
        return "<p>No lever could move a step (each sits on both its bounds).</p>", ""
    shown = pd.DataFrame({"lever": moves.lever, "step": moves.change.map(lambda v: f"{v:+,g}"),
                          "value": moves.value, "cost": moves.cost.map(lambda v: money(v, currency)),
                          "cost change": moves.cost_change.map(lambda v: signed_money(v, currency)),
                          "service": moves.service.map(share),
                          "service change": moves.service_change.map(lambda v: f"{100 * v:+.1f} points"),
                          "meets the target": moves.feasible.map({True: "yes", False: "no"})})
    better = moves[moves.feasible & (moves.cost_change.map(_as_money) < 0)]
    if len(better):
        best = better.loc[better.cost_change.idxmin()]
        sentence = (f"{best.lever} one step to {units(best.value)} costs {money(-best.cost_change, currency)} less "
                    f"than the plan and still meets the target: the search has not converged, more trials may "
                    f"find a cheaper plan.")
    else:
        sentence = ("No step of one lever is cheaper than the plan and still meets the target: around the plan, "
                    "the search found the cheapest feasible setting.")
    return _table(shown, ("lever", "meets the target")), sentence


def _importance(opt: "Optimization") -> tuple[str, list[str]]:
    weights = opt.importance
    shown = weights.rename(columns={"cost": "importance for cost", "service": "importance for service"})
    sentences = []
    for score in ("cost", "service"):
        known = weights.dropna(subset=[score])
        if not len(known):
            sentences.append(f"The {score} did not change over the trials: no lever's importance for it.")
            continue
        if len(known) < 2:
            continue
        ranked = known.assign(shown=known[score].round(2)).sort_values("shown", ascending=False, kind="stable")
        top, low = ranked.iloc[0], ranked.iloc[-1]
        if top.shown == low.shown:
            sentences.append(f"The {score} varied as much with every lever (importance {top.shown:.2f} each).")
        else:
            sentences.append(f"Over the whole search the {score} varied most with {top.lever} (importance "
                             f"{top.shown:.2f}) and least with {low.lever} ({low.shown:.2f}).")
    return _table(shown.round(2), ("lever",)), sentences


def render_optimize_report(opt: "Optimization", figures: Mapping[str, tuple[str, bytes]], *,
                           title: str = "resim optimize", currency: str = "") -> str:
    """The optimisation's report as one HTML string; ``figures`` maps a name to (caption, PNG
    image to embed), shown in that order; ``title`` names the scenario."""
    info = opt.info
    levers, scores = _plan_tables(opt, currency)
    verdict = _verdict(opt, currency)
    moves, move_sentence = _sensitivity(opt, currency)
    weights, weight_sentences = _importance(opt)
    meets = "meets" if info.get("meets_target") else "does NOT meet (no candidate did: the best service found)"
    provenance = pd.DataFrame([{"item": k, "value": ", ".join(map(str, v)) if isinstance(v, list) else str(v)}
                               for k, v in info.items()])
    paragraph = "".join(f'<p class="finding">{_e(s)}</p>' for s in verdict)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>resim optimize: {_e(title)}</title><style>{_CSS}</style></head>
<body>
<h1>{_e(title)}: the levers of {_e(info.get("strategy"))}</h1>
<p class="sub">{_e(info.get("trials"))} trials × {_e(info.get("replications"))} replications (seed
{_e(info.get("seed"))}) · recommended plan re-run on {_e(info.get("fresh_replications"))} fresh replications
(seed {_e(info.get("fresh_seed"))}) · sampler {_e(info.get("sampler"))}</p>
<h2>The recommended plan</h2>
<div class="advice"><strong>Trial {_e(info.get("chosen_trial"))} {_e(meets)} the service target.</strong></div>
{levers}{scores}{paragraph}
<p class="ci">Search: the plan's scores on the common replications every candidate ran. Fresh: the same
plan on replications the search never saw, with 95 % intervals (resim's intervals of a mean, inside the
metric's domain, docs/model.md; a Wilson interval for a share recovered). The cost counts every euro the model charges plus the levers' yearly costs.</p>
<h2>Cost against service, and the search's history</h2>{_figures(figures, "optimize")}
<h2>Sensitivity around the plan (one step of each lever)</h2>{moves}<p class="finding">{_e(move_sentence)}</p>
<p class="ci">Each lever one step down and up from the plan, the others as planned, on the common
replications: what a step of it is worth here (local).</p>
<h2>Importance of each lever over the whole search</h2>{weights}
{"".join(f'<p class="finding">{_e(s)}</p>' for s in weight_sentences)}
<p class="ci">Each lever's share of the variance of the score over all trials (Optuna's fANOVA, seeded;
each column sums to 1): which levers mattered across the ranges searched (global), not what a step is
worth at the plan.</p>
<h2>Provenance</h2>{_table(provenance, ("item", "value"))}
<script>{_SCRIPT}</script>
</body></html>
"""
