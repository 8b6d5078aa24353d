"""Circular supply in a running model (C1): take-back, grading, and remanufacturing as real supply.

Each day, at the start of the day's flows:

1. **Take-back.** Products in use come back as cores to the stream's node: the installed base at a
   steady rate (installed_base × return_rate / mean use life, Poisson per day), and units delivered
   in the run after their drawn use life (return_rate of them, spread by the use-life distribution).
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
from dataclasses import dataclass, field
from functools import reduce
from operator import add, mul
from typing import TYPE_CHECKING

import numpy as np

from resim.core.dists import whole_days
from resim.scenario.format.circular import EOL_STATES, CircularProcess

if TYPE_CHECKING:
    from resim.sim.engine import Model

__all__ = ["CircularSupply", "ROUTES", "PROCESS_PATHS", "partner_need"]

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

    ``made`` is the part it becomes; ``steps`` are (the step's slot in the plan's load list, its
    capacity a day); ``yield_`` and ``cost`` are the steps' combined yield and cost a unit;
    ``delays`` the days a batch takes, by the day it starts (the sum of the steps' drawn times)."""

    made: _Made
    steps: tuple[tuple[int, float], ...]
    yield_: float
    cost: float
    delays: list[int] = field(repr=False)


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
    graded: tuple[_Component, ...]   # those the scenario grades (a draw each), in the same order


@dataclass
class CircularLedger:
    """Daily circular flows (units) and totals by part, for metrics and conservation checks.

    A day's gradings are only logged, one entry a disassembly (``disassemblies``: the pool, the
    components per unit of bill of materials that reached grading, and the draws of its graded
    components); ``graded`` and ``other_by_part`` add them up when they are read, in the order
    they happened, so the totals are those of adding them up day by day."""

    horizon: int
    returned: np.ndarray = field(init=False)
    disassembled: np.ndarray = field(init=False)
    output: np.ndarray = field(init=False)
    processed_by_part: dict[str, float] = field(default_factory=dict)
    output_by_part: dict[str, float] = field(default_factory=dict)
    scrapped_by_part: dict[str, float] = field(default_factory=dict)
    disassembly_scrap: float = 0.0   # cores
    sorting_scrap: float = 0.0       # components
    disassemblies: list[tuple[_Pool, float, list[list[float]]]] = field(default_factory=list, repr=False)
    _graded: dict[tuple[str, str], float] = field(default_factory=dict, init=False, repr=False)
    _other: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _summed: int = field(default=0, init=False, repr=False)  # disassemblies in _graded and _other

    def __post_init__(self) -> None:
        self.returned = np.zeros(self.horizon)
        self.disassembled = np.zeros(self.horizon)
        self.output = np.zeros(self.horizon)

    @property
    def graded(self) -> dict[tuple[str, str], float]:
        """Components graded, by (part, EOL state)."""
        self._sum_gradings()
        return self._graded

    @property
    def other_by_part(self) -> dict[str, float]:
        """Graded components that left the chain (repurposed, recycled, or recoverable at a node
        that does not make their part), by part."""
        self._sum_gradings()
        return self._other

    def _sum_gradings(self) -> None:
        """Add the disassemblies logged since the last call to ``_graded`` and ``_other``."""
        graded, other = self._graded, self._other
        for pool, per_quantity, draws in self.disassemblies[self._summed:]:
            drawn = iter(draws)
            for component in pool.components:
                if component.shares is None:
                    split = _recycled(per_quantity * component.quantity)
                else:
                    split = next(drawn)
                for key, count in zip(component.keys, split):
                    graded[key] = graded.get(key, 0.0) + count
                total = other.get(component.part, 0.0)
                for state in component.other:
                    total += split[state]
                other[component.part] = total
        self._summed = len(self.disassemblies)


def _recycled(units: float) -> list[float]:
    """The grading of ``units`` of a component the scenario does not grade: all recycled.

    As a multinomial draw over recycling alone would give it (every whole unit recycled, then the
    fraction added), without the draw: NumPy's multinomial takes nothing from the stream for it
    (a binomial with p = 0 returns 0 at once), so leaving it out changes no number."""
    whole = math.floor(units)
    return [0.0, 0.0, 0.0, 0.0, 0.0, whole + (units - whole)]


