"""Scale: the same numbers on every executor, and runs that survive being killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import resim
from resim.scenario.synthetic import synthetic_chain
from tests.signals import ctrl_c_as_usual
from tests.chains import write

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only


@pytest.fixture(scope="module")
def chain() -> resim.Scenario:
    data = synthetic_chain(40, tiers=2, seed=4, horizon_days=120)
    data["disruptions"] = [{"id": "strike", "type": "capacity_loss", "nodes": [data["nodes"][0]["id"]],
                            "annual_probability": 0.9, "duration_days": "triangular(5, 10, 20)"}]
    return resim.scenario_from_dict(data)


def tables(res):
    # The records too (ripple, events): they travel from the workers as records.
    return res.replications, res.summary, res.timeseries, res.costs, res.ripple, res.events


def test_every_executor_and_worker_count_gives_the_same_numbers(chain):
    serial = resim.run(chain, replications=8, seed=3, executor="serial")
    for executor, workers in (("processes", 2), ("processes", 1), ("dask", 2)):
        other = resim.run(chain, replications=8, seed=3, executor=executor, workers=workers)
        for mine, theirs in zip(tables(serial), tables(other)):
            pd.testing.assert_frame_equal(mine, theirs, check_exact=True)


def _start(path, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "resim", "run", str(path), "-o", str(out), "--replications",
                             "40", "--executor", "serial", *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_as_usual)


def _wait_for_lines(out: Path, count: int, process) -> None:
    journal = out / ".checkpoint" / "replications.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if journal.is_file() and journal.read_text().count("\n") >= count:
            return
        assert process.poll() is None, "the run finished before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError("no checkpoints appeared")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["killed", "ctrl-c"])
def test_an_interrupted_run_resumes_to_exactly_the_uninterrupted_numbers(chain, tmp_path, how):
    data = chain.model_dump(by_alias=True, exclude_unset=True, mode="json")
    path = write(tmp_path / "chain.yaml", data)
    whole = tmp_path / "whole"
    assert subprocess.run([sys.executable, "-m", "resim", "run", path, "-o", str(whole), "--replications", "40",
                           "--executor", "serial"], capture_output=True).returncode == 0

    out = tmp_path / "interrupted"
    process = _start(path, out)
    _wait_for_lines(out, 5, process)
    os.kill(process.pid, how)
    process.wait(timeout=60)
    if how == signal.SIGINT:
        assert process.returncode == 130 and "--resume" in process.stderr.read()
    else:
        assert process.returncode == -signal.SIGKILL
    assert not (out / "run.json").exists()  # nothing claims to be a finished run

    resumed = subprocess.run([sys.executable, "-m", "resim", "run", path, "-o", str(out), "--replications", "40",
                              "--executor", "serial", "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    info = json.loads((out / "run.json").read_text())
    assert 5 <= info["replications_resumed"] < 2 * 40  # none and the chain's strategy, 40 each: not all done
    # The checkpoint holds the records as well: they read back into the same rows.
    for name in ("replications.csv", "summary.csv", "timeseries.csv", "costs.csv", "ripple.csv", "events.csv"):
        assert (out / name).read_text() == (whole / name).read_text(), name
    assert not (out / ".checkpoint").exists()


def test_resuming_a_different_run_is_refused(chain, tmp_path):
    from resim.experiment.runner import run

    run(chain, replications=2, executor="serial", checkpoint=tmp_path / "cp")
    with pytest.raises(ValueError, match="different run"):
        run(chain, replications=3, executor="serial", checkpoint=tmp_path / "cp", resume=True)
    # A checkpoint written by another version of resim may hold other metrics: refused too.
    spec = tmp_path / "cp" / "spec.json"
    spec.write_text(spec.read_text().replace('"resim_version": "', '"resim_version": "0.0.'))
    with pytest.raises(ValueError, match="different run"):
        run(chain, replications=2, executor="serial", checkpoint=tmp_path / "cp", resume=True)


def test_a_sweep_on_one_dask_cluster_gives_the_serial_sweep(chain):
    from resim.assess.sweep import grid, run_sweep

    design = grid({"disruptions[0].annual_probability": [0.2, 0.9]})
    serial = run_sweep(chain, design, replications=4, seed=5, executor="serial")
    on_dask = run_sweep(chain, design, replications=4, seed=5, executor="dask", workers=2)
    pd.testing.assert_frame_equal(serial, on_dask, check_exact=True)


def test_a_running_cluster_given_by_address_gives_the_serial_numbers(chain):
    from resim.experiment.runner import local_cluster

    serial = resim.run(chain, replications=6, seed=9, executor="serial")
    with local_cluster(2) as address:
        assert address.startswith("tcp://")
        other = resim.run(chain, replications=6, seed=9, executor="dask", scheduler=address)
    for mine, theirs in zip(tables(serial), tables(other)):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)


def test_results_come_in_task_order_and_never_more_than_a_window_ahead():
    # Later tasks finish first (shorter sleeps), yet come out in task order, and at most
    # `window` tasks are ever submitted and not yet taken: what bounds a run's memory.
    from concurrent.futures import ThreadPoolExecutor

    from resim.experiment.runner import _in_order

    window, ahead, peak = 3, [0], [0]
    taken = []

    def submit(task):
        ahead[0] += 1
        peak[0] = max(peak[0], ahead[0])
        return pool.submit(lambda: (time.sleep(0.02 * (10 - task) / 10), task)[1])

    with ThreadPoolExecutor(4) as pool:
        for result in _in_order(submit, list(range(10)), window):
            ahead[0] -= 1
            taken.append(result)
    assert taken == list(range(10))
    assert peak[0] == window
