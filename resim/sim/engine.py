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
modules change the model's arrays only through them, but for circular supply
(:class:`resim.sim.circular.CircularBatch`), which each cohort's day advances like a phase, on
the cohort's arrays: its output joins stock as :meth:`Model.add_production` states.

**Batches.** Replications run together: a :class:`Batch` advances many replications in one SimPy
environment, and the day's phases move all of them at once, their state arrays having a leading
row per replication (the batch's :class:`Cohort`). Each replication is a :class:`Model` (its own
random streams, levers, causes, hooks, ledger and response) whose arrays are its row. A node or
lane that one replication adds joins the batch's network for all: appended to every array, empty
and closed in the other rows (no stock, no stock policy, its lanes closed by the cause
``not added``), so that the others' numbers never change; each replication finds the entries by
its own names (:class:`resim.sim.network.RowNetwork`). A replication adding an entry equal to
one another replication added holds that one instead, opened in its row (see
:mod:`resim.sim.network`). ``Model(scenario)`` is a batch of one. A
replication's numbers never depend on its batch: the same replication gives the same ledger alone
or among a thousand.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import simpy

from resim.sim import day as phases
from resim.sim.circular import CircularBatch, CircularSupply
from resim.sim.steady import steady_state
from resim.sim.disruptions import schedule_disruptions
from resim.sim.draws import demand_draws, lead_time_draws
from resim.sim.hooks import Hook, Hooks
from resim.scenario.format.chain import Lane, Node
from resim.sim.ledger import COST_COMPONENTS, Event, Ledger, LedgerArrays
from resim.sim.levers import ADDITIVE, OVERRIDE, Levers
from resim.sim.network import POLICY_S_S, Network, RowNetwork
from resim.sim.state import ARC, DEMAND, LANE, NODE, ROW, STOCK, Rows, State
from resim.sim.status import EventKind
from resim.sim.warning import CoverWatches
from resim.sim.watch import Limits, Lots, Tally, Watches
from resim.scenario import Scenario
from resim.core.dists import whole_days
from resim.core.streams import Streams

__all__ = ["Model", "Batch", "Cohort", "simulate", "batch_rows"]

BATCH_BYTES = 256 * 2**20  # the state and ledger arrays of one batch, at most (about)
MAX_ROWS = 256  # beyond this a batch gains little, and finished replications come back less often

# A replication's rows of its cohort's state arrays, as Model attributes (reading and assigning
# its row). level_a/level_b: the policies' levels (base stock, s or r; S or Q), which a buffer raises.
# own_sku/own_arc: whether the replication holds each stock point and arc (the scenario's, and
# those it added; not those other replications of its batch added).
_ROW_ARRAYS = ("on_hand", "on_hold", "work_orders", "scrapped_today", "held_today", "released_today",
               "produced_today", "level_a", "level_b", "arc_backlog", "in_transit", "pipeline", "shipped_total",
               "received_total", "rejected_total", "last_ship", "lead_times", "market_backlog", "demand_draws",
               "own_sku", "own_arc")
_COMPONENT = {name: index for index, name in enumerate(COST_COMPONENTS)}
NOT_ADDED = "not added"  # the cause closing, in the other rows, the lanes a replication added


