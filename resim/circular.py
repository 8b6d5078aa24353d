"""Circular supply in a running model (C1): take-back, grading, circular processes, reman output.

Each day, at the start of the day's flows:

1. **Take-back.** Products in use come back as cores to the stream's node: the installed base at a
   steady rate (installed_base × return_rate / mean use life, Poisson per day), and units delivered
   in the run after their drawn use life (return_rate of them, spread by the use-life distribution).
2. **Disassembly.** Up to the node's disassembly capacity, whole cores are taken apart into their
   components (by the bill of materials); the disassembly yield scraps the rest.
3. **Grading.** Every component with a grading entry is graded into reuse, repair, refurbish,
   remanufacture, repurpose or recycle (a multinomial draw with the given shares); repurposed and
   recycled units leave the chain (counted), ungraded components are recycled.
4. **Processing.** Each state follows its route through the node's circular processes
   (reuse: testing; repair: testing, repair; refurbish: cleaning, testing, reconditioning;
   remanufacture: cleaning, testing, reconditioning, reassembly), steps the node lacks skipped.
   A step's capacity is shared by all that queue for it in proportion; each step's yield scraps
   the rest; the batch takes the sum of its steps' drawn times; each step costs its
   ``cost_per_unit`` (the ``reman`` cost component).
5. **Output.** Good units join the node's stock of that part if it holds it (they are then shipped
   like any stock, over its lanes: standby lanes until a strategy turns them on); otherwise they
   are kept as circular stock the chain does not use.

Core accounting holds exactly: returned = disassembled + cores in stock; components graded =
reused + repaired + refurbished + remanufactured + repurposed + recycled; and every graded unit
is output, scrapped by a yield or still in process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from resim.format.circular import EOL_STATES

if TYPE_CHECKING:
    from resim.engine import Model

__all__ = ["CircularSupply", "ROUTES", "PROCESS_PATHS", "partner_need"]

ROUTES: dict[str, tuple[str, ...]] = {
    "reuse": ("testing",),
    "repair": ("testing", "repair"),
    "refurbish": ("cleaning", "testing", "reconditioning"),
    "remanufacture": ("cleaning", "testing", "reconditioning", "reassembly"),
}
_LEAVE = ("repurpose", "recycle")
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
    from resim.matching import Need

    site = scenario.nodes_by_id[node]
    own = next((p.capacity_per_day for p in scenario.circular.processes
                if p.node == node and p.process == process), None)
    return Need(part=f"{process}@{node}", process=PROCESS_PATHS[process], material=None,
                tolerance_mm=None, size_mm=None, certifications=frozenset(),
                units_per_day=float(units_per_day or own or 1.0), unit_cost=0.0, weight_kg=0.0,
                destination=node, country=site.country, region=site.region, lat=site.lat, lon=site.lon)


@dataclass
class _Queue:
    """Units of one part in one end-of-life state waiting at a node."""

    node: str
    part: str
    state: str
    units: float = 0.0


@dataclass
class CircularLedger:
    """Daily circular flows (units) and totals by part, for metrics and conservation checks."""

    horizon: int
    returned: np.ndarray = field(init=False)
    disassembled: np.ndarray = field(init=False)
    output: np.ndarray = field(init=False)
    graded: dict[tuple[str, str], float] = field(default_factory=dict)
    output_by_part: dict[str, float] = field(default_factory=dict)
    scrapped_by_part: dict[str, float] = field(default_factory=dict)
    kept_by_part: dict[str, float] = field(default_factory=dict)
    disassembly_scrap: float = 0.0

    def __post_init__(self) -> None:
        self.returned = np.zeros(self.horizon)
        self.disassembled = np.zeros(self.horizon)
        self.output = np.zeros(self.horizon)


class CircularSupply:
    """The circular flows of one model run; created by the model when the scenario has take-back."""

    def __init__(self, model: "Model"):
        self.model = model
        sc = model.scenario
        self.spec = sc.circular
        self.horizon = model.horizon
        self.ledger = CircularLedger(model.horizon)
        self.cores: dict[tuple[str, str], float] = {}          # (node, product) -> cores in stock
        self.queues: dict[tuple[str, str, str], _Queue] = {}
        self.in_process: list[tuple[int, str, str, float]] = []  # (ready day, node, part, units)
        self.grading = {g.part: g for g in self.spec.grading}
        shares = {part: np.array([getattr(g, s) for s in EOL_STATES]) for part, g in self.grading.items()}
        self.shares = {part: v / v.sum() for part, v in shares.items()}  # ungraded parts are recycled
        self.steps = {(p.node, p.process): p for p in self.spec.processes}
        self.routes: dict[tuple[str, str], tuple[list, float, float]] = {}  # (node, state) -> steps, yield, cost
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
        draws = np.asarray(stream.use_life_days.sample(self.model.streams.get("circular", "life", str(index)),
                                                       20_000), float)
        days = np.clip(np.rint(draws), 1, self.horizon + 1).astype(int)
        return np.bincount(days, minlength=self.horizon + 2)[: self.horizon + 1] / len(days)

    def _base_returns(self, index: int) -> np.ndarray:
        stream = self.spec.take_back[index]
        rate = stream.installed_base * stream.return_rate / max(stream.use_life_days.mean, 1.0)
        rng = self.model.streams.get("circular", "returns", str(index))
        return rng.poisson(rate, self.horizon).astype(float)

    # -- daily flows -------------------------------------------------------------------------------

    def start_of_day(self, model: "Model", day: int) -> None:
        """Returns, disassembly, grading, processing and output of ``day``."""
        for i, stream in enumerate(self.spec.take_back):
            back = self.base_returns[i][day] + self.future_returns[i][day]
            key = (stream.to, stream.product)
            self.cores[key] = self.cores.get(key, 0.0) + back
            self.ledger.returned[day] += back
            if stream.deposit:
                model.charge("reman", stream.deposit * back)
        for (node, product), stock in list(self.cores.items()):
            self._disassemble(day, node, product, stock)
        self._process(day)
        self._release(day)

    def end_of_day(self, model: "Model", day: int) -> None:
        """Units delivered today will come back after their use life."""
        delivered = model.ledger.market["delivered"][day]
        for i, stream in enumerate(self.spec.take_back):
            entry = model.net.demand_index.get((stream.market, stream.product))
            if entry is None or delivered[entry] <= 0:
                continue
            ahead = self.life_pmf[i][1: self.horizon - day] * delivered[entry] * stream.return_rate
            self.future_returns[i][day + 1: day + 1 + len(ahead)] += ahead

    def _disassemble(self, day: int, node: str, product: str, stock: float) -> None:
        step = self.steps.get((node, "disassembly"))
        capacity = step.capacity_per_day if step else np.inf
        cores = float(np.floor(min(stock, capacity)))
        if cores <= 0:
            return
        self.cores[(node, product)] = stock - cores
        self.ledger.disassembled[day] += cores
        yield_ = step.yield_ if step else 1.0
        self.ledger.disassembly_scrap += cores * (1.0 - yield_)
        if step:
            self.model.charge("reman", cores * step.cost_per_unit)
        parts = self.model.scenario.parts_by_id
        for part, quantity in parts[product].bom.items():
            self._grade(node, part, cores * yield_ * quantity)

    def _grade(self, node: str, part: str, units: float) -> None:
        shares = self.shares.get(part, _RECYCLE)
        whole = int(np.floor(units))
        split = self.rng.multinomial(whole, shares).astype(float) if whole else np.zeros(6)
        split[-1] += units - whole  # fractions of a unit go to recycling
        for state, count in zip(EOL_STATES, split):
            self.ledger.graded[(part, state)] = self.ledger.graded.get((part, state), 0.0) + count
            if state in _LEAVE or count <= 0:
                continue
            queue = self.queues.setdefault((node, part, state), _Queue(node, part, state))
            queue.units += count

    def _process(self, day: int) -> None:
        load: dict[tuple[str, str], float] = {}
        for queue in self.queues.values():
            for step in ROUTES[queue.state]:
                if (queue.node, step) in self.steps:
                    load[(queue.node, step)] = load.get((queue.node, step), 0.0) + queue.units
        for queue in self.queues.values():
            if queue.units <= 0:
                continue
            route, yield_, cost = self._route(queue.node, queue.state)
            fraction = min([1.0] + [p.capacity_per_day / load[(queue.node, p.process)] for p in route])
            taken = queue.units * fraction
            queue.units -= taken
            good = taken * yield_ if route else taken
            self.ledger.scrapped_by_part[queue.part] = self.ledger.scrapped_by_part.get(queue.part, 0.0) + taken - good
            self.model.charge("reman", taken * cost)
            delay = sum(int(self.times[(queue.node, p.process)][day]) for p in route)
            self.in_process.append((day + delay, queue.node, queue.part, good))

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
        net = self.model.net
        for _, node, part, units in ready:
            sku = net.sku_index.get((node, part))
            self.ledger.output[day] += units
            if sku is None:
                self.ledger.kept_by_part[part] = self.ledger.kept_by_part.get(part, 0.0) + units
                continue
            self.model.on_hand[sku] += units
            self.model.produced_today[sku] += units
            self.ledger.output_by_part[part] = self.ledger.output_by_part.get(part, 0.0) + units

    # -- summaries --------------------------------------------------------------------------------

    def cores_in_stock(self) -> float:
        """Cores returned and not yet disassembled."""
        return float(sum(self.cores.values()))

    def units_in_process(self) -> float:
        """Graded units queued or being processed."""
        return float(sum(q.units for q in self.queues.values()) + sum(i[3] for i in self.in_process))