class CircularSupply:
    """The circular flows of one model run; created by the model when the scenario has take-back.

    Everything that does not change during a run (each pool's disassembly capacity and bill of
    materials, where each graded state goes, each queue's route, yield, cost and daily delays) is
    worked out here once, so that a day only does arithmetic on lists indexed by integers. The
    queues of graded cores are ``self.units``: queue ``m * len(ROUTES) + s`` holds the cores of
    ``self.made[m]`` graded for the ``s``-th state of ROUTES. The arithmetic of a day is done in
    the same order as when it was written over dicts (sums in the same order, products factor by
    factor), so that every result is the same to the bit; the ledger adds up the gradings only
    when they are read.
    """

    def __init__(self, model: "Model"):
        self.model = model
        sc, net = model.scenario, model.net
        self.spec = sc.circular
        self.horizon = model.horizon
        self.ledger = CircularLedger(model.horizon)
        self.made = [_made(net, node.id, part)
                     for node in sc.nodes if node.kind == "reman" for part in node.makes]
        self.units = [0.0] * (len(self.made) * len(ROUTES))   # graded cores waiting, by queue
        # The queues of each part made, one per state of ROUTES (side by side in self.units).
        self.queues_of = [range(m * len(ROUTES), (m + 1) * len(ROUTES)) for m in range(len(self.made))]
        self.started = {m.sku: 0.0 for m in self.made}        # good units in process, per stock point
        # Good units in process by the day they are ready: (batch number, stock point, part, units)
        self.due: dict[int, list[tuple[int, int, str, float]]] = {}
        self.batches = 0  # batches started
        steps = {(p.node, p.process): p for p in self.spec.processes}
        # Each step's batch time for each day, drawn up front (common random numbers).
        times = {key: np.rint(np.asarray(p.time_days.sample(
            model.streams.get("circular", "time", *key), model.horizon), float)).astype(int)
            for key, p in steps.items()}
        self.routes, self.n_slots = _routes(self.made, steps, times, model.horizon)
        self.yields_of = [tuple(self.routes[q].yield_ for q in queues) for queues in self.queues_of]
        self.pools, self.pool_of = _pools(sc, steps, self.made)
        self.cores = [0.0] * len(self.pools)                  # cores waiting whole, by pool
        self.pool_holding = _holding(sc, [(p.node, p.product) for p in self.pools])
        self.queue_holding = _holding(sc, [(m.node, m.part) for m in self.made for _ in ROUTES])
        self.future_returns = {i: np.zeros(model.horizon + 1) for i in range(len(self.spec.take_back))}
        self.life_pmf = [self._life_pmf(i) for i in range(len(self.spec.take_back))]
        # (stream, its demand entry, return rate, shortest and longest + 1 use life in the run
        # with a chance) of the streams whose product is sold in their market and can come back
        # within the run: units sold in the others add nothing to future_returns (0 × sold is 0).
        lives = [_support(pmf) for pmf in self.life_pmf]
        self.sold_as = [(i, net.demand_index[(s.market, s.product)], s.return_rate, *lives[i])
                        for i, s in enumerate(self.spec.take_back)
                        if (s.market, s.product) in net.demand_index and lives[i][0] < lives[i][1]]
        self.base_returns = [self._base_returns(i) for i in range(len(self.spec.take_back))]
        self.rng = model.streams.get("circular", "grading")
        self._owed_arcs: dict[tuple[int, int], np.ndarray] = {}  # (arcs in the network, sku) -> arcs
        model.on_day_start(self.start_of_day)
        model.on_day_end(self.end_of_day)

    # -- inputs drawn up front (common random numbers) --------------------------------------------

    def _life_pmf(self, index: int) -> np.ndarray:
        stream = self.spec.take_back[index]
        rng = self.model.streams.get("circular", "life", str(index))
        # A life beyond the horizon counts as horizon + 1 days, dropped below: back after the run.
        days = whole_days(stream.use_life_days.sample(rng, 20_000), self.horizon + 1)
        return np.bincount(days, minlength=self.horizon + 2)[: self.horizon + 1] / len(days)

    def _base_returns(self, index: int) -> np.ndarray:
        stream = self.spec.take_back[index]
        rate = stream.installed_base * stream.return_rate / max(stream.use_life_days.mean, 1.0)
        rng = self.model.streams.get("circular", "returns", str(index))
        return rng.poisson(rate, self.horizon).astype(float)

    # -- daily flows -------------------------------------------------------------------------------

    def start_of_day(self, model: "Model", day: int) -> None:
        """Returns, disassembly, grading, processing pulled by work orders, and output of ``day``."""
        cores, returned = self.cores, 0.0
        for i, pool in enumerate(self.pool_of):
            # A Python float (the same value): the day's arithmetic on it is faster than on NumPy's.
            back = float(self.base_returns[i][day] + self.future_returns[i][day])
            cores[pool] += back
            returned += back
        self.ledger.returned[day] = returned
        disassembled = 0.0
        for index, pool in enumerate(self.pools):
            disassembled += self._disassemble(index, pool)
        self.ledger.disassembled[day] = disassembled
        self._process(day)
        if day in self.due:
            self._release(day)

    def end_of_day(self, model: "Model", day: int) -> None:
        """Units delivered today will come back after their use life; cores waiting are held."""
        for i, entry, return_rate, first, end in self.sold_as:
            # Only the use lives with a chance add anything: those of `first` to `end` days, less
            # those that end after the run.
            stop = min(end, self.horizon - day)
            if first >= stop:
                continue
            sold = model.ledger.market["delivered"][day][entry]
            if sold <= 0:
                continue
            self.future_returns[i][day + first: day + stop] += self.life_pmf[i][first: stop] * sold * return_rate
        # (units × core value) × daily rate, added in this order, so that the charge is the same
        # to the bit. (map, not a comprehension: no frame to set up each day, up to Python 3.11.)
        values, rates = self.pool_holding
        held = _total(map(mul, map(mul, self.cores, values), rates))
        values, rates = self.queue_holding
        held += _total(map(mul, map(mul, self.units, values), rates))
        if held:
            model.charge("holding", held)

    def _disassemble(self, index: int, pool: _Pool) -> float:
        """Take apart today's whole cores of ``pool`` and grade their components; returns the cores."""
        stock = self.cores[index]
        cores = float(math.floor(min(stock, pool.capacity)))
        if cores <= 0:
            return 0.0
        self.cores[index] = stock - cores
        step, sorting = pool.disassembly, pool.sorting
        yield_ = step.yield_ if step is not None else 1.0
        self.ledger.disassembly_scrap += cores * (1.0 - yield_)
        if step is not None:
            self.model.charge("reman", cores * step.cost_per_unit)
        kept = 1.0
        if sorting is not None:  # components are sorted before grading: its cost, and its yield scraps
            self.model.charge("reman", cores * yield_ * pool.per_core * sorting.cost_per_unit)
            kept = sorting.yield_
            self.ledger.sorting_scrap += cores * yield_ * pool.per_core * (1.0 - kept)
        per_quantity = cores * yield_ * kept
        draws = []
        for component in pool.graded:
            draws.append(self._grade(component, per_quantity * component.quantity))
        self.ledger.disassemblies.append((pool, per_quantity, draws))
        return cores

    def _grade(self, component: _Component, units: float) -> list[float]:
        """Grade ``units`` of a component: a multinomial draw of the whole units over the EOL
        states, fractions of a unit to recycling; returns the units by state. Recovery states of
        a part the node makes join its queues; the others leave the chain (counted by the ledger).
        Components the scenario does not grade are all recycled: see :func:`_recycled`."""
        whole = math.floor(units)
        split = self.rng.multinomial(whole, component.shares).tolist() if whole else [0.0] * 6
        split[5] += units - whole
        queues = self.units
        for state, queue in component.queues:
            queues[queue] += split[state]
        return split

    # -- processing, pulled by work orders ---------------------------------------------------------

    def _pull(self, made: _Made) -> float:
        """Good units the node is asked to start for ``made`` today (not yet started)."""
        model = self.model
        if made.to_stock:  # the policy's work orders
            return max(float(model.work_orders[made.sku]) - self.started[made.sku], 0.0)
        owed = float(model.arc_backlog[self._owed_on(made.sku)].sum())
        return max(owed - float(model.on_hand[made.sku]) - self.started[made.sku], 0.0)

    def _owed_on(self, sku: int) -> np.ndarray:
        """The arcs on which a stock point's customers are owed (its arcs to other stock points),
        found again only when lanes were added."""
        net = self.model.net
        key = (net.n_arcs, sku)
        arcs = self._owed_arcs.get(key)
        if arcs is None:
            arcs = self._owed_arcs[key] = np.flatnonzero((net.arc_src == sku) & (net.arc_dst >= 0))
        return arcs

    def _plan(self, pulls: dict[int, float]) -> dict[int, float]:
        """The share of each queue of graded cores to start today, to make ``pulls`` good units
        of each part (by position in ``self.made``) within the steps' and the nodes' capacities
        (shared in proportion)."""
        units, routes = self.units, self.routes
        wanted: dict[int, float] = {}
        load = [0.0] * self.n_slots  # units called for each step (slot), before capacities
        for made, pull in pulls.items():
            if pull > 0:
                queues = self.queues_of[made]
                good = _total(map(mul, units[queues.start: queues.stop], self.yields_of[made]))
                if good > 0:
                    share = min(1.0, pull / good)
                    for q in queues:
                        if units[q] > 0:
                            wanted[q] = share
                            called = share * units[q]
                            for slot, _ in routes[q].steps:
                                load[slot] += called
        if not wanted:
            return wanted
        good_at: dict[int, float] = {}
        for q, share in wanted.items():
            route = routes[q]
            scale = 1.0  # its tightest step's capacity over its load, when below 1
            for slot, capacity in route.steps:
                ratio = capacity / load[slot]
                if ratio < scale:
                    scale = ratio
            if scale < 1.0:  # (× 1 would change nothing)
                wanted[q] = share = share * scale
            node = route.made.node_index
            good_at[node] = good_at.get(node, 0.0) + share * units[q] * route.yield_
        model, net = self.model, self.model.net
        factor, process = model.levers["capacity"], model.levers["process"]
        for made in pulls:
            node, row = self.made[made].node_index, self.made[made].row
            if good_at.get(node, 0.0) > 0:
                lever = factor[node]
                capacity = float(net.node_capacity[node] * lever) if lever > 0 else 0.0
                fit = min(1.0, capacity / good_at[node])
            else:
                fit = 1.0
            scale = fit * float(process[row])
            for q in self.queues_of[made]:
                if q in wanted:
                    wanted[q] *= scale
        return wanted

    def _process(self, day: int) -> None:
        """Start today's planned share of each queue: scrap by the route's yield, charge its cost,
        and put the good units in process until the day the route's steps take them to."""
        # Only the parts pulled today: a part not pulled has nothing started (nor a share of the
        # capacity to give up).
        pulls = {}
        for m, made in enumerate(self.made):
            pull = self._pull(made)
            if pull > 0:
                pulls[m] = pull
        if not pulls:
            return
        units, routes, charge = self.units, self.routes, self.model.charge
        processed, scrapped = self.ledger.processed_by_part, self.ledger.scrapped_by_part
        for q, share in self._plan(pulls).items():
            taken = units[q] * share
            if taken <= 0:
                continue
            units[q] -= taken
            route = routes[q]
            part, sku = route.made.part, route.made.sku
            good = taken * route.yield_
            processed[part] = processed.get(part, 0.0) + taken
            scrapped[part] = scrapped.get(part, 0.0) + (taken - good)
            charge("reman", taken * route.cost)
            self.started[sku] += good
            self.due.setdefault(day + route.delays[day], []).append((self.batches, sku, part, good))
            self.batches += 1

    def _release(self, day: int) -> None:
        """Output the good units ready today (started today or before: a step takes 0 days or more)."""
        model, by_part, output = self.model, self.ledger.output_by_part, 0.0
        for _, sku, part, units in self.due.pop(day):
            output += units
            by_part[part] = by_part.get(part, 0.0) + units
            self.started[sku] -= units
            model.add_production(sku, units)
        self.ledger.output[day] = output

    # -- what a strategy can count on -------------------------------------------------------------

    def ready_within(self, sku: int, days: float) -> float:
        """Units of a reman stock point that can be ready within ``days``: on hand, good units in
        process, and what the node's capacity can make from the graded cores waiting in that time
        (their expected good output, at most ``days`` × a day's capacity). Orders owed are not
        deducted."""
        made = next((m for m, item in enumerate(self.made) if item.sku == sku), None)
        on_hand = float(self.model.on_hand[sku])
        if made is None:
            return on_hand
        plan = self._plan({made: np.inf})
        waiting = [(self.units[q], self.routes[q].yield_) for q in self.queues_of[made]]
        per_day = _total(plan.get(q, 0.0) * units * y for q, (units, y) in zip(self.queues_of[made], waiting))
        return on_hand + self.started[sku] + min(days * per_day, _total(units * y for units, y in waiting))

    # -- summaries --------------------------------------------------------------------------------

    def cores_in_stock(self) -> float:
        """Cores returned and not yet disassembled."""
        return float(_total(self.cores))

    def units_waiting(self, part: str | None = None) -> float:
        """Graded cores waiting to be processed (of one part, or all)."""
        return float(_total(units for q, units in enumerate(self.units)
                         if part in (None, self.routes[q].made.part)))

    def units_in_process(self, part: str | None = None) -> float:
        """Good units started and not yet output (of one part, or all)."""
        started = sorted(batch for batches in self.due.values() for batch in batches)
        return float(_total(units for _, _, made_part, units in started if part in (None, made_part)))