class Cohort:
    """The replications of a batch and their network: their state arrays, a row each, which the
    day's phases (:mod:`resim.sim.day`) advance together."""

    def __init__(self, batch: "Batch", net: Network, rows: list["Model"]) -> None:
        self.batch, self.net, self.rows, self.ids = batch, net, list(rows), np.arange(len(rows))
        self.scenario, self.horizon, self.detail = batch.scenario, batch.horizon, batch.detail
        self.ledgers: LedgerArrays = batch.ledgers
        self.state = self._new_state([model.streams for model in rows])
        self.levers = self.state.levers
        self.watches = Watches(self.horizon)  # the rows' watched arcs (Model.watch)
        self.covers = CoverWatches()  # the rows' shortage early warnings (Model.watch_cover)

    def _new_state(self, streams: list[Streams]) -> State:
        """The state on day 0 before a steady start: stock at its initial levels, nothing owed,
        nothing in transit; the levers neutral, the shares the scenario's."""
        net, scenario = self.net, self.scenario
        state = State(len(streams), vars(self))
        n_sku, n_arcs, n_lanes, n_nodes = net.n_sku, net.n_arcs, len(net.lane_keys), len(net.node_ids)
        state.add("on_hand", STOCK, net.sku_initial)
        state.add("level_a", STOCK, net.sku_a)   # the policies' levels (a buffer raises them)
        state.add("level_b", STOCK, net.sku_b)
        for name in ("on_hold", "work_orders", "scrapped_today", "held_today", "released_today",
                     "produced_today"):  # produced_today: made outside production rows (reman output)
            state.add(name, STOCK, np.zeros(n_sku))
        # shipped, received and rejected are cumulative (for monitoring agreements); last_ship is today's
        for name in ("arc_backlog", "in_transit", "shipped_total", "received_total", "rejected_total", "last_ship",
                     "contract_value", "contract_premium", "contract_freight"):
            state.add(name, ARC, np.zeros(n_arcs))
        state.add("contracted", ARC, np.zeros(n_arcs, bool))
        state.add("own_sku", STOCK, np.ones(n_sku, bool))
        state.add("own_arc", ARC, np.ones(n_arcs, bool))
        lead_times = np.array([[lead_time_draws(lane, s, self.horizon) for lane in net.lanes] for s in streams],
                              np.int64).reshape(len(streams), n_lanes, self.horizon)
        # The scenario's lanes' daily lead times, a row each; a lane added while running has those
        # of the rows holding it alone (Cohort.lead_today), so that it costs one horizon per row
        # holding it, not one per row.
        self.lead_times = lead_times
        self.added_lead = Rows(self.horizon, np.int64)
        # Per row holding a lane added while running, (row, the lane's position among those added),
        # in the order of added_lead.
        self.added_at: list[tuple[int, int]] = []
        self._added_arrays: tuple[np.ndarray, ...] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        # Incoming inspection: per (row, arc) inspected, the share of each day's receipts accepted.
        self.inspected = Rows(self.horizon, float)
        self.inspected_at: list[tuple[int, int]] = []
        state.add("pipeline", ARC, np.zeros((int(lead_times.max(initial=1)) + 1, n_arcs)), dim=1, room=True)
        state.add("market_backlog", DEMAND, np.zeros(len(scenario.demand)))
        state.add("demand_draws", DEMAND, np.stack([demand_draws(scenario, s) for s in streams]), per_row=True)
        for name, axis, size in (("capacity", NODE, n_nodes), ("shipping", NODE, n_nodes),
                                 ("process", ROW, len(net.row_sku)), ("lane", LANE, n_lanes),
                                 ("lead_time", LANE, n_lanes), ("arc", ARC, n_arcs),
                                 ("share_factor", ARC, n_arcs), ("demand", DEMAND, len(scenario.demand))):
            state.add_lever(name, axis, size)
        state.add_lever("share", ARC, n_arcs, kind=OVERRIDE, base=net.base_share)  # see Model.set_share
        state.add_lever("tariff", ARC, n_arcs, kind=ADDITIVE)  # ad-valorem rate
        state.add_lever("duty", ARC, n_arcs, kind=ADDITIVE)    # currency per unit
        return state

    def start_steady(self) -> None:
        """Pipelines full and stock as in normal running on day 0 (:mod:`resim.sim.steady`), in
        every row."""
        start = steady_state(self.net, whole_days([lane.lead_time_days.mean for lane in self.net.lanes]))
        rows, length = len(self.rows), start.pipeline.shape[0]
        size = max(self.pipeline.shape[1], length)
        self.pipeline = np.zeros((rows, size, self.net.n_arcs))
        self.pipeline[:, :length] = start.pipeline
        self.in_transit = self.pipeline.sum(axis=1)
        self.on_hand = np.tile(start.on_hand, (rows, 1))
        self.work_orders = np.tile(start.work_orders, (rows, 1))
        self.arc_backlog = np.tile(start.arc_backlog, (rows, 1))

    def lead_today(self, day: int) -> np.ndarray:
        """Every lane's lead time (days) for shipments leaving on ``day``, a row per replication;
        1 on a lane added by replications other than this one (closed to it)."""
        lead = self.lead_times[:, :, day]
        if self.added_at:
            extra = np.ones((len(self.rows), len(self.net.lane_keys) - lead.shape[1]), np.int64)
            rows, columns = self._added_index()
            extra[rows, columns] = self.added_lead.values[:, day]
            lead = np.concatenate([lead, extra], axis=1)
        return lead

    def _added_index(self) -> tuple[np.ndarray, np.ndarray]:
        """``added_at`` as index arrays (rows, columns among the added lanes), made again only
        when a row added or took on a lane."""
        if len(self._added_arrays[0]) != len(self.added_at):
            self._added_arrays = tuple(np.array(self.added_at, np.int64).T)
        return self._added_arrays

    def step(self, day: int) -> None:
        """One day's flows of every row, phase by phase (:mod:`resim.sim.day`), and each
        replication's day hooks."""
        flows = phases.DayFlows(day)
        circular = self.batch.circular
        phases.receive(self, flows)
        # Circular supply before each replication's own day hooks, as when it was the first of them.
        if circular is not None:
            circular.start_of_day(self, day)
        for model in self.rows:
            model._day_start(model, day)
        phases.demand(self, flows)
        phases.produce(self, flows)
        phases.ship(self, flows)
        phases.deliver(self, flows)
        phases.order(self, flows)
        phases.book_costs(self, flows)
        phases.record(self, flows)
        phases.close_day(self)
        if circular is not None:
            circular.end_of_day(day)
        if len(self.watches):
            self.watches.end_of_day(self, day)
        if len(self.covers):
            self.covers.end_of_day(self, day)
        for model in self.rows:
            model._day_end(model, day)

