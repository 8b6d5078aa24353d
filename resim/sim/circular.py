"""Circular supply in a running model (C1): take-back, grading, and remanufacturing as real supply.

Each day, at the start of the day's flows:

1. **Take-back.** Products in use come back as cores to the stream's node: the installed base at a
   steady rate (installed_base × return_rate / mean use life, Poisson per day), and units delivered
   in the run after their drawn use life (return_rate of them, spread by the use-life distribution).
   A replication whose strategy contracts circular partners hands a stream's cores over to them
   instead (:meth:`CircularBatch.divert`, :mod:`resim.sim.circular_partners`).
2. **Disassembly.** Up to the node's disassembly capacity, whole cores are taken apart into their
   components (by the bill of materials); the disassembly yield scraps the rest. Cores beyond the
   capacity wait whole. A ``sorting`` step, when the node has one, takes every component out of
   disassembly before grading: its capacity (components a day) also limits the cores taken apart,
   its yield scraps, its cost is per component sorted.
3. **Grading.** Every component with a grading entry is graded into reuse, repair, refurbish,
   remanufacture, repurpose or recycle (a multinomial draw with the given shares); ungraded
   components are recycled. A component graded for a recovery state (reuse, repair, refurbish,
   remanufacture) at a node that makes that part waits there as a *graded core*; repurposed and
   recycled ones, and recoverable ones of parts the node does not make, leave the chain
   (``other routes``, counted).
4. **Processing, when pulled.** A reman node makes a part only when its work orders ask for it:
   for a part with an inventory policy, the orders of that policy (the engine's reorder step, as
   for any made-to-stock part, so the node restocks its stated level and never beyond); for a
   part without one, what its customers have ordered beyond its stock and what is in process.
   Graded cores of every state are called on in proportion to their expected good output, and
   follow their state's route through the node's circular processes (reuse: testing; repair:
   testing, repair; refurbish: cleaning, testing, reconditioning; remanufacture: cleaning,
   testing, reconditioning, reassembly), steps the node lacks skipped. A step's capacity is shared
   in proportion by all the units called for it; the node's own ``capacity_per_day`` (scaled by
   any capacity loss) caps the good units started a day. Each step's yield scraps the rest; the
   batch takes the sum of its steps' drawn times; each step costs its ``cost_per_unit`` per unit
   taken, charged when processed (the ``reman`` cost component).
5. **Output.** Good units join the node's stock and fill its work orders; they are shipped like
   any stock, over its lanes (standby lanes until a strategy turns them on).

Money: a graded core and a whole core waiting are the firm's inventory, held at the node's
``holding_cost_rate`` × the core value (``core_value_factor`` × the unit cost of the part, or of the
product for a whole core; the ``holding`` component). The reman centre is the firm's own site, so
a reman unit costs the firm what the centre spent on it (disassembly and processing, as they
arise) and no transfer price: one between two of the firm's own sites moves money from one pocket
to the other, and charging it besides would pay the centre's work twice. Deposits are neither charged nor refunded:
a deposit is the customer's money, held from sale to return; it is not the firm's cost or revenue,
and its effect on returns is in ``return_rate``.

Material accounting holds exactly: cores returned = disassembled + cores waiting; components
graded = processed + graded cores waiting + other routes; processed = output + scrapped by a
yield + in process.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import add
from typing import TYPE_CHECKING

import numpy as np

from resim.core.dists import whole_days
from resim.scenario.format.circular import EOL_STATES, CircularProcess
from resim.sim.ledger import COST_COMPONENTS

if TYPE_CHECKING:
    from resim.sim.engine import Batch, Cohort, Model

__all__ = ["CircularBatch", "CircularSupply", "CircularLedger", "ROUTES", "PROCESS_PATHS", "partner_need"]

ROUTES: dict[str, tuple[str, ...]] = {
    "reuse": ("testing",),
    "repair": ("testing", "repair"),
    "refurbish": ("cleaning", "testing", "reconditioning"),
    "remanufacture": ("cleaning", "testing", "reconditioning", "reassembly"),
}

# Where each circular process sits in the DIN 8580-style taxonomy the MaaS pool uses.
PROCESS_PATHS = {
    "disassembly": "cutting/disassembly", "cleaning": "cutting/cleaning", "testing": "other/testing",
    "sorting": "other/sorting", "repair": "other/repair", "reconditioning": "other/reconditioning",
    "reassembly": "joining/reassembly",
}


def partner_need(scenario, process: str, node: str, units_per_day: float | None = None):
    """A MaaS need for a circular ``process`` done for ``node`` (C1: sourcing circular processes
    from providers). Default volume: the node's own capacity for that process, else 1 unit a day."""
    from resim.supply.matching import Need

    site = scenario.nodes_by_id[node]
    own = next((p.capacity_per_day for p in scenario.circular.processes
                if p.node == node and p.process == process), None)
    return Need(part=f"{process}@{node}", process=PROCESS_PATHS[process], material=None,
                tolerance_mm=None, size_mm=None, certifications=frozenset(),
                units_per_day=float(units_per_day or own or 1.0), unit_cost=0.0, weight_kg=0.0,
                destination=node, country=site.country, region=site.region, lat=site.lat, lon=site.lon)


@dataclass(frozen=True)
class _Made:
    """A part a reman node makes: its stock point, node index and production row, and whether
    it is made to stock (its inventory policy's work orders pull it)."""

    node: str
    part: str
    sku: int
    node_index: int
    row: int
    to_stock: bool


@dataclass(frozen=True)
class _Route:
    """What a graded core of one state goes through at the node that makes its part (one queue).

    ``made`` is the part it becomes (``made_index``: its position among the parts made);
    ``steps`` are (the step's slot in the plan's load list, its capacity a day); ``yield_`` and
    ``cost`` are the steps' combined yield and cost a unit; ``keys`` the (node, process) of its
    steps, whose drawn times add up to the days a batch takes."""

    made: _Made
    made_index: int
    steps: tuple[tuple[int, float], ...]
    yield_: float
    cost: float
    keys: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Component:
    """A component of a returned product, graded when a core is taken apart: ``shares`` of the
    EOL states (None: the scenario does not grade it, it is recycled); ``keys`` its (part, state)
    ledger keys; ``queues`` (state position, queue) for the states that wait at the
    node as graded cores; ``other`` the positions of the states that leave the chain."""

    part: str
    quantity: float
    shares: np.ndarray | None
    keys: tuple[tuple[str, str], ...]
    queues: tuple[tuple[int, int], ...]
    other: tuple[int, ...]


