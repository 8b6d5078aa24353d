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
from resim.report.chain_figures import orchestration_gantt, value_chain_map
from resim.report.cost_figures import cost_breakdown, pareto
from resim.report.figure_helpers import _ALERT, strategy_colours
from resim.report.inventory_figures import critical_inventory
from resim.report.recovery_figures import recovery_share, recovery_timeline

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

def _flat_timeseries(strategies, days=100):
    return pd.concat([pd.DataFrame({"strategy": s, "day": np.arange(days), "fill_rate": 1.0}) for s in strategies],
                     ignore_index=True)


def _reps(strategy, times, recovered, onset=20.0, follow=None, **columns):
    n = len(times)
    follow = np.full(n, 80.0) if follow is None else np.asarray(follow, float)
    return pd.DataFrame({"strategy": strategy, "replication": np.arange(n), "baseline": 1.0,
                         "onset_day": onset, "recovery_time_days": np.asarray(times, float),
                         "recovered": np.asarray(recovered, float), "follow_up_days": follow, **columns})


def test_recovery_marker_sits_at_onset_plus_the_kaplan_meier_median():
    # a: 2 of 5 never dip (time 0), then 10, 30, and one censored at the horizon (80 days after onset).
    # Share not recovered: 3/5 after day 0, 2/5 after day 10 -> the median is 10 days, day 20 + 10 = 30,
    # where the plain mean of the times (24) would put it at day 44.
    # b: 3 of 5 censored: at most 2/5 ever recover, the median is never reached.
    # c: 3 of 4 never dip: the median is 0, the onset itself.
    reps = pd.concat([_reps("a", [0, 0, 10, 30, 80], [1, 1, 1, 1, 0]),
                      _reps("b", [0, 80, 80, 80, 10], [1, 0, 0, 0, 1]),
                      _reps("c", [0, 0, 0, 50], [1, 1, 1, 1])], ignore_index=True)
    fig = recovery_timeline(_flat_timeseries("abc"), reps, None)
    points = _collections(fig, "recovery:")
    assert set(points) == {"recovery:a", "recovery:c"}
    (x_a, _), = points["recovery:a"].get_offsets()
    (x_c, _), = points["recovery:c"].get_offsets()
    assert (x_a, x_c) == (30.0, 20.0)
    rows = points["recovery:a"].axes
    assert rows.get_xlabel() == "day" and [t.get_text() for t in rows.get_yticklabels()] == ["a", "b", "c"]
    notes = [t.get_text() for t in rows.texts]
    assert any(n.startswith("not reached by day 100 (40 % recovered)") for n in notes)
    assert any("half or more\nnever fell below the failure level" in n for n in notes)
    main = next(ax for ax in fig.axes if ax.get_ylabel().startswith("7-day fill rate"))
    legend = [t.get_text() for t in main.get_legend().get_texts()]
    assert any(t.startswith("median not reached by day 100") and t.endswith("b") for t in legend)


def test_recovery_marker_on_a_real_run_matches_the_summary(res, scenario, tmp_path):
    metrics = scenario.metrics
    fig = recovery_timeline(res.timeseries, res.replications, res.events, metrics.failure_level,
                               metrics.recovery_level)
    points = _collections(fig, "recovery:")
    reps, summary = res.replications, res.summary
    assert reps.onset_day.nunique() == 1  # quickstart: one onset day, so the marker is onset + median
    onset = float(reps.onset_day.iloc[0])
    for strategy in res.info["strategies"]:
        median = summary[(summary.strategy == strategy)
                         & (summary.metric == "recovery_time_median_days")].estimate.iloc[0]
        if np.isnan(median):
            assert f"recovery:{strategy}" not in points
        else:
            (x, _), = points[f"recovery:{strategy}"].get_offsets()
            assert x == pytest.approx(onset + median)
    # the threshold lines sit at the levels times the mean baseline
    main = next(ax for ax in fig.axes if ax.get_ylabel().startswith("7-day fill rate"))
    levels = {line.get_gid(): line.get_ydata()[0] for line in main.lines if line.get_gid()}
    baseline = reps.baseline.mean()
    assert levels == pytest.approx({"failure_level": metrics.failure_level * baseline,
                                    "recovery_level": metrics.recovery_level * baseline})
    _saves(fig, tmp_path / "recovery.png")


