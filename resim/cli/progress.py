"""A one-line progress bar for long runs: on a terminal only, quiet when piped."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar"]


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
