"""Named random streams: common random numbers that stay put when a scenario changes.

Replication ``i`` of a run seeded ``seed`` draws from ``SeedSequence(seed, spawn_key=(i, ...))``,
so adding replications never changes earlier ones. Inside a replication each source of chance
(demand of one market and part, lead times of one lane, ...) has its own stream named by strings,
so every strategy sees the same draws, and adding a lane or a provider does not shift the draws of
the others.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["Streams"]


def _key(name: str) -> int:
    # crc32 is stable across processes and Python versions, unlike hash().
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """The random streams of one replication."""

    def __init__(self, seed: int, replication: int):
        self.seed = int(seed)
        self.replication = int(replication)

    def get(self, *names: str) -> np.random.Generator:
        """A generator for the stream named by ``names``, e.g. ``get("lead_time", "a->b")``."""
        sequence = np.random.SeedSequence(
            self.seed, spawn_key=(self.replication, *(_key(n) for n in names)))
        return np.random.Generator(np.random.PCG64(sequence))
