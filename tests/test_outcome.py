"""A finished model reduced to its Outcome, against a run worked out on paper; the records whose
fields are the columns of the CSV files a run writes."""

from __future__ import annotations

import csv
import gc
import math
import weakref
from pathlib import Path

import numpy as np
import pytest

import resim
from resim.experiment.journal import Journal
from resim.experiment.outcome import Outcome, reduce_model
from resim.experiment.records import EventRow, LeverRow, OrchestrationRow, RippleEvent, RippleRow, columns
from resim.experiment.ripple import ripple_frame
from resim.experiment.runner import prepare
from tests.chains import hand_chain

QUICKSTART = Path(__file__).parents[1] / "scenarios" / "quickstart.yaml"


@pytest.fixture(scope="module")
def scenario() -> resim.Scenario:
    """The 6-day hand chain (tests/chains.py), its supplier sA down from day 3 to the end, a
    price of 7 per unit, and a strategy holding 15 extra A at the plant."""
    return hand_chain().replace(**{"demand[0].price": 7}).replace(
        disruptions=[{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 3,
                      "duration_days": 3}],
        strategies=[{"id": "buffer", "actions": ["buffer"], "buffer": {"A": 15}}])


def outcome(scenario: resim.Scenario, strategy: str) -> Outcome:
    model, response = prepare(scenario, strategy, 0, scenario.seed)
    model.run()
    return reduce_model(model, response, strategy, 0)


def test_a_finished_model_reduces_to_the_numbers_worked_out_on_paper(scenario):
    # The day-by-day ledger of test_engine_oracles' hand chain, with sA making nothing from day 3:
    # the 20 A it made on day 2 reach the plant on day 4 (transport 20 x 1, procurement 20 x 5);
    # the plant makes 10 P on days 1, 2 and 4 (its 40 A, then those 20; production 30 x 3); the
    # DC still ships 10 a day to the market, day 5's from the plant's day-4 batch. Revenue 60 x 7.
    o = outcome(scenario, "none")
    assert (o.strategy, o.replication) == ("none", 0)
    assert o.daily["demand"].tolist() == o.daily["on_time"].tolist() == [10] * 6
    assert o.daily["fill_rate"].tolist() == [1.0] * 6
    assert (o.costs["production"], o.costs["procurement"], o.costs["transport"]) == (90, 100, 20)
    assert o.metrics["revenue"] == 420
    # The chain started with 40 A at the plant (unit cost 5) and 30 P at the DC (100) and ends
    # with nothing anywhere: all of it was used up, worth 3,200, which profit counts as spent.
    assert o.metrics["stock_change"] == -(40 * 5 + 30 * 100)
    # Service never dipped: no impact, nothing to recover from, observed for the 3 days after onset.
    assert o.metrics["onset_day"] == 3 and o.metrics["follow_up_days"] == 3
    assert o.metrics["fill_rate"] == o.metrics["resilience_index"] == o.metrics["recovered"] == 1
    assert math.isnan(o.metrics["time_to_impact_days"]) and math.isnan(o.metrics["dip_days"])
    assert o.metrics["recovery_time_days"] == o.metrics["shortfall_units"] == o.metrics["resilience_loss"] == 0
    # The metrics, in order, are the columns of replications.csv: the resilience metrics first.
    assert list(o.metrics)[:3] == ["fill_rate", "baseline", "time_to_impact_days"]
    assert list(o.metrics)[-4:] == ["onset_day", "revenue", "stock_change", "co2e_kg"]
    assert o.metrics["co2e_kg"] == 0   # the hand chain's parts weigh nothing
    assert o.events == [EventRow(0, "gone", "supplier_failure", 3, 6, 1.0)]
    # Without a dip, service is back when the disruption ends (day 6); nothing missed to charge.
    assert o.ripple == [RippleEvent("none", 0, "gone", 3, "nothing", np.array([0.0]), np.array([0.0]),
                                    np.array([6.0]), np.array([0.0]), np.array([0.0]))]
    assert ripple_frame(scenario, o.ripple).values.tolist() == [
        ["none", 0, "gone", 3, "sA", "A", "P", "m", 0.0, 0.0, "nothing", 6, 0.0, 0.0]]  # its one path, a row of ripple.csv
    assert o.actions == []


