"""Batches (issue 21): a replication's numbers do not depend on how it was batched.

The expectation is the replication simulated alone (a batch of one): the same replication in a
batch of 7, at any position, among replications whose responses add providers and lanes (and so
leave the batch's network for their own), among replications of other strategies, on any
executor and batch size, gives the same ledger, bit for bit, and the same tables.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import resim
from resim.experiment import runner
from resim.experiment.runner import run_batch, run_replication, run_together
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


def test_run_batch_runs_consecutive_tasks_of_one_seed_together_whatever_their_strategy(quickstart, monkeypatch):
    calls = []
    monkeypatch.setattr(runner, "run_together", lambda scenario, strategies, replications, seed:
                        calls.append((list(map(str, strategies)), list(replications), seed)) or [])
    monkeypatch.setattr(runner, "batch_rows", lambda scenario: 3)
    none, buffer = StrategyRun("none"), StrategyRun("buffer")
    run_batch(quickstart, [(none, 0, 1), (buffer, 0, 1), (none, 1, 1), (buffer, 1, 1), (none, 0, 2)])
    assert calls == [(["none", "buffer", "none"], [0, 0, 1], 1), (["buffer"], [1], 1), (["none"], [0], 2)]


def test_run_together_wants_a_strategy_per_replication_or_one_for_all(quickstart):
    with pytest.raises(ValueError, match="2 strategies for 3 replications"):
        run_together(quickstart, ["none", "buffer"], [0, 1, 2], quickstart.seed)


def test_a_replication_that_adds_a_node_leaves_the_others_network_unchanged():
    scenario = hand_chain(horizon=30)
    batch = Batch(scenario, [0, 1, 2])
    first, second, third = batch.models
    plain = len(first.net.node_ids)
    second.add_node(Node(id="sB", kind="supplier", country="PL", region="europe", makes=["A"]))
    assert len(batch.cohorts) == 2 and second.net is not first.net
    assert len(first.net.node_ids) == len(third.net.node_ids) == plain
    assert len(second.net.node_ids) == plain + 1 and len(second.on_hand) == len(first.on_hand) + 1
    batch.run()
    for model, replication in ((first, 0), (third, 2)):
        alone = Model(scenario, replication=replication)
        alone.run()
        np.testing.assert_array_equal(model.ledger.cost, alone.ledger.cost)
        for name, values in alone.ledger.market.items():
            np.testing.assert_array_equal(model.ledger.market[name], values, err_msg=name)


def _add_second_source(model: Model) -> None:
    model.add_node(Node(id="sB", kind="supplier", country="PL", region="europe", makes=["A"]))
    model.add_lane(Lane(**{"from": "sB", "to": "plant", "parts": ["A"], "lead_time_days": 3}))


def test_replications_that_add_the_same_node_and_lane_advance_together_again():
    scenario = hand_chain(horizon=30)
    batch = Batch(scenario, [0, 1, 2])
    for model in (batch.models[0], batch.models[2]):
        model.at(5, _add_second_source)
    batch.run()
    cohorts = sorted(([model.replication for model in c.rows] for c in batch.cohorts), key=len)
    assert cohorts == [[1], [0, 2]]  # the two that added sB share a network again; 1 kept the scenario's
    for model in batch.models:
        alone = Model(scenario, replication=model.replication)
        if model.replication != 1:
            alone.at(5, _add_second_source)
        alone.run()
        np.testing.assert_array_equal(model.ledger.cost, alone.ledger.cost)
        np.testing.assert_array_equal(model.ledger.market["delivered"], alone.ledger.market["delivered"])


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
    cohort = batch.cohorts[0]
    held = sum(cohort.state[name].nbytes for name in cohort.state.names())
    held += sum(array.nbytes for array in cohort.levers.arrays.values())
    block = batch.ledgers
    held += sum(a.nbytes for a in (*block.market.values(), *block.totals.values(), block.cost, block.critical_on_hand))
    assert budget / 2 < held <= budget  # the estimate is close, and never over
