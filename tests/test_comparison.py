"""The comparison of strategies (resim.experiment.comparison) against hand-made tables, and the sentences of
its recommendation against the table beside them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from resim.experiment.comparison import compare_strategies, dominates, pareto_front
from tests.claims import check_sentences


def table(spec, replications: int = 10, follow_up: float = 200.0) -> pd.DataFrame:
    """Replication rows from ``(strategy, recovery days or None when never recovered, profit)``;
    the profit rises by the replication number, total cost is 1,000 minus the base profit."""
    rows = []
    for strategy, recovery, profit in spec:
        for i in range(replications):
            done = recovery is not None
            rows.append({"strategy": strategy, "replication": i,
                         "recovery_time_days": recovery if done else follow_up, "recovered": float(done),
                         "follow_up_days": follow_up, "time_to_impact_days": 5.0 if recovery else math.nan,
                         "dip_days": (recovery - 5.0 if done else follow_up - 5.0) if recovery else math.nan,
                         "cost_total": 1000.0 - profit, "revenue": 1000.0 + i, "profit": float(profit + i),
                         "fill_rate": 0.9})
    frame = pd.DataFrame(rows)
    none_cost = frame[frame.strategy == "none"].set_index("replication").cost_total
    return frame.assign(cost_response=frame.cost_total - frame.replication.map(none_cost))


def test_front_regret_and_recommendation_by_hand():
    # a: 10 days, profit 100; b: 5 days, 90; c: 20 days, 80 (beaten by a on both); none: 30 days, 50.
    reps = table([("none", 30, 50), ("a", 10, 100), ("b", 5, 90), ("c", 20, 80)])
    comparison = compare_strategies(reps)
    t = comparison.table.set_index("strategy")
    assert t.on_front.to_dict() == {"none": False, "a": True, "b": True, "c": False}
    # Regret: the best profit of each replication is a's; b falls 10 short, c 20, none 50.
    assert t.mean_regret.to_dict() == pytest.approx({"none": 50, "a": 0, "b": 10, "c": 20})
    assert comparison.recommended == "a" and comparison.runner_up == "b"
    assert comparison.warnings == []  # a beats b by exactly 10 in every replication
    assert set(comparison.differences.strategy) == {"a", "b", "c"}
    assert t.status.to_dict() == {"none": "reference", "a": "acted", "b": "acted", "c": "acted"}
    check_sentences(comparison, reps)
    assert any(r.endswith("higher mean profit than none, c") for r in comparison.reasons)


def test_the_cost_sentence_compares_total_cost_not_profit():
    # Issue 16: "costs less than none" was said of a strategy whose total cost is higher (it
    # meant cost minus revenue). a earns more than it spends extra: higher profit, higher cost.
    reps = table([("none", None, 50), ("a", 10, 100)])
    reps.loc[reps.strategy == "a", "cost_total"] += 500.0
    reps.loc[reps.strategy == "a", "revenue"] += 550.0
    reps["cost_response"] = reps.cost_total - reps.replication.map(
        reps[reps.strategy == "none"].set_index("replication").cost_total)
    comparison = compare_strategies(reps, currency="EUR")
    assert comparison.recommended == "a"
    assert any(r.startswith("it costs more than none: total cost +EUR") for r in comparison.reasons)
    assert not any("costs less" in r for r in comparison.reasons)
    check_sentences(comparison, reps, "EUR")


def test_identical_strategies_are_reported_and_not_recommended():
    reps = table([("none", 30, 50), ("a", 10, 100), ("same", 30, 50)])
    comparison = compare_strategies(reps)
    t = comparison.table.set_index("strategy")
    assert t.loc["same", "status"] == "identical to none"
    assert comparison.notes == ["same gave exactly the same results as none in every replication"]
    assert comparison.recommended == "a" and comparison.runner_up == "none"
    check_sentences(comparison, reps)


def test_all_identical_gives_no_recommendation():
    # Issue 16: a disruption after the horizon makes every strategy identical; the run recommended
    # one "best in 100 % of the replications" with no warning.
    reps = table([("none", 30, 50), ("a", 30, 50), ("b", 30, 50)])
    comparison = compare_strategies(reps)
    assert comparison.recommended is None and comparison.reasons == []
    assert comparison.warnings == ["every strategy gave the same results in every replication: nothing to recommend"]
    assert not comparison.table.recommended.any()
    check_sentences(comparison, reps)


def test_a_response_that_could_not_act_says_why():
    reps = table([("none", 30, 50), ("a", 10, 100), ("maas", 30, 49)])
    orchestrations = pd.DataFrame([
        {"strategy": "a", "replication": 0, "kind": "buffer", "status": "active", "note": ""},
        {"strategy": "maas", "replication": 0, "kind": "maas_upstream", "status": "no candidate",
         "note": "first delivery after the expected recovery"}])
    comparison = compare_strategies(reps, orchestrations=orchestrations)
    t = comparison.table.set_index("strategy")
    assert t.loc["maas", "status"] == ("could not act: no provider could be engaged "
                                       "(first delivery after the expected recovery)")
    assert t.loc["a", "status"] == "acted"
    assert "maas could not act: no provider could be engaged (first delivery after the expected recovery)" \
        in comparison.notes


def test_close_strategies_get_a_warning_with_the_replications_that_would_separate_them():
    rng = np.random.default_rng(3)
    reps = table([("none", 30, 0), ("a", 10, 100), ("b", 10, 99)], replications=12)
    noise = rng.normal(0, 20, 12)
    reps.loc[reps.strategy == "b", "profit"] += noise
    comparison = compare_strategies(reps)
    diff = (reps[reps.strategy == comparison.recommended].profit.to_numpy()
            - reps[reps.strategy == comparison.runner_up].profit.to_numpy())
    assert len(comparison.warnings) == 1
    expected = math.ceil((stats.norm.ppf(0.975) * diff.std(ddof=1) / abs(diff.mean())) ** 2)
    assert comparison.replications_to_separate == expected
    assert f"about {expected:,} replications would separate" in comparison.warnings[0]
    check_sentences(comparison, reps)


def test_censored_strategies_rank_on_the_restricted_mean_and_median_not_reached():
    # none never recovers within its 200-day follow-up: its median is not reached and its
    # restricted mean is the follow-up, not an average of censored values as if observed.
    reps = table([("none", None, 50), ("a", 10, 100)])
    t = compare_strategies(reps).table.set_index("strategy")
    assert math.isnan(t.loc["none", "recovery_median_days"])
    assert t.loc["none", "recovery_restricted_mean_days"] == 200.0
    assert t.loc["none", "recovered_share"] == 0.0


def test_a_small_run_says_its_advice_rests_on_few_values():
    reps = table([("none", 30, 50), ("a", 10, 100)], replications=3)
    comparison = compare_strategies(reps)
    assert comparison.recommended == "a"
    assert comparison.warnings[0].startswith("only 3 replications: ")
    check_sentences(comparison, reps)


def test_pareto_front_on_a_hand_made_set():
    points = pd.DataFrame({"x": [1, 2, 3, 2, 1], "y": [5, 3, 1, 4, 5]})
    assert pareto_front(points, "x", "y").tolist() == [True, True, True, False, True]


def test_dominance_by_hand():
    # (1, 1) beats (1, 2): as good on x, better on y; but not strictly, which needs both better.
    assert dominates(1, 1, 1, 2) and not dominates(1, 1, 1, 2, strictly=True)
    assert dominates(1, 1, 2, 2, strictly=True)
    assert not dominates(1, 2, 1, 1) and not dominates(1, 1, 1, 1)    # worse on y; equal points
    assert not dominates(1, 3, 2, 2) and not dominates(2, 2, 1, 3)    # a trade-off: neither
    assert dominates([1, 2], [1, 2], [1, 1], [2, 1]).tolist() == [True, False]