@dataclass(frozen=True)
class _Pool:
    """Whole cores of one product waiting at one node: how many a day can be taken apart
    (``capacity``, cores), the disassembly and sorting steps (None when the node lacks them),
    the components a core holds (``per_core``) and how each is graded."""

    node: str
    product: str
    capacity: float
    disassembly: CircularProcess | None
    sorting: CircularProcess | None
    per_core: float
    components: tuple[_Component, ...]


@dataclass(frozen=True)
class _Grading:
    """Where a pool's gradings go in the batch's arrays; a disassembly's gradings are a row ×
    (component × EOL state) matrix, ``flat`` below meaning a column of it.

    ``quantity``: each component's units per unit of bill of materials; ``drawn_components``:
    the components the scenario grades (a multinomial draw each), ``drawn_slots`` their slots
    among the batch's draws (:meth:`CircularBatch._look_ahead`); ``recycled``: the
    components it does not grade; ``keys``: each flat column's column of the graded totals;
    ``queue_states``/``queues``: the flat columns of graded components' recovery states and the
    queues they join; ``other``: the other-routes totals' columns and the flat columns added to
    them, in layers (:func:`_layers`: each total adds its component's states in their order).
    Columns are kept as :func:`_index` gives them."""

    quantity: np.ndarray
    drawn_components: np.ndarray
    drawn_slots: np.ndarray
    recycled: int | slice | np.ndarray
    keys: int | slice | np.ndarray
    queue_states: int | slice | np.ndarray
    queues: int | slice | np.ndarray
    other: tuple[tuple[int | slice | np.ndarray, int | slice | np.ndarray], ...]


WINDOW = 32  # days of grading draws made at once, when returns are known ahead
_REMAN, _HOLDING = COST_COMPONENTS.index("reman"), COST_COMPONENTS.index("holding")
_STATES, _RECYCLE = len(EOL_STATES), EOL_STATES.index("recycle")


