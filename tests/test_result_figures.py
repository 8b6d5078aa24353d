"""Figures of a run's results: each plots exactly the numbers of the results tables."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import matplotlib.colors as mcolors
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

import resim
from resim import result_figures as rf

QUICKSTART = Path(__file__).parents[1] / "scenarios" / "quickstart.yaml"


@pytest.fixture(scope="module")
def scenario() -> resim.Scenario:
    return resim.load_scenario(QUICKSTART)


@pytest.fixture(scope="module")
def res(scenario):
    return resim.run(scenario, replications=2, executor="serial")


def _collections(fig: Figure, prefix: str) -> dict[str, PathCollection]:
    return {c.get_gid(): c for ax in fig.axes for c in ax.collections
            if isinstance(c, PathCollection) and (c.get_gid() or "").startswith(prefix)}


def _patches(fig: Figure, prefix: str) -> list:
    return [p for ax in fig.axes for p in ax.patches if (p.get_gid() or "").startswith(prefix)]


def _saves(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=80)
    assert path.stat().st_size > 15_000


# -- recovery timeline ---------------------------------------------------------------------------

def test_recovery_points_sit_at_mean_onset_plus_mean_recovery_time(res, scenario, tmp_path):
    metrics = scenario.metrics
    fig = rf.recovery_timeline(res.timeseries, res.replications, res.events, metrics.failure_level,
                               metrics.recovery_level)
    points = _collections(fig, "recovery:")
    reps = res.replications
    for strategy in res.info["strategies"]:
        mine = reps[reps.strategy == strategy]
        expected = mine.onset_day.to_numpy().mean() + mine.recovery_time_days.to_numpy().mean()
        (x, y), = points[f"recovery:{strategy}"].get_offsets()
        assert x == pytest.approx(expected)
        series = res.timeseries[res.timeseries.strategy == strategy]
        assert y == pytest.approx(np.interp(expected, series.day, series.fill_rate))
    # a strategy with unrecovered replications has a hollow marker
    censored = reps.groupby("strategy").recovered.min() < 1
    for strategy, hollow in censored.items():
        face = points[f"recovery:{strategy}"].get_facecolor()[0]
        assert (tuple(face[:3]) == (1.0, 1.0, 1.0)) == hollow
    # the threshold lines sit at the levels times the mean baseline
    main = next(ax for ax in fig.axes if ax.get_ylabel().startswith("7-day fill rate"))
    levels = {line.get_gid(): line.get_ydata()[0] for line in main.lines if line.get_gid()}
    baseline = reps.baseline.mean()
    assert levels == pytest.approx({"failure_level": metrics.failure_level * baseline,
                                    "recovery_level": metrics.recovery_level * baseline})
    assert main.get_xlabel() == "day"
    _saves(fig, tmp_path / "recovery.png")


def test_recovery_timeline_shows_the_disruptions_of_the_replication(res):
    fig = rf.recovery_timeline(res.timeseries, res.replications, res.events, replication=1)
    horizon = res.info["horizon_days"]
    expected = res.events[res.events.replication == 1]
    for ident, rows in expected.groupby("id"):
        strips = [c for ax in fig.axes for c in ax.collections if c.get_gid() == f"disruption:{ident}"]
        assert len(strips) == 1
        spans = [p.get_extents() for p in strips[0].get_paths()]
        assert len(spans) == len(rows[rows.start < horizon])
    assert fig.axes[0].get_title(loc="left") == "disruptions in replication 1"


def test_recovery_timeline_without_disruption_has_no_recovery_points():
    days = np.arange(60)
    timeseries = pd.DataFrame({"strategy": "none", "day": days, "fill_rate": 1.0, "fill_rate_p05": 1.0,
                               "fill_rate_p95": 1.0})
    reps = pd.DataFrame({"strategy": ["none"], "replication": [0], "baseline": [1.0],
                         "recovery_time_days": [0.0], "recovered": [1.0], "onset_day": [np.nan]})
    fig = rf.recovery_timeline(timeseries, reps, None)
    assert _collections(fig, "recovery:") == {}
    assert len(fig.axes) == 1


# -- Pareto --------------------------------------------------------------------------------------

@pytest.mark.parametrize("cost", ["net_cost", "cost_total"])
def test_pareto_points_are_the_table_means(res, cost, tmp_path):
    table = res.comparison.table
    fig = rf.pareto(table, res.summary, cost=cost, currency="EUR")
    points = _collections(fig, "point:")
    assert len(points) == len(table)
    for row in table.itertuples():
        (x, y), = points[f"point:{row.strategy}"].get_offsets()
        assert (x, y) == pytest.approx((row.recovery_time_days, getattr(row, cost)))
    best = points[f"point:{res.info['recommended']}"].get_sizes()[0]
    assert all(best > c.get_sizes()[0] for gid, c in points.items() if gid != f"point:{res.info['recommended']}")
    ax = fig.axes[0]
    assert any(t.get_text() == "recommended" for t in ax.texts)
    front = [line for line in ax.lines if line.get_gid() == "pareto_front"]
    assert len(front) == 1
    fastest_on_front = table[table.on_front].sort_values("recovery_time_days").iloc[0]
    assert front[0].get_xdata()[1] == pytest.approx(fastest_on_front.recovery_time_days)
    assert front[0].get_ydata()[1] == pytest.approx(fastest_on_front[cost])
    assert "EUR" in ax.get_ylabel() and "days" in ax.get_xlabel()
    _saves(fig, tmp_path / "pareto.png")


def test_pareto_front_steps_down_through_every_front_point():
    table = pd.DataFrame({"strategy": ["a", "b", "c"], "recovery_time_days": [10.0, 30.0, 20.0],
                          "cost_total": [5.0, 1.0, 6.0], "profit": [-5.0, -1.0, -6.0],
                          "net_cost": [5.0, 1.0, 6.0], "on_front": [True, True, False],
                          "recommended": [False, True, False]})
    summary = pd.DataFrame(columns=["strategy", "metric", "mean", "std", "ci_low", "ci_high", "n"])
    fig = rf.pareto(table, summary)
    front = next(line for line in fig.axes[0].lines if line.get_gid() == "pareto_front")
    xs, ys = front.get_xdata(), front.get_ydata()
    assert list(xs[:4]) == [10.0, 10.0, 30.0, 30.0] and xs[4] > 30.0   # then on to the right edge
    assert ys[0] > 6.0 and list(ys[1:]) == [5.0, 5.0, 1.0, 1.0]         # from the top edge down
    assert np.all(np.diff(xs) >= 0) and np.all(np.diff(ys) <= 0)
    with pytest.raises(ValueError):
        rf.pareto(table, summary, cost="profit")


# -- cost breakdown ------------------------------------------------------------------------------

def test_cost_bars_stack_to_the_sum_of_component_means(res, tmp_path):
    fig = rf.cost_breakdown(res.costs, summary=res.summary, currency="EUR")
    bars = _patches(fig, "cost:")
    for strategy, rows in res.costs.groupby("strategy"):
        heights = [p.get_height() for p in bars if p.get_gid().split(":")[1] == strategy]
        assert sum(heights) == pytest.approx(rows["mean"].sum())
    shown = {p.get_gid().split(":")[2] for p in bars}
    everywhere_zero = set(res.costs.groupby("component")["mean"].apply(lambda m: (m == 0).all()).pipe(
        lambda s: s[s].index))
    assert shown == set(res.costs.component) - everywhere_zero
    assert "maas_premium" in everywhere_zero  # quickstart's agreements stay within their price
    assert fig.axes[0].get_ylabel() == "cost (EUR)"
    _saves(fig, tmp_path / "costs.png")


# -- Gantt ---------------------------------------------------------------------------------------

def test_gantt_has_one_mark_per_action_of_the_replication(res, tmp_path):
    fig = rf.orchestration_gantt(res.orchestrations, 0, events=res.events, horizon=res.info["horizon_days"])
    actions = res.orchestrations[(res.orchestrations.replication == 0) & (res.orchestrations.kind != "evaluation")]
    agreed = actions[~actions.status.isin(["declined", "no candidate"])]
    bars = _patches(fig, "action")
    assert len(bars) == len(agreed)
    assert sorted((p.get_x(), p.get_x() + p.get_width()) for p in bars) == \
        sorted(zip(agreed.start.astype(float), agreed.end.astype(float)))
    crosses = [c for ax in fig.axes for c in ax.collections if c.get_gid() == "not_agreed"]
    assert sum(len(c.get_offsets()) for c in crosses) == len(actions) - len(agreed)
    assert len(actions) - len(agreed) >= 1  # quickstart: maas_same_tier finds no candidate
    # each answering action waits from its disruption's onset to its start
    onset = res.events[(res.events.replication == 0) & (res.events.id == "tw_earthquake")].start.min()
    waiting = _patches(fig, "waiting")
    assert waiting and all(p.get_x() == onset for p in waiting)
    main = next(ax for ax in fig.axes if ax.get_xlabel() == "day")
    assert len(main.get_yticks()) == len(actions)
    _saves(fig, tmp_path / "gantt.png")


def test_gantt_of_a_replication_without_actions():
    empty = pd.DataFrame(columns=["strategy", "replication", "kind", "trigger", "source", "part", "destination",
                                  "units_per_day", "start", "end", "unit_cost", "status", "note"])
    fig = rf.orchestration_gantt(empty, 0)
    assert "no actions" in fig.axes[0].texts[0].get_text()


# -- critical inventory --------------------------------------------------------------------------

def test_critical_inventory_has_a_panel_per_part_and_a_line_per_strategy(res, tmp_path):
    fig = rf.critical_inventory(res.inventory, events=res.events)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    parts = list(dict.fromkeys(res.inventory.part))
    assert [ax.get_title() for ax in panels] == parts
    strategies = res.info["strategies"]
    for ax, part in zip(panels, parts):
        lines = [line for line in ax.lines if line.get_label() in strategies]
        assert [line.get_label() for line in lines] == strategies
        expected = res.inventory[(res.inventory.part == part) & (res.inventory.strategy == "buffer")].on_hand
        np.testing.assert_allclose(lines[strategies.index("buffer")].get_ydata(), expected)
        assert ax.get_ylabel() == "units on hand" and ax.get_xlabel() == "day"
    _saves(fig, tmp_path / "inventory.png")


# -- value-chain map -----------------------------------------------------------------------------

def _node_count(fig: Figure) -> dict[str, int]:
    return {gid.removeprefix("nodes:"): len(c.get_offsets()) for gid, c in _collections(fig, "nodes:").items()}


def test_map_has_one_marker_per_node(scenario, tmp_path):
    graph = scenario.value_chain()
    fig = rf.value_chain_map(scenario, disrupted=["mcu_fab_tw"])
    counts = _node_count(fig)
    assert sum(counts.values()) == graph.number_of_nodes()
    kinds = pd.Series(dict(graph.nodes(data="kind"))).value_counts().to_dict()
    assert counts == kinds
    supplier = _collections(fig, "nodes:supplier")["nodes:supplier"]
    ring = [mcolors.to_hex(c) for c in supplier.get_edgecolor()]
    hit = [n for n, k in graph.nodes(data="kind") if k == "supplier"].index("mcu_fab_tw")
    assert ring[hit] == rf._ALERT.lower() and ring.count(rf._ALERT.lower()) == 1
    _saves(fig, tmp_path / "map.png")
    with pytest.raises(ValueError, match="unknown node"):
        rf.value_chain_map(scenario, disrupted=["tw_earthquake"])


def test_map_shows_the_providers_of_a_strategy(scenario, res, tmp_path):
    rows = res.orchestrations[(res.orchestrations.strategy == "maas_upstream") & (res.orchestrations.replication == 0)
                              & res.orchestrations.kind.str.startswith("maas")
                              & res.orchestrations.status.isin(["accepted", "countered"])]
    providers = set(rows.source)
    assert providers  # quickstart's maas_upstream reaches agreements
    fig = rf.value_chain_map(scenario, res.orchestrations, "maas_upstream", 0, disrupted=["mcu_fab_tw"])
    counts = _node_count(fig)
    assert counts["maas"] == len(providers)
    assert sum(counts.values()) == scenario.value_chain().number_of_nodes() + len(providers)
    dashed = [p for p in fig.axes[0].patches if p.get_linestyle() in ("--", "dashed")]
    assert len(dashed) == len(rows[["source", "destination"]].drop_duplicates())
    _saves(fig, tmp_path / "map_maas.png")
    # a strategy without agreements adds nobody
    plain = rf.value_chain_map(scenario, res.orchestrations, "buffer", 0)
    assert "maas" not in _node_count(plain)


def test_map_by_coordinates_when_every_node_has_them():
    graph = nx.DiGraph()
    graph.add_node("s", kind="supplier", lat=10.0, lon=100.0)
    graph.add_node("p", kind="plant", lat=50.0, lon=10.0)
    graph.add_node("m", kind="market", lat=40.0, lon=-80.0)
    graph.add_edges_from([("s", "p"), ("p", "m")])
    fake = SimpleNamespace(value_chain=lambda: graph, maas=SimpleNamespace(providers=[]))
    fig = rf.value_chain_map(fake)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "longitude (°)"
    offsets = np.vstack([c.get_offsets() for c in _collections(fig, "nodes:").values()])
    assert sorted(map(tuple, offsets)) == sorted([(100.0, 10.0), (10.0, 50.0), (-80.0, 40.0)])
    tiers = rf.value_chain_map(fake, layout="tiers")
    xs = {gid: c.get_offsets()[0][0] for gid, c in _collections(tiers, "nodes:").items()}
    assert xs["nodes:supplier"] < xs["nodes:plant"] < xs["nodes:market"]


# -- colours -------------------------------------------------------------------------------------

def test_a_strategy_has_the_same_colour_in_every_figure(res):
    colours = rf.strategy_colours(res.info["strategies"])
    assert len(set(colours.values())) == len(colours)
    timeline = rf.recovery_timeline(res.timeseries, res.replications, res.events)
    main = next(ax for ax in timeline.axes if ax.get_xlabel() == "day")
    line_colour = {line.get_label(): mcolors.to_hex(line.get_color()) for line in main.lines}
    points = _collections(rf.pareto(res.comparison.table, res.summary), "point:")
    for strategy, colour in colours.items():
        assert line_colour[strategy] == colour.lower()
        assert mcolors.to_hex(points[f"point:{strategy}"].get_facecolor()[0]) == colour.lower()
