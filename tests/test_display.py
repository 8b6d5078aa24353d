"""HTML summaries for Jupyter (resim.report.display): they hold the numbers of what they summarise,
escape scenario text, and stay summaries (not dumps)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import resim
from resim.scenario import valuechain
from resim.report.display import TABLE_ROWS, results_html, scenario_html, table_html
from tests.chains import small_chain

QUICKSTART = Path(__file__).resolve().parents[1] / "scenarios" / "quickstart.yaml"


@pytest.fixture(scope="module")
def quickstart():
    return resim.load_scenario(QUICKSTART)


def test_scenario_html_summarises_kinds_tiers_weak_links_disruptions_and_strategies(quickstart):
    sc = quickstart
    page = scenario_html(sc)
    assert sc.name in page
    assert f"horizon {sc.horizon_days} days" in page
    assert f"<td>{len(sc.nodes)}</td>" in page and f"<td>{len(sc.lanes)}</td>" in page
    for kind, n in Counter(node.kind for node in sc.nodes).items():
        assert f"{kind} {n}" in page
    graph = sc.value_chain()
    tiers = Counter(t for node, t in valuechain.tiers(graph).items() if graph.nodes[node]["kind"] == "supplier")
    for tier, n in tiers.items():
        assert f"tier {tier}: {n}" in page
    critical = {p.id for p in sc.parts if p.critical}
    single = valuechain.single_sourced_parts(graph)
    flagged = {part: node for part, node in single.items() if part in critical}
    assert flagged                                            # mcu, pcba, magnet
    for part, node in flagged.items():
        assert f"<td class=\"text\">{part}</td><td class=\"text\">{node}</td>" in page
    assert "gearset_it" not in page                           # single-sourced but not critical
    for d in sc.disruptions:
        assert d.id in page and d.type in page
    assert "day 120" in page and "triangular(60, 90, 150)" in page and "30% a year" in page
    for s in sc.strategies:
        assert f"<td class=\"text\">{s.id}</td>" in page
    assert f"Strategies ({len(sc.strategies)})" in page
    assert len(page) < 12_000                                  # a summary, not the whole scenario
    assert "triangular(28, 32, 40)" not in page                # lanes are counted, not listed


def test_scenario_html_escapes_scenario_text():
    data = small_chain()
    data["name"] = "<script>alert('x')</script>"
    data["description"] = "R & D <b>chain</b>"
    page = scenario_html(resim.scenario_from_dict(data))
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "R &amp; D &lt;b&gt;chain&lt;/b&gt;" in page


def test_scenario_html_says_when_nothing_is_single_sourced_or_disrupted():
    page = scenario_html(resim.scenario_from_dict(small_chain()))   # R is critical and dual-sourced
    assert "every critical part has two or more makers" in page
    assert "Disruptions (0)" in page


def test_results_html_holds_the_recommendation_and_key_metrics_with_intervals(quickstart):
    res = resim.run(quickstart, replications=2, strategies=["none", "maas_upstream"], executor="serial")
    page = results_html(res)
    assert f"Recommended: {res.info['recommended']}" in page
    assert res.info["reasons"]
    for reason in res.info["reasons"]:
        assert reason.replace("'", "&#x27;") in page
    for warning in res.info["warnings"]:
        assert warning.replace("'", "&#x27;") in page
    assert f"{res.info['replications']} replications of 2 strategies" in page
    summary = res.summary.set_index(["strategy", "metric"])
    for strategy in ("none", "maas_upstream"):
        fill = summary.loc[(strategy, "fill_rate")]
        cost = summary.loc[(strategy, "cost_total")]
        assert f"{100 * fill['estimate']:.1f} %" in page
        assert f"EUR {cost['estimate']:,.0f}" in page
        assert f"EUR {cost['ci_low']:,.0f} – EUR {cost['ci_high']:,.0f}" in page
    for note in res.info["notes"]:
        assert note.replace("'", "&#x27;") in page
    assert '<tr class="recommended"><td class="text">' + res.info["recommended"] in page


def test_table_html_shows_the_title_and_the_first_rows():
    frame = pd.DataFrame({"part": [f"part_{i:02d}" for i in range(40)], "units": np.arange(40) * 1000.5,
                          "share": np.linspace(0, 1, 40)})
    page = table_html(frame, "Parts & units")
    assert "Parts &amp; units" in page
    assert "part_14" in page and "part_15" not in page
    assert f"first {TABLE_ROWS} of 40 rows × 3 columns" in page
    assert "14,007" in page                       # 14 × 1000.5, thousands separated
    assert f"{frame.share[3]:.4g}" in page
    assert "<th>0</th>" not in page               # a plain range index is not shown


def test_table_html_of_a_short_table_escapes_cells_and_keeps_a_named_index():
    frame = pd.DataFrame({"strategy": ["none", "<b>x</b>", "buffer"], "cost": [1.5, 2_500_000.25, np.nan]})
    page = table_html(frame.set_index("strategy"), "costs")
    assert "3 rows × 1 columns" in page
    assert "<td>–</td>" in page and "nan" not in page
    assert "<th>none</th>" in page and "<th>strategy</th>" in page     # the index is shown
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "2,500,000" in page and "1.5" in page


def test_print_of_a_scenario_and_a_variant_is_one_short_line(quickstart, capsys):
    variant = quickstart.replace(horizon_days=180)
    expected = (f"Scenario('E-bike mid-drive unit': {len(quickstart.nodes)} nodes, {len(quickstart.lanes)} lanes, "
                f"{len(quickstart.parts)} parts, {len(quickstart.disruptions)} disruptions, "
                f"{len(quickstart.strategies)} strategies, 180 days)")
    print(variant)
    assert capsys.readouterr().out == expected + "\n"
    assert str(variant) == repr(variant) == f"{variant}" == expected
    assert "horizon 180 days" in variant._repr_html_()     # the rich summary stays in Jupyter