class CircularBatch:
    """The circular flows of a batch's replications, a row each; created by the batch when the
    scenario has take-back, and advanced by the batch's day (:meth:`start_of_day` after the
    receipts, :meth:`end_of_day` after the day is booked, both before the replications' own day
    hooks). Each replication reads its row through its
    :class:`CircularSupply` (``model.circular``).

    Everything that does not change during a run (each pool's disassembly capacity and bill of
    materials, where each graded state goes, each queue's route, yield and cost) is worked out
    once; each row's draws (step times, use lives, base returns) up front, and, when returns
    cannot depend on the run, the cores taken apart and their grading draws some days ahead
    (:meth:`_look_ahead`). The state is arrays
    with a row per replication (its row of the batch): cores waiting by pool,
    graded cores by queue (queue ``m * len(ROUTES) + s`` holds the cores of ``self.made[m]``
    graded for the ``s``-th state of ROUTES), good units in process by part made and by the day
    they started and queue. A day is array arithmetic over the rows; only the grading
    draws loop over rows, each from the row's own stream in the order one replication makes
    them. Each row's arithmetic is that of one replication run alone, operation by operation:
    sums over a small axis (pools, queues, batches due) add column after column or accumulate,
    never NumPy's pairwise sums, and a row without a flow adds zeros (or -0.0), which change no
    number; so every number is the same to the bit, alone or in any batch.
    """

    def __init__(self, batch: "Batch") -> None:
        models, sc, net = batch.models, batch.scenario, batch.cohort.net
        spec, horizon, n = sc.circular, batch.horizon, len(batch.models)
        self.horizon = horizon
        self.made = [_made(net, node.id, part)
                     for node in sc.nodes if node.kind == "reman" for part in node.makes]
        self.parts = list(dict.fromkeys(m.part for m in self.made))   # the ledger's parts made
        steps = {(p.node, p.process): p for p in spec.processes}
        self.routes, self.n_slots = _routes(self.made, steps)
        self.queues_of = [range(m * len(ROUTES), (m + 1) * len(ROUTES)) for m in range(len(self.made))]
        self.queue_made = np.array([r.made_index for r in self.routes], int)
        # Each queue's part made and part (for the ledger), and -1 past the last (a gap in _release).
        self.made_or_gap = np.append(self.queue_made, -1)
        self.part_or_gap = np.array([self.parts.index(r.made.part) for r in self.routes] + [-1], int)
        self.queue_yield = np.array([r.yield_ for r in self.routes])
        self.queue_cost = np.array([r.cost for r in self.routes])
        self.made_sku = np.array([m.sku for m in self.made], int)
        self.made_at = {made.sku: m for m, made in enumerate(self.made)}
        self.to_stock = np.array([m for m, made in enumerate(self.made) if made.to_stock], int)
        self.to_order = [m for m, made in enumerate(self.made) if not made.to_stock]
        # For _plan and _start: the reman nodes (columns of good_at), each part made's node,
        # production row and node column; each step's queue, slot and capacity (by queue); and
        # the queues whose calls add up on each slot, each node and each part, in queue order.
        nodes = list(dict.fromkeys(m.node_index for m in self.made))
        self.n_made_nodes = len(nodes)
        self.made_node = np.array([nodes.index(m.node_index) for m in self.made], int)
        self.made_node_index = np.array([m.node_index for m in self.made], int)
        self.made_row = np.array([m.row for m in self.made], int)
        steps_of = [(q, slot, capacity) for q, route in enumerate(self.routes) for slot, capacity in route.steps]
        self.step_queues = np.array(sorted({q for q, _, _ in steps_of}), int)
        self.step_starts = np.array([[q for q, _, _ in steps_of].index(q) for q in self.step_queues], int)
        self.step_slot = np.array([slot for _, slot, _ in steps_of], int)
        self.step_capacity = np.array([capacity for _, _, capacity in steps_of], float)
        self.slot_layers = _layers([[q for q, slot, _ in steps_of if slot == s] for s in range(self.n_slots)],
                                   list(range(self.n_slots)))
        self.node_layers = _layers([[q for q, r in enumerate(self.routes) if r.made.node_index == node]
                                    for node in nodes], list(range(len(nodes))))
        self.part_layers = _layers([[q for q, r in enumerate(self.routes) if r.made.part == part]
                                    for part in self.parts], list(range(len(self.parts))))
        # The days a batch started on each day takes, per row (the sum of its steps' times, drawn
        # up front: common random numbers).
        self.delays = np.zeros((n, horizon, len(self.routes)), int)
        used = {key for route in self.routes for key in route.keys}
        for r, model in enumerate(models):
            times = {key: np.rint(np.asarray(steps[key].time_days.sample(
                model.streams.get("circular", "time", *key), horizon), float)).astype(int) for key in used}
            for q, route in enumerate(self.routes):
                for key in route.keys:
                    self.delays[r, :, q] += times[key]
        self.pools, self.pool_of = _pools(sc, steps, self.made)
        self.grade_keys = list(dict.fromkeys(key for pool in self.pools for c in pool.components for key in c.keys))
        self.other_parts = list(dict.fromkeys(c.part for pool in self.pools for c in pool.components))
        self.gradings = []
        for pool in self.pools:  # (each pool's graded components take the next slots of the draws)
            self.gradings.append(_grading(pool, self.grade_keys, self.other_parts,
                                          sum(len(g.drawn_slots) for g in self.gradings)))
        self.drawn_shares = np.array([c.shares for pool in self.pools for c in pool.components
                                      if c.shares is not None]).reshape(-1, _STATES)
        self.pool_values, self.pool_rates = _holding(sc, [(p.node, p.product) for p in self.pools])
        self.queue_values, self.queue_rates = _holding(sc, [(r.made.node, r.made.part) for r in self.routes])
        streams = len(spec.take_back)
        self.life_pmf = np.zeros((n, streams, horizon + 1))
        self.base_returns = np.zeros((n, horizon, streams))
        for r, model in enumerate(models):
            for i, stream in enumerate(spec.take_back):
                self.life_pmf[r, i] = _life_pmf(stream, model.streams.get("circular", "life", str(i)), horizon)
                self.base_returns[r, :, i] = _base_returns(stream, model.streams.get("circular", "returns", str(i)),
                                                           horizon)
        self.future_returns = np.zeros((n, horizon + 1, streams))
        # Returns of a stream a row hands over to circular partners (resim.sim.circular_partners)
        # instead of this centre: by row, day and stream.
        self.diverted = np.zeros((n, streams), bool)
        self.handed_over = np.zeros((n, horizon, streams))
        self.sold_as = _sold_as(spec, net, self.life_pmf)
        # Returns are known ahead when none can come from units sold in the run: the cores taken
        # apart and their grading draws are then worked out WINDOW days at a time.
        self.window = 1 if self.sold_as else WINDOW
        self.ahead_day = 0
        self.ahead_cores = self.ahead_taken = self.ahead_draws = np.zeros((0, len(self.pools), n))
        self.rngs = [model.streams.get("circular", "grading") for model in models]
        # State: cores waiting whole (by pool), graded cores (by queue), good units in process (by
        # part made).
        self.cores = np.zeros((n, len(self.pools)))
        self.units = np.zeros((n, len(self.routes)))
        self.started = np.zeros((n, len(self.made)))
        # Good units in process, by the day they started (on a ring of days: a batch is ready
        # within `ring` days of its start) and queue (one batch a day each), and the day they are
        # ready (-1: none started); a day's output adds them in the order they started.
        self.ring = int(self.delays.max(initial=0)) + 1
        self.due_units = np.zeros((n, self.ring, len(self.routes)))
        self.due_day = np.full((n, self.ring, len(self.routes)), -1)
        # The slots of the ring by start day, oldest first, as seen from each day of the ring.
        self.ring_order = [np.array([(day + 1 + i) % self.ring for i in range(self.ring)]) for day in range(self.ring)]
        # The ledger's arrays (CircularLedger views a row): daily flows, totals, and whether a
        # part or pool had a flow yet (the ledger's dicts hold the keys that had one).
        self.returned, self.disassembled, self.output = (np.zeros((n, horizon)) for _ in range(3))
        self.disassembly_scrap, self.sorting_scrap = np.zeros(n), np.zeros(n)
        self.processed, self.scrapped, self.output_by_part = (np.zeros((n, len(self.parts))) for _ in range(3))
        self.processed_any = np.zeros((n, len(self.parts)), bool)
        self.output_any = np.zeros((n, len(self.parts)), bool)
        self.graded = np.zeros((n, len(self.grade_keys)))
        self.other = np.zeros((n, len(self.other_parts)))
        self.pool_graded = np.zeros((n, len(self.pools)), bool)
        self.ledgers = batch.ledgers
        self.held_cores = self.held = np.zeros(n)  # today's holding cost of the cores (and graded cores) waiting
        self.due_total = np.zeros(self.ring, int)  # batches ready on each day of the ring, over all rows
        self._at_will: dict[int, tuple] = {}  # made -> plan_at_will's, today's
        self._owed_arcs: dict[tuple[int, int, int], tuple[object, np.ndarray]] = {}
        self.views = [CircularSupply(self, model, r) for r, model in enumerate(models)]

    # -- daily flows -------------------------------------------------------------------------------

    def start_of_day(self, cohort: "Cohort", day: int) -> None:
        """Returns, disassembly, grading, processing pulled by work orders, and output of ``day``,
        in every row of the batch's ``cohort``."""
        self._take_back(day)
        rows = slice(None)  # every row: views of the arrays, not copies
        started = self.started[rows]
        pulls = self._pulls(cohort, started)
        if pulls is None and not self.due_total[day % self.ring]:
            return
        units = self.units[rows]
        if pulls is not None:
            cost = self.ledgers.cost
            reman = cost[rows, day, _REMAN]
            share = self._plan(units, pulls, cohort.net, cohort.levers["capacity"], cohort.levers["process"])
            self._start(rows, day, units, started, share, reman)
            cost[rows, day, _REMAN] = reman
            self.held[rows] = self.held_cores[rows] + _in_turn(units * self.queue_values * self.queue_rates)
        if self.due_total[day % self.ring]:  # (batches started today may be ready today)
            self._release(cohort, rows, day, started)
        self.units[rows], self.started[rows] = units, started

    def end_of_day(self, day: int) -> None:
        """Units delivered today will come back after their use life; cores waiting are held."""
        for i, entry, return_rate, first, end in self.sold_as:
            # Only the use lives with a chance in some row add anything: those of `first` to `end`
            # days (a row's others add zeros), less those that end after the run.
            stop = min(end, self.horizon - day)
            if first >= stop:
                continue
            sold = self.ledgers.market["delivered"][:, day, entry]
            selling = sold > 0
            if selling.any():
                b = np.flatnonzero(selling)
                self.future_returns[b, day + first: day + stop, i] += (
                    self.life_pmf[b, i, first: stop] * sold[selling, np.newaxis] * return_rate)
        self.ledgers.cost[:, day, _HOLDING] += self.held

    def _take_back(self, day: int) -> None:
        """Every row's returns of ``day``, disassembly and grading; and what holding the cores
        and graded cores waiting then costs a day (a row that processes some today works out
        its graded cores' part again)."""
        if day >= self.ahead_day + len(self.ahead_taken):
            self._look_ahead(day)
        cores, units, ahead = self.cores, self.units, day - self.ahead_day
        reman = self.ledgers.cost[:, day, _REMAN]  # a view: the charges are added in turn
        back = self._kept(day, self.base_returns[:, day] + self.future_returns[:, day])
        returned = np.zeros(len(cores))
        for i in range(len(self.pool_of)):
            returned += back[:, i]
        self.returned[:, day] = returned
        cores[:] = self.ahead_cores[ahead]  # what the returns and the day's disassembly leave
        disassembled = np.zeros(len(cores))
        for index, pool in enumerate(self.pools):
            disassembled += self._disassemble(index, pool, reman, self.ahead_taken[ahead, index],
                                              self.ahead_draws[ahead])
        self.disassembled[:, day] = disassembled
        # (units × core value) × daily rate, added pool by pool, then queue by queue, in this order.
        self.held_cores = _in_turn(cores * self.pool_values * self.pool_rates)
        self.held = self.held_cores + _in_turn(units * self.queue_values * self.queue_rates)

    def divert(self, row: int, stream: int) -> None:
        """From day 0 on, hand the returns of take-back ``stream`` in ``row`` over to circular
        partners (:attr:`handed_over`) instead of this centre; called before the run."""
        if len(self.ahead_taken):
            raise RuntimeError("returns are diverted before the run starts")
        self.diverted[row, stream] = True

    def _kept(self, day: int, back: np.ndarray) -> np.ndarray:
        """``back``, the day's returns by row and stream, less those handed over (recorded)."""
        if not self.diverted.any():
            return back
        self.handed_over[:, day] = np.where(self.diverted, back, 0.0)
        return np.where(self.diverted, 0.0, back)

    def _look_ahead(self, day: int) -> None:
        """The cores every row takes apart on the days from ``day`` on, the cores it has left
        then, and its grading draws for them, as many days ahead as returns are known
        (``self.window``, at most to the horizon's end): each row's draws in one multinomial call
        where there are several (a call with several counts and a row of shares each draws what
        calls one by one would, in the same order, at a fraction of the cost of a call)."""
        days = min(self.window, self.horizon - day)
        cores = self.cores.copy()
        left = np.zeros((days, *cores.shape))
        taken = np.zeros((days, len(self.pools), len(cores)))
        counts = np.zeros((len(cores), days, len(self.drawn_shares)))
        for ahead in range(days):
            back = self.base_returns[:, day + ahead] + self.future_returns[:, day + ahead]
            if self.diverted.any():
                back = np.where(self.diverted, 0.0, back)
            for i, pool in enumerate(self.pool_of):
                cores[:, pool] += back[:, i]
            for index, pool in enumerate(self.pools):
                stock = cores[:, index]
                taken[ahead, index] = today = np.floor(np.minimum(stock, pool.capacity))
                cores[:, index] = stock - today
                grading = self.gradings[index]
                whole = np.floor(self._per_quantity(pool, today)[:, np.newaxis] * grading.quantity)
                counts[:, ahead, grading.drawn_slots] = whole[:, grading.drawn_components]
            left[ahead] = cores
        draws = np.zeros((len(cores), days, len(self.drawn_shares), _STATES))
        shares = np.broadcast_to(self.drawn_shares, (days, *self.drawn_shares.shape)).reshape(-1, _STATES)
        for r, rng in enumerate(self.rngs):
            wanted = counts[r].ravel()
            drawing = np.flatnonzero(wanted > 0)  # (no draw for no whole unit)
            if len(drawing) > 2:
                draws[r].reshape(-1, _STATES)[drawing] = rng.multinomial(wanted[drawing].astype(np.int64),
                                                                         shares[drawing])
            else:  # one or two: calls one by one cost less
                for slot in drawing.tolist():
                    draws[r].reshape(-1, _STATES)[slot] = rng.multinomial(int(wanted[slot]), shares[slot])
        self.ahead_day, self.ahead_cores, self.ahead_taken = day, left, taken
        self.ahead_draws = draws.transpose(1, 0, 2, 3)

    def _per_quantity(self, pool: _Pool, taken: np.ndarray) -> np.ndarray:
        """Components per unit of bill of materials that reach grading from ``taken`` cores."""
        yield_ = pool.disassembly.yield_ if pool.disassembly is not None else 1.0
        kept = pool.sorting.yield_ if pool.sorting is not None else 1.0
        return taken * yield_ * kept

    def _disassemble(self, index: int, pool: _Pool, reman: np.ndarray, taken: np.ndarray,
                     draws: np.ndarray) -> np.ndarray:
        """Take apart today's whole cores of ``pool`` in every row (``taken``, per row, as
        :meth:`_look_ahead` found them: the cores left are its too) and grade their components
        (``draws``: the day's draws of every graded component, per row); returns ``taken``."""
        if not taken.any():  # (never below 0)
            return taken
        cores = self.cores
        step, sorting, grading = pool.disassembly, pool.sorting, self.gradings[index]
        yield_ = step.yield_ if step is not None else 1.0
        self.disassembly_scrap += taken * (1.0 - yield_)
        if step is not None:
            reman += taken * step.cost_per_unit
        if sorting is not None:  # components are sorted before grading: its cost, and its yield scraps
            reman += taken * yield_ * pool.per_core * sorting.cost_per_unit
            self.sorting_scrap += taken * yield_ * pool.per_core * (1.0 - sorting.yield_)
        # Grading: a multinomial draw of each graded component's whole units over the EOL states
        # (only when there are some), fractions of a unit to recycling. A component the scenario
        # does not grade is all recycled, as a draw over recycling alone would give it, without
        # the draw: NumPy's multinomial takes nothing from the stream for it.
        amount = self._per_quantity(pool, taken)[:, np.newaxis] * grading.quantity
        whole = np.floor(amount)
        split = np.zeros((len(cores), len(grading.quantity), _STATES))
        split[:, grading.recycled, _RECYCLE] = whole[:, grading.recycled]
        split[:, grading.drawn_components] = draws[:, grading.drawn_slots]
        split[:, :, _RECYCLE] += amount - whole
        flat = split.reshape(len(cores), -1)
        # Recovery states of a part the node makes join its queues; the ledger adds up the rest.
        self.units[:, grading.queues] += flat[:, grading.queue_states]
        self.graded[:, grading.keys] += flat
        _add_layers(self.other, flat, grading.other)
        self.pool_graded[:, index] |= taken > 0
        return taken

    # -- processing, pulled by work orders ---------------------------------------------------------

    def _pulls(self, cohort: "Cohort", started: np.ndarray) -> np.ndarray | None:
        """Good units each row's nodes are asked to start today (not yet started), per part made;
        None when no row is asked for any."""
        pulls = np.zeros_like(started)
        stock = self.to_stock  # the policies' work orders
        pulls[:, stock] = np.maximum(cohort.work_orders[:, self.made_sku[stock]] - started[:, stock], 0.0)
        for m in self.to_order:  # what customers are owed beyond stock
            sku = self.made[m].sku
            owed = cohort.arc_backlog[:, self._owed_on(cohort.net, sku)].sum(axis=1)
            pulls[:, m] = np.maximum(owed - cohort.on_hand[:, sku] - started[:, m], 0.0)
        return pulls if (pulls > 0).any() else None

    def _owed_on(self, net, sku: int) -> np.ndarray:
        """The arcs of ``net`` on which a stock point's customers are owed (its arcs to other
        stock points), found again only when lanes were added (or for another cohort's network)."""
        key = (id(net), net.n_arcs, sku)
        known = self._owed_arcs.get(key)
        if known is None or known[0] is not net:
            known = self._owed_arcs[key] = (net, np.flatnonzero((net.arc_src == sku) & (net.arc_dst >= 0)))
        return known[1]

    def _plan(self, units: np.ndarray, pulls: np.ndarray, net, capacity: np.ndarray,
              process: np.ndarray) -> np.ndarray:
        """Per row and queue of graded cores (``units``), the share to start today to make
        ``pulls`` good units of each part made, within the steps' and the nodes' capacities
        (shared in proportion); 0 for a queue not called on. ``capacity`` and ``process``: the
        rows' capacity and process levers. Queues are called on in proportion to their expected
        good output; a step's load adds its queues' calls in queue order, and a node's good units
        too (``_layers``)."""
        rows, made = len(units), len(self.made)
        with np.errstate(divide="ignore", invalid="ignore"):
            good = _in_turn((units * self.queue_yield).reshape(rows, made, len(ROUTES)))
            called = (pulls > 0) & (good > 0)
            wanted = called[:, self.queue_made] & (units > 0)
            share = np.where(wanted, np.minimum(1.0, pulls / good)[:, self.queue_made], 0.0)
            load = np.zeros((rows, self.n_slots))  # units called for each step (slot), before capacities
            _add_layers(load, share * units, self.slot_layers)
            # Each queue's tightest step: its capacity over its load, when below 1 (× 1 changes nothing).
            scale = np.ones_like(share)
            if len(self.step_queues):
                ratio = self.step_capacity / load[:, self.step_slot]
                scale[:, self.step_queues] = np.minimum(1.0, np.minimum.reduceat(ratio, self.step_starts, axis=1))
            share *= scale
            good_at = np.zeros((rows, self.n_made_nodes))
            _add_layers(good_at, share * units * self.queue_yield, self.node_layers)
            good = good_at[:, self.made_node]
            lever = capacity[:, self.made_node_index]
            limit = np.multiply(net.node_capacity[self.made_node_index], lever, out=np.zeros_like(lever),
                                where=lever > 0)
            fit = np.where(good > 0, np.minimum(1.0, limit / good), 1.0)
            share *= (fit * process[:, self.made_row])[:, self.queue_made]
        return share

    def plan_at_will(self, model: "Model", made: int) -> list[float]:
        """The share of each queue of ``self.made[made]`` that ``model``'s node would start today
        if asked for all it can make (:meth:`CircularSupply.ready_within`). Worked out for every
        row of the batch at once, and again only on another day or when the row's capacity or
        process lever has changed since (its graded cores change only in the batch's day, before
        the replications' hooks ask)."""
        cohort, pos = model._cohort, model._row
        node, row = self.made_node_index[made], self.made_row[made]
        capacity, process = cohort.levers["capacity"], cohort.levers["process"]
        known = self._at_will.get(made)
        if (known is None or known[0] != model.day
                or known[2][pos] != capacity[pos, node] or known[3][pos] != process[pos, row]):
            pulls = np.zeros((len(cohort.rows), len(self.made)))
            pulls[:, made] = np.inf
            queues = self.queues_of[made]
            shares = self._plan(self.units, pulls, cohort.net, capacity, process)
            known = (model.day, shares[:, queues.start: queues.stop].tolist(),
                     capacity[:, node].copy(), process[:, row].copy())
            if not self._at_will or next(iter(self._at_will.values()))[0] != model.day:
                self._at_will.clear()  # only today's are of use
            self._at_will[made] = known
        return known[1][pos]

    def _start(self, rows: slice, day: int, units: np.ndarray,
               started: np.ndarray, share: np.ndarray, reman: np.ndarray) -> None:
        """Start today's planned ``share`` of each queue: scrap by the route's yield, charge its
        cost, and put the good units in process until the day the route's steps take them to."""
        taken = units * share
        took = taken > 0
        if not took.any():
            return
        units -= taken
        good = taken * self.queue_yield
        for parts, queues in self.part_layers:  # each part's queues in turn
            self.processed[rows, parts] += taken[:, queues]
            self.scrapped[rows, parts] += taken[:, queues] - good[:, queues]
            self.processed_any[rows, parts] |= took[:, queues]
        charged = taken * self.queue_cost
        for q in range(len(self.routes)):
            reman += charged[:, q]
        for state in range(len(ROUTES)):  # each part made's queues in turn
            started += good[:, state::len(ROUTES)]
        slot, ready = day % self.ring, day + self.delays[rows, day]
        self.due_units[rows, slot] = good
        self.due_day[rows, slot] = np.where(took, ready, -1)
        self.due_total += np.bincount(ready[took] % self.ring, minlength=self.ring)

    def _release(self, cohort: "Cohort", rows: slice, day: int,
                 started: np.ndarray) -> None:
        """Output the good units ready today (started today or before: a step takes 0 days or
        more), each row's batches in the order they started: into stock, as today's production,
        filling the work orders of a stock point with a policy (never below 0), as units added
        one after the other would."""
        due = self.due_day[rows] == day
        if not due.any():
            return
        # Each row's batches due, oldest first (by start day, then queue), side by side: a row's
        # k-th in column k. A gap holds -0.0 to be added or 0.0 to be subtracted, which change no
        # number (x + -0.0 and x - 0.0 are x, whatever x), so every column can be applied in turn
        # to every row.
        order = self.ring_order[day % self.ring]
        due = due[:, order].reshape(len(due), -1)
        at, column = np.nonzero(due)
        rank = np.arange(len(at)) - np.searchsorted(at, at)
        self.due_total[day % self.ring] -= len(at)
        ready = np.full((len(due), int(rank.max()) + 1), -0.0)
        ready[at, rank] = self.due_units[rows][:, order].reshape(len(due), -1)[at, column]
        queue = np.full(ready.shape, len(self.routes))  # gaps: past the last queue
        queue[at, rank] = column % len(self.routes)
        part, made = self.part_or_gap[queue], self.made_or_gap[queue]
        self.output[rows, day] = _running(np.zeros(len(ready)), ready)
        for p in range(len(self.parts)):
            of = part == p
            self.output_by_part[rows, p] = _running(self.output_by_part[rows, p], np.where(of, ready, -0.0))
            self.output_any[rows, p] |= of.any(axis=1)
        for m, sku in enumerate(self.made_sku.tolist()):
            of = made == m
            if not of.any():
                continue
            added = np.where(of, ready, -0.0)
            cohort.on_hand[:, sku] = _running(cohort.on_hand[:, sku], added)
            cohort.produced_today[:, sku] = _running(cohort.produced_today[:, sku], added)
            taken = np.where(of, ready, 0.0)
            started[:, m] = _running(started[:, m], taken, np.subtract)
            if self.made[m].to_stock:
                # Work orders less each batch in turn, at least 0: the running difference until
                # it first falls below 0, then 0 for good (0 less a batch is below 0 again).
                orders = cohort.work_orders[:, sku]
                left = np.subtract.accumulate(np.concatenate([orders[:, np.newaxis], taken], axis=1), axis=1)
                filled = np.where((left < 0).any(axis=1), 0.0, left[:, -1])
                cohort.work_orders[:, sku] = np.where(of.any(axis=1), filled, orders)