def test_the_actions_of_a_response_become_rows_of_its_replication(scenario):
    from resim.sim.actions import Action

    # A row is the sim's record of the action with the replication beside the strategy.
    assert columns(OrchestrationRow) == ["strategy", "replication", *columns(Action)[1:]]
    o = outcome(scenario, "buffer")
    assert o.actions == [OrchestrationRow("buffer", 0, "buffer", "", "plant", "A", "plant", 15.0, 0, 6, 5.0,
                                          "active", "15 extra units held all year")]


def test_the_csv_headers_of_a_saved_run_are_the_fields_of_their_records(scenario, tmp_path):
    folder = resim.run(scenario, replications=2, executor="serial").save(tmp_path / "run", figures="none", report=False)

    def read(name: str) -> list[list[str]]:
        with open(folder / name, newline="", encoding="utf-8") as stream:
            return list(csv.reader(stream))

    # The files' columns as docs/strategies.md and earlier runs have them.
    expected = {
        "orchestrations.csv": (OrchestrationRow, ["strategy", "replication", "kind", "trigger", "source", "part",
                                                  "destination", "units_per_day", "start", "end", "unit_cost",
                                                  "status", "note"]),
        "ripple.csv": (RippleRow, ["strategy", "replication", "disruption", "onset", "node", "part", "product",
                                   "market", "missed_units", "lost_units", "answered_by", "back_day",
                                   "charged_units", "charged_lost_units"]),
        "events.csv": (EventRow, ["replication", "id", "type", "start", "end", "severity"]),
        "levers.csv": (LeverRow, ["strategy", "replication", "disruption", "onset", "baseline_units",
                                  "charged_units", "closed_units", "lever", "available_units", "credited_units"]),
    }
    for name, (record, header) in expected.items():
        assert read(name)[0] == columns(record) == header, name
    assert [row[:3] for row in read("orchestrations.csv")[1:]] == [["buffer", "0", "buffer"], ["buffer", "1", "buffer"]]
    assert len(read("ripple.csv")) == 1 + 2 * 2  # a path for each strategy and replication
    assert len(read("levers.csv")) == 1 + 2  # buffer, its one lever, against none in each replication


def test_a_checkpointed_outcome_reads_back_equal(scenario, tmp_path):
    recorded = outcome(scenario, "buffer")
    journal = Journal(tmp_path, {"run": 1}, resume=False)
    journal.record(recorded)
    journal.close(remove=False)
    (back,) = Journal(tmp_path, {"run": 1}, resume=True).finished()
    assert (back.actions, back.ripple, back.events) == (recorded.actions, recorded.ripple, recorded.events)
    assert back.metrics == pytest.approx(recorded.metrics, nan_ok=True) and back.costs == recorded.costs
    assert all(np.array_equal(back.daily[k], recorded.daily[k]) for k in recorded.daily)


def test_a_released_model_is_freed_by_reference_counting_alone():
    # A model refers to itself (its state, hooks and SimPy processes), and so does its circular
    # supply: dropped, they wait for a full pass of the cyclic collector, which may come many
    # replications later. Released, they go as soon as the last reference does.
    scenario = resim.load_scenario(QUICKSTART).replace(horizon_days=30)
    ledgers = {}
    for released in (False, True):
        model, response = prepare(scenario, "circular", 0, scenario.seed)
        model.run()
        reduce_model(model, response, "circular", 0)
        ledgers[released] = (weakref.ref(model.ledger), weakref.ref(model.circular.ledger))
        gc.disable()
        try:
            if released:
                model.release()
            del model, response
            assert [ref() is None for ref in ledgers[released]] == [released, released]
        finally:
            gc.enable()
