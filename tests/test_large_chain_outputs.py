"""Results folders of chains too large to draw part by part and node by node: the figures
summarise (the worst stock points, groups of stage and region), GraphML keeps the whole chain,
and ``--figures`` chooses what is drawn (issue 21)."""

from __future__ import annotations

import json
import re
from collections import deque
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import yaml

import resim
from resim.cli.main import main
from resim.report.plots import INVENTORY_PANELS, NETWORK_NODES
from resim.scenario.synthetic import synthetic_chain
from tests.test_report import browse

pytestmark = pytest.mark.slow  # simulates a 200-node chain and writes whole results folders

NODES = 200


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("chain") / "chain.yaml"
    path.write_text(yaml.safe_dump(synthetic_chain(NODES, horizon_days=60)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def folder(chain, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "summary"
    assert main(["run", str(chain), "--replications", "2", "--executor", "serial", "-o", str(out)]) == 0
    return out


def _worst_by_hand(inventory: pd.DataFrame, k: int) -> list[str]:
    """The k parts with the lowest trough / peak of mean units on hand, over strategies; a part
    never held is no fall; ties in the order the parts first appear."""
    falls = {}
    for part in dict.fromkeys(inventory.part):
        ratios = []
        for _, rows in inventory[inventory.part == part].groupby("strategy"):
            peak = rows.on_hand.max()
            ratios.append(rows.on_hand.min() / peak if peak > 0 else 1.0)
        falls[part] = min(ratios)
    return sorted(falls, key=lambda p: falls[p])[:k]  # sorted() is stable: ties keep first appearance


def _tiers_by_hand(scenario) -> dict[str, int]:
    """Tier of each supplier: lanes to the nearest plant, by breadth-first search upstream."""
    upstream: dict[str, list[str]] = {}
    for lane in scenario.lanes:
        upstream.setdefault(lane.dest, []).append(lane.source)
    tier = {n.id: 0 for n in scenario.nodes if n.kind == "plant"}
    queue = deque(tier)
    while queue:
        node = queue.popleft()
        for source in upstream.get(node, []):
            if source not in tier:
                tier[source] = tier[node] + 1
                queue.append(source)
    return tier


@pytest.fixture(scope="module")
def results(chain):
    return resim.run(resim.load_scenario(chain), replications=2, executor="serial")


def test_the_inventory_figure_shows_the_parts_whose_stock_fell_deepest(results, folder):
    inventory = results.inventory  # inventory.csv's table, unrounded: near ties rank as the figure ranks them
    assert set(pd.read_csv(folder / "inventory.csv").part) == set(inventory.part)
    parts = inventory.part.nunique()
    assert parts > INVENTORY_PANELS  # the case at hand: more stock points than panels
    figure = results.plot.inventory()
    shown = [ax.get_title() for ax in figure.axes if ax.get_visible() and ax.get_title()]
    assert len(shown) == INVENTORY_PANELS
    assert shown == _worst_by_hand(inventory, INVENTORY_PANELS)
    assert f"the {INVENTORY_PANELS} of {parts}" in figure._suptitle.get_text()


def test_the_network_figure_has_a_marker_per_stage_and_region(results):
    scenario = results.scenario
    assert len(scenario.nodes) > NETWORK_NODES
    tier = _tiers_by_hand(scenario)
    groups = {(n.kind, tier.get(n.id) if n.kind == "supplier" else None, n.region) for n in scenario.nodes}
    figure = results.plot.network()
    markers = [c for ax in figure.axes for c in ax.collections if (c.get_gid() or "").startswith("groups:")]
    assert sum(len(c.get_offsets()) for c in markers) == len(groups)
    by_kind = {c.get_gid().removeprefix("groups:"): len(c.get_offsets()) for c in markers}
    assert by_kind == {k: sum(1 for g in groups if g[0] == k) for k in {g[0] for g in groups}}


def test_graphml_holds_every_node_and_lane(results, folder):
    scenario = results.scenario
    graph = nx.read_graphml(folder / "network.graphml")
    assert set(graph) == {n.id for n in scenario.nodes}
    assert set(graph.edges) == {(lane.source, lane.dest) for lane in scenario.lanes}
    assert {graph.nodes[n.id]["region"] for n in scenario.nodes} == {n.region for n in scenario.nodes}
    assert "network.graphml" in json.loads((folder / "run.json").read_text())["files"]


def test_summary_writes_the_seven_figures_and_embeds_them(folder):
    assert {p.stem for p in (folder / "figures").glob("*.png")} == {
        "recovery", "recovered", "pareto", "costs", "network", "gantt", "inventory"}
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 7


def test_run_json_times_every_phase_within_its_wall_time(folder):
    info = json.loads((folder / "run.json").read_text())
    phases = info["phase_seconds"]
    assert {"load", "simulate", "tables", "figures", "report"} <= set(phases)
    assert all(seconds >= 0 for seconds in phases.values())
    assert info["wall_seconds"] >= sum(phases.values()) - 0.01  # each phase rounded to a millisecond


def test_figures_none_writes_no_png_and_the_report_still_opens(chain, tmp_path):
    out = tmp_path / "none"
    assert main(["run", str(chain), "--replications", "1", "--executor", "serial", "--figures", "none",
                 "-o", str(out)]) == 0
    assert not list(out.rglob("*.png")) and not (out / "figures").exists()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<img" not in page and "No figures were drawn for this run (figures: none)" in page
    shown = browse("--dump-dom", url=(out / "report.html").as_uri())
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert 'data-images-ok="true"' in shown.stdout and "<h2>Provenance</h2>" in shown.stdout


def test_figures_all_adds_every_node_and_part_linked_not_embedded(chain, tmp_path):
    out = tmp_path / "all"
    assert main(["run", str(chain), "--replications", "1", "--executor", "serial", "--figures", "all",
                 "-o", str(out)]) == 0
    names = {p.stem for p in (out / "figures").glob("*.png")}
    assert names == {"recovery", "recovered", "pareto", "costs", "network", "gantt", "inventory",
                     "network_all", "inventory_all"}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 7
    assert re.search(r'<a href="figures/inventory_all.png">', page)
    assert re.search(r'<a href="figures/network_all.png">', page)


def test_the_help_states_the_limits_the_figures_use():
    from resim.cli.parser import build_parser

    run = build_parser()._subparsers._group_actions[0].choices["run"]
    text = " ".join(run.format_help().split())
    assert f"beyond {NETWORK_NODES} nodes" in text and f"beyond {INVENTORY_PANELS} critical parts" in text


def test_grouped_network_rings_the_groups_holding_disrupted_nodes():
    scenario = resim.load_scenario(Path(__file__).parents[1] / "scenarios" / "quickstart.yaml")
    results = resim.run(scenario, replications=1, strategies=["none"], executor="serial")
    disrupted = results.plot.disrupted(0)
    assert disrupted  # the quickstart's replication 0 has disruptions that hit nodes
    tier, nodes = _tiers_by_hand(scenario), scenario.nodes_by_id
    hit = {(nodes[n].kind, tier.get(n) if nodes[n].kind == "supplier" else None, nodes[n].region) for n in disrupted}
    figure = results.plot.network(grouped=True)
    ringed = [edge for c in figure.axes[0].collections if (c.get_gid() or "").startswith("groups:")
              for edge in c.get_edgecolors() if tuple(edge[:3]) != (1.0, 1.0, 1.0)]
    assert len(ringed) == len(hit)
    labels = [t.get_text() for t in figure.axes[0].texts if t.get_text().endswith(" hit")]
    assert sum(int(t.split("\n")[-1].split()[0]) for t in labels) == len(disrupted)


def test_criticality_with_figures_none_writes_its_table_only(tmp_path, capsys):
    quickstart = Path(__file__).parents[1] / "scenarios" / "quickstart.yaml"
    assert main(["criticality", str(quickstart), "--figures", "none", "-o", str(tmp_path / "c")]) == 0
    assert [p.name for p in (tmp_path / "c").rglob("*") if p.is_file()] == ["criticality.csv"]
    assert "criticality table written to" in capsys.readouterr().out
