"""Issue 23's circular levers, global importance and the optimisation's HTML report.

The hand chain with a reman centre (tests/test_circular.py's ``with_reman``): sA -> plant (P = 2 A)
-> dc -> m, 10 P delivered a day, no installed base, every unit sold comes back after exactly 20
days times the stream's return rate; the centre ``rm`` takes cores apart (3 a core) and nothing
pulls from it (its lane is on standby, its stock level 0). Over a 60-day horizon the cores come
back on days 20-59: 40 days × 10 × rate.
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import resim
from resim.assess.optimize import optimize
from resim.assess.optimize_levers import lever_baselines, lever_costs, lever_path, parse_lever, plan_variant
from resim.cli.main import main
from resim.sim.engine import Model

from tests.chains import write
from tests.test_circular import STEPS, with_reman
from tests.test_optimize import newsvendor

DISASSEMBLY = dict(STEPS[0], capacity_per_day=4, **{"yield": 1.0})  # 3 a core, 4 cores a day


def _reman(optimize_section: dict | None = None) -> resim.Scenario:
    sc = with_reman(horizon=60, installed_base=0, use_life_days=20, processes=[DISASSEMBLY])
    return sc if optimize_section is None else sc.replace(optimize=optimize_section)


RATE_LEVER = {"kind": "return_rate", "node": "m", "part": "P", "low": 0.25, "high": 1.0, "step": 0.25,
              "cost_per_unit_year": 1000}
CAPACITY_LEVER = {"kind": "reman_capacity", "node": "rm", "process": "disassembly", "low": 2, "high": 8,
                  "step": 2, "cost_per_unit_year": 73}


def test_circular_levers_set_the_stream_and_the_step_they_name():
    sc = _reman({"strategy": "none", "levers": [RATE_LEVER, CAPACITY_LEVER]})
    spec = sc.optimize
    assert [lever.name for lever in spec.levers] == ["return_rate[m/P]", "reman_capacity[rm/disassembly]"]
    assert [lever_path(sc, "none", lever) for lever in spec.levers] == [
        "circular.take_back[0].return_rate", "circular.processes[0].capacity_per_day"]
    variant = plan_variant(sc, spec, {"return_rate[m/P]": 0.75, "reman_capacity[rm/disassembly]": 6})
    assert variant.circular.take_back[0].return_rate == 0.75
    assert variant.circular.processes[0].capacity_per_day == 6
    assert variant.circular.processes[0].cost_per_unit == 3  # the step's other fields stay
    # The status quo the yearly costs are charged above: the scenario's own rate and capacity.
    assert lever_baselines(sc, spec) == {"return_rate[m/P]": 0.5, "reman_capacity[rm/disassembly]": 4.0}


@pytest.mark.parametrize("rate, capacity", [(0.25, 8), (0.5, 2), (1.0, 4)])
def test_a_return_rate_brings_back_that_share_of_what_was_sold(rate, capacity):
    # Cores back = rate × 10 a day × 40 days; taken apart: at most `capacity` a day, the rest
    # wait whole (no backlog can be cleared when capacity < returns, as returns never drop);
    # reman cost = 3 a core taken apart (nothing pulls the centre, so no step beyond disassembly).
    sc = _reman({"strategy": "none", "levers": [RATE_LEVER, CAPACITY_LEVER]})
    variant = plan_variant(sc, sc.optimize, {"return_rate[m/P]": rate, "reman_capacity[rm/disassembly]": capacity})
    model = Model(variant)
    costs = model.run().cost_totals()
    led = model.circular.ledger
    assert led.returned.sum() == pytest.approx(rate * 10 * 40)
    assert led.disassembled.sum() == pytest.approx(min(capacity, rate * 10) * 40)
    assert costs["reman"] == pytest.approx(3 * min(capacity, rate * 10) * 40)
    run = resim.run(variant, replications=1, strategies=["none"], executor="serial").replications
    assert run.cores_returned.iloc[0] == pytest.approx(rate * 10 * 40)


def test_the_circular_levers_yearly_cost_is_charged_once_above_the_scenarios_own():
    # Fee over 60 days = max(0, rate − 0.5) × 1000 × 60/365 + max(0, capacity − 4) × 73 × 60/365;
    # the objective = the variant's cost_total (the model's every euro, the fee not among them)
    # − its stock_change (stock drawn down counts as spent) + fee.
    sc = _reman({"strategy": "none", "levers": [RATE_LEVER, CAPACITY_LEVER], "trials": 6, "replications": 1,
                 "objective": {"target": 0}})
    opt = optimize(sc, executor="serial")
    for trial in opt.trials.itertuples():
        rate, capacity = getattr(trial, "_2"), getattr(trial, "_3")  # return_rate[m/P], reman_capacity[...]
        fee = (max(0.0, rate - 0.5) * 1000 + max(0.0, capacity - 4) * 73) * 60 / 365
        assert trial.lever_cost == pytest.approx(fee)
        values = {"return_rate[m/P]": rate, "reman_capacity[rm/disassembly]": capacity}
        row = resim.run(plan_variant(sc, sc.optimize, values), replications=1, strategies=["none"],
                        executor="serial").replications.iloc[0]
        assert trial.cost == pytest.approx(row.cost_total - row.stock_change + fee)
    assert lever_costs(sc.optimize, {"return_rate[m/P]": 0.25, "reman_capacity[rm/disassembly]": 2}, 60,
                       lever_baselines(sc, sc.optimize)) == 0  # below the status quo saves nothing


@pytest.mark.parametrize("text", ["return_rate[m/P]=0.2:0.9:0.1", "reman_capacity[rm/testing]=1:40",
                                  "reman_capacity[rm]=1:40"])
def test_a_circular_lever_reads_back_under_its_own_name(text):
    assert parse_lever(text).name == text.split("=")[0]


@pytest.mark.parametrize("text, fragment", [("return_rate[m/P]=0:1.5", "at most 1"),
                                            ("reman_capacity[rm/testing]=0:5", "above 0"),
                                            ("reman_capacity[]=1:5", "NODE/PROCESS or NODE"),
                                            ("reman_capacity[rm/painting]=1:5", "disassembly")])
def test_a_bad_circular_lever_is_said_in_one_line(text, fragment):
    with pytest.raises(ValueError, match=fragment.replace("/", ".")):
        parse_lever(text)


def test_a_reman_capacity_lever_without_a_process_sets_the_centres_own_capacity():
    # The centre restocks a base stock of 30 from graded cores, within its own capacity of good
    # units a day (tests/test_circular.py): 4 a day in the scenario, the lever's value in a plan.
    # The plan's fee is charged above the scenario's 4 only.
    whole = [dict(STEPS[0], **{"yield": 1.0}), *STEPS[1:]]
    lever = {"kind": "reman_capacity", "node": "rm", "low": 1, "high": 6, "step": 1, "cost_per_unit_year": 365}
    sc = with_reman(horizon=60, processes=whole, level=30, capacity=4).replace(
        optimize={"strategy": "none", "levers": [lever]})
    (spec_lever,) = sc.optimize.levers
    assert spec_lever.name == "reman_capacity[rm]" and lever_path(sc, "none", spec_lever) == "nodes[rm].capacity_per_day"
    assert lever_baselines(sc, sc.optimize) == {"reman_capacity[rm]": 4.0}
    assert lever_costs(sc.optimize, {"reman_capacity[rm]": 6}, 60, lever_baselines(sc, sc.optimize)) == \
        pytest.approx(2 * 365 * 60 / 365)
    for capacity in (2, 6):
        model = Model(plan_variant(sc, sc.optimize, {"reman_capacity[rm]": capacity}), detail=True)
        model.run()
        made = model.ledger.stock().set_index(["node", "part", "day"]).sort_index().loc[("rm", "A"), "produced"]
        assert made.max() == pytest.approx(capacity) and made.sum() == pytest.approx(30)  # the cap binds
    assert (Model(plan_variant(sc, sc.optimize, {"reman_capacity[rm]": 2}), detail=True).scenario
            .nodes_by_id["rm"].capacity_per_day == 2)


def test_a_centre_capacity_lever_needs_a_reman_node_with_a_capacity():
    lever = {"kind": "reman_capacity", "node": "rm", "low": 1, "high": 6}
    with pytest.raises(resim.ScenarioError, match="not a reman node with a capacity_per_day"):
        _reman({"strategy": "none", "levers": [lever]})   # rm has no capacity_per_day: unlimited
    with pytest.raises(resim.ScenarioError, match="not a reman node with a capacity_per_day"):
        _reman({"strategy": "none", "levers": [dict(lever, node="plant")]})


def test_a_circular_lever_without_its_stream_or_step_is_refused():
    with pytest.raises(resim.ScenarioError, match="no take-back stream of 'A' sold in 'm'"):
        _reman({"strategy": "none", "levers": [dict(RATE_LEVER, part="A")]})
    with pytest.raises(resim.ScenarioError, match="node 'rm' has no testing step"):
        _reman({"strategy": "none", "levers": [dict(CAPACITY_LEVER, process="testing")]})


# -- global importance ---------------------------------------------------------------------------

def _with_dummy(trials: int = 24) -> resim.Scenario:
    # The newsvendor's base-stock level moves cost and fill rate; a MaaS budget without a disruption
    # is never spent and has no fee: a lever with no effect at all.
    return resim.scenario_from_dict(newsvendor(
        horizon=60, reps=2, strategies=[{"id": "rent", "actions": ["maas_upstream"], "budget": 0}],
        optimize_section={"strategy": "rent", "trials": trials, "objective": {"target": 0.9},
                          "levers": [{"kind": "maas_budget", "low": 0, "high": 100_000},
                                     {"kind": "base_stock", "node": "plant", "part": "P", "low": 10, "high": 35,
                                      "step": 1}]}))


def test_importances_sum_to_one_and_a_lever_without_effect_comes_last():
    opt = optimize(_with_dummy(), executor="serial")
    weights = opt.importance.set_index("lever")
    assert list(weights.index) == ["maas_budget", "base_stock[plant/P]"]
    for score in ("cost", "service"):
        assert weights[score].sum() == pytest.approx(1.0)
        assert weights[score].idxmin() == "maas_budget"
        assert weights.loc["base_stock[plant/P]", score] > 0.8
    # Seeded: the same study gives the same importances.
    pd.testing.assert_frame_equal(optimize(_with_dummy(), executor="serial").importance, opt.importance)


# -- the report ----------------------------------------------------------------------------------

class _Page(HTMLParser):
    """The report's tables (rows of cell texts, by table), finding sentences and image sources."""

    def __init__(self) -> None:
        super().__init__()
        self.tables, self.findings, self.images, self._cell, self._finding = [], [], [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "p" and attrs.get("class") == "finding":
            self._finding = ""
        elif tag == "img":
            self.images.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell.strip())
            self._cell = None
        elif tag == "p" and self._finding is not None:
            self.findings.append(self._finding.strip())
            self._finding = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._finding is not None:
            self._finding += data


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text.replace("–", "-")))


