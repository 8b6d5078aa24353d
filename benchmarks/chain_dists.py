"""The few resim distribution forms that synthetic chains use, read without importing resim.

The benchmark's comparison models (``simpy_per_node.py`` and ``peer_supplynetpy.py``, which runs
in the peer's own virtual environment) read the chain as plain JSON; this module turns its lead
times and demand (a number, or ``triangular(a, b, c)``, ``uniform(a, b)``, ``poisson(m)``,
``normal(m, s)``) into zero-argument samplers over a NumPy generator, and measures peak memory.
"""

from __future__ import annotations

import re
import resource
from typing import Any, Callable

import numpy as np

__all__ = ["sampler", "mean_of", "as_list", "peak_rss_mb"]

_CALL = re.compile(r"^\s*([a-z_]+)\s*\(([^)]*)\)\s*$")


def _parse(spec: Any) -> tuple[str, list[float]]:
    if isinstance(spec, (int, float)):
        return "constant", [float(spec)]
    match = _CALL.match(spec)
    if match is None:
        return "constant", [float(spec)]
    name, args = match.groups()
    return name, [float(x) for x in args.split(",")]


def sampler(spec: Any, rng: np.random.Generator, at_least: float = 0.0) -> Callable[[], float]:
    """A zero-argument function drawing one value of ``spec`` (never below ``at_least``)."""
    name, a = _parse(spec)
    if name == "constant":
        value = max(at_least, a[0])
        return lambda: value
    if name == "triangular":
        low, mode, high = a
        return lambda: max(at_least, float(rng.triangular(low, mode, high)))
    if name == "uniform":
        return lambda: max(at_least, float(rng.uniform(a[0], a[1])))
    if name == "poisson":
        return lambda: max(at_least, float(rng.poisson(a[0])))
    if name == "normal":
        return lambda: max(at_least, float(rng.normal(a[0], a[1])))
    raise ValueError(f"distribution {spec!r} is not supported by the benchmark models")


def mean_of(spec: Any) -> float:
    """The mean of ``spec``."""
    name, a = _parse(spec)
    if name == "triangular":
        return sum(a) / 3
    if name == "uniform":
        return sum(a) / 2
    return a[0]


def as_list(parts: Any) -> list[str]:
    """A lane's ``parts`` (one id or a list) as a list."""
    return list(parts) if isinstance(parts, list) else [parts]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MiB: VmHWM of /proc/self/status, which
    starts afresh at exec (``ru_maxrss`` would carry over the forking parent's peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
