"""What each MaaS offering has left to sell: one capacity ledger per model run.

An offering publishes ``capacity_per_day``. Two things take from it:

* **Other firms** (``maas.contention``): while a natural disaster is in force in the offering's
  region, the other firms it hits take ``capacity_taken`` of the capacity and prices rise by
  ``price_increase`` x that share.
* **The firm's own agreements**: each agreement executed books its units a day on its offering
  from its qualified day to its end day (the days it may ship). A later need sees only what is
  left on every day it asks for, so two needs never count on the same capacity.

Every need of a model run sees the same ledger, and ``resim providers PATH --part ID --at DAY``
shows the pool through it (contention of the disruptions in force that day, nothing booked), so
what the command shows is what the simulation would get on that day::

    ledger = CapacityLedger(pool_frame(sc.maas.providers), sc)
    ledger.book("box_de_1", 40, first=150, last=250)     # 40 a day on days 150..249
    ledger.frame(active=[], first=160, last=200)         # box_de_1: capacity 40 - 40 = 0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import numpy as np
import pandas as pd

from resim.sim.shared import shared


if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["CapacityLedger"]


class CapacityLedger:
    """The capacity of every offering of a pool (``resim.supply.pool.pool_frame``), as other firms'
    contention and the firm's bookings leave it."""

    def __init__(self, pool: pd.DataFrame, scenario: "Scenario"):
        # What the pool publishes, read-only: made once per scenario and pool, as every
        # replication of a strategy starts a ledger of its own.
        held, published = shared(scenario, ("capacity ledger", id(pool)), lambda: (pool, _Published(pool, scenario)))
        if held is not pool:  # another pool at a freed one's address
            published = _Published(pool, scenario)
        self.pool, self._regions, self._region = published.pool, published.regions, published.region
        self._capacity, self._price, self._row = published.capacity, published.price, published.row
        self._reserved = published.reserved
        self.contention = scenario.maas.contention
        self._bookings: dict[str, list[tuple[int, int, float]]] = {}

    def book(self, offering: str, units_per_day: float, first: int, last: int) -> None:
        """Book ``units_per_day`` on ``offering`` on days ``first`` .. ``last - 1``."""
        if units_per_day > 0 and last > first:
            self._bookings.setdefault(str(offering), []).append((int(first), int(last), float(units_per_day)))

    def booked(self, offering: str, first: int, last: int) -> float:
        """The most units a day booked on ``offering`` on any day of ``first`` .. ``last - 1``."""
        bookings = [b for b in self._bookings.get(str(offering), []) if b[0] < last and b[1] > first]
        # Booked units only rise on a booking's first day: the peak is on one of them (or on `first`).
        days = {max(b[0], first) for b in bookings}
        return max((sum(units for start, stop, units in bookings if start <= day < stop) for day in days),
                   default=0.0)

    def contended_regions(self, active: Iterable) -> list[str]:
        """The regions where other firms take capacity while the ``active`` disruptions last
        (the regions of the natural disasters' footprints, with ``maas.contention`` enabled)."""
        if not self.contention.enabled:
            return []
        regions: set[str] = set()
        for event in active:
            if event.type == "natural_disaster":
                regions |= set(event.footprint.regions) | {self._regions[c] for c in event.footprint.countries
                                                           if c in self._regions}
        return sorted(regions)

    def left(self, active: Iterable, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Each offering's capacity a day and unit price for a need over days ``first`` ..
        ``last - 1``, in the pool's order: other firms' contention for the ``active``
        disruptions applied (capacity taken, prices raised for the providers in
        :meth:`contended_regions`), then its capacity less the most it has booked on those days
        (never below 0). The ledger's own read-only arrays of the published figures when nothing
        changes them."""
        capacity, price = self._capacity, self._price
        # Other firms take nothing of the firm's own sites (internal offerings) nor of capacity
        # the firm reserved under a standby agreement (pre-qualified offerings, resim.sim.standby).
        hit = np.isin(self._region, self.contended_regions(active)) & ~self._reserved
        if hit.any():
            taken = self.contention.capacity_taken
            capacity = np.where(hit, capacity * (1.0 - taken), capacity)
            price = np.where(hit, price * (1.0 + self.contention.price_increase * taken), price)
        booked = {self._row[o]: self.booked(o, first, last) for o in self._bookings if o in self._row}
        booked = {row: units for row, units in booked.items() if units}
        if booked:
            rows = np.fromiter(booked, int, len(booked))
            capacity = capacity.copy()
            capacity[rows] = np.maximum(capacity[rows] - np.fromiter(booked.values(), float, len(booked)), 0.0)
        return capacity, price

    def frame(self, active: Iterable, first: int, last: int) -> pd.DataFrame:
        """The pool for a need over days ``first`` .. ``last - 1``: its capacities and prices as
        :meth:`left` gives them. The pool itself when nothing changes it."""
        capacity, price = self.left(active, first, last)
        if capacity is self._capacity and price is self._price:
            return self.pool
        return self.pool.assign(capacity_per_day=capacity, unit_price=price)


class _Published:
    """A pool's published figures as a ledger reads them (shared, read-only)."""

    def __init__(self, pool: pd.DataFrame, scenario: "Scenario") -> None:
        self.pool = pool.reset_index(drop=True)
        # Countries of the scenario's nodes and of the pool: a footprint given by countries hits
        # the providers of those countries' regions.
        self.regions = dict(zip(self.pool.country, self.pool.region)) | {n.country: n.region for n in scenario.nodes}
        # The pool's columns as arrays, read by every need: a frame is made only when they change.
        self.region = self.pool.region.to_numpy(object)
        self.capacity = self.pool.capacity_per_day.to_numpy(float, copy=True)
        self.price = self.pool.unit_price.to_numpy(float, copy=True)
        self.capacity.flags.writeable = self.price.flags.writeable = False  # handed out by left()
        self.row = {str(offering): row for row, offering in enumerate(self.pool.id)}
        # Capacity no other firm takes: the firm's own sites' and what its standby agreements reserve.
        self.reserved = np.zeros(len(self.pool), bool)
        for column in ("internal", "prequalified"):
            if column in self.pool:
                self.reserved |= self.pool[column].to_numpy(bool)