class CircularSupply:
    """The circular flows of one model run: its row of its batch's :class:`CircularBatch`
    (``model.circular``; None when the scenario has no take-back)."""

    def __init__(self, batch: CircularBatch, model: "Model", row: int) -> None:
        self.batch, self.model, self.row = batch, model, row
        self.ledger = CircularLedger(batch, row)
        self.partners: list = []  # circular partners' flows (resim.sim.circular_partners.PartnerFlows)

    # -- what a strategy can count on -------------------------------------------------------------

    def ready_within(self, sku: int, days: float) -> float:
        """Units of a reman stock point that can be ready within ``days``: on hand, good units in
        process, and what the node's capacity can make from the graded cores waiting in that time
        (their expected good output, at most ``days`` × a day's capacity). Orders owed are not
        deducted. What circular partners deliver to it counts too (their ``ready_within``)."""
        batch, model = self.batch, self.model
        made = batch.made_at.get(sku)
        on_hand = float(model.on_hand[sku])
        if self.partners:
            on_hand += _total(flows.ready_within(days) for flows in self.partners if flows.sku == sku)
        if made is None:
            return on_hand
        plan = batch.plan_at_will(model, made)
        waiting = [(cores, batch.routes[q].yield_)
                   for q, cores in zip(batch.queues_of[made], batch.units[self.row, batch.queues_of[made]].tolist())]
        per_day = _total(share * cores * y for share, (cores, y) in zip(plan, waiting))
        return on_hand + batch.started[self.row, made].item() + min(days * per_day,
                                                                    _total(cores * y for cores, y in waiting))

    # -- summaries --------------------------------------------------------------------------------

    def cores_in_stock(self) -> float:
        """Cores returned and not yet disassembled."""
        return float(_total(self.batch.cores[self.row].tolist()))

    def units_waiting(self, part: str | None = None) -> float:
        """Graded cores waiting to be processed (of one part, or all)."""
        routes = self.batch.routes
        return float(_total(units for q, units in enumerate(self.batch.units[self.row].tolist())
                            if part in (None, routes[q].made.part)))

    def units_in_process(self, part: str | None = None) -> float:
        """Good units started and not yet output (of one part, or all)."""
        batch, row, day = self.batch, self.row, self.model.day
        slots, queues = np.nonzero(batch.due_day[row] > day)
        started = sorted((day - (day - slot) % batch.ring, queue, batch.due_units[row, slot, queue].item())
                         for slot, queue in zip(slots.tolist(), queues.tolist()))
        return float(_total(units for _, queue, units in started
                            if part in (None, batch.routes[queue].made.part)))


