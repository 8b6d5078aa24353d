"""Progress of long commands on stderr: on a terminal only, quiet when piped.

:class:`ProgressBar` draws one bar for work counted in steps (replications, figures);
:class:`Phases` draws a bar per named phase of a command, and for a phase that cannot count its
steps (loading a large scenario) a line whose seconds run on until the phase ends.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["ProgressBar", "Phases"]


class ProgressBar:
    """Call with (done, total) as work finishes; draws ``label [####....] done/total ETA``."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30):
        self.label, self.width = label, width
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        eta = elapsed / done * (total - done) if done else 0.0
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}  ETA {eta:4.0f} s ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class Phases:
    """Progress through a command's phases, each line starting with ``label``: call with
    (phase, done, total) for a phase counted in steps (a :class:`ProgressBar` each, started on
    the phase's first call); ``with phases.waiting(phase):`` for one that is not."""

    def __init__(self, label: str, stream: TextIO | None = None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self._bars: dict[str, ProgressBar] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        bar = self._bars.get(phase)
        if bar is None:
            bar = self._bars[phase] = ProgressBar(f"{self.label}: {phase}", self.stream)
        bar(done, total)

    @contextmanager
    def waiting(self, phase: str) -> Iterator[None]:
        """Show ``label: phase ... N s`` while the block runs (a thread redraws it each half
        second: the block need not report anything), then how long it took."""
        if not self.enabled:
            yield
            return
        started, stop = time.monotonic(), threading.Event()

        def draw(end: str = "") -> None:
            self.stream.write(f"\r{self.label}: {phase} ... {time.monotonic() - started:4.0f} s{end}")
            self.stream.flush()

        def tick() -> None:
            while not stop.wait(0.5):
                draw()

        ticker = threading.Thread(target=tick, daemon=True)
        draw()
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()
            draw("\n")
