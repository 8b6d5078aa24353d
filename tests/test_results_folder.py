"""A results folder is always one whole run (issue 19): a run is written aside and moved into
place in one step, run.json last with every file's size and SHA-256; an interruption, a full
disk or a second process never leaves a mix of two runs. Real signals, real file-size limits,
real processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import resim
from resim.core.files import FolderBusy, check_manifest, folder_lock
from resim.core.signals import deferred_interrupts
from resim.experiment.results import RUN_FILES
from tests.chains import hand_chain
from tests.folders import folder_bytes

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

QUICKSTART = str(Path(__file__).parents[1] / "scenarios" / "quickstart.yaml")
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals, locks and resource limits")


@pytest.fixture(scope="module")
def two_runs() -> tuple[resim.Results, resim.Results]:
    scenario = hand_chain(horizon=60).replace(disruptions=[
        {"id": "cut", "type": "capacity_loss", "nodes": ["sA"], "onset_day": 10, "duration_days": 15}])
    return (resim.run(scenario, replications=2, executor="serial"),
            resim.run(scenario, replications=3, seed=7, executor="serial"))


def _whole(folder: Path) -> bool:
    """The folder holds one run: its manifest lists exactly the run's files it holds, each unchanged."""
    listed = json.loads((folder / "run.json").read_text(encoding="utf-8"))["files"]
    present = {name for name in folder_bytes(folder) if name in RUN_FILES and name != "run.json"}
    return set(listed) == present and check_manifest(folder, "run.json", sorted(present)) == []


def test_a_saved_folder_lists_every_file_it_holds_in_run_json(tmp_path, two_runs):
    folder = two_runs[0].save(tmp_path / "run")
    files = folder_bytes(folder)
    assert set(files) == set(RUN_FILES)
    listed = json.loads(files["run.json"])["files"]
    assert set(listed) == set(RUN_FILES) - {"run.json"}
    assert all(entry["bytes"] == len(files[name]) for name, entry in listed.items())
    assert _whole(folder)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no staging folder left


@posix_only
@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, 0.6, 1.0])
def test_ctrl_c_at_any_moment_of_a_save_leaves_one_whole_run(tmp_path, two_runs, delay, ctrl_c):
    """SIGINT sent to ourselves at a range of moments of saving over an earlier run: the folder
    then holds the earlier run byte for byte, or the new one whole, never a mix."""
    old, new = two_runs
    folder = old.save(tmp_path / "run")
    before = folder_bytes(folder)
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    try:
        timer.start()
        new.save(folder)
        timer.join()  # a signal that arrives after the save still ends in KeyboardInterrupt
        time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        timer.cancel()
    after = folder_bytes(folder)
    assert after == before or (_whole(folder) and b'"replications": 3' in after["run.json"])
    assert not [p for p in folder.iterdir() if p.name.startswith(".resim-staging-")]


def test_a_signal_during_the_commit_waits_until_it_is_done(ctrl_c):
    reached = False
    with pytest.raises(KeyboardInterrupt):
        with deferred_interrupts() as interrupted:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler has run by now: it only noted the signal
            reached = interrupted()
    assert reached


def test_a_block_that_acts_on_the_noted_signal_raises_once(ctrl_c):
    with pytest.raises(KeyboardInterrupt):
        with deferred_interrupts() as interrupted:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            if interrupted():
                raise KeyboardInterrupt  # at the block's own safe point; not raised again on leaving
    time.sleep(0.05)  # a second KeyboardInterrupt would surface here and fail the test


def test_files_of_the_earlier_run_that_this_one_lacks_are_removed(tmp_path, two_runs):
    folder = two_runs[0].save(tmp_path / "run")
    assert (folder / "report.html").is_file()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    two_runs[1].save(folder, figures="none", report=False)
    assert not (folder / "report.html").exists() and not (folder / "figures").exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"  # not a run's file: kept
    assert _whole(folder)


def test_a_staging_folder_of_a_dead_process_is_cleared_by_the_next_save(tmp_path, two_runs):
    folder = tmp_path / "run"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()  # a pid that has just exited
    abandoned = folder / f".resim-staging-{dead}-0000"
    abandoned.mkdir(parents=True)
    (abandoned / "summary.csv").write_text("half", encoding="utf-8")
    two_runs[0].save(folder)
    assert not abandoned.exists() and _whole(folder)


def _resim(*args: str, limit_bytes: int | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    def limit() -> None:
        import resource
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "resim.cli", *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit if limit_bytes else None)