class CircularLedger:
    """Daily circular flows (units) and totals by part of one replication (its row of its
    batch's arrays), for metrics and conservation checks."""

    def __init__(self, batch: CircularBatch, row: int) -> None:
        self.batch, self.row = batch, row
        self.returned = batch.returned[row]          # cores, per day
        self.disassembled = batch.disassembled[row]  # cores, per day
        self.output = batch.output[row]              # good units, per day
        self.handed_over = batch.handed_over[row]    # cores handed over to circular partners, per day × stream

    @property
    def disassembly_scrap(self) -> float:
        """Cores scrapped by the disassembly yield."""
        return float(self.batch.disassembly_scrap[self.row])

    @property
    def sorting_scrap(self) -> float:
        """Components scrapped by the sorting yield."""
        return float(self.batch.sorting_scrap[self.row])

    @property
    def processed_by_part(self) -> dict[str, float]:
        """Graded cores started, by part made."""
        return self._by_part(self.batch.processed, self.batch.processed_any)

    @property
    def scrapped_by_part(self) -> dict[str, float]:
        """Graded cores started and scrapped by a yield, by part made."""
        return self._by_part(self.batch.scrapped, self.batch.processed_any)

    @property
    def output_by_part(self) -> dict[str, float]:
        """Good units output, by part made."""
        return self._by_part(self.batch.output_by_part, self.batch.output_any)

    @property
    def graded(self) -> dict[tuple[str, str], float]:
        """Components graded, by (part, EOL state)."""
        batch, row = self.batch, self.row
        keys = {key for p, pool in enumerate(batch.pools) if batch.pool_graded[row, p]
                for c in pool.components for key in c.keys}
        return {key: float(batch.graded[row, i]) for i, key in enumerate(batch.grade_keys) if key in keys}

    @property
    def other_by_part(self) -> dict[str, float]:
        """Graded components that left the chain (repurposed, recycled, or recoverable at a node
        that does not make their part), by part."""
        batch, row = self.batch, self.row
        parts = {c.part for p, pool in enumerate(batch.pools) if batch.pool_graded[row, p]
                 for c in pool.components}
        return {part: float(batch.other[row, i]) for i, part in enumerate(batch.other_parts) if part in parts}

    def _by_part(self, totals: np.ndarray, seen: np.ndarray) -> dict[str, float]:
        """This row's ``totals`` of the parts made that had a flow (``seen``)."""
        return {part: float(totals[self.row, i]) for i, part in enumerate(self.batch.parts) if seen[self.row, i]}


