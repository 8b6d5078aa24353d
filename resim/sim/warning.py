"""Service modes that trigger a response earlier (servitization: remote monitoring, the
supply-chain service platform's shortage early warning), bought by a strategy's response
(:func:`buy_services`, :func:`watch_cover`).

* **Remote monitoring** of sites: a disruption hitting a monitored site is detected after the
  monitoring's delay rather than the strategy's own (:func:`detection_days`), for a yearly fee per
  site charged day by day (:func:`charge_fee`).
* **Shortage early warning**: at each day's end, the projected stock cover of watched stock
  points, (on hand + in transit to them) / expected daily use, is compared with a threshold in
  days for every watch of a batch at once (:class:`CoverWatches`, one pass a day like
  :class:`resim.sim.watch.Watches`); a watch fires on the first day its cover drops below the
  threshold, and again only after the cover has come back to it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import networkx as nx
import numpy as np

from functools import partial

from resim.sim.actions import Action
from resim.sim.disruptions import hit_nodes
from resim.sim.recovery import in_force
from resim.sim.status import ActionStatus

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.scenario.format.strategies import RemoteMonitoring
    from resim.sim.engine import Cohort, Model
    from resim.sim.strategies import Response

__all__ = ["monitored_sites", "detection_days", "charge_fee", "reaches", "buy_services", "watch_cover", "warned",
           "CoverWatches", "MONITORING", "WARNING", "SERVICE_KINDS"]

MONITORING = "remote_monitoring"
WARNING = "early_warning"
SERVICE_KINDS = (MONITORING, WARNING)
"""The ``kind`` of the services' rows in orchestrations.csv (they are no ActionKind: not actions a
strategy lists, but services it buys, and warnings fired; they change no flow themselves)."""

FEE_COMPONENT = "services"
"""The cost component service fees are booked under: its own, so that no fee reads as a MaaS agreement's."""


def monitored_sites(scenario: "Scenario", monitoring: "RemoteMonitoring") -> tuple[str, ...]:
    """The nodes a remote monitoring watches: its ``sites``, or every supplier when it names none."""
    return monitoring.sites or tuple(n.id for n in scenario.nodes if n.kind == "supplier")


def detection_days(scenario: "Scenario", spec, detection_delay_days: float,
                   monitoring: "RemoteMonitoring | None") -> float:
    """Days from a disruption's onset to its detection: the monitoring's delay when the disruption
    hits a monitored site (never slower than the strategy's own), else ``detection_delay_days``."""
    if monitoring is not None and set(hit_nodes(scenario, spec)) & set(monitored_sites(scenario, monitoring)):
        return min(monitoring.delay_days, detection_delay_days)
    return detection_delay_days


def charge_fee(model: "Model", fee_per_year: float) -> None:
    """Charge ``fee_per_year`` pro rata, 1/365 of it at the end of each day of the run (over a
    horizon of H days: fee × H / 365 in all)."""
    if fee_per_year <= 0:
        return
    daily = fee_per_year / 365.0
    model.on_day_end(lambda m, day: m.charge(FEE_COMPONENT, daily))


def reaches(scenario: "Scenario", spec, site: str) -> bool:
    """Whether a disruption cuts the supply of ``site``: it hits the site or a node upstream of it."""
    hit = set(hit_nodes(scenario, spec))
    return bool(hit) and (site in hit or bool(hit & nx.ancestors(scenario.facts.graph, site)))


def buy_services(response: "Response") -> None:
    """A strategy's remote monitoring and early warning: their sites' yearly fees charged pro
    rata from day 0 (:func:`charge_fee`), and a row each in the response's record."""
    strategy, model = response.strategy, response.model
    services = []
    if strategy.monitoring is not None:
        monitoring = strategy.monitoring
        sites = monitored_sites(model.scenario, monitoring)
        services.append((MONITORING, sites, "; ".join(sites) if monitoring.sites else "every supplier",
                         monitoring.fee_per_site_year,
                         f"disruptions hitting them detected {monitoring.delay_days:g} days after onset"))
    if strategy.early_warning is not None:
        warning = strategy.early_warning
        services.append((WARNING, warning.sites, "; ".join(warning.sites), warning.fee_per_site_year,
                         f"fires when projected stock cover drops below {warning.cover_days:g} days"))
    charge_fee(model, sum(fee * len(sites) for _, sites, _, fee, _ in services))  # one hook for every fee
    for kind, sites, named, fee, note in services:
        response.actions.append(Action(strategy.id, kind, "", named, "", "", 0.0, 0, model.horizon, fee * len(sites),
                                       ActionStatus.ACTIVE, f"{len(sites)} sites at {fee:,.0f} a year each "
                                                            f"(unit_cost: their year together); {note}"))


