"""Ctrl-C as a terminal delivers it, whatever the test runner did to SIGINT: pytest-xdist's
workers may run with SIGINT ignored, and a child process inherits an ignored signal, so a test
that sends SIGINT sets the usual disposition itself."""

from __future__ import annotations

import signal


def ctrl_c_as_usual() -> None:
    """For ``subprocess.Popen(preexec_fn=...)``: the child starts with SIGINT at its default, so
    Python raises KeyboardInterrupt on it as in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