def test_recovery_timeline_shows_the_disruptions_of_the_replication(res):
    fig = recovery_timeline(res.timeseries, res.replications, res.events, replication=1)
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
    fig = recovery_timeline(timeseries, reps, None)
    assert _collections(fig, "recovery:") == {}
    assert len(fig.axes) == 1


# -- share recovered -----------------------------------------------------------------------------

def _curve(fig: Figure, strategy: str):
    return next(line for ax in fig.axes for line in ax.lines if line.get_gid() == f"recovered:{strategy}")


def _at(line, day: float) -> float:
    """The height of a steps-post line at ``day``."""
    xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    return float(ys[np.flatnonzero(xs <= day)[-1]])


def test_recovery_share_counts_the_recovered_replications_by_each_day():
    times = [0, 0, 3, 5, 5, 9, 12, 12]  # all recovered, followed for 20 days
    fig = recovery_share(_reps("a", times, np.ones(8), follow=np.full(8, 20.0)))
    line = _curve(fig, "a")
    counted = {0: 2 / 8, 2: 2 / 8, 3: 3 / 8, 4.5: 3 / 8, 5: 5 / 8, 10: 6 / 8, 11.9: 6 / 8, 12: 1.0, 20: 1.0}
    assert {day: _at(line, day) for day in counted} == pytest.approx(counted)
    assert line.get_xdata()[-1] == 20.0 and fig.axes[0].get_xlim() == (0.0, 20.0)
    assert fig.axes[0].get_ylim()[0] == 0.0
    assert fig.axes[0].get_xlabel() == "days after the disruption onset"
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "a: 100 % by the horizon" in legend
    assert any("starts at day 0 at the\nshare that never fell below" in t for t in legend)


def test_recovery_share_of_censored_replications_is_kaplan_meier():
    # recovered on days 2 and 6; censored on day 4 and day 8 (followed for less than the others).
    # Kaplan–Meier: 3/4 not recovered after day 2; 2 at risk at day 6, so 3/4 · 1/2 = 3/8 not
    # recovered: 5/8 recovered by the end, where counting would say 2/4.
    reps = _reps("b", [2, 4, 6, 8], [1, 0, 1, 0], follow=[10, 4, 10, 8])
    fig = recovery_share(reps)
    line = _curve(fig, "b")
    assert _at(line, 3) == pytest.approx(1 / 4)
    assert _at(line, 10) == pytest.approx(5 / 8)
    assert line.get_xdata()[-1] == 10.0
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["62 %"]  # the final level at the curve's end (62.5 % rounded to even)


def test_recovery_share_of_a_real_run(res, tmp_path):
    fig = recovery_share(res.replications)
    summary = res.summary[res.summary.metric == "recovered"].set_index("strategy").estimate
    follow = res.replications.follow_up_days.max()
    for strategy in res.info["strategies"]:
        line = _curve(fig, strategy)
        # everyone is followed to the horizon: the final level is the plain share recovered
        assert _at(line, follow) == pytest.approx(summary[strategy])
    _saves(fig, tmp_path / "recovered.png")


# -- Pareto --------------------------------------------------------------------------------------

def test_pareto_points_are_the_table_columns(res, tmp_path):
    table = res.comparison.table
    fig = pareto(table, res.summary, currency="EUR")
    points = _collections(fig, "point:")
    assert len(points) == len(table)
    for row in table.itertuples():
        (x, y), = points[f"point:{row.strategy}"].get_offsets()
        assert (x, y) == pytest.approx((row.recovery_restricted_mean_days, row.profit))
    best = points[f"point:{res.info['recommended']}"].get_sizes()[0]
    assert all(best > c.get_sizes()[0] for gid, c in points.items() if gid != f"point:{res.info['recommended']}")
    ax = fig.axes[0]
    assert any(t.get_text() == "recommended" for t in ax.texts)
    assert ax.get_ylabel() == "mean profit, EUR (better ↑)"
    assert ax.get_xlabel().startswith("restricted mean time to recover") and "(← better)" in ax.get_xlabel()
    assert "e" not in "".join(t.get_text() for t in ax.get_yticklabels()).replace(" ", "")
    _saves(fig, tmp_path / "pareto.png")


def _whiskers(ax) -> list[np.ndarray]:
    from matplotlib.collections import LineCollection
    return [seg for c in ax.collections if isinstance(c, LineCollection) for seg in c.get_segments()]