def watch_cover(response: "Response") -> None:
    """Watch the stock cover of the early warning's parts at its sites
    (:meth:`resim.sim.engine.Model.watch_cover`): every part reaching a site on a lane when it
    names none; expected use is what the site receives in normal times."""
    warning, model = response.strategy.early_warning, response.model
    for site in warning.sites:
        received = sorted({p for lane in response.facts.lanes_into(site) for p in lane.parts})
        for part in [p for p in warning.parts if p in received] if warning.parts else received:
            sku, use = model.net.sku_index.get((site, part)), response.flows.inflow(site, part)
            if sku is not None and use > 0:
                model.watch_cover(sku, use, warning.cover_days, partial(warned, response, site, part))


def warned(response: "Response", site: str, part: str, day: int, cover: float) -> None:
    """A shortage early warning fired at the end of ``day``: every disruption in force that
    reaches ``site`` and awaits its decision counts as detected at the next day's start, if that
    decides earlier than its own detection would; the firing is recorded."""
    model, strategy = response.model, response.strategy
    decided = day + 1 + math.ceil(strategy.decision_delay_days)
    by_id = {d.id: d for d in model.scenario.disruptions}
    answered, sooner = [], []   # brought forward; already to be decided no later than the warning could
    for (ident, onset), (planned, _) in list(response.pending.items()):
        spec = by_id[ident]
        if not (in_force(model, spec, onset, day) and reaches(model.scenario, spec, site)):
            continue
        if decided < planned:
            response.decide(model, spec, onset, day + 1)
            answered.append((ident, onset))
        else:
            sooner.append((ident, planned))
    if answered:
        note = f"responding from day {decided} to " + ", ".join(f"{i} (onset day {o})" for i, o in answered)
    elif sooner:
        note = "already to be decided sooner: " + ", ".join(f"{i} on day {d}" for i, d in sooner)
    else:
        note = "no disruption awaiting a decision reaches the site"
    response.actions.append(Action(
        strategy.id, WARNING, "; ".join(dict.fromkeys(i for i, _ in answered)), site, part, site, 0.0, day, day + 1,
        0.0, ActionStatus.FIRED, f"projected cover {cover:.1f} days < {strategy.early_warning.cover_days:g}; {note}"))


class CoverWatches:
    """Every shortage early warning of a batch: per watched (row, stock point), the expected
    daily use, the threshold in days and whether it may fire; one pass at each day's end."""

    def __init__(self) -> None:
        self._row: list[int] = []
        self._sku: list[int] = []
        self._use: list[float] = []
        self._days: list[float] = []
        self._fire: list[Callable[[int, float], None]] = []
        self._arrays: tuple[np.ndarray, ...] = ()
        self._inbound: tuple[int, np.ndarray, np.ndarray] = (-1, np.zeros(0, np.int64), np.zeros(0, np.int64))
        self.armed = np.zeros(0, bool)

    def __len__(self) -> int:
        return len(self._row)

    def add(self, row: int, sku: int, use: float, cover_days: float, fire: Callable[[int, float], None]) -> None:
        """Watch stock point ``sku`` of ``row``, used ``use`` units a day in normal times: call
        ``fire(day, cover)`` at the end of the first day its cover (days) is below ``cover_days``."""
        self._row.append(row)
        self._sku.append(sku)
        self._use.append(use)
        self._days.append(cover_days)
        self._fire.append(fire)
        self.armed = np.append(self.armed, True)
        self._arrays = ()
        self._inbound = (-1, *self._inbound[1:])

    def cover(self, cohort: "Cohort") -> np.ndarray:
        """Each watch's projected cover in days: (on hand + in transit to it) / daily use."""
        if not self._arrays:
            self._arrays = (np.array(self._row, np.int64), np.array(self._sku, np.int64), np.array(self._use))
        rows, skus, use = self._arrays
        arcs, into = self._arcs(cohort)
        # in transit to each watched (row, stock point): its arcs' units, summed per watch
        inbound = np.zeros(len(rows))
        if len(arcs):
            pairs = cohort.in_transit[rows[:, None], arcs[None, :]] * (into[None, :] == skus[:, None])
            inbound = pairs.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(use > 0, (cohort.on_hand[rows, skus] + inbound) / use, math.inf)

    def _arcs(self, cohort: "Cohort") -> tuple[np.ndarray, np.ndarray]:
        """The arcs into watched stock points and their destinations, found again when arcs join."""
        net = cohort.net
        if self._inbound[0] != net.n_arcs:
            arcs = np.flatnonzero(np.isin(net.arc_dst, self._arrays[1]))
            self._inbound = (net.n_arcs, arcs, net.arc_dst[arcs])
        return self._inbound[1], self._inbound[2]

    def end_of_day(self, cohort: "Cohort", day: int) -> None:
        """Fire every armed watch whose cover is below its threshold; re-arm those back at it."""
        cover = self.cover(cohort)
        below = cover < np.array(self._days)
        firing = np.flatnonzero(below & self.armed)
        self.armed = ~below
        for watch in firing:
            self._fire[watch](day, float(cover[watch]))
