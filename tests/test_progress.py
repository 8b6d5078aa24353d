"""Progress of long commands on stderr: a bar per phase and a running count of seconds, on a
terminal only."""

from __future__ import annotations

import io
import re
import time

from resim.cli.progress import Phases


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_each_phase_gets_its_own_bar_ending_its_line():
    stream = Terminal()
    phases = Phases("big.yaml", stream)
    for phase, total in (("tables", 10), ("figures", 7)):
        for done in range(total + 1):
            phases(phase, done, total)
    lines = stream.getvalue().split("\n")
    assert lines[0].rpartition("\r")[2].startswith("big.yaml: tables [" + "#" * 30 + "] 10/10")
    assert lines[1].rpartition("\r")[2].startswith("big.yaml: figures [" + "#" * 30 + "] 7/7")
    assert lines[2] == ""  # each finished phase ends its line


def test_a_phase_without_steps_counts_seconds_until_it_ends():
    stream = Terminal()
    with Phases("big.yaml", stream).waiting("loading"):
        time.sleep(1.2)  # long enough for the thread to redraw at least once
    drawn = stream.getvalue()
    assert drawn.endswith("\n") and drawn.count("\n") == 1
    frames = [frame for frame in drawn.strip().split("\r") if frame]
    assert len(frames) >= 3 and all(re.fullmatch(r"big\.yaml: loading \.\.\. +\d+ s", f) for f in frames)
    assert int(frames[-1].split()[-2]) >= 1


def test_nothing_is_drawn_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    phases = Phases("big.yaml", stream)
    with phases.waiting("loading"):
        phases("tables", 1, 1)
    assert stream.getvalue() == ""
