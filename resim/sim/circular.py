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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from resim.core.dists import whole_days
from resim.scenario.format.circular import EOL_STATES

if TYPE_CHECKING:
    from resim.sim.engine import Model

__all__ = ["CircularSupply", "ROUTES", "PROCESS_PATHS", "partner_need"]

ROUTES: dict[str, tuple[str, ...]] = {
    "reuse": ("testing",),
    "repair": ("testing", "repair"),
    "refurbish": ("cleaning", "testing", "reconditioning"),
    "remanufacture": ("cleaning", "testing", "reconditioning", "reassembly"),
}
_RECYCLE = np.eye(len(EOL_STATES))[-1]  # the grading of a part the scenario does not grade

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


@dataclass
class _Queue:
    """Graded cores of one part in one recovery state waiting at a node."""

    node: str
    part: str
    state: str
    units: float = 0.0


@dataclass(frozen=True)
class _Made:
    """A part a reman node makes: its stock point, node index and production row."""

    node: str
    part: str
    sku: int
    node_index: int
    row: int


@dataclass
class CircularLedger:
    """Daily circular flows (units) and totals by part, for metrics and conservation checks."""

    horizon: int
    returned: np.ndarray = field(init=False)
    disassembled: np.ndarray = field(init=False)
    output: np.ndarray = field(init=False)
    graded: dict[tuple[str, str], float] = field(default_factory=dict)
    processed_by_part: dict[str, float] = field(default_factory=dict)
    output_by_part: dict[str, float] = field(default_factory=dict)
    scrapped_by_part: dict[str, float] = field(default_factory=dict)
    other_by_part: dict[str, float] = field(default_factory=dict)
    disassembly_scrap: float = 0.0   # cores
    sorting_scrap: float = 0.0       # components

    def __post_init__(self) -> None:
        self.returned = np.zeros(self.horizon)
        self.disassembled = np.zeros(self.horizon)
        self.output = np.zeros(self.horizon)


def _add(totals: dict[str, float], part: str, units: float) -> None:
    totals[part] = totals.get(part, 0.0) + units