def _in_turn(values: np.ndarray) -> np.ndarray:
    """``values`` added along their last (short) axis one after the other, as :func:`_total`
    adds a list: not ``np.sum``, whose pairwise sums may round differently."""
    total = np.zeros(values.shape[:-1])
    for k in range(values.shape[-1]):
        total += values[..., k]
    return total


def _running(start: np.ndarray, values: np.ndarray, op: np.ufunc = np.add) -> np.ndarray:
    """Per row, ``start`` combined with each column of ``values`` in turn by ``op`` (add or
    subtract), as a loop over the columns would (an accumulation, not a pairwise sum)."""
    return op.accumulate(np.concatenate([start[:, np.newaxis], values], axis=1), axis=1)[:, -1]


def _layers(groups: list[list[int]], into: list[int]) -> tuple[tuple[int | slice | np.ndarray, int | slice | np.ndarray], ...]:
    """``groups`` of columns (each in the order they are added up) as layers: the ``k``-th column
    of every group that has one, with the column ``into`` names for its group, so that adding the
    layers in turn adds each group's columns in order (a layer's targets all differ); columns as
    :func:`_index` gives them."""
    layers = []
    for k in range(max((len(group) for group in groups), default=0)):
        targets = [into[g] for g, group in enumerate(groups) if len(group) > k]
        columns = [group[k] for group in groups if len(group) > k]
        layers.append((_index(targets), _index(columns)))
    return tuple(layers)