def test_pareto_front_climbs_through_every_front_point():
    # a is fastest, b earns most: both on the front; c is slower than a and earns less
    table = pd.DataFrame({"strategy": ["a", "b", "c"], "recovery_restricted_mean_days": [10.0, 30.0, 20.0],
                          "profit": [5.0, 8.0, 4.0], "on_front": [True, True, False],
                          "recommended": [False, True, False]})
    summary = pd.DataFrame({"strategy": ["a", "a"], "metric": ["recovery_time_days", "profit"],
                            "statistic": ["restricted_mean", "mean"], "estimate": [10.0, 5.0],
                            "ci_low": [7.0, 4.5], "ci_high": [14.0, 6.0]})
    fig = pareto(table, summary)
    ax = fig.axes[0]
    front = next(line for line in ax.lines if line.get_gid() == "pareto_front")
    xs, ys = front.get_xdata(), front.get_ydata()
    assert list(xs[:4]) == [10.0, 10.0, 30.0, 30.0] and xs[4] > 30.0   # then on to the right edge
    assert ys[0] < 4.0 and list(ys[1:]) == [5.0, 5.0, 8.0, 8.0]         # up from the bottom edge
    assert np.all(np.diff(xs) >= 0) and np.all(np.diff(ys) >= 0)
    # a's whiskers are its summary intervals; b and c have none in this summary
    spans = sorted(tuple(map(tuple, s)) for s in _whiskers(ax))
    assert spans == [((7.0, 5.0), (14.0, 5.0)), ((10.0, 4.5), (10.0, 6.0))]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Pareto front: no other strategy\nrecovers sooner and earns more" in legend


# -- cost breakdown ------------------------------------------------------------------------------

def _money_reps() -> pd.DataFrame:
    def rows(strategy, production, procurement, revenue, replication=(0, 1, 2)):
        frame = pd.DataFrame({"strategy": strategy, "replication": list(replication),
                              "cost_production": production, "cost_procurement": procurement,
                              "revenue": revenue})
        frame["cost_total"] = frame.cost_production + frame.cost_procurement
        frame["profit"] = frame.revenue - frame.cost_total
        return frame
    # none's rows in another order: pairs are made on the replication, not the row
    return pd.concat([rows("none", [30.0, 10.0, 20.0], [120.0, 100.0, 110.0], [450.0, 500.0, 400.0], (2, 0, 1)),
                      rows("s1", [15.0, 22.0, 40.0], [90.0, 110.0, 100.0], [520.0, 480.0, 450.0]),
                      rows("s2", [10.0, 20.0, 30.0], [100.0, 110.0, 120.0], [500.0, 400.0, 450.0])],
                     ignore_index=True)


def _heights(fig: Figure, strategy: str) -> dict[str, float]:
    return {p.get_gid().split(":")[2]: p.get_height() for p in _patches(fig, f"cost:{strategy}:")}


def _bottoms(fig: Figure, strategy: str) -> dict[str, float]:
    return {p.get_gid().split(":")[2]: p.get_y() for p in _patches(fig, f"cost:{strategy}:")}


def test_cost_bars_are_the_paired_differences_from_none():
    # s1 - none per replication: production +5, +2, +10; procurement -10, 0, -20;
    # lost revenue (none's - s1's): -20, -80, 0. s2 equals none.
    differences = pd.DataFrame({"strategy": ["s1"], "metric": ["profit"], "statistic": ["mean_difference"],
                                "estimate": [113 / 3], "ci_low": [30.0], "ci_high": [45.0]})
    fig = cost_breakdown(_money_reps(), differences, currency="EUR")
    s1 = _heights(fig, "s1")
    assert s1 == pytest.approx({"production": 17 / 3, "procurement": -10.0, "lost_revenue": -100 / 3})
    assert _bottoms(fig, "s1") == {"production": 0.0, "procurement": 0.0, "lost_revenue": -10.0}  # savings down
    assert _heights(fig, "s2") == {k: 0.0 for k in s1}
    assert not _patches(fig, "cost:none:")
    ax = fig.axes[0]
    total, = _collections(fig, "total:s1")["total:s1"].get_offsets()
    assert total[1] == pytest.approx(-113 / 3)  # −Δprofit, the sum of the segments
    assert sum(s1.values()) == pytest.approx(-113 / 3)
    assert ((0.0, -45.0), (0.0, -30.0)) in [tuple(map(tuple, s)) for s in _whiskers(ax)]
    assert any(t.get_text() == "same as none" for t in ax.texts)
    assert ax.get_ylabel() == "mean paired difference from none, EUR\n(+ costs more, − saves)"
    # without the differences table, the marker alone, from the replications
    alone = cost_breakdown(_money_reps())
    total, = _collections(alone, "total:s1")["total:s1"].get_offsets()
    assert total[1] == pytest.approx(-113 / 3) and not _whiskers(alone.axes[0])


