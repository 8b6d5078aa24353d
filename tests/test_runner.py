"""Experiments: reproducible across executors, replication counts and runs; the results folder."""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import resim
from resim.cli.main import main
from resim.experiment import runner
from resim.experiment.runner import prepare
from resim.scenario.synthetic import synthetic_chain
from tests.chains import hand_chain

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

QUICKSTART = Path(__file__).parents[1] / "scenarios" / "quickstart.yaml"


@pytest.fixture(scope="module")
def chain() -> resim.Scenario:
    return resim.scenario_from_dict(synthetic_chain(25, tiers=2, seed=9, horizon_days=90))


def test_serial_and_processes_give_identical_numbers(chain):
    serial = resim.run(chain, replications=6, seed=4, executor="serial")
    parallel = resim.run(chain, replications=6, seed=4, executor="processes", workers=2)
    pd.testing.assert_frame_equal(serial.replications, parallel.replications)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary)
    pd.testing.assert_frame_equal(serial.timeseries, parallel.timeseries)


def test_more_replications_leave_the_first_ones_unchanged(chain):
    few = resim.run(chain, replications=3, seed=4, executor="serial").replications
    many = resim.run(chain, replications=5, seed=4, executor="serial").replications
    pd.testing.assert_frame_equal(few, many.iloc[:3])
    other_seed = resim.run(chain, replications=3, seed=5, executor="serial").replications
    assert not few["cost_total"].equals(other_seed["cost_total"])


def test_summary_holds_the_mean_with_an_interval_inside_the_observed_values(chain):
    res = resim.run(chain, replications=8, seed=1, executor="serial")
    values = res.replications["shortfall_units"].to_numpy()
    row = res.summary.set_index("metric").loc["shortfall_units"]
    assert row["estimate"] == pytest.approx(values.mean())
    assert values.min() <= row["ci_low"] <= row["estimate"] <= row["ci_high"] <= values.max()
    recovery = res.summary.set_index("metric").loc["recovery_time_days"]
    # Censored at the horizon: summarised as the mean restricted to the shortest follow-up.
    tau = res.replications["follow_up_days"].min()
    assert recovery["statistic"] == "restricted_mean"
    assert recovery["estimate"] == pytest.approx(np.minimum(res.replications.recovery_time_days, tau).mean())
    costs = res.replications.filter(like="cost_").drop(columns=["cost_total", "cost_response"])
    np.testing.assert_allclose(costs.sum(axis=1), res.replications["cost_total"])
    assert (res.replications["cost_response"] == 0).all()  # `none` against itself


def test_timeseries_fill_rate_band_contains_its_mean(chain):
    ts = resim.run(chain, replications=5, seed=2, executor="serial").timeseries
    assert len(ts) == 90 and (ts.fill_rate_p05 <= ts.fill_rate + 1e-12).all()
    assert (ts.fill_rate <= ts.fill_rate_p95 + 1e-12).all()
    assert ((ts.fill_rate >= 0) & (ts.fill_rate <= 1)).all()


def test_a_scenario_made_after_another_was_freed_gets_its_own_provider_pool(monkeypatch):
    # Pools were cached by id(scenario.maas), and CPython gives a new object the id of one just
    # freed: a scenario made after another was freed could be handed the freed one's pool. When
    # that happens depends on the allocator, so here every object has the same id, as if each
    # section took the freed one's; scenarios made and freed in turn each get their own pool.
    monkeypatch.setattr(runner, "id", lambda obj: 1, raising=False)
    base = hand_chain().replace(strategies=[{"id": "rent", "actions": ["maas_same_tier"]}])
    offering = dict(provider="shop_pl", process="joining/assembly", capacity_per_day=30, setup_cost=100,
                    unit_price=12, lead_time_days=2, onboarding_days=3, country="PL", region="europe")
    for i in range(3):
        scenario = base.replace(maas={"providers": [offering | {"id": f"offer_{i}"}]})
        model, response = prepare(scenario, "rent", replication=0, seed=1)
        assert response.pool.frame["id"].tolist() == [f"offer_{i}"]
        assert prepare(scenario, "rent", replication=1, seed=1)[1].pool is response.pool   # indexed once
        section = weakref.ref(scenario.maas)
        del scenario, model, response
        gc.collect()        # the model and its response hold cycles
        assert section() is None                                    # the cache keeps no scenario alive