def _frame(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_resim_optimize_writes_a_report_whose_sentences_match_its_tables(tmp_path):
    path = write(tmp_path / "nv.yaml", newsvendor(horizon=60, reps=2, strategies=[
        {"id": "rent", "actions": ["maas_upstream"], "budget": 0}]))
    out = tmp_path / "out"
    assert main(["optimize", path, "--strategy", "rent", "--lever", "base_stock[plant/P]=10:35:1",
                 "--lever", "maas_budget=0:100000", "--trials", "10", "--target", "0.9",
                 "--executor", "serial", "-o", str(out)]) == 0
    importance = pd.read_csv(out / "importance.csv")
    assert list(importance.columns) == ["lever", "cost", "service"]
    page = _Page()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    # Self-contained: both figures embedded as PNG, no link to a file.
    assert len(page.images) == 2
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    tables = [_frame(t) for t in page.tables]
    levers = next(t for t in tables if list(t.columns) == ["lever", "value"]).set_index("lever")
    plan = pd.read_csv(out / "plan.csv").set_index("name")
    assert _number(levers.loc["base_stock[plant/P]", "value"]) == plan.loc["base_stock[plant/P]", "value"]
    scores = next(t for t in tables if "fresh replications" in t.columns).set_index("score")
    # The target sentence: each service as printed, and "at least" exactly when it is >= 90.0 %.
    target, curse = page.findings[0], page.findings[1]
    searched, fresh = (_number(scores.loc["service", c]) for c in ("search (common replications)",
                                                                   "fresh replications"))
    said = re.findall(r"is ([0-9.]+ %), (at least|below) the target", target)
    assert [(_number(s), word) for s, word in said] == [
        (searched, "at least" if searched >= 90.0 else "below"), (fresh, "at least" if fresh >= 90.0 else "below")]
    # The winner's curse sentence: the fresh and searched mean costs as in the table, compared rightly.
    cost_fresh, cost_search = (_number(scores.loc["cost_mean", c]) for c in ("fresh replications",
                                                                             "search (common replications)"))
    amount = r"(-?[A-Z]* ?[0-9]+(?:,[0-9]{3})*)"
    match = re.search(rf"fresh replications, {amount}, is (higher than|lower than|equal to) the "
                      rf"search's estimate, {amount}", curse)
    assert match, curse
    assert (_number(match.group(1)), _number(match.group(3))) == (cost_fresh, cost_search)
    expected = "higher than" if cost_fresh > cost_search else "lower than" if cost_fresh < cost_search else "equal to"
    assert match.group(2) == expected
    # The sensitivity sentence: the feasible step with the largest saving shown, or none when no
    # feasible step shows a saving.
    steps = next(t for t in tables if "cost change" in t.columns)
    saving = steps[(steps["meets the target"] == "yes") & (steps["cost change"].map(_number) < 0)]
    sentence = next(s for s in page.findings if "than the plan" in s or "No step" in s)
    if len(saving):
        best = saving.loc[saving["cost change"].map(_number).idxmin()]
        lever, value, less = re.search(rf"(\S+) one step to ([0-9,.]+) costs {amount} less", sentence).groups()
        assert (lever, _number(value), -_number(less)) == (best.lever, _number(best.value),
                                                          _number(best["cost change"]))
    else:
        assert sentence.startswith("No step of one lever is cheaper")
    # The importance sentence names the levers with the highest and lowest importance shown.
    weights = next(t for t in tables if "importance for cost" in t.columns)
    shown = dict(zip(weights.lever, weights["importance for cost"].map(float)))
    sentence = next(s for s in page.findings if s.startswith("Over the whole search the cost"))
    most, top, least, low = re.search(r"most with (\S+) \(importance ([0-9.]+)\) and least with (\S+) \(([0-9.]+)\)",
                                      sentence).groups()
    assert (shown[most], shown[least]) == (float(top), float(low)) == (max(shown.values()), min(shown.values()))
    assert np.isclose(sum(shown.values()), 1.0, atol=0.011)  # two decimals each
