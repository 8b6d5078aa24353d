"""Risk assessment R1 on small deterministic chains solved by hand (constant demand, fixed lead
times: every replication is the same, so every interval has width 0)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import resim
from resim.cli.main import main
from resim.assess.risk import RiskReport, assess_risk, node_ttr
from resim.assess.risk_lp import stress_test
from tests.chains import hand_chain, write

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only


def _site(id_: str, kind: str, **extra) -> dict:
    return {"id": id_, "kind": kind, "country": "DE", "region": "europe", **extra}


def supplier_dc(capacity: float = 12, initial: float | None = None, second: float | None = None,
                horizon: int = 120) -> resim.Scenario:
    """S (capacity/day, makes to order) -> dc (base stock 100) -> market m, 10 P a day (price 50,
    unit cost 20, backorders), no lead times; optionally a second source S2 -> dc."""
    stock = {"part": "P", "policy": {"type": "base_stock", "level": 100}}
    if initial is not None:
        stock["initial"] = initial
    nodes = [_site("S", "supplier", makes="P", capacity_per_day=capacity),
             _site("dc", "dc", inventory=[stock]), _site("m", "market")]
    lanes = [{"from": "S", "to": "dc", "parts": "P", "lead_time_days": 0},
             {"from": "dc", "to": "m", "parts": "P", "lead_time_days": 0}]
    if second is not None:
        nodes.insert(1, _site("S2", "supplier", makes="P", capacity_per_day=second))
        lanes.append({"from": "S2", "to": "dc", "parts": "P", "lead_time_days": 0})
    return resim.scenario_from_dict({
        "name": "supplier and dc", "horizon_days": horizon, "parts": [{"id": "P", "unit_cost": 20}],
        "nodes": nodes, "lanes": lanes,
        "demand": [{"market": "m", "part": "P", "daily": 10, "price": 50}]})


def headline_counts(lines: list[str]) -> dict:
    """The numbers and names of a headline, read back from its text."""
    exposed = re.fullmatch(r"(\d+) of (\d+) nodes cannot ride out their recovery time by the LP "
                           r"\(TTS < TTR\): (.*)", lines[0])
    assert exposed, lines[0]
    counts = {"exposed": int(exposed[1]), "nodes": int(exposed[2]), "exposed_names": exposed[3]}
    check = re.fullmatch(r"the simulation agrees on (\d+) of the (\d+) it checked \(units short from "
                         r"the outage day to outage day \+ TTR\); (?:(\d+) disagree: (.*)|none disagree)",
                         lines[1])
    assert check, lines[1]
    counts |= {"agree": int(check[1]), "checked": int(check[2]), "disagree": int(check[3] or 0),
               "disagree_names": re.findall(r"(\w+) \(simulated", check[4] or "")}
    return counts


def assert_headline_matches(report: RiskReport) -> None:
    """The headline says what the nodes table holds."""
    nodes = report.nodes
    counts = headline_counts(report.headline())
    checked = nodes[nodes.simulated_units.notna()]
    assert counts["nodes"] == len(nodes)
    assert counts["exposed"] == int(nodes.exposed.sum())
    assert counts["checked"] == len(checked)
    assert counts["disagree"] == int(checked.lp_and_simulation_disagree.sum())
    assert counts["agree"] == counts["checked"] - counts["disagree"]
    assert counts["disagree_names"] == list(checked.node[checked.lp_and_simulation_disagree])
    # a node is exposed only with a finite TTS below its TTR
    assert (nodes.exposed == (np.isfinite(nodes.tts_days) & (nodes.tts_days < nodes.ttr_days))).all()


def catalogue() -> resim.Scenario:
    # Late units cost a penalty of 20 each, so outages lose money, not only units.
    return hand_chain(horizon=120, a_level=200).replace(**{"demand[0].shortage_penalty_per_unit": 20}, disruptions=[
        {"id": "duty", "type": "trade_barrier", "barrier": "tariff", "rate": 0.1,
         "from_countries": ["CN"], "to_countries": ["DE"], "onset_day": 50, "duration_days": 10},
        {"id": "fire", "type": "capacity_loss", "nodes": ["plant"], "annual_probability": 0.2,
         "duration_days": 25},
        {"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 60, "duration_days": 40},
    ])


@pytest.fixture(scope="module")
def report():
    return assess_risk(catalogue(), replications=2, executor="serial")


def test_ttr_comes_from_the_catalogue(report):
    ttr = node_ttr(catalogue(), default_ttr_days=12)
    assert ttr == {"sA": 40, "plant": 25, "dc": 12, "m": 12}


def test_every_term_of_the_ttr():
    # The worked example of docs/risk.md, on the hand chain (horizon 120):
    #   sA: an earthquake in CN, duration triangular(60, 90, 150) (mean 100), ramp over 30 days
    #       (+ 30 / 2 = 15): 115; a 20-day strike at sA is shorter and does not count;
    #   plant: breakdowns every ~90 days for the whole year, each repaired in triangular(1, 2, 4)
    #       days: one repair, mean 7 / 3 (not the 365-day window of the breakdowns);
    #   dc: fails for good: the horizon, 120;
    #   a tariff stops no node; the market m is hit by nothing: the default, 12.
    scenario = hand_chain(horizon=120).replace(disruptions=[
        {"id": "quake", "type": "natural_disaster", "footprint": {"countries": ["CN"]}, "onset_day": 10,
         "duration_days": "triangular(60, 90, 150)", "recovery": {"profile": "ramp", "ramp_days": 30}},
        {"id": "strike", "type": "capacity_loss", "nodes": ["sA"], "severity": 0.5, "onset_day": 5,
         "duration_days": 20},
        {"id": "bench", "type": "capacity_loss", "nodes": ["plant"], "severity": 0.4, "onset_day": 0,
         "duration_days": 365, "mtbf_days": "exponential(90)", "mttr_days": "triangular(1, 2, 4)"},
        {"id": "bankrupt", "type": "supplier_failure", "nodes": ["dc"], "onset_day": 50},
        {"id": "duty", "type": "trade_barrier", "barrier": "tariff", "rate": 0.1,
         "from_countries": ["CN"], "to_countries": ["DE"], "onset_day": 50, "duration_days": 10},
    ])
    assert node_ttr(scenario, default_ttr_days=12) == pytest.approx(
        {"sA": 115.0, "plant": 7 / 3, "dc": 120.0, "m": 12.0})


def test_a_permanent_failure_beyond_ten_years_does_not_expose_a_node_whose_loss_costs_nothing():
    # S2 is the second source: S alone makes the 10 a day demanded. S2 fails for good in a
    # 4,000-day horizon, so its TTR is 4,000 days, more than ten years; its TTS is unbounded
    # (the chain never runs short without it), so it is not exposed. S (S2 makes 4 a day):
    # TTS = 100 / (10 - 4) = 16.7 days < 30: exposed.
    scenario = supplier_dc(capacity=10, second=4, horizon=4000).replace(disruptions=[
        {"id": "gone", "type": "supplier_failure", "nodes": ["S2"], "onset_day": 10}])
    ttr = node_ttr(scenario)
    assert ttr["S2"] == 4000.0
    nodes = stress_test(scenario, ttr=ttr).set_index("node")
    assert nodes.loc["S2", "tts_days"] == math.inf and not nodes.loc["S2", "exposed"]
    assert nodes.loc["S", "tts_days"] == pytest.approx(100 / 6) and nodes.loc["S", "exposed"]


def test_a_tariff_costs_its_rate_on_the_flows_it_taxes_and_loses_no_units(report):
    duty = report.register.set_index("disruption").loc["duty"]
    # sA ships 20 A (worth 5 each) every day: 10 days x 20 x 5 x 0.1 = 100, the same in every replication.
    assert duty.impact_units == pytest.approx(0)
    assert duty.impact_loss == pytest.approx(100)
    assert duty.expected_loss_per_year == pytest.approx(100)


def test_the_register_is_ranked_by_expected_loss_with_probabilities(report):
    register = report.register
    assert list(register.expected_loss_per_year) == sorted(register.expected_loss_per_year, reverse=True)
    fire = register.set_index("disruption").loc["fire"]
    assert fire.probability_per_year == 0.2
    assert fire.expected_loss_per_year == pytest.approx(0.2 * fire.impact_loss)
    assert register.iloc[0].disruption == "gone" and register.iloc[0].high_risk


def test_simulated_outages_are_no_better_than_the_lp_bound(report):
    # The LP re-routes stock perfectly and ignores lead times: it is an optimistic bound, so the
    # simulated shortfall of the same outage over the same 40 days cannot be smaller (beyond
    # rounding).
    nodes = report.nodes.set_index("node")
    sa = nodes.loc["sA"]
    assert sa.ttr_days == 40 and sa.exposed and sa.window_days == 40
    assert sa.lp_window_units == sa.lost_units
    assert sa.simulated_units >= sa.lost_units - 1e-6
    # Without A, the plant's ~140 A on hand and in transit and the DC's stock bridge part of the
    # 40 days: the LP loses 10/day beyond what the stock covers.
    assert 0 < sa.lost_units < 400


def _paired_shortfall(scenario: resim.Scenario, outage: dict | None, days: slice) -> float:
    """Mean over replications of the units short on ``days`` with ``outage``, minus without it,
    from the run's daily means (another path than the risk assessment's)."""
    quiet = scenario.replace(disruptions=[], strategies=[])
    series = [resim.run(variant, replications=2, executor="serial").timeseries
              for variant in (quiet.replace(disruptions=[outage]), quiet)]
    short = [(t.demand - t.on_time).to_numpy()[days].sum() for t in series]
    return float(short[0] - short[1])


def test_the_simulation_is_compared_with_the_lp_over_the_same_window():
    # S (12 a day) -> dc (base stock 100) -> m, 10 a day, backorders; S down for its TTR of 30
    # days from the outage day. The LP: 300 demanded over 30 days, the dc's 100 on hand -> 200
    # lost. The simulation over the same 30 days: the dc holds 80 on the eve of the outage and
    # S's last day of output (10) arrives on the outage day, so 90 units cover 9 days and 21
    # days go short: 210, within the tolerance (a tenth of a day's demand per day: 30). After
    # the window S refills only 2 a day beyond demand, so the backlog keeps new demand late to
    # the end of the horizon: those units are reported apart, not compared with the LP.
    scenario = supplier_dc()
    report = assess_risk(scenario, replications=2, executor="serial")
    day = report.info["outage_day"]
    s = report.nodes.set_index("node").loc["S"]
    assert (s.ttr_days, s.window_days) == (30, 30)
    assert s.lost_units == pytest.approx(200) and s.lp_window_units == pytest.approx(200)
    assert s.simulated_units == pytest.approx(210)
    assert s.simulated_units <= 10 * 30  # no more short than demanded in the window
    assert not s.lp_and_simulation_disagree and s.simulation_check == "agrees"
    # the same numbers from the daily series of run(): the window, and all days from the outage on
    outage = {"id": "outage", "type": "supplier_failure", "nodes": ["S"], "onset_day": day, "duration_days": 30}
    assert s.simulated_units == pytest.approx(_paired_shortfall(scenario, outage, slice(day, day + 30)))
    assert s.simulated_units + s.simulated_units_after == pytest.approx(
        _paired_shortfall(scenario, outage, slice(day, None)))
    assert s.simulated_units_after > s.tolerance_units
    assert_headline_matches(report)
    assert report.headline()[2].startswith("the simulated impact outlasts the window for 1 of the 2")


def test_a_disagreement_is_flagged_named_in_the_headline_and_marked_in_the_figure():
    # As above, but the dc starts with nothing on day 0 and S makes 50 a day. The LP counts
    # day-0 stock: S down -> TTS 0 and all 300 units of the 30 days lost. By the outage day the
    # simulation has refilled the dc (80 on hand + 10 arriving), so it loses 210: 90 fewer than
    # the LP, beyond the tolerance of 30 -> disagree, the simulation losing less. The dc down is
    # the market's only route: 300 lost by both.
    report = assess_risk(supplier_dc(capacity=50, initial=0), replications=2, executor="serial")
    nodes = report.nodes.set_index("node")
    assert nodes.loc["S", "lp_window_units"] == pytest.approx(300)
    assert nodes.loc["S", "simulated_units"] == pytest.approx(210)
    assert nodes.loc["S", "tolerance_units"] == pytest.approx(30)
    assert nodes.loc["S", "simulation_check"] == "simulation loses less"
    assert nodes.loc["dc", "simulated_units"] == pytest.approx(300)
    assert nodes.loc["dc", "simulation_check"] == "agrees"
    assert list(nodes.lp_and_simulation_disagree) == [True, False]
    lines = report.headline()
    assert lines[:2] == [
        "2 of 2 nodes cannot ride out their recovery time by the LP (TTS < TTR): S, dc",
        "the simulation agrees on 1 of the 2 it checked (units short from the outage day to outage day "
        "+ TTR); 1 disagree: S (simulated 210, LP 300)"]
    assert_headline_matches(report)
    # the figure rings S, at (TTR 30, TTS 0), and says so in its legend
    ax = report.plot_tts_ttr().axes[0]
    rings = [c for c in ax.collections if c.get_label() == "LP and simulation disagree"]
    assert len(rings) == 1 and rings[0].get_offsets().tolist() == [[30.0, 0.0]]
    assert "LP and simulation disagree" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_an_unbounded_tts_is_drawn_apart_and_never_as_exposed():
    from resim.report.figures import tts_ttr

    nodes = pd.DataFrame({"node": ["a", "b"], "ttr_days": [30.0, 4000.0], "tts_days": [10.0, math.inf],
                          "exposed": [True, False], "risk_exposure_index": [1.0, 0.0]})
    ax = tts_ttr(nodes).axes[0]
    marks = {c.get_label(): c.get_offsets().tolist() for c in ax.collections}
    top = 1.5 * 4000
    assert marks["TTS unbounded (never short)"] == [[4000.0, top]]
    assert marks["exposed (TTS < TTR)"] == [[30.0, 10.0]]
    assert marks["survives"] == []


def test_a_gain_is_called_a_gain_and_an_impact_within_noise_is_no_impact(tmp_path, capsys):
    # Hand chain, sA makes at most 40 A a day (the plant uses 20). "slow": sA at a quarter of
    # its capacity for 10 days: the plant's A stock falls 10 a day for 10 days, then refills at
    # 20 a day: 10 + 20 + ... + 100 + 80 + 60 + 40 + 20 = 750 unit-days less A held, and no unit
    # short. Holding A costs 0.25 of its unit cost 5 a year: profit rises by 750 * 5 * 0.25 / 365.
    # "same": a demand shock of multiplier 1 changes nothing (an interval of [0, 0] contains 0).
    # Neither has an expected loss; only the tariff (a loss of 100) ranks and is high risk.
    scenario = hand_chain(horizon=120, a_level=200).replace(**{"nodes[sA].capacity_per_day": 40}, disruptions=[
        {"id": "slow", "type": "capacity_loss", "nodes": ["sA"], "severity": 0.75, "onset_day": 50,
         "duration_days": 10},
        {"id": "same", "type": "demand_shock", "markets": ["m"], "multiplier": 1.0, "onset_day": 50,
         "duration_days": 10},
        {"id": "duty", "type": "trade_barrier", "barrier": "tariff", "rate": 0.1,
         "from_countries": ["CN"], "to_countries": ["DE"], "onset_day": 50, "duration_days": 10}])
    report = assess_risk(scenario, replications=2, executor="serial", simulate_nodes=0)
    register = report.register.set_index("disruption")
    gain = 750 * 5 * 0.25 / 365
    assert register.loc["slow", "impact_loss"] == pytest.approx(-gain)
    assert register.loc["slow", "profit_effect"] == "gain"
    assert register.loc["same", "profit_effect"] == "no measurable impact"
    assert register.loc["duty", "profit_effect"] == "loss"
    assert not register.units_measurable.any()
    assert list(register.expected_loss_per_year) == pytest.approx([100, 0, 0])
    assert list(report.register.disruption) == ["duty", "same", "slow"]
    assert list(report.register.high_risk) == [True, False, False]
    # printed: the gain as a gain, no negative number anywhere
    data = scenario.model_dump(by_alias=True, exclude_unset=True, mode="json")
    path = write(tmp_path / "chain.yaml", data)
    assert main(["risk", path, "-o", str(tmp_path / "risk"), "--replications", "2", "--executor", "serial",
                 "--simulate-nodes", "0"]) == 0
    printed = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.split()}
    assert f"gain {gain:,.0f} " in printed["slow"] and "no measurable impact" in printed["same"]
    assert "loss 100 " in printed["duty"]
    assert not any("-" in printed[name] for name in ("slow", "same", "duty"))


def test_a_tariff_loses_no_units_even_when_the_chain_is_short_before_it():
    # The dc starts empty: the first 2 days go short with or without the tariff (20 units).
    # The tariff moves no unit, so its impact is exactly 0 units: the days before its onset
    # count in both runs, not only in the undisrupted one.
    scenario = catalogue().replace(**{"nodes[dc].inventory[0].initial": 0})
    report = assess_risk(scenario.replace(disruptions=[scenario.disruptions[0]]), replications=2,
                         executor="serial", simulate_nodes=0)
    duty = report.register.iloc[0]
    assert duty.disruption == "duty" and duty.impact_units == 0.0 and not duty.units_measurable
    assert duty.impact_loss == pytest.approx(100)


def test_resim_risk_ttr_beyond_ten_years_reports_an_unbounded_tts(tmp_path, capsys):
    # --ttr 4000 for every node of S (10 a day) + S2 (4 a day) -> dc -> m (10 a day): S2's loss
    # never binds (TTS unbounded: not exposed, however long it lasts); S's does after
    # 100 / (10 - 4) = 16.7 days and the dc's at once. The simulated outages last to the end of
    # the 120-day horizon: 120 - 35 = 85 days are compared.
    path = write(tmp_path / "dual.yaml", supplier_dc(capacity=10, second=4).model_dump(
        by_alias=True, exclude_unset=True, mode="json"))
    out = tmp_path / "risk"
    assert main(["risk", path, "-o", str(out), "--ttr", "4000", "--replications", "2",
                 "--executor", "serial"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2 of 3 nodes cannot ride out their recovery time by the LP (TTS < TTR): dc, S"
    assert "TTS unbounded for 1 of 3 nodes (the rest of the network keeps up without them): S2" in lines
    nodes = pd.read_csv(out / "nodes.csv").set_index("node")
    assert nodes.loc["S2", "tts_days"] == math.inf and not nodes.loc["S2", "exposed"]
    assert (nodes.window_days == 85).all() and (nodes.ttr_days == 4000).all()
    assert_headline_matches(RiskReport(nodes.reset_index(), pd.DataFrame()))


def test_resim_risk_writes_the_register_and_figures(tmp_path, capsys):
    data = catalogue().model_dump(by_alias=True, exclude_unset=True, mode="json")
    path = write(tmp_path / "chain.yaml", data)
    out = tmp_path / "risk"
    assert main(["risk", path, "-o", str(out), "--replications", "2", "--executor", "serial"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == f"risk register written to {out}/"
    register = pd.read_csv(out / "risk.csv")
    assert set(register.disruption) == {"duty", "fire", "gone"}
    # the headline printed is the one of the table written
    written = RiskReport(pd.read_csv(out / "nodes.csv"), register)
    assert printed[:len(written.headline())] == written.headline()
    assert_headline_matches(written)
    for name in ("risk_matrix", "tts_ttr"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["risk", path, "--nodes", "nowhere", "-o", str(tmp_path / "no")]) == 2
    assert not (tmp_path / "no").exists()


def test_quickstart_risk_flags_the_earthquake(tmp_path):
    # Three replications: with two, a t-interval has one degree of freedom (t = 12.7) and the
    # earthquake's profit lost is not measurable.
    quickstart = resim.load_scenario(Path(__file__).parents[1] / "scenarios" / "quickstart.yaml")
    report = assess_risk(quickstart.replace(horizon_days=300), replications=3, simulate_nodes=3,
                         executor="serial")
    top = report.register.iloc[0]
    assert top.disruption == "tw_earthquake" and top.impact_units > 0 and top.high_risk
    assert top.profit_effect == "loss" and top.impact_loss_low > 0
    # the strike only lowers what the controller supplier holds: never a loss, never ranked
    strike = report.register.set_index("disruption").loc["hu_strike"]
    assert strike.profit_effect != "loss" and strike.expected_loss_per_year == 0 and not strike.high_risk
    assert_headline_matches(report)
    nodes = report.nodes.set_index("node")
    assert nodes.loc["mcu_fab_tw", "window_days"] == 115  # 100 days down + half the 30-day ramp


def test_tts_ttr_labels_stay_apart_and_coinciding_nodes_share_one():
    # Exposed nodes at the same point (a, b), two a couple of days apart (c, d) and one close above
    # them (e): drawn, no two labels may overlap, and a and b are named in one label.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from resim.report.figures import tts_ttr

    nodes = pd.DataFrame({"node": ["a", "b", "c", "d", "e", "far"], "ttr_days": [30, 30, 30, 30, 30, 115],
                          "tts_days": [0, 0, 22, 24, 29, 105], "exposed": [True] * 6,
                          "risk_exposure_index": [1.0, 1.0, 0.5, 0.5, 0.4, 0.6]})
    fig = tts_ttr(nodes)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    labels = [t for t in fig.axes[0].texts]
    assert sorted(t.get_text() for t in labels) == ["a, b", "c", "d", "e", "far"]
    boxes = [t.get_window_extent(canvas.get_renderer()) for t in labels]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (labels[i].get_text(), labels[j].get_text())


def test_figures_none_saves_the_register_without_figures(report, tmp_path):
    folder = report.save(tmp_path / "risk", figures="none")
    assert {p.name for p in folder.rglob("*") if p.is_file()} == {"risk.csv", "nodes.csv", "risk.json"}


def test_suggested_strategies_answer_the_flagged_disruptions_with_what_the_scenario_can_supply():
    # A register flagging S's failure and a quality event (a hand-made table): with a provider
    # pool, same-tier MaaS for the failure; a quality event no reaction answers gets a note; the
    # tariff is not flagged. Without a pool or take-back, a note for the failure too.
    from resim.assess.risk import suggest_strategies

    sc = supplier_dc().replace(**{"parts[P].process": {"process": "cutting/milling"}, "disruptions": [
        {"id": "down", "type": "supplier_failure", "nodes": ["S"], "onset_day": 30, "duration_days": 20},
        {"id": "bad_lot", "type": "quality", "nodes": ["S"], "onset_day": 40, "duration_days": 5},
        {"id": "duty", "type": "trade_barrier", "barrier": "tariff", "rate": 0.1, "from_countries": ["DE"],
         "onset_day": 10, "duration_days": 30}]})
    register = pd.DataFrame({"disruption": ["down", "bad_lot", "duty"], "high_risk": [True, True, False]})
    provider = {"id": "mill", "provider": "shop", "process": "cutting/milling", "capacity_per_day": 50,
                "unit_price": 30, "lead_time_days": 2, "onboarding_days": 3, "country": "PL", "region": "europe"}
    suggested, notes = suggest_strategies(sc.replace(**{"maas.providers": [provider]}), register)
    assert [(s["id"], s["actions"], s["responds_to"]) for s in suggested] == [
        ("prepared_down", ["maas_same_tier"], ["down"])]
    assert [note.split(":")[0] for note in notes] == ["bad_lot"]
    suggested, notes = suggest_strategies(sc, register)
    assert suggested == [] and [note.split(":")[0] for note in notes] == ["down", "bad_lot"]