class CircularSupply:
    """The circular flows of one model run; created by the model when the scenario has take-back."""

    def __init__(self, model: "Model"):
        self.model = model
        sc, net = model.scenario, model.net
        self.spec = sc.circular
        self.horizon = model.horizon
        self.ledger = CircularLedger(model.horizon)
        self.cores: dict[tuple[str, str], float] = {}          # (node, product) -> cores waiting whole
        self.made = [_Made(node.id, part, net.sku_index[(node.id, part)], net.node_index[node.id],
                           int(net.sku_row[net.sku_index[(node.id, part)]]))
                     for node in sc.nodes if node.kind == "reman" for part in node.makes]
        self.queues = {(m.node, m.part, state): _Queue(m.node, m.part, state) for m in self.made for state in ROUTES}
        self.started = {m.sku: 0.0 for m in self.made}        # good units in process, per stock point
        self.in_process: list[tuple[int, int, str, float]] = []  # (ready day, stock point, part, good units)
        self.grading = {g.part: g for g in self.spec.grading}
        shares = {part: np.array([getattr(g, s) for s in EOL_STATES]) for part, g in self.grading.items()}
        self.shares = {part: v / v.sum() for part, v in shares.items()}  # ungraded parts are recycled
        self.steps = {(p.node, p.process): p for p in self.spec.processes}
        self.routes: dict[tuple[str, str], tuple[list, float, float]] = {}  # (node, state) -> steps, yield, cost
        parts = sc.parts_by_id
        self.core_value = {p: self.spec.core_value_factor * parts[p].unit_cost for p in parts}
        self.holding_rate = {n.id: n.holding_cost_rate / 365.0 for n in sc.nodes}
        self.future_returns = {i: np.zeros(model.horizon + 1) for i in range(len(self.spec.take_back))}
        self.life_pmf = [self._life_pmf(i) for i in range(len(self.spec.take_back))]
        self.base_returns = [self._base_returns(i) for i in range(len(self.spec.take_back))]
        self.rng = model.streams.get("circular", "grading")
        # Each step's batch time for each day, drawn up front (common random numbers).
        self.times = {key: np.rint(np.asarray(p.time_days.sample(
            model.streams.get("circular", "time", *key), model.horizon), float)).astype(int)
            for key, p in self.steps.items()}
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
        for i, stream in enumerate(self.spec.take_back):
            back = self.base_returns[i][day] + self.future_returns[i][day]
            key = (stream.to, stream.product)
            self.cores[key] = self.cores.get(key, 0.0) + back
            self.ledger.returned[day] += back
        for (node, product), stock in list(self.cores.items()):
            self._disassemble(day, node, product, stock)
        self._process(day)
        self._release(day)

    def end_of_day(self, model: "Model", day: int) -> None:
        """Units delivered today will come back after their use life; cores waiting are held."""
        delivered = model.ledger.market["delivered"][day]
        for i, stream in enumerate(self.spec.take_back):
            entry = model.net.demand_index.get((stream.market, stream.product))
            if entry is None or delivered[entry] <= 0:
                continue
            ahead = self.life_pmf[i][1: self.horizon - day] * delivered[entry] * stream.return_rate
            self.future_returns[i][day + 1: day + 1 + len(ahead)] += ahead
        held = sum(units * self.core_value[product] * self.holding_rate[node]
                   for (node, product), units in self.cores.items())
        held += sum(q.units * self.core_value[q.part] * self.holding_rate[q.node] for q in self.queues.values())
        if held:
            model.charge("holding", held)

    def _disassemble(self, day: int, node: str, product: str, stock: float) -> None:
        step = self.steps.get((node, "disassembly"))
        sorting = self.steps.get((node, "sorting"))
        parts = self.model.scenario.parts_by_id
        per_core = sum(parts[product].bom.values())
        capacity = step.capacity_per_day if step else np.inf
        if sorting is not None and per_core > 0:  # sorting takes every component out of disassembly
            capacity = min(capacity, sorting.capacity_per_day / per_core)
        cores = float(np.floor(min(stock, capacity)))
        if cores <= 0:
            return
        self.cores[(node, product)] = stock - cores
        self.ledger.disassembled[day] += cores
        yield_ = step.yield_ if step else 1.0
        self.ledger.disassembly_scrap += cores * (1.0 - yield_)
        if step:
            self.model.charge("reman", cores * step.cost_per_unit)
        kept = 1.0
        if sorting is not None:  # components are sorted before grading: its cost, and its yield scraps
            self.model.charge("reman", cores * yield_ * per_core * sorting.cost_per_unit)
            kept = sorting.yield_
            self.ledger.sorting_scrap += cores * yield_ * per_core * (1.0 - kept)
        for part, quantity in parts[product].bom.items():
            self._grade(node, part, cores * yield_ * kept * quantity)

    def _grade(self, node: str, part: str, units: float) -> None:
        shares = self.shares.get(part, _RECYCLE)
        whole = int(np.floor(units))
        split = self.rng.multinomial(whole, shares).astype(float) if whole else np.zeros(6)
        split[-1] += units - whole  # fractions of a unit go to recycling
        for state, count in zip(EOL_STATES, split):
            self.ledger.graded[(part, state)] = self.ledger.graded.get((part, state), 0.0) + count
            queue = self.queues.get((node, part, state))
            if queue is None:  # repurposed, recycled, or a part this node does not make
                _add(self.ledger.other_by_part, part, count)
            else:
                queue.units += count

    # -- processing, pulled by work orders ---------------------------------------------------------

    def _pull(self, made: _Made) -> float:
        """Good units the node is asked to start for ``made`` today (not yet started)."""
        model = self.model
        if model.net.sku_policy[made.sku] > 0:  # made to stock: the policy's work orders
            return max(float(model.work_orders[made.sku]) - self.started[made.sku], 0.0)
        net = model.net
        owed = float(model.arc_backlog[(net.arc_src == made.sku) & (net.arc_dst >= 0)].sum())
        return max(owed - float(model.on_hand[made.sku]) - self.started[made.sku], 0.0)

    def _plan(self, pulls: dict[_Made, float]) -> dict[tuple[str, str, str], float]:
        """The share of each queue of graded cores to start today, to make ``pulls`` good units
        of each part within the steps' and the nodes' capacities (shared in proportion)."""
        model, net = self.model, self.model.net
        wanted: dict[tuple[str, str, str], float] = {}
        for made, pull in pulls.items():
            good = sum(q.units * self._route(made.node, q.state)[1] for q in self._queues(made))
            if pull > 0 and good > 0:
                for q in self._queues(made):
                    if q.units > 0:
                        wanted[(q.node, q.part, q.state)] = min(1.0, pull / good)
        load: dict[tuple[str, str], float] = {}
        for key, share in wanted.items():
            for step in self._route(key[0], key[2])[0]:
                load[(key[0], step.process)] = load.get((key[0], step.process), 0.0) + share * self.queues[key].units
        good_at: dict[int, float] = {}
        for key in wanted:
            route, yield_, _ = self._route(key[0], key[2])
            wanted[key] *= min([1.0] + [p.capacity_per_day / load[(key[0], p.process)] for p in route])
            node = net.node_index[key[0]]
            good_at[node] = good_at.get(node, 0.0) + wanted[key] * self.queues[key].units * yield_
        factor = model.levers["capacity"]
        for made in pulls:
            node = made.node_index
            capacity = net.node_capacity[node] * factor[node] if factor[node] > 0 else 0.0
            fit = min(1.0, capacity / good_at[node]) if good_at.get(node, 0.0) > 0 else 1.0
            for q in self._queues(made):
                key = (q.node, q.part, q.state)
                if key in wanted:
                    wanted[key] *= fit * model.levers["process"][made.row]
        return wanted

    def _queues(self, made: _Made) -> list[_Queue]:
        return [self.queues[(made.node, made.part, state)] for state in ROUTES]

    def _process(self, day: int) -> None:
        plan = self._plan({made: self._pull(made) for made in self.made})
        sku_of = {(m.node, m.part): m.sku for m in self.made}
        for key, share in plan.items():
            queue = self.queues[key]
            taken = queue.units * share
            if taken <= 0:
                continue
            queue.units -= taken
            route, yield_, cost = self._route(queue.node, queue.state)
            good = taken * yield_
            _add(self.ledger.processed_by_part, queue.part, taken)
            _add(self.ledger.scrapped_by_part, queue.part, taken - good)
            self.model.charge("reman", taken * cost)
            sku = sku_of[(queue.node, queue.part)]
            self.started[sku] += good
            delay = sum(int(self.times[(queue.node, p.process)][day]) for p in route)
            self.in_process.append((day + delay, sku, queue.part, good))

    def _route(self, node: str, state: str) -> tuple[list, float, float]:
        """The steps a unit of ``state`` goes through at ``node``, their combined yield and cost a unit."""
        key = (node, state)
        if key not in self.routes:
            route = [self.steps[(node, s)] for s in ROUTES[state] if (node, s) in self.steps]
            self.routes[key] = (route, float(np.prod([p.yield_ for p in route])),
                                sum(p.cost_per_unit for p in route))
        return self.routes[key]

    def _release(self, day: int) -> None:
        ready = [item for item in self.in_process if item[0] <= day]
        self.in_process = [item for item in self.in_process if item[0] > day]
        model = self.model
        for _, sku, part, units in ready:
            self.ledger.output[day] += units
            _add(self.ledger.output_by_part, part, units)
            self.started[sku] -= units
            model.add_production(sku, units)

    # -- what a strategy can count on -------------------------------------------------------------

    def ready_within(self, sku: int, days: float) -> float:
        """Units of a reman stock point that can be ready within ``days``: on hand, good units in
        process, and what the node's capacity can make from the graded cores waiting in that time
        (their expected good output, at most ``days`` × a day's capacity). Orders owed are not
        deducted."""
        made = next((m for m in self.made if m.sku == sku), None)
        on_hand = float(self.model.on_hand[sku])
        if made is None:
            return on_hand
        plan = self._plan({made: np.inf})
        waiting = [(q, self._route(q.node, q.state)[1]) for q in self._queues(made)]
        per_day = sum(plan.get((q.node, q.part, q.state), 0.0) * q.units * y for q, y in waiting)
        return on_hand + self.started[sku] + min(days * per_day, sum(q.units * y for q, y in waiting))

    # -- summaries --------------------------------------------------------------------------------

    def cores_in_stock(self) -> float:
        """Cores returned and not yet disassembled."""
        return float(sum(self.cores.values()))

    def units_waiting(self, part: str | None = None) -> float:
        """Graded cores waiting to be processed (of one part, or all)."""
        return float(sum(q.units for q in self.queues.values() if part in (None, q.part)))

    def units_in_process(self, part: str | None = None) -> float:
        """Good units started and not yet output (of one part, or all)."""
        return float(sum(i[3] for i in self.in_process if part in (None, i[2])))
