"""The simulation model: SimPy schedules the discrete events, NumPy moves each day's flows.

Time is in days. Things that happen at an instant (a disruption's onset and end, an agreement
starting, a strategy's detection) are SimPy events at integer times; they take effect at the start
of their day. Each day's flows of all nodes then advance together as array operations, at time
``day + 0.5``, in this order:

1. **Receipts**: shipments due today arrive and join stock on hand.
2. **Demand**: each market's demand of the day joins its backlog; the total wanted is split over
   the open lanes into the market by their shares.
3. **Production**: a node makes what its work orders ask (a make-to-stock part: the orders of its
   policy; a make-to-order part: what its customers want beyond its stock), within the node's
   capacity (shared by its parts in proportion to what each asks) and the components on hand
   (shared in proportion too); made units are available the same day.
4. **Shipping**: each stock point serves what is asked of it, old and new alike, in proportion to
   each customer's request when stock is short (the *proportional* allocation rule); a lane's
   capacity then caps its shipments (what it cannot carry stays owed). Customer shipments are
   deliveries: a market's backlog is served first, then the day's demand, and the units of the
   day's demand delivered that day are *on time*. A market with lost sales loses what is not
   delivered; a backordering market keeps it as backlog.
5. **Ordering**: each stock point due for review computes its inventory position (on hand + in
   transit to it + ordered and not yet shipped − owed to customers) and orders by its policy.
   Orders go to the open inbound lanes by share (to production for parts the node makes) and
   are served from the next day; a shipment leaving on day ``t`` over a lane with lead time ``L``
   (at least one day) is received on day ``t + L``.

Quantities are continuous (a fluid model at the day level): shares and shortages may split units.

While the model runs, its value chain may change through public operations (used by disruptions
and strategies): :meth:`Model.set_capacity`, :meth:`Model.set_lane_open`,
:meth:`Model.set_lead_time_factor`, :meth:`Model.set_share`, :meth:`Model.set_share_factor`,
:meth:`Model.cancel_orders`, :meth:`Model.set_demand_factor`, trade rules (:meth:`Model.set_tariff`,
:meth:`Model.set_duty`, :meth:`Model.block_arcs`), stock taken out or produced outside the
production rows (:meth:`Model.remove_stock`, :meth:`Model.add_production`), :meth:`Model.add_node` and
:meth:`Model.add_lane`. Their semantics for orders and goods in flight are stated on each; other
modules change the model's arrays only through them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import simpy

from resim.sim.circular import CircularSupply
from resim.sim.steady import steady_state
from resim.sim.disruptions import schedule_disruptions
from resim.sim.hooks import Hook, Hooks
from resim.scenario.format.chain import Lane, Node
from resim.sim.ledger import COST_COMPONENTS, Ledger
from resim.sim.network import POLICY_R_Q, POLICY_S_S, POLICY_UP_TO, Network, sum_by
from resim.sim.state import ARC, DEMAND, LANE, NODE, ROW, STOCK, State
from resim.scenario import Scenario
from resim.core.dists import whole_days
from resim.core.streams import Streams

__all__ = ["Model", "simulate"]

_COST = {name: i for i, name in enumerate(COST_COMPONENTS)}


def _seasonal_factor(season, days: np.ndarray) -> np.ndarray:
    if season is None:
        return np.ones(len(days))
    if season.monthly is not None:
        month = np.minimum((days % 365) * 12 // 365, 11).astype(int)  # day 0 is 1 January
        return np.asarray(season.monthly)[month]
    phase = 2 * np.pi * (days - season.peak_day) / season.period_days
    return 1.0 + season.amplitude * np.cos(phase)


@dataclass
class _Flows:
    """One day's flows, filled in by the day's phases and booked at its end."""

    day: int
    arriving: np.ndarray = field(init=False)   # per arc: shipments due today
    rejected: np.ndarray = field(init=False)   # per arc: of those, rejected by inspection
    received: np.ndarray = field(init=False)   # per stock point: units arrived (before rejection)
    demand: np.ndarray = field(init=False)     # per demand entry: today's demand
    wanted: np.ndarray = field(init=False)     # per demand entry: backlog + today's demand
    share: np.ndarray = field(init=False)      # per arc: its part of its group's orders today
    request: np.ndarray = field(init=False)    # per arc: what its destination asks of it
    asked: np.ndarray = field(init=False)      # per stock point: what is asked of it
    produced: np.ndarray = field(init=False)   # per stock point: units made
    consumed: np.ndarray = field(init=False)   # per stock point: components used
    ship: np.ndarray = field(init=False)       # per arc: units shipped
    shipped: np.ndarray = field(init=False)    # per stock point: units shipped
    delivered: np.ndarray = field(init=False)  # per demand entry: units delivered
    on_time: np.ndarray = field(init=False)    # per demand entry: of today's demand, delivered today
    lost: np.ndarray = field(init=False)       # per demand entry: sales lost


def _share_of(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Normalise ``values`` within groups (each group sums to 1, or 0 when its values do)."""
    total = sum_by(groups, values, n_groups)[groups]
    return np.divide(values, total, out=np.zeros_like(values), where=total > 0)


