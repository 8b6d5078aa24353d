"""Risk assessment R1 on the deterministic hand chain (sA -> plant -> dc -> m, 10 P a day, P = 2 A)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import resim
from resim.cli import main
from resim.risk import assess_risk, node_ttr
from tests.chains import hand_chain, write


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
    # simulated shortfall of the same outage cannot be smaller (beyond rounding).
    nodes = report.nodes.set_index("node")
    sa = nodes.loc["sA"]
    assert sa.ttr_days == 40 and sa.exposed
    assert sa.simulated_units >= sa.lost_units - 1e-6
    # Without A, the plant's ~140 A on hand and in transit and the DC's stock bridge part of the
    # 40 days: the LP loses 10/day beyond what the stock covers.
    assert 0 < sa.lost_units < 400


def test_resim_risk_writes_the_register_and_figures(tmp_path, capsys):
    data = catalogue().model_dump(by_alias=True, exclude_unset=True, mode="json")
    path = write(tmp_path / "chain.yaml", data)
    out = tmp_path / "risk"
    assert main(["risk", path, "-o", str(out), "--replications", "2", "--executor", "serial"]) == 0
    assert "risk register written" in capsys.readouterr().out
    register = pd.read_csv(out / "risk.csv")
    assert set(register.disruption) == {"duty", "fire", "gone"}
    for name in ("risk_matrix", "tts_ttr"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["risk", path, "--nodes", "nowhere", "-o", str(tmp_path / "no")]) == 2
    assert not (tmp_path / "no").exists()


def test_quickstart_risk_flags_the_earthquake(tmp_path):
    quickstart = resim.load_scenario(Path(__file__).parents[1] / "scenarios" / "quickstart.yaml")
    report = assess_risk(quickstart.replace(horizon_days=300), replications=2, simulate_nodes=3,
                         executor="serial")
    top = report.register.iloc[0]
    assert top.disruption == "tw_earthquake" and top.impact_units > 0 and top.high_risk


def test_tts_ttr_labels_stay_apart_and_coinciding_nodes_share_one():
    # Exposed nodes at the same point (a, b), two a couple of days apart (c, d) and one close above
    # them (e): drawn, no two labels may overlap, and a and b are named in one label.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from resim.figures import tts_ttr

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