def _total(values: Iterable[float]) -> float:
    """``values`` added one after the other, from 0. Not ``sum``: from Python 3.12 on, ``sum`` of
    Python floats compensates rounding, and these totals must be what adding the day's values
    (NumPy scalars, before) in turn always gave, to the bit."""
    return reduce(add, values, 0)


def _made(net, node: str, part: str) -> _Made:
    """The stock point of ``part`` at reman ``node`` in the network."""
    sku = net.sku_index[(node, part)]
    return _Made(node, part, sku, net.node_index[node], int(net.sku_row[sku]), bool(net.sku_policy[sku] > 0))


def _routes(made: list[_Made], steps: dict[tuple[str, str], CircularProcess],
            times: dict[tuple[str, str], np.ndarray], horizon: int) -> tuple[list[_Route], int]:
    """The route of each queue (``made`` × ROUTES, in that order): the node's steps for the
    state (steps it lacks skipped), their load slots (one per node and process), combined yield
    and cost a unit, and the days a batch started on each day takes; and the number of slots."""
    slots: dict[tuple[str, str], int] = {}
    routes = []
    for item in made:
        for names in ROUTES.values():
            keys = [(item.node, name) for name in names if (item.node, name) in steps]
            route = [steps[key] for key in keys]
            delays = sum((times[key] for key in keys), np.zeros(horizon, int))
            routes.append(_Route(
                made=item, steps=tuple((slots.setdefault(key, len(slots)), p.capacity_per_day)
                                       for key, p in zip(keys, route)),
                yield_=float(np.prod([p.yield_ for p in route])), cost=sum(p.cost_per_unit for p in route),
                delays=[int(d) for d in delays]))
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
        pools[key] = _Pool(stream.to, stream.product, capacity, disassembly, sorting, per_core, components,
                           tuple(c for c in components if c.shares is not None))
    order = list(pools)
    return list(pools.values()), [order.index((s.to, s.product)) for s in scenario.circular.take_back]


def _holding(scenario, held: list[tuple[str, str]]) -> tuple[list[float], list[float]]:
    """For units of (node, part) ``held``, the core value of a unit (currency) and the node's
    holding rate a day: kept as two factors, because the day's charge multiplies them in turn."""
    parts, nodes = scenario.parts_by_id, scenario.nodes_by_id
    factor = scenario.circular.core_value_factor
    return ([factor * parts[part].unit_cost for _, part in held],
            [nodes[node].holding_cost_rate / 365.0 for node, _ in held])


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
