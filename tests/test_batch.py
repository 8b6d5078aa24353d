"""Batches (issue 21): a replication's numbers do not depend on how it was batched.

The expectation is the replication simulated alone (a batch of one): the same replication in a
batch of 7, at any position, among replications whose responses add providers and lanes (which
join the batch's network, closed to the others), among replications of other strategies, on any
executor and batch size, gives the same ledger, bit for bit, and the same tables.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import resim
from resim.experiment.runner import run_batch, run_replication, run_together, together
from resim.experiment.strategy_runs import StrategyRun, other_styles, strategy_runs
from resim.sim import engine
from resim.scenario.format.chain import Lane, Node
from resim.sim.engine import Batch, Model
from tests.chains import hand_chain


def _same_outcome(alone, batched) -> None:
    assert alone.replication == batched.replication and alone.strategy == batched.strategy
    assert alone.metrics.keys() == batched.metrics.keys()
    for name, value in alone.metrics.items():
        other = batched.metrics[name]
        assert value == other or (math.isnan(value) and math.isnan(other)), name
    assert alone.costs == batched.costs
    for name, series in alone.daily.items():
        np.testing.assert_array_equal(series, batched.daily[name], err_msg=name)
    assert alone.actions == batched.actions and alone.events == batched.events
    assert alone.ripple == batched.ripple


@pytest.mark.parametrize("strategy", ["none", "maas_upstream"])
def test_a_replication_gives_the_same_outcome_alone_and_in_a_batch(quickstart, strategy):
    replications = [3, 0, 6]
    together = run_together(quickstart, strategy, replications, quickstart.seed)
    for replication, batched in zip(replications, together):
        _same_outcome(run_replication(quickstart, strategy, replication, quickstart.seed), batched)


@pytest.mark.slow
def test_every_strategy_gives_the_same_outcomes_in_a_batch_of_seven(quickstart):
    replications = list(range(7))
    for strategy in [s.id for s in quickstart.strategies] + ["none"]:
        together = run_together(quickstart, strategy, replications, quickstart.seed)
        for replication, batched in zip(replications, together):
            _same_outcome(run_replication(quickstart, strategy, replication, quickstart.seed), batched)


def test_a_batch_of_every_strategy_gives_each_replication_its_outcome_alone(quickstart):
    runs = strategy_runs(quickstart, None)
    runs += other_styles(quickstart, runs)[:1]  # an orchestration style other than the strategy's own
    tasks = [(chosen, replication, quickstart.seed) for replication in (4, 1) for chosen in runs]
    together = run_batch(quickstart, tasks)
    assert [(o.strategy, o.replication) for o in together] == [(str(c), r) for c, r, _ in tasks]
    for (chosen, replication, seed), batched in zip(tasks, together):
        _same_outcome(run_replication(quickstart, chosen, replication, seed), batched)


def test_consecutive_tasks_of_one_seed_run_together_whatever_their_strategy():
    none, buffer = StrategyRun("none"), StrategyRun("buffer")
    tasks = [(none, 0, 1), (buffer, 0, 1), (none, 1, 1), (buffer, 1, 1), (none, 0, 2)]
    assert together(tasks, 3) == [tasks[:3], tasks[3:4], tasks[4:]]  # cut by size, then by seed
    assert together(tasks, 64) == [tasks[:4], tasks[4:]]


@pytest.mark.parametrize("count, slots, rows, sizes", [(180, 2, 64, [45] * 4), (180, 1, 64, [60] * 3),
                                                       (7, 3, 2, [2, 2, 2, 1]), (2, 4, 64, [1, 1])])
def test_work_goes_out_in_the_fewest_equal_batches_that_fit_each_worker_alike(count, slots, rows, sizes):
    from resim.experiment.runner import _batches

    tasks = [(StrategyRun("none"), i, 1) for i in range(count)]
    batches = _batches(tasks, slots, rows)
    assert [len(batch) for batch in batches] == sizes  # worked out by hand
    assert [task for batch in batches for task in batch] == tasks  # consecutive, in order
    assert max(map(len, batches)) <= rows
    full = -(-count // (slots * rows))  # batches each worker needs, at the least
    assert len(batches) <= slots * full  # no more batches than that: each as large as allowed
    assert len({len(batch) for batch in batches[:-1]}) <= 1  # equal, but for a smaller last one


def test_run_together_wants_a_strategy_per_replication_or_one_for_all(quickstart):
    with pytest.raises(ValueError, match="2 strategies for 3 replications"):
        run_together(quickstart, ["none", "buffer"], [0, 1, 2], quickstart.seed)


def test_a_node_one_replication_adds_is_closed_to_the_others():
    scenario = hand_chain(horizon=30)
    batch = Batch(scenario, [0, 1, 2])
    first, second, third = batch.models
    plain = len(first.on_hand)
    second.add_node(Node(id="sB", kind="supplier", country="PL", region="europe", makes=["A"]))
    second.add_lane(Lane(**{"from": "sB", "to": "plant", "parts": ["A"], "lead_time_days": 3}))
    assert "sB" in second.net.node_index and "sB" not in first.net.node_index | third.net.node_index
    assert len(first.on_hand) == len(second.on_hand) == plain + 1  # in every row's arrays
    assert not first.own_sku[plain] and second.own_sku[plain]
    lane = second.net.lane_index["sB->plant"]
    assert first.levers["lane"][lane] == 0.0 and second.levers["lane"][lane] == 1.0
    batch.run()
    for model, replication in ((first, 0), (third, 2)):
        alone = Model(scenario, replication=replication)
        alone.run()
        np.testing.assert_array_equal(model.ledger.cost, alone.ledger.cost)
        for name, values in alone.ledger.market.items():
            np.testing.assert_array_equal(model.ledger.market[name], values, err_msg=name)


def test_an_added_lanes_lead_times_are_its_owners_and_held_once():
    scenario = hand_chain(horizon=30)
    batch = Batch(scenario, [0, 1, 2])
    second = batch.models[1]
    second.add_node(Node(id="sB", kind="supplier", country="PL", region="europe", makes=["A"]))
    days = np.arange(30) % 4 + 2  # 2, 3, 4, 5, 2, ...
    second.add_lane(Lane(**{"from": "sB", "to": "plant", "parts": ["A"], "lead_time_days": 3}), lead_times=days)
    lane = second.net.lane_index["sB->plant"]
    cohort = batch.cohort
    assert cohort.added_lead.values.shape == (1, 30)  # one horizon for the lane, not one per row
    for day in (0, 1, 7):
        today = cohort.lead_today(day)
        assert today[1, lane] == days[day] and today[0, lane] == today[2, lane] == 1
        np.testing.assert_array_equal(today[:, :lane], cohort.lead_times[:, :, day])


def _add_second_source(model: Model, capacity: float | None = None) -> None:
    model.add_node(Node(id="sB", kind="supplier", country="PL", region="europe", makes=["A"],
                        capacity_per_day=capacity))
    model.add_lane(Lane(**{"from": "sB", "to": "plant", "parts": ["A"], "lead_time_days": 3}))


def _same_as_alone(batch: Batch, actions: dict[int, Callable[[Model], None]]) -> None:
    """Every replication of ``batch`` has the ledger it has run alone with the same actions."""
    for row, model in enumerate(batch.models):
        alone = Model(batch.scenario, replication=model.replication, detail=True)
        if row in actions:
            actions[row](alone)
        alone.run()
        np.testing.assert_array_equal(model.ledger.cost, alone.ledger.cost)
        np.testing.assert_array_equal(model.ledger.market["delivered"], alone.ledger.market["delivered"])
        pd.testing.assert_frame_equal(model.ledger.stock(), alone.ledger.stock())  # its own stock points only


@pytest.mark.parametrize("capacity, entries", [(None, 1), (40.0, 2)])
def test_replications_adding_a_node_of_the_same_name_share_it_only_when_equal(capacity, entries):
    # The third replication adds sB later, equal to the first's (shared) or with a capacity of
    # its own (an entry of its own); each replication's numbers are those it has alone.
    scenario = hand_chain(horizon=30)
    batch = Batch(scenario, [0, 1, 2], detail=True)
    first, second, third = batch.models
    actions = {0: lambda m: m.at(5, _add_second_source),
               2: lambda m: m.at(9, lambda mm: _add_second_source(mm, capacity))}
    for row, act in actions.items():
        act(batch.models[row])
    batch.run()
    net = batch.cohort.net
    assert net.node_ids.count("sB") == entries and net.lane_keys.count("sB->plant") == entries
    assert (first.net.node_index["sB"] == third.net.node_index["sB"]) == (entries == 1)
    assert "sB" not in second.net.node_index
    lane = net.lane_keys.index("sB->plant")
    assert batch.cohort.levers["lane"][:, lane].tolist() == [1.0, 0.0, 1.0 if entries == 1 else 0.0]
    _same_as_alone(batch, actions)


def test_a_replication_shares_an_added_node_only_after_those_it_holds():
    # The first adds sB then sC; the second adds sC then sB. Holding the first's sB would put
    # its own stock points out of the order it added them in (and its sums with them), so it
    # adds an sB of its own.
    def both(first: str, then: str) -> Callable[[Model], None]:
        def add(model: Model) -> None:
            for name in (first, then):
                model.add_node(Node(id=name, kind="supplier", country="PL", region="europe", makes=["A"]))
                model.add_lane(Lane(**{"from": name, "to": "plant", "parts": ["A"], "lead_time_days": 3,
                                       "share": 0.25}))  # (an equal split would differ by the order)
        return lambda model: model.at(4, add)

    scenario = hand_chain(horizon=30)
    batch = Batch(scenario, [0, 1], detail=True)
    actions = {0: both("sB", "sC"), 1: both("sC", "sB")}
    for row, act in actions.items():
        act(batch.models[row])
    batch.run()
    first, second = batch.models
    assert first.net.node_index["sC"] == second.net.node_index["sC"]
    assert first.net.node_index["sB"] != second.net.node_index["sB"]
    _same_as_alone(batch, actions)


def test_an_added_lane_is_shared_only_with_the_equal_split_it_would_have():
    # The first adds sB then sC, without shares: sC->plant gets a third of the plant's orders
    # (sA, sB, sC). The second adds only sC: its sC->plant would get half, so it is its own lane.
    def add(names: tuple[str, ...]) -> Callable[[Model], None]:
        def added(model: Model) -> None:
            for name in names:
                model.add_node(Node(id=name, kind="supplier", country="PL", region="europe", makes=["A"]))
                model.add_lane(Lane(**{"from": name, "to": "plant", "parts": ["A"], "lead_time_days": 3}))
        return lambda model: model.at(4, added)

    scenario = hand_chain(horizon=30)
    batch = Batch(scenario, [0, 1], detail=True)
    actions = {0: add(("sB", "sC")), 1: add(("sC",))}
    for row, act in actions.items():
        act(batch.models[row])
    batch.run()
    net = batch.cohort.net
    first, second = batch.models
    assert first.net.node_index["sC"] == second.net.node_index["sC"]  # the node is shared, not the lane
    shares = [net.base_share[net.arc_lane == model.net.lane_index["sC->plant"]].item() for model in batch.models]
    assert shares == [pytest.approx(1 / 3), pytest.approx(1 / 2)]
    _same_as_alone(batch, actions)


_ADDITION = st.tuples(st.integers(1, 8), st.sampled_from(["sB", "sC", "sD"]), st.sampled_from([None, 15.0]),
                      st.sampled_from([None, 0.3]), st.sampled_from([2, 3]))


@given(plans=st.lists(st.lists(_ADDITION, max_size=3), min_size=2, max_size=3))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rows_adding_suppliers_in_any_order_and_terms_have_the_ledgers_they_have_alone(plans):
    # Each row adds second sources on days of its own, some equal to another row's (shared),
    # some not (another capacity, share or lead time; an order sharing would break).
    def act(plan) -> Callable[[Model], None]:
        def add(model: Model, name: str, capacity, share, lead) -> None:
            if name in model.net.node_index:
                return
            model.add_node(Node(id=name, kind="supplier", country="PL", region="europe", makes=["A"],
                                capacity_per_day=capacity))
            model.add_lane(Lane(**{"from": name, "to": "plant", "parts": ["A"], "lead_time_days": lead,
                                   "share": share}))

        def schedule(model: Model) -> None:
            for day, *terms in plan:
                model.at(day, lambda m, terms=terms: add(m, *terms))
        return schedule

    scenario = hand_chain(horizon=20)
    batch = Batch(scenario, range(len(plans)), detail=True)
    actions = {row: act(plan) for row, plan in enumerate(plans)}
    for row, schedule in actions.items():
        schedule(batch.models[row])
    batch.run()
    _same_as_alone(batch, actions)


@pytest.mark.slow
def test_results_do_not_depend_on_the_batch_size_or_the_executor(quickstart, monkeypatch):
    batched = resim.run(quickstart, replications=5, executor="serial", strategies=["none", "maas_upstream"])
    parallel = resim.run(quickstart, replications=5, executor="processes", workers=2,
                         strategies=["none", "maas_upstream"])
    monkeypatch.setattr(engine, "BATCH_BYTES", 1)  # a batch of one replication at a time
    assert engine.batch_rows(quickstart) == 1
    alone = resim.run(quickstart, replications=5, executor="serial", strategies=["none", "maas_upstream"])
    for other in (parallel, alone):
        pd.testing.assert_frame_equal(batched.replications, other.replications)
        pd.testing.assert_frame_equal(batched.timeseries, other.timeseries)
        pd.testing.assert_frame_equal(batched.orchestrations, other.orchestrations)


@pytest.mark.slow
def test_mixed_batches_give_the_same_tables_on_every_executor_and_batch_size(quickstart, monkeypatch):
    # Every strategy and style, 2 replications: batches of the serial run (and the workers')
    # hold rows of several strategies; batch_rows 1 runs each replication alone.
    def results(executor: str, workers: int = 2) -> resim.Results:
        return resim.run(quickstart, replications=2, executor=executor, workers=workers, alternatives=True)

    serial = results("serial")
    others = [results("processes"), results("processes", 1), results("dask")]
    monkeypatch.setattr(engine, "BATCH_BYTES", 1)
    others.append(results("serial"))
    for other in others:
        for name in ("summary", "replications", "timeseries", "costs", "orchestrations", "ripple", "events",
                     "inventory"):
            pd.testing.assert_frame_equal(getattr(serial, name), getattr(other, name), check_exact=True, obj=name)


@pytest.mark.parametrize("budget_mb", [1, 4])
def test_a_batch_of_batch_rows_replications_keeps_its_arrays_within_the_budget(quickstart, budget_mb):
    budget = budget_mb * 2**20
    rows = engine.batch_rows(quickstart, budget)
    assert 1 < rows < engine.MAX_ROWS
    batch = Batch(quickstart, range(rows))
    cohort = batch.cohort
    held = sum(cohort.state[name].nbytes for name in cohort.state.names())
    held += sum(array.nbytes for array in cohort.levers.arrays.values())
    held += cohort.lead_times.nbytes  # the scenario's lanes' daily lead times, kept beside the state
    block = batch.ledgers
    held += sum(a.nbytes for a in (*block.market.values(), *block.totals.values(), block.cost, block.critical_on_hand))
    assert budget / 2 < held <= budget  # the estimate is close, and never over
