"""The rows of the tables an experiment writes row by row: each record's fields are its CSV's
columns, in order, so the columns are declared once, here, and every table of them is built by
:func:`frame`.

| record | file | one per |
| --- | --- | --- |
| :class:`OrchestrationRow` | orchestrations.csv | action of a replication, or an agreement's evaluation |
| :class:`RippleRow` | ripple.csv | path disruption -> node -> part -> product -> market of a replication |
| :class:`EventRow` | events.csv | disruption as it happened in a replication |
| :class:`LeverRow` | levers.csv | lever of a strategy × disruption of a replication: the shortfall closed |

A replication's ripple trace travels as :class:`RippleEvent` records, one per disruption, whose
rows are the disruption's paths (the same in every replication, kept once per scenario):
:func:`resim.experiment.ripple.ripple_frame` makes them rows of ripple.csv.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Iterable, TypeVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from resim.sim.actions import Action

__all__ = ["OrchestrationRow", "RippleRow", "RippleEvent", "EventRow", "LeverRow", "RECORDS", "columns", "frame"]


@dataclass(slots=True)
class OrchestrationRow:
    """A row of orchestrations.csv: one action of a replication (the fields of
    :class:`resim.sim.actions.Action`), or an agreement's evaluation (kind ``evaluation``)."""

    strategy: str             # as the run names it: ``id@style`` for an alternative orchestration
    replication: int
    kind: str
    trigger: str
    source: str
    part: str
    destination: str
    units_per_day: float
    start: int
    end: int
    unit_cost: float
    status: str
    note: str

    @classmethod
    def of(cls, action: "Action", strategy: str, replication: int) -> "OrchestrationRow":
        """The row of a response's action in a replication of the run's ``strategy``."""
        # Its fields as they are (strings, numbers, enums): asdict's deep copy of each costs more
        # than the row, for hundreds of actions a replication.
        return cls(**(vars(action) | {"strategy": strategy, "replication": replication}))


@dataclass(slots=True)
class RippleRow:
    """A row of ripple.csv: how a disruption reached a market in a replication, the units that
    market missed and lost meanwhile, and the actions that answered it.

    ``missed_units`` and ``lost_units`` are every unit the market missed in the path's window,
    whichever disruption caused it, so overlapping disruptions share them; ``charged_units`` and
    ``charged_lost_units`` are this disruption's share alone (the same on each of its paths to the
    market): summed over a replication's disruptions, once per disruption and market, they are
    the units the market missed in the union of their windows."""

    strategy: str
    replication: int
    disruption: str
    onset: int
    node: str
    part: str
    product: str
    market: str
    missed_units: float
    lost_units: float
    answered_by: str          # "kind source (status, from day d)" joined by "; ", or "nothing"
    back_day: int             # the day service was back on this path: missed_units count days [onset, back_day)
    charged_units: float      # this disruption's share of the market's missed units (ripple.apportion)
    charged_lost_units: float  # and of its lost units


@dataclass(slots=True, eq=False)
class RippleEvent:
    """A disruption's rows of ripple.csv in a replication: what they share, and the units missed
    and lost, the day service was back and the disruption's share of the units missed and lost
    (:class:`RippleRow`) per path of the disruption, in the order of its paths
    (:func:`resim.experiment.ripple.ripple_paths`). Thousands of paths on a large chain: five
    numbers a path here, not a record a path."""

    strategy: str
    replication: int
    disruption: str
    onset: int
    answered_by: str
    missed_units: np.ndarray
    lost_units: np.ndarray
    back_day: np.ndarray
    charged_units: np.ndarray
    charged_lost_units: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RippleEvent):
            return NotImplemented
        return ((self.strategy, self.replication, self.disruption, self.onset, self.answered_by)
                == (other.strategy, other.replication, other.disruption, other.onset, other.answered_by)
                and all(np.array_equal(getattr(self, name), getattr(other, name)) for name in _PER_PATH))


_PER_PATH = ("missed_units", "lost_units", "back_day", "charged_units", "charged_lost_units")


@dataclass(slots=True)
class EventRow:
    """A row of events.csv: a disruption as it happened in a replication, on days [start, end)."""

    replication: int
    id: str
    type: str
    start: int
    end: float                # NaN while it lasts to the end of the horizon
    severity: float           # share of capacity or flow lost: the event's own draw, else the disruption's


@dataclass(slots=True)
class LeverRow:
    """A row of levers.csv: how much of a disruption's shortfall a strategy closed in a
    replication, against the baseline strategy in the same replication (common random numbers),
    and the part of it credited to one of the strategy's levers (:mod:`resim.experiment.levers`)."""

    strategy: str
    replication: int
    disruption: str
    onset: int
    baseline_units: float     # units missed charged to the disruption (ripple.csv charged_units) under the baseline
    charged_units: float      # the same under this strategy
    closed_units: float       # baseline_units - charged_units (negative: the strategy missed more)
    lever: str                # an action kind of the strategy: buffer, dual_source, maas_same_tier, ...
    available_units: float    # units its actions made available on the disruption's paths in its window
    credited_units: float     # its share of the closed units, at most available_units


RECORDS: dict[str, type] = {"actions": OrchestrationRow, "ripple": RippleEvent, "events": EventRow}
"""The record of each list an :class:`resim.experiment.outcome.Outcome` carries."""

Row = TypeVar("Row")


def columns(record: type) -> list[str]:
    """The CSV columns of a record type: its fields, in order."""
    return [f.name for f in fields(record)]


def frame(record: type[Row], rows: Iterable[Row]) -> pd.DataFrame:
    """The table of ``rows`` (records of type ``record``): one row each, the record's fields as
    columns, those columns even when there are no rows."""
    names = columns(record)
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return pd.DataFrame([], columns=names)
    # Column by column: a list per column, not one per row (a large chain's ripple trace has
    # millions of rows).
    return pd.DataFrame({name: [getattr(row, name) for row in rows] for name in names}, columns=names)
