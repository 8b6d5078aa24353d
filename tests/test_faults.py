"""Faults of the executors (issue 19): workers die with their parent; a dead worker, a scheduler
nobody listens on or a service that is not a scheduler give one line and the --resume hint; Ctrl-C
under Dask stops without a traceback. Real processes, real signals, real sockets."""

from __future__ import annotations

import os
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

import resim
from resim.experiment.runner import SCHEDULER_TIMEOUT_SECONDS
from tests.signals import ctrl_c_as_usual

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

QUICKSTART = str(Path(__file__).parents[1] / "scenarios" / "quickstart.yaml")
linux_only = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found |= {int(child) for child in text.split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has exited; only its parent's bookkeeping is left


def _start_run(folder: Path, *extra: str, replications: int = 300) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "resim.cli", "run", QUICKSTART, "-o", str(folder),
                             "--replications", str(replications), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=ctrl_c_as_usual)


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _checkpointed(folder: Path) -> bool:
    lines = folder / ".checkpoint" / "replications.jsonl"
    return lines.is_file() and lines.stat().st_size > 0


def _last_line(text: str) -> str:
    lines = [line for line in text.replace("\r", "\n").splitlines() if line.strip() and "%|" not in line]
    return lines[-1] if lines else ""


@linux_only
def test_workers_end_when_their_parent_is_killed(tmp_path):
    run = _start_run(tmp_path / "qs", "--workers", "2")
    try:
        assert _wait_for(lambda: _checkpointed(tmp_path / "qs"), 60), run.stderr
        workers = _children(run.pid)
        assert len(workers) >= 2
        run.kill()
        run.wait(10)
        assert _wait_for(lambda: not any(_alive(w) for w in workers), 10), [w for w in workers if _alive(w)]
    finally:
        run.kill()


@linux_only
def test_a_killed_worker_ends_the_run_with_one_line_and_resume_finishes_it(tmp_path):
    folder = tmp_path / "qs"
    # Enough replications that work is left when the first batch is in (600 tasks on 2 workers
    # are four batches of 150).
    run = _start_run(folder, "--workers", "2", "--strategies", "none,buffer", replications=300)
    try:
        assert _wait_for(lambda: _checkpointed(folder), 60)
        os.kill(min(_children(run.pid)), signal.SIGKILL)
        _, err = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == 1 and "Traceback" not in err, err
    assert _last_line(err) == ("resim run: a worker process died (killed, or out of memory); finished "
                               "replications are kept: add --resume to continue")
    assert not (folder / "run.json").exists()
    resumed = subprocess.run([sys.executable, "-m", "resim.cli", "run", QUICKSTART, "-o", str(folder),
                              "--replications", "300", "--workers", "2", "--strategies", "none,buffer", "--resume"],
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert (folder / "run.json").is_file() and not (folder / ".checkpoint").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: nobody listens on it


class _Greeter(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")  # a service that speaks first, another protocol
        time.sleep(0.5)


class _Silent(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.recv(1 << 16)
        time.sleep(30)  # takes the connection, never answers


@pytest.fixture
def servers():
    """Local services that are not Dask schedulers: one answers in another protocol, one never."""
    running = {name: socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
               for name, handler in (("greeter", _Greeter), ("silent", _Silent))}
    for server in running.values():
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {name: f"tcp://127.0.0.1:{server.server_address[1]}" for name, server in running.items()}
    for server in running.values():
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("address, reason", [
    ("refused", "Connection refused"),
    ("nonsense", "missing port number"),
    ("greeter", "what answers there is not a Dask scheduler"),
    ("silent", "no answer within 10 s"),
])
def test_a_scheduler_that_cannot_be_reached_is_one_line_within_seconds(tmp_path, servers, address, reason):
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_free_port()}" if address == "refused" else servers.get(address, address)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "resim.cli", "run", QUICKSTART, "-o", str(tmp_path / "qs"),
                             "--replications", "3", "--executor", "dask", "--scheduler", address],
                            capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < SCHEDULER_TIMEOUT_SECONDS + 30  # the probe's bound, and starting Python
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    line = _last_line(result.stderr)
    assert line.startswith(f"resim run: cannot reach the Dask scheduler at {address} (") and reason in line, line
    assert line.endswith("finished replications are kept: add --resume to continue")


def test_ctrl_c_under_dask_stops_with_one_line(tmp_path):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it: exit 130, the
    'interrupted' line, no traceback from the workers, no process left behind."""
    pytest.importorskip("distributed")
    folder = tmp_path / "qs"
    run = _start_run(folder, "--executor", "dask", "--workers", "2")
    try:
        assert _wait_for(lambda: _checkpointed(folder), 90)
        os.killpg(run.pid, signal.SIGINT)
        _, err = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == 130 and "Traceback" not in err, err
    assert _last_line(err) == "interrupted; finished replications are kept: add --resume to continue"
    assert _wait_for(lambda: subprocess.run(["pgrep", "-g", str(run.pid)], capture_output=True).returncode == 1, 10)


def test_worker_batches_are_handed_over_in_files_that_a_later_run_clears_if_left(tmp_path):
    # A run killed outright leaves its batch folder (named by its pid) in the temporary folder;
    # the next run with worker processes removes it, and leaves none of its own.
    from resim.experiment.runner import _HANDOFF, outcomes

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()  # a pid that has just exited
    left = Path(tempfile.gettempdir()) / f"{_HANDOFF}{dead}-0000"
    left.mkdir()
    (left / "batch.pickle").write_bytes(b"half")
    scenario = resim.load_scenario(QUICKSTART).replace(horizon_days=30)
    found = list(outcomes(scenario, [("none", i, scenario.seed) for i in range(4)], "processes", 2))
    assert [o.replication for o in found] == [0, 1, 2, 3]
    assert not left.exists()
    assert not list(Path(tempfile.gettempdir()).glob(f"{_HANDOFF}{os.getpid()}-*"))
