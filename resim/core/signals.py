"""Ctrl-C and SIGTERM deferred to a safe point: while a block runs the signal is only noted, so a
folder is never half moved into place and a Dask client is never interrupted inside its own
event-loop calls (where it can hang)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["deferred_interrupts"]


@contextmanager
def deferred_interrupts() -> Iterator[Callable[[], bool]]:
    """Note Ctrl-C and SIGTERM instead of acting on them while the block runs; yield a function
    that says whether one came (the block may raise KeyboardInterrupt there itself). On leaving
    normally, a noted signal then acts as usual. Only the main thread can set handlers (and gets
    Python's signals): elsewhere the block runs as it is."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    numbers = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
    previous = {number: signal.signal(number, lambda n, _: caught.append(n)) for number in numbers}
    failed = False
    try:
        yield lambda: bool(caught)
    except BaseException:
        failed = True
        raise
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught and not failed:
            signal.raise_signal(caught[0])  # now handled as usual (KeyboardInterrupt, or the default)
