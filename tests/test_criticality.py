"""Criticality of components (C2): every factor checked by hand on small chains, the weights, the
quickstart's ranking and circular fit, and the ranking figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import resim
from resim.assess.criticality import DEFAULT_WEIGHTS, FACTORS, assess_criticality, components
from resim.report.figures import criticality_ranking
from tests.chains import hand_chain, small_chain

QUICKSTART = Path(__file__).resolve().parents[1] / "scenarios" / "quickstart.yaml"


def _offering(id_: str, process: str, **extra) -> dict:
    return {"id": id_, "provider": id_, "process": process, "capacity_per_day": 10, "unit_price": 12,
            "lead_time_days": 5, "onboarding_days": 10, "country": "DE", "region": "europe", **extra}


def factor_chain() -> resim.Scenario:
    """The small chain (P = 2 A + 1 B, A = 3 R) made to exercise every factor:

    * R gets a third maker sR3 (unlimited capacity, region america) behind a standby lane of 10 days,
      and sR2 moves to region europe: R has makers sR1 (100/day, asia), sR2 (300/day, europe),
      sR3 (unlimited, america);
    * a second product Q = 1 B, sold 15 a day at m (P sells poisson(5), mean 5);
    * B gets a process specification (milling 6082-T6) and the pool three offerings: o1 (a 5-axis
      variant of milling, 6082-T6: eligible), o2 (milling, only AlSi10Mg: not eligible), o3
      (rolling: another process).
    """
    d = small_chain()
    d["parts"][2]["process"] = {"process": "cutting/milling", "material": "6082-T6"}   # B
    d["parts"].append({"id": "Q", "unit_cost": 50, "bom": {"B": 1}})
    d["nodes"][1]["region"] = "europe"                                                 # sR2
    d["nodes"].insert(2, {"id": "sR3", "kind": "supplier", "country": "US", "region": "america",
                          "makes": "R"})
    plant, dc = d["nodes"][-3], d["nodes"][-2]
    plant["makes"] = ["P", "Q"]
    dc["inventory"].append({"part": "Q", "policy": {"type": "base_stock", "level": 30}})
    d["lanes"][4]["parts"] = ["P", "Q"]
    d["lanes"][5]["parts"] = ["P", "Q"]
    d["lanes"].append({"from": "sR3", "to": "sA", "parts": "R", "lead_time_days": 10, "share": 0})
    d["demand"].append({"market": "m", "part": "Q", "daily": 15})
    d["maas"] = {"providers": [
        _offering("o1", "cutting/milling/5-axis", materials=["6082-T6"]),
        _offering("o2", "cutting/milling", materials=["AlSi10Mg"]),
        _offering("o3", "forming/rolling"),
    ]}
    return resim.scenario_from_dict(d)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return assess_criticality(factor_chain()).set_index("part")


def test_components_are_bom_children_only(table):
    # P and Q are products sold in the market, never a BOM child.
    assert components(factor_chain()) == ["A", "B", "R"]
    assert sorted(table.index) == ["A", "B", "R"]


def test_sources_count_every_maker(table):
    # R: sR1, sR2, sR3; A: sA; B: sB.
    assert table.loc["R", "sources"] == 3
    assert table.loc["A", "sources"] == 1
    assert table.loc["B", "sources"] == 1
    assert table.loc["R", "risk_sources"] == pytest.approx(1 / 3)


def test_region_concentration_weights_capacity_and_unlimited_counts_as_the_largest(table):
    # R: sR3 is unlimited -> counts as the largest finite capacity, 300.
    # Capacities asia 100, europe 300, america 300, total 700:
    # HHI = (1/7)^2 + (3/7)^2 + (3/7)^2 = 19/49.
    assert table.loc["R", "region_concentration"] == pytest.approx(19 / 49)
    # A and B: one maker each (unlimited -> counts as 1): all of it in one region.
    assert table.loc["A", "region_concentration"] == pytest.approx(1.0)
    assert table.loc["B", "region_concentration"] == pytest.approx(1.0)


def test_lead_time_is_the_longest_mean_lane(table):
    # R: lanes of 2, triangular(2, 3, 5) (mean 10/3) and the standby lane of 10 -> 10.
    assert table.loc["R", "lead_time_days"] == pytest.approx(10.0)
    assert table.loc["R", "risk_lead_time"] == pytest.approx(10 / 40)
    assert table.loc["A", "lead_time_days"] == pytest.approx(1.0)    # sA -> plant
    assert table.loc["B", "lead_time_days"] == pytest.approx(4.0)    # sB -> plant
    assert table.loc["B", "risk_lead_time"] == pytest.approx(4 / 34)


def test_coverage_days_are_day_zero_stock_over_daily_use(table):
    # Daily use: P sells 5, Q sells 15. A: 5 x 2 = 10; R: 5 x 2 x 3 = 30; B: 5 x 1 + 15 x 1 = 20.
    # Stock at day 0 (policy targets): A 50 at the plant; R 100 at sA; B S = 40 at the plant.
    assert table.loc["A", "coverage_days"] == pytest.approx(50 / 10)
    assert table.loc["R", "coverage_days"] == pytest.approx(100 / 30)
    assert table.loc["B", "coverage_days"] == pytest.approx(40 / 20)
    # risk = 1 / (1 + C / 30)
    assert table.loc["A", "risk_coverage"] == pytest.approx(1 / (1 + 5 / 30))
    assert table.loc["B", "risk_coverage"] == pytest.approx(30 / 32)


def test_product_share_is_the_share_of_demand_whose_bom_holds_the_part(table):
    # Mean demand 5 P + 15 Q = 20 a day; A and R are only in P (5 / 20), B is in both (20 / 20).
    assert table.loc["A", "product_share"] == pytest.approx(0.25)
    assert table.loc["R", "product_share"] == pytest.approx(0.25)
    assert table.loc["B", "product_share"] == pytest.approx(1.0)


def test_substitutes_count_eligible_maas_offerings(table):
    # B: o1 (a variant of milling, processes 6082-T6) is eligible; o2 lacks the material; o3 rolls.
    assert table.loc["B", "substitutes"] == 1
    assert table.loc["B", "risk_substitutes"] == pytest.approx(0.5)
    # A and R have no process specification: nothing to match, no substitute.
    assert table.loc["A", "substitutes"] == 0
    assert table.loc["R", "risk_substitutes"] == pytest.approx(1.0)


def test_score_is_the_weighted_sum_and_ranks_by_it(table):
    # Default weights 0.2, 0.15, 0.1, 0.15, 0.15, 0.1, 0.15 (sum 1); no disruptions, so no hazard:
    # B = 0.2*1 + 0.15*1 + 0.1*4/34 + 0.15*30/32 + 0.15*1 + 0.1*0.5
    b = 0.2 + 0.15 + 0.1 * 4 / 34 + 0.15 * 30 / 32 + 0.15 + 0.05
    # A = 0.2*1 + 0.15*1 + 0.1*1/31 + 0.15*6/7 + 0.15*0.25 + 0.1*1
    a = 0.2 + 0.15 + 0.1 / 31 + 0.15 * 6 / 7 + 0.15 * 0.25 + 0.1
    # R = 0.2/3 + 0.15*19/49 + 0.1*0.25 + 0.15*0.9 + 0.15*0.25 + 0.1*1
    r = 0.2 / 3 + 0.15 * 19 / 49 + 0.1 * 0.25 + 0.15 * 0.9 + 0.15 * 0.25 + 0.1
    assert table.loc["B", "score"] == pytest.approx(b)
    assert table.loc["A", "score"] == pytest.approx(a)
    assert table.loc["R", "score"] == pytest.approx(r)
    assert table.loc["B", "part_coverage"] == pytest.approx(0.15 * 30 / 32)
    parts = table[[f"part_{f}" for f in FACTORS]].sum(axis=1)
    assert np.allclose(parts, table.score)
    assert table["rank"].to_dict() == {"B": 1, "A": 2, "R": 3}
    assert table.loc["R", "critical_flag"] and not table.loc["A", "critical_flag"]
    risks = table[[f"risk_{f}" for f in FACTORS]].to_numpy(float)
    assert ((risks >= 0) & (risks <= 1)).all()


def test_the_table_is_sorted_most_critical_first():
    frame = assess_criticality(factor_chain())
    assert list(frame.part) == ["B", "A", "R"]
    assert list(frame["rank"]) == [1, 2, 3]
    assert list(frame.columns[:7]) == ["part", "sources", "region_concentration", "lead_time_days",
                                       "coverage_days", "product_share", "substitutes"]


def test_the_hand_chain_by_hand():
    # sA (unlimited) -> plant (P = 2 A, 40 A on hand) -> dc -> m, 10 P a day.
    # A: 1 source, HHI 1, lane of 2 days, cover 40 / 20 = 2 days, in every product, no pool.
    row = assess_criticality(hand_chain()).set_index("part").loc["A"]
    assert (row.sources, row.region_concentration, row.lead_time_days) == (1, 1.0, 2.0)
    assert row.coverage_days == pytest.approx(2.0)
    # 0.2 + 0.15 + 0.1 * 2/32 + 0.15 * 1/(1 + 2/30) + 0.15 + 0.1 + 0.15 * 0 = 0.746875
    assert row.score == pytest.approx(0.746875)


def test_weights_change_the_ranking():
    sc = factor_chain()
    # Lead time alone: R (10 days, 0.25) > B (4 days, 0.118) > A (1 day, 0.032).
    lead_only = {f: 0.0 for f in FACTORS} | {"lead_time": 1.0}
    assert list(assess_criticality(sc, lead_only).part) == ["R", "B", "A"]
    # Regional concentration alone: A and B (HHI 1, tie broken by id) before R (19/49).
    concentration = {f: 0.0 for f in FACTORS} | {"concentration": 2.0}
    frame = assess_criticality(sc, concentration)
    assert list(frame.part) == ["A", "B", "R"]
    assert frame.set_index("part").loc["R", "score"] == pytest.approx(19 / 49)   # normalised


def test_weights_are_normalised_and_override_the_defaults():
    sc = factor_chain()
    base = assess_criticality(sc)
    tripled = assess_criticality(sc, {f: 3 * w for f, w in DEFAULT_WEIGHTS.items()})
    pd.testing.assert_frame_equal(base, tripled)
    # Naming one factor keeps the others' defaults: without substitutes the rest sum to 0.9.
    no_subs = assess_criticality(sc, {"substitutes": 0}).set_index("part")
    expected = base.set_index("part")
    assert (no_subs.part_substitutes == 0).all()
    assert np.allclose(no_subs.score, ((expected.score - expected.part_substitutes) / 0.9)[no_subs.index])


@pytest.mark.parametrize("weights", [{"colour": 1.0}, {"sources": -1.0}, {f: 0.0 for f in FACTORS}])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValueError):
        assess_criticality(factor_chain(), weights)


def circular_chain(take_back: bool = True) -> resim.Scenario:
    """The small chain with a reman centre that makes A, take-back of P and grading of A, B, R."""
    d = small_chain()
    d["nodes"].insert(-1, {"id": "rem", "kind": "reman", "country": "PL", "region": "europe",
                           "makes": "A", "capacity_per_day": 5})
    d["lanes"].append({"from": "rem", "to": "plant", "parts": "A", "lead_time_days": 1})
    d["circular"] = {
        "take_back": [{"product": "P", "market": "m", "to": "rem", "return_rate": 0.3,
                       "use_life_days": 700}] if take_back else [],
        "grading": [
            {"part": "A", "remanufacture": 0.4, "refurbish": 0.1, "repurpose": 0.2, "recycle": 0.3},
            {"part": "B", "reuse": 0.2, "recycle": 0.8},
            {"part": "R", "recycle": 1.0},
        ],
    }
    return resim.scenario_from_dict(d)


def test_reman_fit_needs_grading_take_back_and_a_reman_maker():
    frame = assess_criticality(circular_chain()).set_index("part")
    # A: reuse+repair+refurbish+remanufacture = 0.1 + 0.4 = 0.5 (repurpose and recycle do not count),
    # P comes back and holds A, and rem makes A.
    assert frame.loc["A", "reman_fit"]
    assert frame.loc["A", "reman_share"] == pytest.approx(0.5)
    assert frame.loc["A", "sources"] == 2          # sA and rem
    # B: 20 % reusable, but no reman node makes it.
    assert not frame.loc["B", "reman_fit"]
    assert frame.loc["B", "reman_share"] == pytest.approx(0.2)
    # R: only recycled.
    assert not frame.loc["R", "reman_fit"]
    assert frame.loc["R", "reman_share"] == 0.0
    # Without take-back, nothing comes back to remanufacture.
    assert not assess_criticality(circular_chain(take_back=False)).set_index("part").loc["A", "reman_fit"]


def test_an_unused_unmade_component_has_infinite_cover_and_full_source_risk():
    d = small_chain()
    d["parts"].append({"id": "K", "unit_cost": 10, "bom": {"Z": 1}})   # a product nobody orders
    d["parts"].append({"id": "Z", "unit_cost": 1})
    row = assess_criticality(resim.scenario_from_dict(d)).set_index("part").loc["Z"]
    assert row.sources == 0 and row.risk_sources == 1.0 and row.region_concentration == 1.0
    assert row.coverage_days == np.inf and row.risk_coverage == 0.0
    assert row.product_share == 0.0 and row.lead_time_days == 0.0


@pytest.fixture(scope="module")
def quickstart() -> pd.DataFrame:
    return assess_criticality(resim.load_scenario(QUICKSTART))


def test_quickstart_mcu_is_the_most_critical_of_the_flagged_parts(quickstart):
    frame = quickstart.set_index("part")
    mcu = frame.loc["mcu"]
    # One fab (TW), one region, no MaaS offering of semiconductor fabrication, in every drive unit;
    # 1,500 at the fab + 1,000 at the board assembler over 60 + 25 drive units a day.
    assert (mcu.sources, mcu.region_concentration, mcu.substitutes, mcu.product_share) == (1, 1.0, 0, 1.0)
    assert mcu.coverage_days == pytest.approx(2500 / 85)
    flagged = quickstart[quickstart.critical_flag]
    assert set(flagged.part) == {"magnet", "controller", "pcba", "mcu"}
    assert flagged.part.iloc[0] == "mcu"


def test_quickstart_mcu_ranks_first_for_the_earthquake_on_its_only_fab(quickstart):
    # Nearly every part of the quickstart is single-sourced from one region and in the only
    # product; stock cover alone would put mcu (29 days) behind five thinner-covered parts. But
    # its one fab lies in the footprint of the Taiwan earthquake, which the scenario makes happen:
    # hazard 1. No other maker is hit that hard by a disruption this sure.
    frame = quickstart.set_index("part")
    assert frame.loc["mcu", "hazard"] == 1.0 and frame.loc["mcu", "rank"] == 1
    assert (frame.drop(index="mcu").hazard < 1.0).all()


def test_hazard_is_the_largest_expected_share_of_maker_capacity_cut():
    # R's makers: sR1 100/day (asia), sR2 300/day (europe), sR3 unlimited (counts as 300, america).
    # A disaster in asia with chance 0.4 a year cuts 0.4 * 100/700; sR2 failing on day 30 (it
    # happens: 1) cuts 300/700, the larger. A and B's makers are not hit: hazard 0.
    base = factor_chain()
    hit = base.replace(disruptions=[
        {"id": "quake", "type": "natural_disaster", "footprint": {"regions": ["asia"]},
         "annual_probability": 0.4, "duration_days": 20},
        {"id": "gone", "type": "supplier_failure", "nodes": ["sR2"], "onset_day": 30, "duration_days": 20}])
    table = assess_criticality(hit).set_index("part")
    assert table.loc["R", "hazard"] == pytest.approx(300 / 700)
    assert table.loc["R", "part_hazard"] == pytest.approx(0.15 * 300 / 700)
    assert table.loc["A", "hazard"] == 0 and table.loc["B", "hazard"] == 0
    only_quake = assess_criticality(base.replace(disruptions=[hit.disruptions[0]])).set_index("part")
    assert only_quake.loc["R", "hazard"] == pytest.approx(0.4 * 100 / 700)


def test_quickstart_controllers_can_be_remanufactured_mcus_cannot(quickstart):
    frame = quickstart.set_index("part")
    # Controller: graded 5 % reuse + 10 % repair + 10 % refurbish + 45 % remanufacture, inside the
    # returned drive units, made at reman_pl.
    assert frame.loc["controller", "reman_fit"]
    assert frame.loc["controller", "reman_share"] == pytest.approx(0.70)
    # MCU: no grading entry, no reman maker.
    assert not frame.loc["mcu", "reman_fit"]
    assert frame.loc["mcu", "reman_share"] == 0.0
    # Motor: graded recoverable (75 %) and returned, but no reman node makes motors.
    assert not frame.loc["motor", "reman_fit"]
    assert frame.loc["motor", "reman_share"] == pytest.approx(0.75)
    assert list(frame.index[frame.reman_fit]) == ["controller"]


def _labels_top_down(ax) -> list[str]:
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())), reverse=True)
    return [text for _, text in ticks]


def test_figure_has_one_stacked_row_per_component(quickstart):
    fig = criticality_ranking(quickstart)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert _labels_top_down(ax) == list(quickstart.part)          # most critical at the top
    assert len(ax.patches) == len(quickstart) * len(FACTORS)       # one segment per factor and row
    assert ax.get_xlabel() == "criticality score (0-1)"
    assert "criticality" in ax.get_title().lower()
    marks = [t for t in ax.texts if "reman" in t.get_text()]
    assert len(marks) == int(quickstart.reman_fit.sum()) == 1
    # The rightmost end of the controller's bar is its score.
    widths = {}
    for patch in ax.patches:
        y = round(patch.get_y() + patch.get_height() / 2)
        widths[y] = max(widths.get(y, 0.0), patch.get_x() + patch.get_width())
    top = max(widths)
    assert widths[top] == pytest.approx(quickstart.score.iloc[0])


def test_figure_shows_the_top_twenty():
    base = assess_criticality(resim.load_scenario(QUICKSTART))
    many = pd.concat([base.assign(part=base.part + f"_{i}") for i in range(2)], ignore_index=True)
    many["score"] = many["score"] - np.arange(len(many)) * 1e-6     # distinct scores
    fig = criticality_ranking(many)
    ax = fig.axes[0]
    shown = many.sort_values("score", ascending=False).part.head(20).tolist()
    assert _labels_top_down(ax) == shown
    assert len(ax.patches) == 20 * len(FACTORS)


def test_figure_of_no_components():
    fig = criticality_ranking(assess_criticality(factor_chain()).iloc[0:0])
    assert isinstance(fig, Figure)
    assert "no components" in fig.axes[0].texts[0].get_text()


def test_resim_criticality_writes_the_table_and_figure(tmp_path, capsys):
    from pathlib import Path

    import pandas as pd

    from resim.cli.main import main

    quickstart = Path(__file__).parents[1] / "scenarios" / "quickstart.yaml"
    assert main(["criticality", str(quickstart), "-o", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "criticality.csv")
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    assert (tmp_path / "figures" / "criticality.png").read_bytes()[:4] == b"\x89PNG"
    assert "written to" in capsys.readouterr().out