class Model:
    """One replication of one scenario: state arrays, the SimPy environment and the ledger.

    Create it, schedule changes with :meth:`at`, then :meth:`run`. The scenario's disruptions are
    drawn and scheduled on creation (``disruptions=False`` leaves them out). ``detail=True`` keeps
    daily series per stock point in the ledger (needed for :meth:`Ledger.stock`).
    """

    # Contracted arcs (a MaaS agreement's lane, added by add_lane with a price) and what the firm
    # pays per unit it accepts on them: the part's unit cost (procurement), the agreed price above
    # it (maas_premium) and the freight (transport). Empty class defaults, so a model without
    # agreements needs none; add_lane rebinds them on the instance, never changes them in place.
    contract_arcs: np.ndarray = np.zeros(0, np.int64)
    contract_value: np.ndarray = np.zeros(0)
    contract_premium: np.ndarray = np.zeros(0)
    contract_freight: np.ndarray = np.zeros(0)

    # The arrays that follow the network's entries: attributes declared along their axis in
    # ``self.state`` (_new_state), which grows them. Per stock point, arc, lane, demand entry:
    on_hand: np.ndarray
    on_hold: np.ndarray
    work_orders: np.ndarray
    scrapped_today: np.ndarray
    held_today: np.ndarray
    released_today: np.ndarray
    produced_today: np.ndarray
    share: np.ndarray
    arc_backlog: np.ndarray
    in_transit: np.ndarray
    pipeline: np.ndarray
    shipped_total: np.ndarray
    received_total: np.ndarray
    rejected_total: np.ndarray
    last_ship: np.ndarray
    lead_times: np.ndarray
    market_backlog: np.ndarray

    def __init__(self, scenario: Scenario, *, replication: int = 0, seed: int | None = None,
                 detail: bool = False, disruptions: bool = True):
        self.scenario = scenario
        self.horizon = scenario.horizon_days
        self.streams = Streams(scenario.seed if seed is None else seed, replication)
        self.net = Network(scenario)
        self.env = simpy.Environment()
        self.day = 0
        net, h = self.net, self.horizon
        self.ledger = Ledger(h, [(d.market, d.part) for d in scenario.demand], list(net.sku_keys), detail,
                             critical_parts=list(net.critical_parts))
        self.demand_draws = np.vstack([self._demand_draws(i) for i in range(len(scenario.demand))]) \
            if scenario.demand else np.zeros((0, h))
        self.state = self._new_state()
        self.levers = self.state.levers
        self._arc_rules: dict[str, Callable[[np.ndarray], None]] = {}
        self._listeners = Hooks()   # callback(model, event)
        if scenario.start == "steady":
            self._start_steady()
        self.acceptance: dict[int, np.ndarray] = {}   # arc -> share of receipts accepted, per day
        self._day_start = Hooks()   # callback(model, day)
        self._day_end = Hooks()     # callback(model, day)
        self.env.process(self._days())
        self.circular = CircularSupply(self) if scenario.circular.take_back else None
        self.occurrences = schedule_disruptions(self) if disruptions else []

    def _new_state(self) -> State:
        """The state on day 0 before a steady start: stock at its initial levels, nothing owed,
        nothing in transit; the levers neutral."""
        net, state = self.net, State(vars(self))
        n_sku, n_arcs, n_lanes, n_nodes = net.n_sku, net.n_arcs, len(net.lane_keys), len(net.node_ids)
        state.add("on_hand", STOCK, net.sku_initial.copy())
        for name in ("on_hold", "work_orders", "scrapped_today", "held_today", "released_today",
                     "produced_today"):  # produced_today: made outside production rows (reman output)
            state.add(name, STOCK, np.zeros(n_sku))
        state.add("share", ARC, net.base_share.copy())
        # shipped, received and rejected are cumulative (for monitoring agreements); last_ship is today's
        for name in ("arc_backlog", "in_transit", "shipped_total", "received_total", "rejected_total", "last_ship"):
            state.add(name, ARC, np.zeros(n_arcs))
        lead_times = np.vstack([self._lead_times(lane) for lane in net.lanes])
        state.add("lead_times", LANE, lead_times)
        state.add("pipeline", ARC, np.zeros((int(lead_times.max(initial=1)) + 1, n_arcs)), dim=1)
        state.add("market_backlog", DEMAND, np.zeros(len(self.scenario.demand)))
        for name, axis, size in (("capacity", NODE, n_nodes), ("shipping", NODE, n_nodes),
                                 ("process", ROW, len(net.row_sku)), ("lane", LANE, n_lanes),
                                 ("lead_time", LANE, n_lanes), ("arc", ARC, n_arcs), ("share", ARC, n_arcs),
                                 ("demand", DEMAND, len(self.scenario.demand))):
            state.add_lever(name, axis, size)
        state.add_lever("tariff", ARC, n_arcs, additive=True)  # ad-valorem rate
        state.add_lever("duty", ARC, n_arcs, additive=True)    # currency per unit
        return state

    def _start_steady(self) -> None:
        """Pipelines full and stock as in normal running on day 0 (:mod:`resim.sim.steady`)."""
        start = steady_state(self.net, whole_days([lane.lead_time_days.mean for lane in self.net.lanes]))
        size = max(self.pipeline.shape[0], start.pipeline.shape[0])
        self.pipeline = np.zeros((size, self.net.n_arcs))
        self.pipeline[:start.pipeline.shape[0]] = start.pipeline
        self.in_transit = self.pipeline.sum(axis=0)
        self.on_hand, self.work_orders, self.arc_backlog = start.on_hand, start.work_orders, start.arc_backlog

    # -- random inputs ----------------------------------------------------------------------------

    def _demand_draws(self, index: int) -> np.ndarray:
        entry = self.scenario.demand[index]
        rng = self.streams.get("demand", entry.market, entry.part)
        days = np.arange(self.horizon)
        draws = np.asarray(entry.daily.sample(rng, self.horizon), float)
        return np.maximum(draws * _seasonal_factor(entry.seasonality, days), 0.0)

    def _lead_times(self, lane: Lane) -> np.ndarray:
        rng = self.streams.get("lead_time", lane.key)
        return whole_days(lane.lead_time_days.sample(rng, self.horizon), self.horizon)

    # -- running ----------------------------------------------------------------------------------

    def at(self, day: int, action: Callable[["Model"], None]) -> Hook:
        """Call ``action(model)`` at the start of ``day`` (before that day's flows), unless its
        handle is cancelled before."""
        hook = Hook(action)

        def wait():
            yield self.env.timeout(max(day - self.env.now, 0))
            if hook.active:
                action(self)
        self.env.process(wait())
        return hook

    def run(self) -> Ledger:
        """Simulate the whole horizon; return the ledger. ``opening_on_hand`` and
        ``opening_in_transit`` keep the day-0 stock and shipments, for material balances."""
        self.opening_on_hand = self.on_hand.copy()
        self.opening_in_transit = self.in_transit.copy()
        self.env.run(until=self.horizon)
        return self.ledger

    def _days(self):
        yield self.env.timeout(0.5)
        for day in range(self.horizon):
            self.day = day
            self._step(day)
            yield self.env.timeout(1)

    # -- changes while running --------------------------------------------------------------------

    def set_capacity(self, node: str, factor: float, *, cause: str = "user") -> None:
        """Scale a node's production capacity (0 stops it, 1 removes this cause's change). Stock
        on hand can still be shipped; work orders wait."""
        self.levers.set("capacity", [self.net.node_index[node]], factor, cause)

    def set_process_capacity(self, rows: np.ndarray, factor: float, *, cause: str = "user") -> None:
        """Scale the output of production rows (one part at one node), e.g. one process lost."""
        self.levers.set("process", rows, factor, cause)

    def set_shipping(self, node: str, factor: float, *, cause: str = "user") -> None:
        """Scale the share of what is asked of a node that it can ship (0 = shipment-pausing).
        Orders to it stay owed; receipts and goods in transit to it are not affected."""
        self.levers.set("shipping", [self.net.node_index[node]], factor, cause)

    def set_lane_open(self, lane: str, open_: bool, *, cause: str = "user") -> None:
        """Open or close a lane. A closed lane ships nothing and receives no new orders; orders
        already placed on it stay owed and are served when it reopens; goods in transit arrive."""
        self.set_lane_capacity(lane, 1.0 if open_ else 0.0, cause=cause)

    def set_lane_capacity(self, lane: str, factor: float, *, cause: str = "user") -> None:
        """Scale a lane's capacity (0 closes it, see :meth:`set_lane_open`)."""
        self.levers.set("lane", [self.net.lane_index[lane]], factor, cause)

    def cancel_orders(self, lane: str, part: str | None = None, keep: float = 0.0) -> float:
        """Cancel the orders outstanding on a lane (of one part, or all it carries; not goods in
        transit) beyond ``keep`` units on each arc; return the units cancelled. The buyers'
        inventory positions drop by as much, so they re-order at their next review from
        whichever lanes are open then."""
        arcs = self.lane_arcs(lane, part)
        kept = np.minimum(self.arc_backlog[arcs], keep)
        cancelled = float((self.arc_backlog[arcs] - kept).sum())
        self.arc_backlog[arcs] = kept
        return cancelled

    def set_lead_time_factor(self, lane: str, factor: float, *, cause: str = "user") -> None:
        """Multiply the lead time of shipments leaving on a lane from now on (goods in transit keep
        their arrival day)."""
        self.levers.set("lead_time", [self.net.lane_index[lane]], factor, cause)

    def set_share(self, lane: str, share: float, part: str | None = None) -> None:
        """Set the share of its destination's new orders a lane receives (of one part, or all it
        carries; 0 = standby). Shares are weights: each destination splits its orders over its
        open lanes in proportion to share × every cause's share factor."""
        self.share[self.lane_arcs(lane, part)] = share

    def set_share_factor(self, lane: str, factor: float, *, cause: str = "user", part: str | None = None) -> None:
        """Scale a lane's share of new orders (of one part, or all it carries) while ``cause``
        lasts (0 = standby), whatever its share is set to meanwhile; :meth:`end` undoes it."""
        self.levers.set("share", self.lane_arcs(lane, part), factor, cause)

    def order_weights(self, arcs: np.ndarray | None = None) -> np.ndarray:
        """Per arc (every arc, or those of ``arcs``), the weight with which it takes its
        destination's new orders today: share × share factors, 0 when the arc is closed."""
        arcs = slice(None) if arcs is None else arcs
        return self.share[arcs] * self.levers["share"][arcs] * self._open_arcs(arcs)

    def _open_arcs(self, arcs: np.ndarray | slice = slice(None)) -> np.ndarray:
        return (self.levers["lane"][self.net.arc_lane[arcs]] > 0) & (self.levers["arc"][arcs] > 0)

    def lane_arcs(self, lane: str, part: str | None = None) -> np.ndarray:
        """Indices of a lane's arcs (one per part it carries, or the one of ``part``)."""
        net = self.net
        on_lane = net.arc_lane == net.lane_index[lane]
        if part is not None:
            on_lane &= net.sku_part[net.arc_src] == net.part_index[part]
        return np.flatnonzero(on_lane)

    def raise_stock(self, sku: int, units: float) -> None:
        """Before the run: hold ``units`` more of a stock point (a buffer); its policy's levels and
        its starting stock rise by as much."""
        if self.env.now > 0:
            raise RuntimeError("buffers are set before the run starts")
        self.net.sku_a[sku] += units
        if self.net.sku_policy[sku] == POLICY_S_S:
            self.net.sku_b[sku] += units
        self.net.sku_initial[sku] += units
        self.on_hand[sku] += units

    def reset_share(self, lane: str) -> None:
        """Give a lane back the share the scenario gave it."""
        arcs = self.lane_arcs(lane)
        self.share[arcs] = self.net.base_share[arcs]

    def set_demand_factor(self, market: str, factor: float, part: str | None = None, *,
                          cause: str = "user") -> None:
        """Multiply a market's demand (of one part, or all) from today on."""
        entries = [i for i, entry in enumerate(self.scenario.demand)
                   if entry.market == market and part in (None, entry.part)]
        self.levers.set("demand", entries, factor, cause)

    def set_tariff(self, arcs: np.ndarray, rate: float, *, cause: str) -> None:
        """Charge an ad-valorem ``rate`` on the value of every unit shipped on ``arcs`` while
        ``cause`` lasts (rates of overlapping causes add up)."""
        self.levers.set("tariff", arcs, rate, cause)

    def set_duty(self, arcs: np.ndarray, per_unit: float, *, cause: str) -> None:
        """Charge ``per_unit`` on every unit shipped on ``arcs`` while ``cause`` lasts."""
        self.levers.set("duty", arcs, per_unit, cause)

    def block_arcs(self, arcs: np.ndarray, *, cause: str) -> None:
        """Close ``arcs`` (one part on a lane each) while ``cause`` lasts, as a closed lane is
        closed (:meth:`set_lane_open`) but for those parts only."""
        self.levers.set("arc", arcs, 0.0, cause)

    def add_arc_rule(self, cause: str, rule: Callable[[np.ndarray], None]) -> None:
        """Apply ``rule(arc_indices)`` to every arc now and to arcs added later (trade rules)."""
        self._arc_rules[cause] = rule
        rule(np.arange(self.net.n_arcs))

    def end(self, cause: str) -> None:
        """Undo every lever change and arc rule of ``cause``."""
        self._arc_rules.pop(cause, None)
        self.levers.clear(cause)

    def remove_stock(self, skus: np.ndarray, fraction: float, *, quarantine: bool) -> np.ndarray:
        """Take ``fraction`` of the stock on hand at ``skus`` out: scrapped, or into quarantine
        (released by :meth:`release_hold`); return the units taken per stock point."""
        taken = self.on_hand[skus] * fraction
        self.on_hand[skus] -= taken
        if quarantine:
            self.on_hold[skus] += taken
            self.held_today[skus] += taken
        else:
            self.scrapped_today[skus] += taken
        return taken

    def release_hold(self, skus: np.ndarray, units: np.ndarray) -> None:
        """Return quarantined units to stock on hand."""
        units = np.minimum(units, self.on_hold[skus])
        self.on_hold[skus] -= units
        self.on_hand[skus] += units
        self.released_today[skus] += units

    def add_production(self, sku: int, units: float) -> None:
        """Put ``units`` made outside the production rows (reman output) into stock at ``sku``:
        they count as today's production and fill its work orders, if it has a policy."""
        self.on_hand[sku] += units
        self.produced_today[sku] += units
        if self.net.sku_policy[sku] > 0:
            self.work_orders[sku] = max(float(self.work_orders[sku]) - units, 0.0)

    def charge(self, component: str, amount: float) -> None:
        """Book a one-off cost (e.g. an agreement's setup) on the current day."""
        day = min(int(self.env.now), self.horizon - 1)
        self.ledger.cost[day, _COST[component]] += amount

    def on_day_start(self, callback: Callable[["Model", int], None]) -> Hook:
        """Call ``callback(model, day)`` after each day's receipts, before its demand (circular
        supply), until the returned handle is cancelled."""
        return self._day_start.add(callback)

    def on_day_end(self, callback: Callable[["Model", int], None]) -> Hook:
        """Call ``callback(model, day)`` after each day's flows (for monitoring), until the
        returned handle is cancelled."""
        return self._day_end.add(callback)

    def listen(self, callback: Callable[["Model", dict], None]) -> Hook:
        """Call ``callback(model, event)`` when a disruption starts or ends (for strategies),
        until the returned handle is cancelled."""
        return self._listeners.add(callback)

    def notify(self, event: dict) -> None:
        """Record a disruption event in the ledger and tell the listeners."""
        self.ledger.events.append(event)
        reference = self.scenario.metrics.reference
        if (event["what"] == "start" and reference in (None, event["id"])
                and (self.ledger.onset_day is None or event["day"] < self.ledger.onset_day)):
            self.ledger.onset_day = int(event["day"])
        self._listeners(self, event)

    def add_node(self, node: Node) -> None:
        """Add a node (e.g. a MaaS provider) with its stock points, empty unless ``initial`` says."""
        net = self.net
        old = net.n_sku
        net.add_node(node)
        self.state.grow(STOCK, net.n_sku, on_hand=net.sku_initial[old:])
        self.state.grow(NODE, len(net.node_ids))
        self.state.grow(ROW, len(net.row_sku))
        self.ledger.grow_stock(net.n_sku, net.sku_keys)

    def add_lane(self, lane: Lane, *, price: float | None = None, lead_times: np.ndarray | None = None,
                 accepted: np.ndarray | None = None) -> None:
        """Add a lane (its source must hold or make its parts). It takes new orders by its share
        from today; existing orders stay with the lanes they were placed on. Trade rules in force
        apply to it.

        ``price`` per unit makes it a contracted lane (a MaaS agreement's, or a provider's inputs):
        the firm pays every unit it accepts on receipt (delivered, for a lane into a market),
        wherever the lane goes: the difference to the part's unit cost (MaaS premium) and the
        lane's ``cost_per_unit`` (freight, transport); and the unit cost itself (procurement) when
        the lane ends at one of the firm's own sites or a market. A supplier that receives the
        unit pays the firm back its unit cost in the price of what it makes (a consignment
        credit), so the firm pays the unit's value once, there. Rejected units are the provider's loss.
        ``lead_times`` (days, one per day of the horizon) replace draws from the lane's
        distribution; ``accepted`` (0..1 per day) is the share of each day's receipts passing
        incoming inspection, the rest is scrapped on receipt.
        """
        old = self.net.n_arcs
        self.net.add_lane(lane, price=price)
        drawn = self._lead_times(lane) if lead_times is None else whole_days(lead_times, self.horizon)
        self.state.grow(LANE, len(self.net.lane_keys), lead_times=drawn[np.newaxis])
        self.state.grow(ARC, self.net.n_arcs, share=self.net.base_share[old:])
        if accepted is not None:
            for arc in range(old, self.net.n_arcs):
                self.acceptance[arc] = np.asarray(accepted, float)
        for rule in self._arc_rules.values():
            rule(np.arange(old, self.net.n_arcs))
        if price is not None:
            # The firm contracted this lane, so it pays for what it accepts whoever receives it:
            # the network's charges cover only purchases shipped into focal nodes.
            arcs = np.arange(old, self.net.n_arcs)
            value = self.net.sku_value[self.net.arc_src[arcs]]
            self.contract_arcs = np.concatenate([self.contract_arcs, arcs])
            self.contract_value = np.concatenate([self.contract_value, value * self.net.arc_into_focal[arcs]])
            self.contract_premium = np.concatenate([self.contract_premium, price - value])
            self.contract_freight = np.concatenate([self.contract_freight, np.full(len(arcs), lane.cost_per_unit)])

    # -- one day ----------------------------------------------------------------------------------

    def _step(self, day: int) -> None:
        """One day's flows, phase by phase in the order of the module's docstring."""
        flows = _Flows(day)
        self._receive(flows)
        self._day_start(self, day)
        self._demand(flows)
        flows.produced, flows.consumed = self._produce(flows.asked)
        flows.produced += self.produced_today
        self._ship(flows)
        self._deliver(flows)
        self._order(day, flows.share)
        self._book_costs(flows)
        self._record(flows)
        self._close_day(day)

    def _receive(self, flows: _Flows) -> None:
        """1. Receipts: shipments due today join stock on hand, less what inspection rejects."""
        net, day = self.net, flows.day
        slot = day % self.pipeline.shape[0]
        arriving = self.pipeline[slot].copy()
        self.pipeline[slot] = 0.0
        self.in_transit -= arriving
        rejected = np.zeros(net.n_arcs)
        for arc, accepted in self.acceptance.items():
            rejected[arc] = arriving[arc] * (1.0 - accepted[day])
        received = sum_by(net.arc_dst[net.repl], arriving[net.repl], net.n_sku)
        scrapped = sum_by(net.arc_dst[net.repl], rejected[net.repl], net.n_sku)
        self.on_hand += received - scrapped
        self.scrapped_today += scrapped
        self.received_total += arriving
        self.rejected_total += rejected
        flows.arriving, flows.rejected, flows.received = arriving, rejected, received

    def _demand(self, flows: _Flows) -> None:
        """2. Demand: the day's demand joins each market's backlog and what is wanted is split over
        the open lanes into the market; with the orders owed on open arcs, what each stock point
        is asked."""
        net, levers = self.net, self.levers
        flows.demand = self.demand_draws[:, flows.day] * levers["demand"]
        flows.wanted = self.market_backlog + flows.demand
        open_arc = self._open_arcs()
        flows.share = _share_of(self.share * levers["share"] * open_arc, net.arc_group, net.n_groups)
        request = np.where(open_arc, self.arc_backlog, 0.0)
        request[net.cust] = flows.wanted[net.arc_dem[net.cust]] * flows.share[net.cust]
        flows.request = request
        flows.asked = sum_by(net.arc_src, request, net.n_sku)

    def _ship(self, flows: _Flows) -> None:
        """4. Shipping: proportional allocation, then lane capacity; replenishments leave for the
        pipeline with today's lead time of their lane."""
        net, levers, day = self.net, self.levers, flows.day
        n_sku, asked = net.n_sku, flows.asked
        available = np.divide(self.on_hand, asked, out=np.ones(n_sku), where=asked > 0)
        available = np.minimum(available, 1.0) * levers["shipping"][net.sku_node]
        ship = flows.request * available[net.arc_src]
        on_lane = sum_by(net.arc_lane, ship, len(net.lane_keys))
        lane_factor = levers["lane"]
        capacity = np.multiply(net.lane_capacity, lane_factor, out=np.zeros_like(lane_factor),
                               where=lane_factor > 0)
        room = np.divide(capacity, on_lane, out=np.ones_like(on_lane), where=on_lane > 0)
        ship *= np.minimum(room, 1.0)[net.arc_lane]
        shipped = sum_by(net.arc_src, ship, n_sku)
        self.last_ship = ship
        self.shipped_total += ship
        self.on_hand = np.maximum(self.on_hand - shipped, 0.0)  # clears rounding dust only

        repl = net.repl
        self.arc_backlog[repl] -= ship[repl]
        lead = whole_days(self.lead_times[net.arc_lane[repl], day] * levers["lead_time"][net.arc_lane[repl]],
                          self.horizon)
        self._ensure_pipeline(int(lead.max(initial=1)))
        self.pipeline[(day + lead) % self.pipeline.shape[0], repl] += ship[repl]
        self.in_transit[repl] += ship[repl]
        flows.ship, flows.shipped = ship, shipped

    def _deliver(self, flows: _Flows) -> None:
        """4. Shipping to markets: deliveries serve the backlog first, then the day's demand (on
        time); a market with lost sales loses what is not delivered, others keep it as backlog."""
        net, cust = self.net, self.net.cust
        flows.delivered = sum_by(net.arc_dem[cust], flows.ship[cust], len(flows.demand))
        flows.on_time = np.clip(flows.delivered - self.market_backlog, 0.0, flows.demand)
        unmet = np.maximum(flows.wanted - flows.delivered, 0.0)
        flows.lost = np.where(net.dem_lost_sales, unmet, 0.0)
        self.market_backlog = unmet - flows.lost

    def _book_costs(self, flows: _Flows) -> None:
        """The day's costs, by component."""
        net, levers, ship = self.net, self.levers, flows.ship
        cost = self.ledger.cost[flows.day]
        cost[_COST["production"]] = flows.produced @ net.node_cost[net.sku_node]
        # Purchases are paid when shipped into a focal node; a contracted lane instead when its
        # units are accepted, wherever it delivers (a lane into a market delivers when it ships).
        contracted = self.contract_arcs
        bought = ship.copy()
        bought[contracted] = 0.0
        paid = np.where(net.arc_dst[contracted] >= 0, flows.arriving[contracted] - flows.rejected[contracted],
                        ship[contracted])
        cost[_COST["procurement"]] = bought @ net.arc_price + paid @ self.contract_value
        cost[_COST["transport"]] = bought @ net.arc_transport + paid @ self.contract_freight
        cost[_COST["maas_premium"]] = bought @ net.arc_premium + paid @ self.contract_premium
        # Every flow a rule covers pays it: into the firm's own sites directly, between
        # suppliers passed on in the importer's price (full pass-through, docs/model.md).
        cost[_COST["tariff"]] = ship @ (levers["tariff"] * net.sku_value[net.arc_src] + levers["duty"])
        cost[_COST["holding"]] = self.on_hand @ net.sku_holding
        cost[_COST["shortage_penalty"]] = (flows.demand - flows.on_time) @ net.dem_penalty

    def _record(self, flows: _Flows) -> None:
        """The day's market flows, totals and (with ``detail``) stock series in the ledger."""
        net, ledger, day = self.net, self.ledger, flows.day
        for name, values in (("demand", flows.demand), ("delivered", flows.delivered), ("on_time", flows.on_time),
                             ("backlog", self.market_backlog), ("lost", flows.lost)):
            ledger.market[name][day] = values
        focal, repl = net.sku_focal, net.repl
        inbound = sum_by(net.arc_dst[repl], self.in_transit[repl], net.n_sku)
        ledger.totals["on_hand"][day] = self.on_hand[focal].sum()
        ledger.totals["in_transit"][day] = inbound[focal].sum()
        ledger.totals["produced"][day] = flows.produced.sum()
        if ledger.critical_parts:
            ledger.critical_on_hand[day] = self._critical_on_hand()
        if ledger.detail:
            for name, values in (("on_hand", self.on_hand), ("in_transit", inbound),
                                 ("on_hold", self.on_hold), ("received", flows.received),
                                 ("produced", flows.produced), ("consumed", flows.consumed),
                                 ("shipped", flows.shipped), ("scrapped", self.scrapped_today),
                                 ("held", self.held_today), ("released", self.released_today)):
                ledger.stock_series[name][day] = values

    def _close_day(self, day: int) -> None:
        """Start the next day's flows from zero, then call the day-end callbacks."""
        self.scrapped_today[:] = 0.0
        self.held_today[:] = 0.0
        self.released_today[:] = 0.0
        self.produced_today[:] = 0.0
        self._day_end(self, day)

    def _critical_on_hand(self) -> np.ndarray:
        """Units on hand of each critical part, over every node of the chain."""
        position = self.net.sku_critical
        held = position >= 0
        return sum_by(position[held], self.on_hand[held], len(self.net.critical_parts))

    def _produce(self, asked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """3. Production: run the production rows on what their stock points are ``asked``;
        return units made and components used, per stock point."""
        net = self.net
        made, used = np.zeros(net.n_sku), np.zeros(net.n_sku)
        if not len(net.row_sku):
            return made, used
        out = net.row_sku
        make_to_stock = net.sku_policy[out] > 0
        want = np.where(make_to_stock, self.work_orders[out], np.maximum(asked[out] - self.on_hand[out], 0.0))
        want[net.row_from_cores] = 0.0  # remanufacturing runs on returned cores (circular supply)
        factor = self.levers["capacity"]
        # Unlimited capacity stopped is zero, not inf * 0 = nan.
        capacity = np.multiply(net.node_capacity, factor, out=np.zeros_like(factor), where=factor > 0)
        per_node = sum_by(net.row_node, want, len(capacity))
        fit = np.divide(capacity, per_node, out=np.ones_like(per_node), where=per_node > 0)
        want = want * np.minimum(fit, 1.0)[net.row_node] * self.levers["process"]
        bom = net.bom
        if bom.nnz:
            need = net.bom_t @ want
            enough = np.divide(self.on_hand, need, out=np.ones(net.n_sku), where=need > 0)
            enough = np.minimum(enough, 1.0)[bom.indices]
            counts = np.diff(bom.indptr)
            rows = np.flatnonzero(counts)
            scale = np.ones(len(want))
            scale[rows] = np.minimum.reduceat(enough, bom.indptr[rows])
            want = want * scale
            used = net.bom_t @ want
            self.on_hand = np.maximum(self.on_hand - used, 0.0)
        made[out] = want
        self.on_hand += made
        self.work_orders[out] = np.where(make_to_stock, self.work_orders[out] - want, 0.0)
        return made, used

    def _order(self, day: int, share: np.ndarray) -> None:
        """5. Ordering: each stock point due for review orders by its policy on its inventory
        position, to its production or to its open inbound lanes by ``share``."""
        net, n_sku = self.net, self.net.n_sku
        repl, cust = net.repl, net.cust
        owed = sum_by(net.arc_src[repl], self.arc_backlog[repl], n_sku)
        owed += sum_by(net.arc_src[cust], self.market_backlog[net.arc_dem[cust]] * share[cust], n_sku)
        coming = sum_by(net.arc_dst[repl], self.in_transit[repl] + self.arc_backlog[repl], n_sku)
        position = self.on_hand + coming + self.work_orders - owed
        policy, a, b = net.sku_policy, net.sku_a, net.sku_b
        due = (day % net.sku_review) == 0
        order = np.zeros(n_sku)
        up_to = due & (policy == POLICY_UP_TO)
        order[up_to] = np.maximum(a[up_to] - position[up_to], 0.0)
        s_s = due & (policy == POLICY_S_S) & (position <= a)
        order[s_s] = b[s_s] - position[s_s]
        r_q = due & (policy == POLICY_R_Q) & (position <= a)
        order[r_q] = b[r_q] * (np.floor((a[r_q] - position[r_q]) / b[r_q]) + 1)
        made_here = net.sku_row >= 0
        self.work_orders[made_here] += order[made_here]
        self.arc_backlog[repl] += order[net.arc_dst[repl]] * share[repl] * (~made_here[net.arc_dst[repl]])

    def _ensure_pipeline(self, longest: int) -> None:
        """Grow the ring of shipments in transit when a lead time outgrows it."""
        size = self.pipeline.shape[0]
        if longest < size:
            return
        grown = np.zeros((longest + 1, self.pipeline.shape[1]))
        for offset in range(size):  # keep each day's arrivals on its day
            day = self.day + offset
            grown[day % (longest + 1)] = self.pipeline[day % size]
        self.pipeline = grown


def simulate(scenario: Scenario, *, replication: int = 0, seed: int | None = None,
             detail: bool = False) -> Ledger:
    """Simulate one replication of ``scenario`` with its disruptions; return its ledger."""
    return Model(scenario, replication=replication, seed=seed, detail=detail).run()