def test_cost_bars_without_none_are_the_mean_cost_per_component():
    reps = _money_reps()
    reps = reps[reps.strategy != "none"]
    fig = cost_breakdown(reps, currency="EUR")
    assert _heights(fig, "s1") == pytest.approx({"production": 77 / 3, "procurement": 100.0})
    assert _bottoms(fig, "s1") == pytest.approx({"production": 0.0, "procurement": 77 / 3})
    assert fig.axes[0].get_ylabel() == "mean cost_total, EUR"


def test_cost_bars_of_a_real_run(res, tmp_path):
    fig = cost_breakdown(res.replications, res.comparison.differences, summary=res.summary, currency="EUR")
    reps = res.replications.set_index("replication")
    none = reps[reps.strategy == "none"]
    differences = res.comparison.differences
    for strategy in res.info["strategies"][1:]:
        mine = reps[reps.strategy == strategy]
        heights = _heights(fig, strategy)
        for component, height in heights.items():
            if component == "lost_revenue":
                assert height == pytest.approx((none.revenue - mine.revenue).mean())
            elif component == "stock_drawn":
                assert height == pytest.approx((none.stock_change - mine.stock_change).mean())
            else:
                assert height == pytest.approx((mine[f"cost_{component}"] - none[f"cost_{component}"]).mean())
        delta = differences[(differences.strategy == strategy) & (differences.metric == "profit")].estimate.iloc[0]
        (_, y), = _collections(fig, f"total:{strategy}")[f"total:{strategy}"].get_offsets()
        assert y == pytest.approx(-delta)
        assert sum(heights.values()) == pytest.approx(-delta, rel=1e-9, abs=1e-6)
    _saves(fig, tmp_path / "costs.png")


def test_every_figure_of_a_run_has_a_caption(res):
    shown = res.plot.all()
    assert list(shown)[:4] == ["recovery", "recovered", "pareto", "costs"]
    for caption, fig in shown.values():
        assert isinstance(fig, Figure) and caption
        assert "net cost" not in caption


# -- Gantt ---------------------------------------------------------------------------------------

def test_gantt_has_one_mark_per_action_of_the_replication(res, tmp_path):
    fig = orchestration_gantt(res.orchestrations, 0, events=res.events, horizon=res.info["horizon_days"])
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
    fig = orchestration_gantt(empty, 0)
    assert "no actions" in fig.axes[0].texts[0].get_text()


# -- critical inventory --------------------------------------------------------------------------

def test_critical_inventory_has_a_panel_per_part_and_a_line_per_strategy(res, tmp_path):
    fig = critical_inventory(res.inventory, events=res.events)
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
    fig = value_chain_map(scenario, disrupted=["mcu_fab_tw"])
    counts = _node_count(fig)
    assert sum(counts.values()) == graph.number_of_nodes()
    kinds = pd.Series(dict(graph.nodes(data="kind"))).value_counts().to_dict()
    assert counts == kinds
    supplier = _collections(fig, "nodes:supplier")["nodes:supplier"]
    ring = [mcolors.to_hex(c) for c in supplier.get_edgecolor()]
    hit = [n for n, k in graph.nodes(data="kind") if k == "supplier"].index("mcu_fab_tw")
    assert ring[hit] == _ALERT.lower() and ring.count(_ALERT.lower()) == 1
    _saves(fig, tmp_path / "map.png")
    with pytest.raises(ValueError, match="unknown node"):
        value_chain_map(scenario, disrupted=["tw_earthquake"])