class Batch:
    """Replications of one scenario advanced together: one SimPy environment, their cohort."""

    def __init__(self, scenario: Scenario, replications: Sequence[int], *, seed: int | None = None,
                 detail: bool = False, disruptions: bool = True, rows: Sequence["Model"] | None = None) -> None:
        """``rows``: the Model objects to become the replications (new ones if None)."""
        self.scenario = scenario
        self.horizon = scenario.horizon_days
        self.detail = detail
        self.env = simpy.Environment()
        self.day = 0
        self.done = False
        seed = scenario.seed if seed is None else seed
        models = list(rows) if rows is not None else [Model.__new__(Model) for _ in replications]
        for model, replication in zip(models, replications, strict=True):
            model._open(self, Streams(seed, replication))
        self.ledgers = LedgerArrays(len(models), self.horizon, len(scenario.demand),
                                    sum(p.critical for p in scenario.parts))
        cohort = Cohort(self, Network(scenario), models)
        self.cohort = cohort
        self.models = models
        for index, model in enumerate(models):
            model._bind(cohort, index)
            model._start(index)
        if scenario.start == "steady":
            cohort.start_steady()
        self.env.process(self._days())
        # Every replication's circular supply as rows of one, advanced by the cohorts' days.
        self.circular = CircularBatch(self) if scenario.circular.take_back else None
        views = self.circular.views if self.circular is not None else [None] * len(models)
        for model, view in zip(models, views):
            model._attach(view, disruptions)

    def run(self) -> list["Model"]:
        """Simulate the whole horizon (once); return the replications. Each model's
        ``opening_on_hand`` and ``opening_in_transit`` keep its day-0 stock and shipments, for
        material balances, and ``opening_stock_value`` what its stock was worth
        (:meth:`Model.stock_value`)."""
        if not self.done:
            for model in self.models:
                model.opening_on_hand = model.on_hand.copy()
                model.opening_in_transit = model.in_transit.copy()
                model.opening_stock_value = model.stock_value()
            self.env.run(until=self.horizon)
            self.cohort.watches.report(self.cohort)
            self.done = True
        return self.models

    def release(self) -> None:
        """Let go of everything the batch holds (ledgers, state, SimPy environment, hooks,
        circular supply) once its results have been read; its models cannot be used afterwards.
        The models, their cohorts and circular supply refer to one another (through the state,
        the hooks and the SimPy processes), so otherwise only a full pass of Python's cyclic
        collector frees their arrays, and such passes are rare: a run of long horizons held
        several batches at once."""
        if getattr(self, "circular", None) is not None:
            for view in self.circular.views:
                vars(view).clear()
            vars(self.circular).clear()
        for model in self.models:
            vars(model).clear()
        vars(self.cohort).clear()
        vars(self).clear()

    def _days(self):
        yield self.env.timeout(0.5)
        for day in range(self.horizon):
            self.day = day
            self.cohort.step(day)
            yield self.env.timeout(1)