_RUN = ["run", QUICKSTART, "--executor", "serial", "--horizon", "200", "--strategies", "none,buffer"]


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("earlier") / "qs"
    first = _resim(*_RUN, "-o", str(folder), "--replications", "1")
    assert first.returncode == 0, first.stderr
    return folder


@posix_only
@pytest.mark.parametrize("replications, limit_kb, failing", [(1, 150, "figures/inventory.png"),
                                                              (3, 100, ".checkpoint/replications.jsonl")])
def test_a_full_disk_while_running_over_a_run_leaves_it_whole(tmp_path, earlier_run, replications, limit_kb,
                                                             failing):
    """A file-size limit (as ``ulimit -f``) stops the new run at its checkpoint (100 KB) or at
    the first file it writes over 150 KB (figures/inventory.png): one line naming the file, exit 1, and
    the earlier run is there byte for byte."""
    folder = tmp_path / "qs"
    shutil.copytree(earlier_run, folder)
    before = folder_bytes(folder)
    if failing in before:  # a file of the run: as large in the earlier one
        assert len(before[failing]) > limit_kb * 1024
    failed = _resim(*_RUN, "-o", str(folder), "--replications", str(replications), "--overwrite",
                    limit_bytes=limit_kb * 1024)
    lines = [line for line in failed.stderr.splitlines() if line.strip() and "%" not in line]
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert lines == [f"resim run: cannot write {folder / failing}: File too large"], lines
    after = {name: data for name, data in folder_bytes(folder).items() if not name.startswith(".checkpoint/")}
    assert after == before and _whole(folder)


@posix_only
def test_a_folder_another_process_writes_is_refused(tmp_path):
    folder = tmp_path / "qs"
    with folder_lock(folder):
        for command in (["run", QUICKSTART, "--replications", "2"], ["risk", QUICKSTART, "--replications", "2"]):
            busy = _resim(*command, "-o", str(folder), timeout=60)
            assert busy.returncode == 2, busy.stderr
            assert busy.stderr.strip() == (f"resim {command[0]}: another resim process is writing to {folder}; "
                                           f"wait for it to finish or choose another folder with -o")
        assert list(folder.iterdir()) == []  # nothing written


def test_the_lock_is_free_again_after_the_block_and_kept_when_held_twice(tmp_path):
    with folder_lock(tmp_path / "a"):
        with folder_lock(tmp_path / "a"):  # this process already holds it: kept, not a deadlock
            pass
    with folder_lock(tmp_path / "a"):
        pass
    assert not (tmp_path / "a").exists()  # made for the lock and left empty: removed


def test_compare_refuses_a_folder_that_mixes_two_runs(tmp_path, two_runs, capsys):
    from resim.cli.main import main

    one, two = two_runs[0].save(tmp_path / "one", figures="none", report=False), two_runs[1].save(tmp_path / "two", figures="none", report=False)
    assert main(["compare", str(one), str(two), "-o", str(tmp_path / "cmp")]) == 0
    shutil.copyfile(two / "summary.csv", one / "summary.csv")
    capsys.readouterr()
    assert main(["compare", str(one), str(two), "-o", str(tmp_path / "cmp2")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"resim compare: {one} is not one whole run: summary.csv is not the file this run wrote "
                   f"(changed since); run it again"), err
    (two / "run.json").unlink()  # as a save interrupted between its first move and its last
    assert main(["compare", str(two), "-o", str(tmp_path / "cmp3")]) == 2
    assert "not a results folder" in capsys.readouterr().err


def test_a_second_process_waits_for_the_commit_of_the_first(tmp_path, two_runs):
    """save_folder takes the folder's lock for its commit: while another process holds it, a
    save waits, then commits whole."""
    folder = tmp_path / "run"
    folder.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, fcntl, os\n"
        f"fd = os.open({str(folder)!r}, os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True); time.sleep(1.5)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(FolderBusy):
            with folder_lock(folder):
                pass
        started = time.monotonic()
        two_runs[0].save(folder, figures="none", report=False)
        assert time.monotonic() - started > 0.5  # it waited for the holder
    finally:
        holder.wait(10)
    assert _whole(folder)


def test_a_linked_figures_folder_is_not_written_through(tmp_path, two_runs):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "figures").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OSError, match="symbolic link"):
        two_runs[0].save(folder)
    assert list(outside.iterdir()) == [] and sorted(p.name for p in folder.iterdir()) == ["figures"]