def _index(columns: list[int]) -> int | slice | np.ndarray:
    """``columns`` as the cheapest index that picks them: an integer for one, a slice for a run
    of consecutive ones (both basic indices: views, not copies), else an array."""
    if len(columns) == 1:
        return columns[0]
    if len(columns) > 1 and columns == list(range(columns[0], columns[-1] + 1)):
        return slice(columns[0], columns[-1] + 1)
    return np.array(columns, int)


def _add_layers(total: np.ndarray, values: np.ndarray,
                layers: tuple[tuple[int | slice | np.ndarray, int | slice | np.ndarray], ...]) -> None:
    """Add the columns of ``values`` into those of ``total``, layer by layer (see :func:`_layers`)."""
    for into, columns in layers:
        total[:, into] += values[:, columns]


def _total(values: Iterable[float]) -> float:
    """``values`` added one after the other, from 0. Not ``sum``: from Python 3.12 on, ``sum`` of
    Python floats compensates rounding, and these totals must be what adding the day's values
    (NumPy scalars, before) in turn always gave, to the bit."""
    return reduce(add, values, 0)


def _made(net, node: str, part: str) -> _Made:
    """The stock point of ``part`` at reman ``node`` in the network."""
    sku = net.sku_index[(node, part)]
    return _Made(node, part, sku, net.node_index[node], int(net.sku_row[sku]), bool(net.sku_policy[sku] > 0))


def _routes(made: list[_Made], steps: dict[tuple[str, str], CircularProcess]) -> tuple[list[_Route], int]:
    """The route of each queue (``made`` × ROUTES, in that order): the node's steps for the
    state (steps it lacks skipped), their load slots (one per node and process), combined yield
    and cost a unit; and the number of slots."""
    slots: dict[tuple[str, str], int] = {}
    routes = []
    for m, item in enumerate(made):
        for names in ROUTES.values():
            keys = tuple((item.node, name) for name in names if (item.node, name) in steps)
            route = [steps[key] for key in keys]
            routes.append(_Route(
                made=item, made_index=m,
                steps=tuple((slots.setdefault(key, len(slots)), p.capacity_per_day) for key, p in zip(keys, route)),
                yield_=float(np.prod([p.yield_ for p in route])), cost=sum(p.cost_per_unit for p in route),
                keys=keys))
    return routes, len(slots)