def batch_rows(scenario: Scenario, budget: int | None = None) -> int:
    """How many replications of ``scenario`` to run in one batch: as many as fit in ``budget``
    bytes (default BATCH_BYTES) of state and ledger arrays (8 bytes a number), at most
    MAX_ROWS, at least one."""
    budget = BATCH_BYTES if budget is None else budget
    horizon, lanes, demand = scenario.horizon_days, len(scenario.lanes), len(scenario.demand)
    arcs = sum(len(lane.parts) for lane in scenario.lanes)
    stock = sum(len(node.inventory) + len(node.makes) for node in scenario.nodes)
    longest = max((lane.lead_time_days.mean for lane in scenario.lanes), default=1.0)
    critical = sum(part.critical for part in scenario.parts)
    # Per day: lead times per lane, demand draws and the ledger's market, totals, costs.
    numbers = horizon * (lanes + 6 * demand + 12 + critical) + arcs * (11 + 2 * longest) + 9 * stock
    return int(min(MAX_ROWS, max(1, budget // (8 * numbers))))


def _row_array(name: str) -> property:
    """A replication's row of its cohort's array ``name``; assigning writes into the row."""
    def get(self: "Model") -> np.ndarray:
        return getattr(self._cohort, name)[self._row]

    def put(self: "Model", values) -> None:
        getattr(self._cohort, name)[self._row] = values
    return property(get, put, doc=f"This replication's {name.replace('_', ' ')} (its row of the cohort's).")


class Model:
    """One replication of one scenario: its state (a row of its cohort's arrays), the SimPy
    environment and the ledger.

    Create it, schedule changes with :meth:`at`, then :meth:`run`. The scenario's disruptions are
    drawn and scheduled on creation (``disruptions=False`` leaves them out). ``detail=True`` keeps
    daily series per stock point in the ledger (needed for :meth:`Ledger.stock`). ``Model(...)`` is
    a batch of one; :class:`Batch` makes many that run together.
    """

    on_hand: np.ndarray   # and the rest of _ROW_ARRAYS: properties set below the class

    def __init__(self, scenario: Scenario, *, replication: int = 0, seed: int | None = None,
                 detail: bool = False, disruptions: bool = True):
        Batch(scenario, [replication], seed=seed, detail=detail, disruptions=disruptions, rows=[self])

    # -- joining a batch (Batch.__init__ calls these in order) ------------------------------------

    def _open(self, batch: Batch, streams: Streams) -> None:
        self.batch = batch
        self.scenario = batch.scenario
        self.horizon = batch.horizon
        self.env = batch.env
        self.streams = streams
        self.replication = streams.replication

    def _bind(self, cohort: Cohort, row: int) -> None:
        """Make this replication row ``row`` of ``cohort``."""
        self._cohort, self._row = cohort, row
        self._net = RowNetwork(cohort.net)

    def _start(self, index: int) -> None:
        net = self.net
        self.ledger = Ledger(self.horizon, [(d.market, d.part) for d in self.scenario.demand],
                             list(net.sku_keys), self.batch.detail, critical_parts=list(net.critical_parts),
                             arrays=self.batch.ledgers, row=index)
        self.levers = Levers(self._cohort.levers, self._row)
        self._arc_rules: dict[str, Callable[[np.ndarray], None]] = {}
        self._listeners = Hooks()   # callback(model, event)
        self._day_start = Hooks()   # callback(model, day)
        self._day_end = Hooks()     # callback(model, day)

    def _attach(self, circular: CircularSupply | None, disruptions: bool) -> None:
        self.circular = circular  # this replication's row of the batch's circular supply
        self.occurrences = schedule_disruptions(self) if disruptions else []

    @property
    def net(self) -> RowNetwork:
        """The network this replication runs on: its batch's, by this replication's names."""
        return self._net

    @property
    def state(self) -> State:
        """The state arrays of this replication's batch (a row per replication)."""
        return self._cohort.state

    @property
    def day(self) -> int:
        """The day being simulated."""
        return self.batch.day

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

    def release(self) -> None:
        """Let go of everything this model's batch holds once its results have been read
        (:meth:`Batch.release`); the model cannot be used afterwards."""
        self.batch.release()

    def run(self) -> Ledger:
        """Simulate the whole horizon (with the rest of its batch); return the ledger.
        ``opening_on_hand`` and ``opening_in_transit`` keep the day-0 stock and shipments, for
        material balances."""
        self.batch.run()
        return self.ledger

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
        return phases.order_weights(self.levers, arcs, phases.open_arcs(self.net, self.levers, arcs))

    def lane_arcs(self, lane: str, part: str | None = None) -> np.ndarray:
        """Indices of a lane's arcs (one per part it carries, or the one of ``part``)."""
        net = self.net
        on_lane = net.arc_lane == net.lane_index[lane]
        if part is not None:
            on_lane &= net.sku_part[net.arc_src] == net.part_index[part]
        return np.flatnonzero(on_lane)

    def stock_value(self) -> float:
        """What the firm's stock is worth now, at each part's unit cost (currency): units on hand
        and on hold at its focal stock points, and units in transit to them that it has paid for
        (every lane but a contracted one, whose units are paid on receipt)."""
        net = self.net
        value = net.sku_value
        focal = net.sku_focal
        held = float((self.on_hand[focal] + self.on_hold[focal]) @ value[focal])
        arcs = net.repl[~self._cohort.contracted[self._row, net.repl]]
        dest = net.arc_dst[arcs]
        paid = net.sku_focal[dest]
        return held + float(self.in_transit[arcs[paid]] @ value[dest[paid]])

    def raise_stock(self, sku: int, units: float) -> None:
        """Before the run: hold ``units`` more of a stock point (a buffer); its policy's levels and
        its starting stock rise by as much."""
        if self.env.now > 0:
            raise RuntimeError("buffers are set before the run starts")
        self._cohort.level_a[self._row, sku] += units
        if self.net.sku_policy[sku] == POLICY_S_S:
            self._cohort.level_b[self._row, sku] += units
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
        rule(np.flatnonzero(self.own_arc))

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
        self.ledger.cost[day, _COMPONENT[component]] += amount

    def on_day_start(self, callback: Callable[["Model", int], None]) -> Hook:
        """Call ``callback(model, day)`` after each day's receipts, before its demand (circular
        supply), until the returned handle is cancelled."""
        return self._day_start.add(callback)

    def on_day_end(self, callback: Callable[["Model", int], None]) -> Hook:
        """Call ``callback(model, day)`` after each day's flows (for monitoring), until the
        returned handle is cancelled."""
        return self._day_end.add(callback)

    def watch(self, arcs: np.ndarray, late: np.ndarray, report: Callable[[Tally], None], *,
              limits: Limits | None = None, breach: Callable[[int], None] | None = None) -> int:
        """Tally what ``arcs`` (indices) ship, receive and reject, counting as late what they
        ship from today on the days ``late`` (a flag per day of the horizon) marks, and their
        lots; when the run ends, pass the :class:`resim.sim.watch.Tally` to ``report``
        (monitoring agreements). With ``limits``, ``breach(day)`` is called at the end of the day
        the lots first exceed them. Returns the watch's number (:meth:`watched_lots`)."""
        return self._cohort.watches.add(self._cohort, self._row, arcs, late, report, limits, breach)

    def watch_cover(self, sku: int, use: float, cover_days: float, fire: Callable[[int, float], None]) -> None:
        """Call ``fire(day, cover)`` at the end of the first day the projected cover of stock point
        ``sku`` (on hand + in transit to it, over ``use`` units a day) is below ``cover_days``, and
        again only after it has come back (:class:`resim.sim.warning.CoverWatches`)."""
        self._cohort.covers.add(self._row, sku, use, cover_days, fire)

    def watched_lots(self, watch: int) -> Lots:
        """The lots of watch number ``watch`` (:meth:`watch`) so far."""
        return self._cohort.watches.lots_of(watch)

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
        """Add a node (e.g. a MaaS provider) with its stock points, empty unless ``initial`` says.
        It joins the batch's network; in the other replications it stays empty, without a stock
        policy (see the module docstring). An equal node another replication added becomes this
        one's too (:meth:`Network.shared_node`)."""
        cohort, view = self._cohort, self._net
        net, state, row = cohort.net, cohort.state, self._row
        if node.id in view.node_index:
            raise ValueError(f"node {node.id!r} exists already")
        view.own_names()
        shared = net.shared_node(node, view)
        if shared is None:
            old = net.n_sku
            net.add_node(node, names=view)
            # The others' rows: no stock, and a level no inventory position is below (never orders).
            on_hand, level_a, level_b = (np.zeros((state.rows, net.n_sku - old)) for _ in range(3))
            level_a[:] = -np.inf
            on_hand[row], level_a[row], level_b[row] = net.sku_initial[old:], net.sku_a[old:], net.sku_b[old:]
            state.grow(STOCK, net.n_sku, on_hand=on_hand, level_a=level_a, level_b=level_b,
                       own_sku=_only(row, state.rows, net.n_sku - old))
            state.grow(NODE, len(net.node_ids))
            state.grow(ROW, len(net.row_sku))
        else:  # its stock points as they were added, in this row (untouched there since: closed to it)
            skus = net.hold_node(shared, view)
            cohort.on_hand[row, skus], cohort.own_sku[row, skus] = net.sku_initial[skus], True
            cohort.level_a[row, skus], cohort.level_b[row, skus] = net.sku_a[skus], net.sku_b[skus]
        own = np.flatnonzero(self.own_sku)
        self.ledger.grow_stock(len(own), [net.sku_keys[sku] for sku in own])

    def add_lane(self, lane: Lane, *, price: float | None = None, lead_times: np.ndarray | None = None,
                 accepted: np.ndarray | None = None) -> None:
        """Add a lane (its source must hold or make its parts). It takes new orders by its share
        from today; existing orders stay with the lanes they were placed on. Trade rules in force
        apply to it. It joins the batch's network, closed in the other replications.

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
        cohort, view = self._cohort, self._net
        net, state, row = cohort.net, cohort.state, self._row
        if lane.key in view.lane_index:
            raise ValueError(f"lane {lane.key!r} exists already")
        view.own_names()
        index = net.shared_lane(lane, price, view)
        if index is None:
            old = net.n_arcs
            index = net.add_lane(lane, price=price, names=view)
            state.grow(LANE, len(net.lane_keys))
            state.grow(ARC, net.n_arcs, share=net.base_share[old:], own_arc=_only(row, state.rows, net.n_arcs - old))
            for other in cohort.rows:
                if other is not self:
                    other.levers.set("lane", [index], 0.0, NOT_ADDED)
            arcs = np.arange(old, net.n_arcs)
        else:  # nothing ordered on it in this row so far: closed to it
            arcs = net.hold_lane(index, view)
            cohort.own_arc[row, arcs] = True
            self.levers.set("lane", [index], 1.0, NOT_ADDED)  # the neutral factor: open
        drawn = lead_time_draws(lane, self.streams, self.horizon) if lead_times is None \
            else whole_days(lead_times, self.horizon)
        cohort.added_lead.append(drawn)
        cohort.added_at.append((row, index - cohort.lead_times.shape[1]))
        if accepted is not None:
            for arc in arcs:
                cohort.inspected.append(np.asarray(accepted, float))
                cohort.inspected_at.append((row, arc))
        for rule in self._arc_rules.values():
            rule(arcs)
        if price is not None:
            # The firm contracted this lane, so it pays for what it accepts whoever receives it:
            # the network's charges cover only purchases shipped into focal nodes.
            value = net.sku_value[net.arc_src[arcs]]
            cohort.contracted[row, arcs] = True
            cohort.contract_value[row, arcs] = value * net.arc_into_focal[arcs]
            cohort.contract_premium[row, arcs] = price - value
            cohort.contract_freight[row, arcs] = lane.cost_per_unit


def _only(row: int, rows: int, size: int) -> np.ndarray:
    """rows × ``size`` booleans, True in ``row`` only (the entries a replication added)."""
    mask = np.zeros((rows, size), bool)
    mask[row] = True
    return mask


for _name in _ROW_ARRAYS:
    setattr(Model, _name, _row_array(_name))
del _name


def simulate(scenario: Scenario, *, replication: int = 0, seed: int | None = None,
             detail: bool = False) -> Ledger:
    """Simulate one replication of ``scenario`` with its disruptions; return its ledger."""
    return Model(scenario, replication=replication, seed=seed, detail=detail).run()
