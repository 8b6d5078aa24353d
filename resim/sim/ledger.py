"""The daily ledger of one replication: what was demanded, delivered, made, held and paid.

The model fills preallocated arrays (day × entity); the DataFrame views are built on demand, in
tidy (long) form. Per stock point series are kept only when the model is run with ``detail=True``
(a 5,000-node chain over a year would otherwise hold hundreds of megabytes). The replications of
a batch keep their market, totals and cost arrays in one block each (:class:`LedgerArrays`), a row
per replication, so that a day is booked for all of them at once; each ledger views its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from resim.sim.status import EventKind

__all__ = ["Ledger", "LedgerArrays", "Event", "COST_COMPONENTS", "MARKET_COLUMNS", "STOCK_COLUMNS"]

COST_COMPONENTS = ("production", "procurement", "transport", "tariff", "holding",
                   "maas_onboarding", "maas_premium", "reman", "shortage_penalty", "services")
MARKET_COLUMNS = ("demand", "delivered", "on_time", "backlog", "lost")
# Stocks (levels at the end of the day): on_hand, in_transit, on_hold. Flows (units during the day,
# never negative): received, produced, consumed, shipped, scrapped, held (put on hold), released.
STOCK_COLUMNS = ("on_hand", "in_transit", "on_hold", "received", "produced", "consumed", "shipped", "scrapped",
                 "held", "released")


@dataclass(frozen=True)
class Event:
    """A disruption starting or ending, as the model's listeners hear it and the ledger keeps it."""

    what: EventKind
    day: int
    id: str                 # the disruption's id
    type: str               # its type (``natural_disaster``, ...)
    number: int = 0         # which occurrence of it (a breakdown's repairs are numbered)
    end: int | None = None  # the day it ends (None: it lasts)


class LedgerArrays:
    """The daily market flows, totals, costs and critical stock of a batch's replications: per
    name, replication × day × entry."""

    def __init__(self, rows: int, horizon: int, n_demand: int, n_critical: int) -> None:
        self.market = {name: np.zeros((rows, horizon, n_demand)) for name in MARKET_COLUMNS}
        self.totals = {name: np.zeros((rows, horizon)) for name in ("on_hand", "in_transit", "produced")}
        self.cost = np.zeros((rows, horizon, len(COST_COMPONENTS)))
        self.critical_on_hand = np.zeros((rows, horizon, n_critical))


@dataclass
class Ledger:
    """Daily arrays of one replication; DataFrame views via :meth:`markets`, :meth:`stock`, :meth:`costs`."""

    horizon: int
    demand_keys: list[tuple[str, str]]
    sku_keys: list[tuple[str, str]]
    detail: bool
    market: dict[str, np.ndarray] = field(init=False)
    stock_series: dict[str, np.ndarray] = field(init=False)
    totals: dict[str, np.ndarray] = field(init=False)
    cost: np.ndarray = field(init=False)
    critical_parts: list[str] = field(default_factory=list)
    onset_day: int | None = None
    events: list[Event] = field(default_factory=list)
    arrays: LedgerArrays | None = field(default=None, repr=False)  # the batch's block, None: its own
    row: int = 0                                                    # its row there

    def __post_init__(self) -> None:
        h = self.horizon
        block = self.arrays or LedgerArrays(1, h, len(self.demand_keys), len(self.critical_parts))
        row = self.row if self.arrays is not None else 0
        self.market = {name: values[row] for name, values in block.market.items()}
        self.totals = {name: values[row] for name, values in block.totals.items()}
        self.cost = block.cost[row]
        self.critical_on_hand = block.critical_on_hand[row]  # over all nodes
        self.stock_series = {}
        if self.detail:
            self.stock_series = {name: np.zeros((h, len(self.sku_keys))) for name in STOCK_COLUMNS}

    def grow_stock(self, n_sku: int, sku_keys: list[tuple[str, str]]) -> None:
        """Make room for stock points added while the model runs."""
        self.sku_keys = list(sku_keys)
        for name, values in self.stock_series.items():
            extra = np.zeros((self.horizon, n_sku - values.shape[1]))
            self.stock_series[name] = np.hstack([values, extra])

    def markets(self) -> pd.DataFrame:
        """One row per day × (market, part): demand, delivered, on_time, backlog, lost (units)."""
        h, m = self.horizon, len(self.demand_keys)
        frame = pd.DataFrame({
            "day": np.repeat(np.arange(h), m),
            "market": np.tile([k[0] for k in self.demand_keys], h),
            "part": np.tile([k[1] for k in self.demand_keys], h),
        })
        for name in MARKET_COLUMNS:
            frame[name] = self.market[name].ravel()
        return frame

    def stock(self) -> pd.DataFrame:
        """One row per day × (node, part): on hand, in transit to it, flows (units); needs detail."""
        if not self.detail:
            raise ValueError("per stock point series were not kept: run the model with detail=True")
        h, n = self.horizon, len(self.sku_keys)
        frame = pd.DataFrame({
            "day": np.repeat(np.arange(h), n),
            "node": np.tile([k[0] for k in self.sku_keys], h),
            "part": np.tile([k[1] for k in self.sku_keys], h),
        })
        for name in STOCK_COLUMNS:
            frame[name] = self.stock_series[name].ravel()
        return frame

    def costs(self) -> pd.DataFrame:
        """One row per day × cost component (currency)."""
        h, c = self.cost.shape
        return pd.DataFrame({"day": np.repeat(np.arange(h), c),
                             "component": np.tile(COST_COMPONENTS, h),
                             "cost": self.cost.ravel()})

    def daily_totals(self) -> pd.DataFrame:
        """One row per day: demand, delivered, on_time, backlog, lost over all markets, and
        on hand, in transit and produced over all focal stock points (units)."""
        return pd.DataFrame({"day": np.arange(self.horizon), **self.daily_sums()})

    def daily_sums(self) -> dict[str, np.ndarray]:
        """The columns of :meth:`daily_totals` but the day, as arrays of their own (no DataFrame
        to build; not views of the batch's block, which they would keep alive)."""
        return {**{name: self.market[name].sum(axis=1) for name in MARKET_COLUMNS},
                **{name: values.copy() for name, values in self.totals.items()}}

    def cost_totals(self) -> dict[str, float]:
        """Total cost per component over the horizon (currency)."""
        return dict(zip(COST_COMPONENTS, self.cost.sum(axis=0).tolist()))
