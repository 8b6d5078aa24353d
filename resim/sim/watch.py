"""Tallies of watched arcs (a MaaS agreement's lane), kept for every row of a batch at once.

A watch follows one row's arcs from the day it starts: the units shipped, received and rejected
on them (the state keeps these per arc, cumulative, so they are read when wanted) and the units
shipped on days its ``late`` flags mark (added up at each day's end). One pass over every watch
of the batch a day replaces a callback per watch and day: a response contracting a hundred
providers in each of many replications then adds a few array operations to a day, not hundreds
of Python calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np

from resim.sim.state import Rows

if TYPE_CHECKING:
    from resim.sim.engine import Cohort

__all__ = ["Tally", "Watches"]


class Tally(NamedTuple):
    """A watch's units (cumulative since the run began on its arcs; late since the watch began)."""

    shipped: float
    received: float   # arrived, accepted or not
    rejected: float
    late: float       # shipped on a day flagged late


class Watches:
    """Every watch of a batch: their rows, arcs and late flags, and the late units so far."""

    def __init__(self, horizon: int) -> None:
        self._late = Rows(horizon, bool)    # a watch each: the days its shipments count as late
        self._watch: list[int] = []         # per (row, arc) watched, the watch it belongs to
        self._row: list[int] = []
        self._arc: list[int] = []
        self._index = (np.zeros(0, np.int64),) * 3
        self.late_units = np.zeros(0)
        self._report: list[Callable[[Tally], None]] = []
        self._arcs: list[tuple[int, np.ndarray]] = []

    def __len__(self) -> int:
        return len(self._report)

    def add(self, row: int, arcs: np.ndarray, late: np.ndarray, report: Callable[[Tally], None]) -> None:
        """Watch ``arcs`` of ``row`` from today, counting as late what they ship on the days
        ``late`` (a flag per day of the horizon) marks; :meth:`report` passes the tally to
        ``report``."""
        watch = len(self._report)
        self._late.append(np.asarray(late, bool))
        for arc in arcs:
            self._watch.append(watch)
            self._row.append(row)
            self._arc.append(int(arc))
        self.late_units = np.append(self.late_units, 0.0)
        self._report.append(report)
        self._arcs.append((row, np.asarray(arcs, np.int64)))

    def end_of_day(self, cohort: "Cohort", day: int) -> None:
        """Add what each watched arc shipped today, on a day its watch flags late."""
        if len(self._index[0]) != len(self._watch):
            self._index = (np.array(self._watch, np.int64), np.array(self._row, np.int64),
                           np.array(self._arc, np.int64))
        watch, row, arc = self._index
        today = np.bincount(watch, cohort.last_ship[row, arc], minlength=len(self._report))
        self.late_units += today * self._late.values[:, day]

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

    def report(self, cohort: "Cohort") -> None:
        """Pass every watch its tally."""
        for watch, report in enumerate(self._report):
            report(self.tally(cohort, watch))