def _pools(scenario, steps: dict[tuple[str, str], CircularProcess],
           made: list[_Made]) -> tuple[list[_Pool], list[int]]:
    """The pools of whole cores (one per node and product taken back, in the order of the
    take-back streams) and the pool each stream's returns join."""
    parts = scenario.parts_by_id
    grading = {g.part: np.array([getattr(g, s) for s in EOL_STATES]) for g in scenario.circular.grading}
    made_at = {(m.node, m.part): i for i, m in enumerate(made)}
    pools: dict[tuple[str, str], _Pool] = {}
    for stream in scenario.circular.take_back:
        key = (stream.to, stream.product)
        if key in pools:
            continue
        bom = parts[stream.product].bom
        disassembly, sorting = steps.get((stream.to, "disassembly")), steps.get((stream.to, "sorting"))
        per_core = sum(bom.values())
        capacity = disassembly.capacity_per_day if disassembly is not None else math.inf
        if sorting is not None and per_core > 0:  # sorting takes every component out of disassembly
            capacity = min(capacity, sorting.capacity_per_day / per_core)
        components = tuple(_component(part, quantity, grading.get(part), made_at.get((stream.to, part)))
                           for part, quantity in bom.items())
        pools[key] = _Pool(stream.to, stream.product, capacity, disassembly, sorting, per_core, components)
    order = list(pools)
    return list(pools.values()), [order.index((s.to, s.product)) for s in scenario.circular.take_back]


def _grading(pool: _Pool, keys: list[tuple[str, str]], parts: list[str], first_slot: int) -> _Grading:
    """Where ``pool``'s gradings go: columns of the graded totals (``keys``), of the other-routes
    totals (``parts``) and the queues; its graded components' draws from slot ``first_slot`` on."""
    components = pool.components
    flat = [(c * _STATES + state, queue) for c, component in enumerate(components)
            if component.shares is not None for state, queue in component.queues]
    # The states that leave the chain and can hold units: a state with no share draws none (and
    # adding 0 changes no total), recycling always may (the fractions of a unit).
    other = _layers([[c * _STATES + state for state in component.other
                      if state == _RECYCLE or (component.shares is not None and component.shares[state] > 0)]
                     for c, component in enumerate(components)], [parts.index(component.part) for component in components])
    return _Grading(
        quantity=np.array([component.quantity for component in components], float),
        drawn_components=np.array([c for c, component in enumerate(components) if component.shares is not None], int),
        drawn_slots=first_slot + np.arange(sum(component.shares is not None for component in components)),
        recycled=_index([c for c, component in enumerate(components) if component.shares is None]),
        keys=_index([keys.index(key) for component in components for key in component.keys]),
        queue_states=_index([state for state, _ in flat]), queues=_index([queue for _, queue in flat]),
        other=other)


def _holding(scenario, held: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """For units of (node, part) ``held``, the core value of a unit (currency) and the node's
    holding rate a day: kept as two factors, because the day's charge multiplies them in turn."""
    parts, nodes = scenario.parts_by_id, scenario.nodes_by_id
    factor = scenario.circular.core_value_factor
    return (np.array([factor * parts[part].unit_cost for _, part in held], float),
            np.array([nodes[node].holding_cost_rate / 365.0 for node, _ in held], float))


def _life_pmf(stream, rng: np.random.Generator, horizon: int) -> np.ndarray:
    """The chance of each use life in days (0 to the horizon) of a take-back stream's products."""
    # A life beyond the horizon counts as horizon + 1 days, dropped below: back after the run.
    days = whole_days(stream.use_life_days.sample(rng, 20_000), horizon + 1)
    return np.bincount(days, minlength=horizon + 2)[: horizon + 1] / len(days)


def _base_returns(stream, rng: np.random.Generator, horizon: int) -> np.ndarray:
    """The cores of a take-back stream's installed base coming back each day (Poisson)."""
    rate = stream.installed_base * stream.return_rate / max(stream.use_life_days.mean, 1.0)
    return rng.poisson(rate, horizon).astype(float)


def _sold_as(spec, net, life_pmf: np.ndarray) -> list[tuple[int, int, float, int, int]]:
    """(stream, its demand entry, return rate, shortest and longest + 1 use life in the run with
    a chance in some row) of the streams whose product is sold in their market and can come back
    within the run: units sold in the others add nothing to future returns (0 × sold is 0)."""
    found = []
    for i, stream in enumerate(spec.take_back):
        lives = [(first, end) for first, end in (_support(pmf) for pmf in life_pmf[:, i]) if first < end]
        if (stream.market, stream.product) in net.demand_index and lives:
            found.append((i, net.demand_index[(stream.market, stream.product)], stream.return_rate,
                          min(first for first, _ in lives), max(end for _, end in lives)))
    return found


def _support(pmf: np.ndarray) -> tuple[int, int]:
    """The first and the last + 1 of the days (from day 1) with a chance in ``pmf``; (1, 1) if none."""
    days = np.flatnonzero(pmf[1:]) + 1
    return (int(days[0]), int(days[-1]) + 1) if len(days) else (1, 1)


def _component(part: str, quantity: float, shares: np.ndarray | None, made: int | None) -> _Component:
    """How a component is graded (``shares`` of the EOL states, normalised; None: recycled) and
    where its states go at a node that makes it as ``made`` (None: it does not)."""
    recovery = [] if made is None else [(s, made * len(ROUTES) + list(ROUTES).index(state))
                                        for s, state in enumerate(EOL_STATES) if state in ROUTES]
    waiting = {s for s, _ in recovery}
    return _Component(part, quantity, None if shares is None else shares / shares.sum(),
                      tuple((part, state) for state in EOL_STATES), tuple(recovery),
                      tuple(s for s in range(len(EOL_STATES)) if s not in waiting))
