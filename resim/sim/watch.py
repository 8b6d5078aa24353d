"""Tallies of watched arcs (a MaaS agreement's lane), kept for every row of a batch at once.

A watch follows one row's arcs from the day it starts: the units shipped, received and rejected
on them (the state keeps these per arc, cumulative, so they are read when wanted), the units
shipped on days its ``late`` flags mark, and its lots (each day's shipment is one lot, and each
day's receipt one lot inspected): shipped, shipped late, received, rejected. One pass over every
watch of the batch a day replaces a callback per watch and day: a response contracting a hundred
providers in each of many replications then adds a few array operations to a day, not hundreds
of Python calls.

A watch may have **limits** (stage 3.3 of the MaaS methodology, monitoring that acts): once it
has judged ``min_lots`` lots, a share of late lots above ``late_share`` or of rejected lots above
``rejected_share`` calls its ``breach`` callback, once, at the end of that day.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np

from resim.sim.state import Rows

if TYPE_CHECKING:
    from resim.sim.engine import Cohort

__all__ = ["Tally", "Lots", "Limits", "Watches"]


class Tally(NamedTuple):
    """A watch's units (cumulative since the run began on its arcs; late since the watch began)."""

    shipped: float
    received: float   # arrived, accepted or not
    rejected: float
    late: float       # shipped on a day flagged late


class Lots(NamedTuple):
    """A watch's lots since it began: days it shipped, of them late; days it delivered, of them rejected."""

    shipped: int
    late: int
    received: int
    rejected: int


class Limits(NamedTuple):
    """When a watch is breached: more than ``late_share`` of its shipped lots late, or more than
    ``rejected_share`` of its received lots rejected, judged once it has ``min_lots`` of each."""

    late_share: float = math.inf
    rejected_share: float = math.inf
    min_lots: int = 1


class Watches:
    """Every watch of a batch: their rows, arcs, late flags and limits, and their tallies so far."""

    def __init__(self, horizon: int) -> None:
        self._late = Rows(horizon, bool)    # a watch each: the days its shipments count as late
        self._watch: list[int] = []         # per (row, arc) watched, the watch it belongs to
        self._row: list[int] = []
        self._arc: list[int] = []
        self._index = (np.zeros(0, np.int64),) * 3
        self.late_units = np.zeros(0)
        self._seen = np.zeros((0, 2))       # per (row, arc) watched: received and rejected units seen so far
        self.lots = np.zeros((0, 4), np.int64)     # per watch: the columns of Lots
        self._limits = np.zeros((0, 3))            # per watch: late share, rejected share, min lots
        self._breach: list[Callable[[int], None] | None] = []
        self._report: list[Callable[[Tally], None]] = []
        self._arcs: list[tuple[int, np.ndarray]] = []

    def __len__(self) -> int:
        return len(self._report)

    def add(self, cohort: "Cohort", row: int, arcs: np.ndarray, late: np.ndarray, report: Callable[[Tally], None],
            limits: Limits | None = None, breach: Callable[[int], None] | None = None) -> int:
        """Watch ``arcs`` of ``row`` from today, counting as late what they ship on the days
        ``late`` (a flag per day of the horizon) marks; :meth:`report` passes the tally to
        ``report``. With ``limits``, ``breach(day)`` is called at the end of the day they are
        first exceeded. Returns the watch's number."""
        watch = len(self._report)
        self._late.append(np.asarray(late, bool))
        arcs = np.asarray(arcs, np.int64)
        for arc in arcs:
            self._watch.append(watch)
            self._row.append(row)
            self._arc.append(int(arc))
        seen = np.column_stack([cohort.received_total[row, arcs], cohort.rejected_total[row, arcs]])
        self._seen = np.concatenate([self._seen, seen])
        self.late_units = np.append(self.late_units, 0.0)
        self.lots = np.concatenate([self.lots, np.zeros((1, 4), np.int64)])
        limits = limits if limits is not None and breach is not None else Limits()
        self._limits = np.concatenate([self._limits, [[limits.late_share, limits.rejected_share, limits.min_lots]]])
        self._breach.append(breach)
        self._report.append(report)
        self._arcs.append((row, arcs))
        return watch

    def end_of_day(self, cohort: "Cohort", day: int) -> None:
        """Add what each watched arc shipped and delivered today, count the lots, and call the
        breach callback of every watch whose limits today's lots exceed first."""
        if len(self._index[0]) != len(self._watch):
            self._index = (np.array(self._watch, np.int64), np.array(self._row, np.int64),
                           np.array(self._arc, np.int64))
        watch, row, arc = self._index
        count = len(self._report)
        today = np.bincount(watch, cohort.last_ship[row, arc], minlength=count)
        late = self._late.values[:, day]
        self.late_units += today * late
        totals = np.column_stack([cohort.received_total[row, arc], cohort.rejected_total[row, arc]])
        received, rejected = (np.bincount(watch, column, minlength=count) for column in (totals - self._seen).T)
        self._seen = totals
        shipped_lot = today > 0
        lots = np.column_stack([shipped_lot, shipped_lot & late, received > 0, rejected > 0])
        self.lots += lots
        if np.isfinite(self._limits[:, :2]).any():
            self._judge(day)

    def _judge(self, day: int) -> None:
        shipped, late, received, rejected = self.lots.T
        late_share, rejected_share, least = self._limits.T
        with np.errstate(invalid="ignore", divide="ignore"):
            over = (((shipped >= least) & (late > late_share * shipped))
                    | ((received >= least) & (rejected > rejected_share * received)))
        for watch in np.flatnonzero(over):  # a watch without a callback has no limits (add)
            self._limits[watch, :2] = np.inf   # once
            self._breach[watch](day)

    def tally(self, cohort: "Cohort", watch: int) -> Tally:
        """Watch number ``watch``'s units by the end of the day simulated last."""
        row, arcs = self._arcs[watch]
        if len(arcs) == 1:  # a provider's lane carries its one part: numbers, not a sum
            arc = arcs[0]
            shipped, received = cohort.shipped_total[row, arc], cohort.received_total[row, arc]
            rejected = cohort.rejected_total[row, arc]
        else:
            shipped, received = cohort.shipped_total[row, arcs].sum(), cohort.received_total[row, arcs].sum()
            rejected = cohort.rejected_total[row, arcs].sum()
        return Tally(float(shipped), float(received), float(rejected), float(self.late_units[watch]))

    def lots_of(self, watch: int) -> Lots:
        """Watch number ``watch``'s lots by the end of the day simulated last."""
        return Lots(*(int(n) for n in self.lots[watch]))

    def report(self, cohort: "Cohort") -> None:
        """Pass every watch its tally."""
        for watch, report in enumerate(self._report):
            report(self.tally(cohort, watch))
