"""The simulation model: SimPy schedules the discrete events, NumPy moves each day's flows.

Time is in days. Things that happen at an instant (a disruption's onset and end, an agreement
starting, a strategy's detection) are SimPy events at integer times; they take effect at the start
of their day. Each day's flows of all nodes then advance together as array operations, at time
``day + 0.5``, phase by phase: receipts, demand, production, shipping, ordering (their rules and
order are in :mod:`resim.sim.day`).

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

from typing import Callable

import numpy as np
import simpy

from resim.sim import day as phases
from resim.sim.circular import CircularSupply
from resim.sim.steady import steady_state
from resim.sim.disruptions import schedule_disruptions
from resim.sim.draws import demand_draws, lead_time_draws
from resim.sim.hooks import Hook, Hooks
from resim.scenario.format.chain import Lane, Node
from resim.sim.ledger import COST_COMPONENTS, Event, Ledger
from resim.sim.levers import ADDITIVE, OVERRIDE
from resim.sim.network import POLICY_S_S, Network
from resim.sim.state import ARC, DEMAND, LANE, NODE, ROW, STOCK, State
from resim.sim.status import EventKind
from resim.scenario import Scenario
from resim.core.dists import whole_days
from resim.core.streams import Streams

__all__ = ["Model", "simulate"]


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
        self.ledger = Ledger(self.horizon, [(d.market, d.part) for d in scenario.demand],
                             list(self.net.sku_keys), detail, critical_parts=list(self.net.critical_parts))
        self.demand_draws = demand_draws(scenario, self.streams)
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
        nothing in transit; the levers neutral, the shares the scenario's."""
        net, state = self.net, State(vars(self))
        n_sku, n_arcs, n_lanes, n_nodes = net.n_sku, net.n_arcs, len(net.lane_keys), len(net.node_ids)
        state.add("on_hand", STOCK, net.sku_initial.copy())
        for name in ("on_hold", "work_orders", "scrapped_today", "held_today", "released_today",
                     "produced_today"):  # produced_today: made outside production rows (reman output)
            state.add(name, STOCK, np.zeros(n_sku))
        # shipped, received and rejected are cumulative (for monitoring agreements); last_ship is today's
        for name in ("arc_backlog", "in_transit", "shipped_total", "received_total", "rejected_total", "last_ship"):
            state.add(name, ARC, np.zeros(n_arcs))
        lead_times = np.vstack([lead_time_draws(lane, self.streams, self.horizon) for lane in net.lanes])
        state.add("lead_times", LANE, lead_times)
        state.add("pipeline", ARC, np.zeros((int(lead_times.max(initial=1)) + 1, n_arcs)), dim=1)
        state.add("market_backlog", DEMAND, np.zeros(len(self.scenario.demand)))
        for name, axis, size in (("capacity", NODE, n_nodes), ("shipping", NODE, n_nodes),
                                 ("process", ROW, len(net.row_sku)), ("lane", LANE, n_lanes),
                                 ("lead_time", LANE, n_lanes), ("arc", ARC, n_arcs),
                                 ("share_factor", ARC, n_arcs), ("demand", DEMAND, len(self.scenario.demand))):
            state.add_lever(name, axis, size)
        state.add_lever("share", ARC, n_arcs, kind=OVERRIDE, base=net.base_share)  # see set_share
        state.add_lever("tariff", ARC, n_arcs, kind=ADDITIVE)  # ad-valorem rate
        state.add_lever("duty", ARC, n_arcs, kind=ADDITIVE)    # currency per unit
        return state

    def _start_steady(self) -> None:
        """Pipelines full and stock as in normal running on day 0 (:mod:`resim.sim.steady`)."""
        start = steady_state(self.net, whole_days([lane.lead_time_days.mean for lane in self.net.lanes]))
        size = max(self.pipeline.shape[0], start.pipeline.shape[0])
        self.pipeline = np.zeros((size, self.net.n_arcs))
        self.pipeline[:start.pipeline.shape[0]] = start.pipeline
        self.in_transit = self.pipeline.sum(axis=0)
        self.on_hand, self.work_orders, self.arc_backlog = start.on_hand, start.work_orders, start.arc_backlog

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

    def release(self) -> None:
        """Let go of everything the model holds (ledger, state, SimPy environment, hooks, circular
        supply) once its results have been read; the model cannot be used afterwards. The model
        and its circular supply refer to themselves (through the state, the hooks and the SimPy
        processes), so otherwise only a full pass of Python's cyclic collector frees their arrays,
        and such passes are rare: a run of long horizons held several replications' models at once
        (15-20 MB each at 36,500 days)."""
        if self.circular is not None:
            vars(self.circular).clear()
        vars(self).clear()

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

    def set_share(self, lane: str, share: float, *, cause: str = "user", part: str | None = None) -> None:
        """Give a lane ``share`` of its destination's new orders (of one part, or all it carries;
        0 = standby) while ``cause`` lasts; :meth:`end` undoes it. Shares are weights: each
        destination splits its orders over its open lanes in proportion to share × share factors.
        The share in force is the one set most recently by a cause still in force, else the
        scenario's; ending that cause reveals the one set before it."""
        self.levers.set("share", self.lane_arcs(lane, part), share, cause)

    def set_share_factor(self, lane: str, factor: float, *, cause: str = "user", part: str | None = None) -> None:
        """Scale a lane's share of new orders (of one part, or all it carries) while ``cause``
        lasts (0 = standby), whatever share is in force meanwhile: the factors of all causes
        multiply it; :meth:`end` undoes it."""
        self.levers.set("share_factor", self.lane_arcs(lane, part), factor, cause)

    def order_weights(self, arcs: np.ndarray | None = None) -> np.ndarray:
        """Per arc (every arc, or those of ``arcs``), the weight with which it takes its
        destination's new orders today: share × share factors, 0 when the arc is closed."""
        arcs = slice(None) if arcs is None else arcs
        return phases.order_weights(self, arcs, phases.open_arcs(self, arcs))

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
        self.ledger.cost[day, COST_COMPONENTS.index(component)] += amount

    def on_day_start(self, callback: Callable[["Model", int], None]) -> Hook:
        """Call ``callback(model, day)`` after each day's receipts, before its demand (circular
        supply), until the returned handle is cancelled."""
        return self._day_start.add(callback)

    def on_day_end(self, callback: Callable[["Model", int], None]) -> Hook:
        """Call ``callback(model, day)`` after each day's flows (for monitoring), until the
        returned handle is cancelled."""
        return self._day_end.add(callback)

    def listen(self, callback: Callable[["Model", Event], None]) -> Hook:
        """Call ``callback(model, event)`` when a disruption starts or ends (for strategies),
        until the returned handle is cancelled."""
        return self._listeners.add(callback)

    def notify(self, event: Event) -> None:
        """Record a disruption event in the ledger and tell the listeners."""
        self.ledger.events.append(event)
        reference = self.scenario.metrics.reference
        if (event.what == EventKind.START and reference in (None, event.id)
                and (self.ledger.onset_day is None or event.day < self.ledger.onset_day)):
            self.ledger.onset_day = int(event.day)
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
        drawn = lead_time_draws(lane, self.streams, self.horizon) if lead_times is None \
            else whole_days(lead_times, self.horizon)
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
        """One day's flows, phase by phase (:mod:`resim.sim.day`), and the day's hooks."""
        flows = phases.DayFlows(day)
        phases.receive(self, flows)
        self._day_start(self, day)
        phases.demand(self, flows)
        phases.produce(self, flows)
        phases.ship(self, flows)
        phases.deliver(self, flows)
        phases.order(self, flows)
        phases.book_costs(self, flows)
        phases.record(self, flows)
        phases.close_day(self)
        self._day_end(self, day)


def simulate(scenario: Scenario, *, replication: int = 0, seed: int | None = None,
             detail: bool = False) -> Ledger:
    """Simulate one replication of ``scenario`` with its disruptions; return its ledger."""
    return Model(scenario, replication=replication, seed=seed, detail=detail).run()
