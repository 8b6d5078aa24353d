"""When a response expects a disruption to end and a node to be back, and whether it is over.

A reactive strategy plans for a disruption's expected course (onset + mean duration + recovery
ramp), re-decides at that day when the disruption is still in force (its expected remaining
course, :func:`expected_end`), and waits for a destination that is down until it is expected back
(:func:`expected_back`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from resim.scenario.format.events import CapacityLoss
from resim.sim.disruptions import hit_nodes

if TYPE_CHECKING:
    from resim.sim.engine import Model

__all__ = ["ramp", "in_force", "expected_end", "is_down", "expected_back"]


def ramp(spec) -> float:
    """The days ``spec``'s recovery ramps up over after it ends (0 for a step recovery)."""
    return spec.recovery.ramp_days if spec.recovery.profile == "ramp" else 0.0


def in_force(model: "Model", spec, onset: int, day: int) -> bool:
    """Whether the occurrence of ``spec`` that began on ``onset`` is still in force on ``day``."""
    return any(o.spec.id == spec.id and o.start == onset and (o.end is None or day < o.end)
               for o in model.occurrences)


def expected_end(model: "Model", spec, onset: int, day: int) -> int:
    """The expected recovery of a disruption still in force on ``day``: its onset plus its
    expected duration given it has lasted ``day - onset`` days so far (the mean of its duration
    distribution beyond that, from draws of a stream keyed by the occurrence; a week more when
    it has outlasted every draw), plus its recovery ramp."""
    elapsed = day - onset
    if spec.duration_days is None:
        return model.horizon
    draws = np.asarray(spec.duration_days.sample(model.streams.get("recheck", spec.id, str(onset)), 4096), float)
    longer = draws[draws > elapsed]
    duration = float(longer.mean()) if len(longer) else elapsed + 7.0
    return min(int(onset + duration + ramp(spec)), model.horizon)


def is_down(model: "Model", node: str) -> bool:
    """Whether ``node``'s production or shipments are stopped today (by a disruption)."""
    index = model.net.node_index[node]
    return min(model.levers["capacity"][index], model.levers["shipping"][index]) <= 1e-9


def expected_back(model: "Model", node: str, day: int) -> int | None:
    """The day ``node`` is expected back: the latest expected recovery (onset + mean duration +
    ramp; a breakdown's mean repair) of the disruptions in force that hit it; a week from
    ``day`` when they are overdue; None when one of them lasts for good or none is known."""
    backs = []
    for o in model.occurrences:
        if not (o.start <= day and (o.end is None or day < o.end)) or node not in hit_nodes(model.scenario, o.spec):
            continue
        spec = o.spec
        if isinstance(spec, CapacityLoss) and spec.mttr_days is not None:
            backs.append(o.start + spec.mttr_days.mean)
        elif spec.duration_days is None:
            return None
        else:
            backs.append(o.start + spec.duration_days.mean + ramp(spec))
    if not backs:
        return None
    back = math.ceil(max(backs))
    return back if back > day else day + 7