def test_unknown_strategy_is_refused(chain):
    with pytest.raises(ValueError, match="unknown strategy 'fast'"):
        resim.run(chain, strategies=["fast"], replications=1)


def test_resim_run_writes_the_results_folder(tmp_path, capsys):
    out = tmp_path / "qs"
    assert main(["run", str(QUICKSTART), "-o", str(out), "--replications", "3",
                 "--horizon", "120", "--executor", "serial"]) == 0
    out_text = capsys.readouterr().out
    assert "results written to" in out_text
    # Numbers as people read them: money with its currency and separators, never e-notation.
    assert not re.search(r"\d\.?\d*e[+-]\d", out_text)
    assert re.search(r"EUR \d{1,3}(,\d{3})+", out_text)
    assert "note: maas_same_tier gave exactly the same results as none in every replication" in out_text
    assert {p.name for p in out.iterdir()} == {"run.json", "summary.csv", "replications.csv",
                                               "timeseries.csv", "costs.csv", "orchestrations.csv",
                                               "comparison.csv", "differences.csv", "ripple.csv",
                                               "levers.csv", "events.csv", "inventory.csv", "annual.csv",
                                               "event_impact.csv", "figures", "report.html"}
    info = json.loads((out / "run.json").read_text())
    assert info["replications"] == 3 and info["seed"] == 2026 and info["horizon_days"] == 120
    assert len(info["scenario_sha256"]) == 64
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["strategy", "metric", "statistic", "estimate", "std", "ci_low", "ci_high", "n",
                                     "censored", "method"]
    assert summary.method.notna().all()
    strategies = info["strategies"]
    assert strategies[0] == "none" and len(strategies) == 7  # none and every scenario strategy
    assert len(pd.read_csv(out / "replications.csv")) == 3 * len(strategies)
    costs = pd.read_csv(out / "costs.csv")
    assert set(costs.component) >= {"production", "procurement", "transport", "holding"}
    assert len(pd.read_csv(out / "timeseries.csv")) == 120 * len(strategies)


def test_small_runs_print_no_interval_outside_its_domain(tmp_path):
    # Issue 16: `--replications 10 --seed 99` printed recovery -28.8 to 74.4 days, shortfall -817
    # to 2,124 units and a fill rate up to 1.026.
    out = tmp_path / "qs"
    assert main(["run", str(QUICKSTART), "-o", str(out), "--replications", "10", "--seed", "99",
                 "--workers", "2"]) == 0
    summary = pd.read_csv(out / "summary.csv").dropna(subset=["ci_low", "ci_high"])
    signed = summary.metric.isin(["profit", "cost_response", "stock_change"])
    assert (summary[~signed].ci_low >= 0).all()
    shares = summary.metric.isin(["fill_rate", "recovered", "resilience_index", "baseline", "reman_share_critical"])
    assert (summary[shares].ci_high <= 1).all()
    differences = pd.read_csv(out / "differences.csv").dropna(subset=["ci_low", "ci_high"])
    assert ((differences.ci_low <= differences.estimate) & (differences.estimate <= differences.ci_high)).all()


def test_resim_run_bad_arguments_exit_2_and_write_nothing(tmp_path):
    out = tmp_path / "never"
    result = subprocess.run([sys.executable, "-m", "resim", "run", str(QUICKSTART), "-o", str(out),
                             "--strategies", "teleport"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "unknown strategy 'teleport'" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    result = subprocess.run([sys.executable, "-m", "resim", "run", str(QUICKSTART), "--replications", "0"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "expected at least 1" in result.stderr
