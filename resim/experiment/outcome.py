"""What one replication of one strategy leaves behind, small enough to ship between processes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Outcome"]


@dataclass
class Outcome:
    """What one replication of one strategy leaves behind: metrics and a few daily series."""

    strategy: str
    replication: int
    metrics: dict[str, float]
    costs: dict[str, float]
    daily: dict[str, np.ndarray]
    actions: list[dict]
    ripple: list[dict]
    events: list[dict]
    critical_parts: list[str]