def test_map_draws_a_lane_beside_another_modes_curved_in_its_modes_colour(scenario):
    # The quickstart joins pcba_my to controller_hu by sea and, on standby, by air: the air lane
    # is drawn once, curved beside the sea lane, and named in the legend; every other pair once.
    graph = scenario.value_chain()
    pairs = {(u, v) for u, v in graph.edges()}
    second = [(u, v, k) for u, v, k in graph.edges(keys=True) if list(graph[u][v]).index(k) > 0]
    assert [k for *_, k in second] == ["air"]
    fig = value_chain_map(scenario)
    curved = [p for p in fig.axes[0].patches if p.get_gid() == "lane:parallel:air"]
    assert len(curved) == 1 and curved[0].get_connectionstyle().rad == 0.25
    assert len(fig.axes[0].patches) == len(pairs) + len(second)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "air lane beside another mode" in legend


def test_map_shows_the_providers_of_a_strategy(scenario, res, tmp_path):
    rows = res.orchestrations[(res.orchestrations.strategy == "maas_upstream") & (res.orchestrations.replication == 0)
                              & res.orchestrations.kind.str.startswith("maas")
                              & res.orchestrations.status.isin(["accepted", "countered"])]
    providers = set(rows.source)
    assert providers  # quickstart's maas_upstream reaches agreements
    fig = value_chain_map(scenario, res.orchestrations, "maas_upstream", 0, disrupted=["mcu_fab_tw"])
    counts = _node_count(fig)
    assert counts["maas"] == len(providers)
    assert sum(counts.values()) == scenario.value_chain().number_of_nodes() + len(providers)
    dashed = [p for p in fig.axes[0].patches if p.get_linestyle() in ("--", "dashed")]
    assert len(dashed) == len(rows[["source", "destination"]].drop_duplicates())
    _saves(fig, tmp_path / "map_maas.png")
    # providers are labelled by their offering id, as in orchestrations.csv and `resim providers`
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert providers <= labels
    assert not any(label.startswith("maas_") for label in labels)
    # a strategy without agreements adds nobody
    plain = value_chain_map(scenario, res.orchestrations, "buffer", 0)
    assert "maas" not in _node_count(plain)


def test_map_by_coordinates_when_every_node_has_them():
    graph = nx.DiGraph()
    graph.add_node("s", kind="supplier", lat=10.0, lon=100.0)
    graph.add_node("p", kind="plant", lat=50.0, lon=10.0)
    graph.add_node("m", kind="market", lat=40.0, lon=-80.0)
    graph.add_edges_from([("s", "p"), ("p", "m")])
    fake = SimpleNamespace(value_chain=lambda: graph, maas=SimpleNamespace(providers=[]))
    fig = value_chain_map(fake)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "longitude (°)"
    offsets = np.vstack([c.get_offsets() for c in _collections(fig, "nodes:").values()])
    assert sorted(map(tuple, offsets)) == sorted([(100.0, 10.0), (10.0, 50.0), (-80.0, 40.0)])
    tiers = value_chain_map(fake, layout="tiers")
    xs = {gid: c.get_offsets()[0][0] for gid, c in _collections(tiers, "nodes:").items()}
    assert xs["nodes:supplier"] < xs["nodes:plant"] < xs["nodes:market"]


# -- colours -------------------------------------------------------------------------------------

def test_a_strategy_has_the_same_colour_in_every_figure(res):
    colours = strategy_colours(res.info["strategies"])
    assert len(set(colours.values())) == len(colours)
    timeline = recovery_timeline(res.timeseries, res.replications, res.events)
    main = next(ax for ax in timeline.axes if ax.get_ylabel().startswith("7-day fill rate"))
    line_colour = {line.get_label(): mcolors.to_hex(line.get_color()) for line in main.lines}
    medians = _collections(timeline, "recovery:")
    share = recovery_share(res.replications)
    points = _collections(pareto(res.comparison.table, res.summary), "point:")
    assert medians  # quickstart: some strategies recover within the horizon
    for strategy, colour in colours.items():
        assert line_colour[strategy] == colour.lower()
        assert mcolors.to_hex(_curve(share, strategy).get_color()) == colour.lower()
        assert mcolors.to_hex(points[f"point:{strategy}"].get_facecolor()[0]) == colour.lower()
        if f"recovery:{strategy}" in medians:
            assert mcolors.to_hex(medians[f"recovery:{strategy}"].get_facecolor()[0]) == colour.lower()
