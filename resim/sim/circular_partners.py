"""Circular value-chain partners (C1 through the MaaS network, the paper's Figure 8).

The ``circular_partners`` action, set up at the start of a run, turns each circular process
specification (``circular.specifications``: a returned product, the part recovered from it, the
steps) into an orchestration of MaaS providers:

1. **Match and select.** For each step, the pool's offerings of that circular process
   (:data:`resim.sim.circular.PROCESS_PATHS`) are matched and scored as any need
   (:func:`resim.supply.matching.match`, :func:`~resim.supply.matching.score`, the scenario's
   ``maas.weights``), the need placed at the take-back market: the distance to the returning users
   is a criterion beside cost, lead time, quality, on-time rate and capacity. The best-scored
   offering is contracted, one per step.
2. **Agreement.** Each provider's ``setup_cost`` is charged on day 0 (``maas_onboarding``); the
   first cores are sent once every provider is onboarded (the longest mean ``onboarding_days``,
   rounded up); until then they wait at the collection point.
3. **Flows.** From day 0 the take-back streams of the product hand their returns over to the
   partners instead of the firm's own reman node (:meth:`resim.sim.circular.CircularBatch.divert`).
   Units move from the collection point (the market) to the provider of each step in turn and
   from the last to ``deliver_to`` (the firm's node, by default the stream's reman node, whose
   lanes carry the parts on). A step processes at most its offering's ``capacity_per_day`` a day
   (what waits beyond it waits), charges its ``unit_price`` a unit processed (``reman``), passes
   the step's ``yields`` × the offering's ``conformance_rate`` (the rest is scrapped, counted), and
   holds a batch its mean ``lead_time_days`` (rounded); every move between sites takes the
   transit days and costs the freight of :mod:`resim.supply.logistics` for the distance
   (``transport``, charged when shipped). ``sorting`` splits what passes it by the part's grading:
   each recovery grade (reuse, repair, refurbish, remanufacture) continues on the later steps of
   its route (:data:`resim.sim.circular.ROUTES`), repurposed and recycled units leave the chain
   (``sorted_out``). Without a sorting step every unit takes every step. Recovered parts join the
   stock of ``deliver_to`` as production.
4. **Pulled, as the own centre is.** When ``deliver_to`` holds the part under an inventory policy,
   cores leave the market only to cover its work orders beyond what is on its way (parts past
   the market × the route's expected good share), divided by that share; the others wait there,
   held as at the own centre (core value × the node's ``holding_cost_rate``, ``holding``). A node
   without a policy for the part takes every recovered part.

Units: a core counts as the ``q`` parts it holds (its bill of materials; 1 when the product is the
part), so cores and components add up: up to and including disassembly a provider's capacity, price
and freight are per core (× q or / q per part), after it per part. Flows are expected values (a
fluid: fractions of a unit move), so that yields multiply exactly along the steps.

Accounting (:class:`PartnerLedger`), in parts: returned = delivered + scrapped + sorted out + in
process (at the collection point, waiting at a provider, in transit); money: each step's cost =
setup + units processed × price + freight of the units shipped to it; and the cores' holding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from resim.scenario.format.circular import EOL_STATES
from resim.scenario.format.strategies import ActionKind
from resim.sim.actions import Action
from resim.sim.circular import PROCESS_PATHS, ROUTES
from resim.sim.status import ActionStatus
from resim.supply import logistics
from resim.supply.matching import Need, match, score

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.scenario.format.circular import Specification
    from resim.sim.engine import Model
    from resim.sim.strategies import Response
    from resim.supply.matching import Pool

__all__ = ["Leg", "PartnerPlan", "PartnerLedger", "PartnerFlows", "plan_partners", "contract_partners"]

_RECOVERY = tuple(ROUTES)  # the grades that continue after sorting


@dataclass(frozen=True)
class Leg:
    """A contracted step: the offering doing it and its terms, per part (see the module's units)."""

    step: str
    offering: str
    provider: str
    capacity: float        # parts a day
    price: float           # currency a part processed
    setup_cost: float      # currency, once
    onboarding_days: int
    process_days: int
    yield_: float
    distance_km: float     # to the returning users (the selection criterion)
    site: tuple[str, str, float | None, float | None]  # country, region, lat, lon


@dataclass(frozen=True)
class PartnerPlan:
    """A specification's orchestration: the streams it takes over, the legs in order, where the
    grades go after sorting, and what each move costs and takes."""

    product: str
    part: str
    per_core: float                  # q: parts a core holds
    streams: tuple[int, ...]         # take-back streams handed over
    market: str
    deliver_to: str
    legs: tuple[Leg, ...]
    sorting: int | None              # the sorting leg's position
    shares: dict[str, float]         # grade shares at sorting (normalised), by EOL state
    start_day: int                   # first day cores are sent (every provider onboarded)
    good_share: float                # of a part sent from the market, the expected share delivered
    core_holding: float              # holding cost of a part waiting at the market, a day
    # moves[(a, b)] = (transit days, freight a part) from site a to b; -1 is the market, len(legs) the firm's node
    moves: dict[tuple[int, int], tuple[int, float]] = field(default_factory=dict)

    def next_of(self, k: int, grade: str | None) -> int:
        """Where a unit of ``grade`` (None: not sorted yet) goes after leg ``k``: the next leg on
        its route, or ``len(legs)`` (delivered)."""
        for j in range(k + 1, len(self.legs)):
            if grade is None or self.legs[j].step in ROUTES[grade]:
                return j
        return len(self.legs)

    def good_from(self, k: int, grade: str | None) -> float:
        """Expected parts delivered per part of ``grade`` (None: not sorted yet) waiting at leg ``k``
        (``len(legs)``: on its way to the firm): the yields of the steps left on its route, and
        before sorting each recovery grade's share. ``good_from(0, None)`` is ``good_share``."""
        legs = self.legs
        if grade is not None or self.sorting is None or k > self.sorting:
            return float(np.prod([leg.yield_ for leg in legs[k:] if grade is None or leg.step in ROUTES[grade]]))
        common = float(np.prod([leg.yield_ for leg in legs[k:self.sorting + 1]]))
        return common * sum(share * self.good_from(self.sorting + 1, state)
                            for state, share in self.shares.items() if state in ROUTES)


def plan_partners(scenario: "Scenario", pool: "Pool", spec: "Specification") -> PartnerPlan | str:
    """Match, score and select a provider for each step of ``spec`` (see the module); the plan,
    or why there is none (a step no offering can do)."""
    parts, nodes = scenario.parts_by_id, scenario.nodes_by_id
    circular = scenario.circular
    streams = tuple(i for i, s in enumerate(circular.take_back) if s.product == spec.product)
    first = circular.take_back[streams[0]]
    market, deliver_to = nodes[first.market], nodes[spec.deliver_to or first.to]
    per_core = 1.0 if spec.part == spec.product else float(parts[spec.product].bom[spec.part])
    cores_until = spec.steps.index("disassembly") if "disassembly" in spec.steps else -1
    daily = per_core * sum(_daily_returns(scenario, circular.take_back[i]) for i in streams)
    legs = []
    for k, step in enumerate(spec.steps):
        per = per_core if k <= cores_until else 1.0  # parts in a unit the provider handles
        weight = parts[spec.product if k <= cores_until else spec.part].weight_kg
        need = Need(part=f"{spec.part}:{step}", process=PROCESS_PATHS[step], material=None, tolerance_mm=None,
                    size_mm=None, certifications=frozenset(), units_per_day=max(daily / per, 1e-9),
                    unit_cost=parts[spec.part].unit_cost * per, weight_kg=weight, destination=market.id,
                    country=market.country, region=market.region, lat=market.lat, lon=market.lon)
        ranked = score(match(pool, need, scenario=scenario), need, scenario.maas.weights)
        if not len(ranked):
            return f"no eligible provider of {PROCESS_PATHS[step]} for {spec.product}"
        best = {name: ranked[name][0] for name in (
            "id", "provider", "capacity_per_day", "unit_price", "setup_cost", "onboarding_mean", "lead_time_mean",
            "conformance_rate", "distance_km", "country", "region", "lat", "lon")}
        legs.append(Leg(step, str(best["id"]), str(best["provider"]), float(best["capacity_per_day"]) * per,
                        float(best["unit_price"]) / per, float(best["setup_cost"]),
                        math.ceil(float(best["onboarding_mean"]) - 1e-9), round(float(best["lead_time_mean"])),
                        spec.yields.get(step, 1.0) * float(best["conformance_rate"]), float(best["distance_km"]),
                        (str(best["country"]), str(best["region"]), _number(best["lat"]), _number(best["lon"]))))
    sites = {-1: (market.country, market.region, market.lat, market.lon),
             **{k: leg.site for k, leg in enumerate(legs)},
             len(legs): (deliver_to.country, deliver_to.region, deliver_to.lat, deliver_to.lon)}
    moves = {}
    for a in range(-1, len(legs)):
        # What leaves site a: cores until disassembly is done there, parts after.
        kind, per = (spec.product, per_core) if a < cores_until else (spec.part, 1.0)
        for b in range(a + 1, len(legs) + 1):
            moves[(a, b)] = _move(sites[a], sites[b], parts[kind].weight_kg, parts[kind].unit_cost, per)
    grading = next((g for g in circular.grading if g.part == spec.part), None)
    shares = {state: getattr(grading, state) for state in EOL_STATES} if grading else {"recycle": 1.0}
    shares = {state: share / sum(shares.values()) for state, share in shares.items()}
    sorting = spec.steps.index("sorting") if "sorting" in spec.steps else None
    # What a part sent comes to: the yields of the steps every unit takes, then, after sorting,
    # each recovery grade's share times the yields of its route's steps.
    good = float(np.prod([leg.yield_ for leg in legs[: len(legs) if sorting is None else sorting + 1]]))
    if sorting is not None:
        good *= sum(share * float(np.prod([leg.yield_ for leg in legs[sorting + 1:] if leg.step in ROUTES[state]]))
                    for state, share in shares.items() if state in ROUTES)
    # A core waiting is held as at the own centre: core value x the receiving node's rate, per part.
    holding = (circular.core_value_factor * parts[spec.product].unit_cost / per_core
               * deliver_to.holding_cost_rate / 365.0)
    return PartnerPlan(spec.product, spec.part, per_core, streams, market.id, deliver_to.id, tuple(legs),
                       sorting, shares, max((leg.onboarding_days for leg in legs), default=0), good, holding, moves)


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _daily_returns(scenario: "Scenario", stream) -> float:
    """Cores a take-back stream brings back a day in steady state: the installed base's, and
    the share of the market's mean demand sold that comes back (the capacity criterion's need)."""
    base = stream.installed_base * stream.return_rate / max(stream.use_life_days.mean, 1.0)
    sold = sum(d.daily.mean for d in scenario.demand if d.market == stream.market and d.part == stream.product)
    return base + stream.return_rate * sold


def _move(a, b, weight_kg: float, value: float, per: float) -> tuple[int, float]:
    """Transit days and freight a part (a unit's freight / ``per`` parts) from site ``a`` to ``b``
    (country, region, lat, lon) by the mode of least freight and in-transit holding."""
    same_country, same_region = np.array([a[0] == b[0]]), np.array([a[1] == b[1]])
    lat, lon = b[2], b[3]
    distance = logistics.distance_km(a[2], a[3], np.array([np.nan if lat is None else lat]),
                                     np.array([np.nan if lon is None else lon]), same_country, same_region)
    mode = logistics.choose_mode(distance, same_country, same_region, weight_kg=weight_kg, value=value)
    return (int(logistics.transit_days(distance, mode)[0]),
            float(logistics.freight_per_unit(weight_kg, distance, mode)[0]) / per)


@dataclass
class PartnerLedger:
    """Totals of one orchestration in one run, in parts (a core counts as the parts it holds) and
    currency; by leg where a list."""

    returned: float = 0.0
    delivered: float = 0.0
    sorted_out: float = 0.0
    processed: list[float] = field(default_factory=list)
    scrapped: list[float] = field(default_factory=list)
    shipped_to: list[float] = field(default_factory=list)   # parts shipped to each leg, and (last) to the firm
    setup: list[float] = field(default_factory=list)
    holding: float = 0.0                                     # of the cores waiting at the market
    processing: list[float] = field(default_factory=list)
    freight: list[float] = field(default_factory=list)      # of the parts shipped to each leg, and to the firm
    output: np.ndarray = field(default_factory=lambda: np.zeros(0))  # parts delivered each day


class PartnerFlows:
    """The flows of one :class:`PartnerPlan` in one model run, advanced at each day's start
    (after the day's returns are known: :mod:`resim.sim.circular` runs first)."""

    def __init__(self, model: "Model", plan: PartnerPlan) -> None:
        self.model, self.plan = model, plan
        n = len(plan.legs)
        self.sku = model.net.sku_index[(plan.deliver_to, plan.part)]
        self.pulled = bool(model.net.sku_policy[self.sku] > 0)
        self.collected = 0.0
        self.waiting: list[dict[str | None, float]] = [{} for _ in range(n)]
        self.arriving: dict[int, list[tuple[int, str | None, float]]] = {}  # day -> (leg or n, grade, parts)
        self.ledger = PartnerLedger(processed=[0.0] * n, scrapped=[0.0] * n, shipped_to=[0.0] * (n + 1),
                                    setup=[leg.setup_cost for leg in plan.legs], processing=[0.0] * n,
                                    freight=[0.0] * (n + 1), output=np.zeros(model.horizon))
        for leg in plan.legs:
            if leg.setup_cost:
                model.charge("maas_onboarding", leg.setup_cost)
        circular = model.circular
        for stream in plan.streams:
            circular.batch.divert(circular.row, stream)
        self.hook = model.on_day_start(self)

    def in_process(self) -> float:
        """Parts at the collection point, waiting at a provider or in transit."""
        waiting = sum(sum(w.values()) for w in self.waiting)
        moving = sum(units for lots in self.arriving.values() for _, _, units in lots)
        return self.collected + waiting + moving

    def cores_used(self) -> float:
        """Cores the partners have taken into their first step."""
        return self.ledger.processed[0] / self.plan.per_core if self.plan.legs else 0.0

    def ready_within(self, days: float) -> float:
        """Parts the firm's node can count on within ``days``: those on their way to it that arrive
        by then. Parts still at the providers or between them are weeks away on a route of several
        steps; counted as ready, they would steer orders to a lane that cannot fill them in time."""
        last = int(self.model.env.now) + days
        to = len(self.plan.legs)
        return sum(units for due, lots in self.arriving.items() if due <= last for b, _, units in lots if b == to)

    def __call__(self, model: "Model", day: int) -> None:
        plan, led = self.plan, self.ledger
        circular = model.circular
        back = sum(float(circular.batch.handed_over[circular.row, day, i]) for i in plan.streams) * plan.per_core
        led.returned += back
        self.collected += back
        if day >= plan.start_day and self.collected > 0:
            sent = self._wanted(model)
            self._ship(day, -1, plan.next_of(-1, None), None, sent, day)
            self.collected -= sent
        if self.collected > 0:
            led.holding += self.collected * plan.core_holding
            model.charge("holding", self.collected * plan.core_holding)
        for k, leg in enumerate(plan.legs):
            self._receive(day, k)
            waiting = self.waiting[k]
            total = sum(waiting.values())
            if total <= 0:
                continue
            share = min(1.0, leg.capacity / total)
            for grade, units in list(waiting.items()):
                taken = units * share
                waiting[grade] = units - taken
                led.processed[k] += taken
                led.processing[k] += taken * leg.price
                model.charge("reman", taken * leg.price)
                good = taken * leg.yield_
                led.scrapped[k] += taken - good
                ready = day + leg.process_days
                if k == plan.sorting:
                    for state, fraction in plan.shares.items():
                        if state in _RECOVERY:
                            self._ship(day, k, plan.next_of(k, state), state, good * fraction, ready)
                        else:
                            led.sorted_out += good * fraction
                else:
                    self._ship(day, k, plan.next_of(k, grade), grade, good, ready)
        self._receive(day, len(plan.legs))

    def _wanted(self, model: "Model") -> float:
        """Parts to send from the market today: all of them to a node without a policy for the
        part; else what covers its work orders beyond what is on its way (each part at what it is still
        expected to yield where it is), divided by the route's expected good share."""
        if not self.pulled:
            return self.collected
        if self.plan.good_share <= 0:
            return 0.0
        # Each part past the market at what it is still expected to yield where it is: a part
        # already recovered and on its way counts whole, not at the route's good share.
        plan = self.plan
        on_the_way = (sum(units * plan.good_from(k, grade) for k, w in enumerate(self.waiting) for grade, units in w.items())
                      + sum(units * plan.good_from(b, grade) for lots in self.arriving.values() for b, grade, units in lots))
        return min(self.collected, max(float(model.work_orders[self.sku]) - on_the_way, 0.0) / self.plan.good_share)

    def _ship(self, day: int, a: int, b: int, grade: str | None, units: float, ready: int) -> None:
        """Send ``units`` from site ``a`` to ``b`` once ready: they arrive after the transit days;
        their freight is charged today."""
        if units <= 0:
            return
        days, freight = self.plan.moves[(a, b)]
        self.ledger.shipped_to[b] += units
        self.ledger.freight[b] += units * freight
        self.model.charge("transport", units * freight)
        # (due today: a later leg, or the firm at the day's end, takes it today)
        self.arriving.setdefault(ready + days, []).append((b, grade, units))

    def _receive(self, day: int, to: int) -> None:
        """Lots due at ``to`` by ``day``: into its waiting units, or (the firm) into stock."""
        for due in [d for d in self.arriving if d <= day]:
            lots = self.arriving[due]
            kept = [lot for lot in lots if lot[0] != to]
            for _, grade, units in (lot for lot in lots if lot[0] == to):
                if to == len(self.plan.legs):
                    self.model.add_production(self.sku, units)
                    self.ledger.delivered += units
                    self.ledger.output[day] += units
                else:
                    self.waiting[to][grade] = self.waiting[to].get(grade, 0.0) + units
            if kept:
                self.arriving[due] = kept
            else:
                del self.arriving[due]


def contract_partners(response: "Response") -> None:
    """The ``circular_partners`` action's setup: contract and run the partners of every
    circular process specification (one :class:`PartnerFlows` each, in
    ``model.circular.partners``), each step recorded as an action."""
    model, strategy = response.model, response.strategy
    scenario = model.scenario
    if model.circular is None:
        return
    for spec in scenario.circular.specifications:
        plan = plan_partners(scenario, response.pool, spec) if response.pool is not None else "no provider pool"
        if isinstance(plan, str):
            response.actions.append(Action(strategy.id, ActionKind.CIRCULAR_PARTNERS, "", "", spec.part,
                                           spec.deliver_to or "", 0.0, 0, model.horizon, 0.0,
                                           ActionStatus.NO_CANDIDATE, plan))
            continue
        model.circular.partners.append(PartnerFlows(model, plan))
        market = model.scenario.nodes_by_id[plan.market]
        # Without the market's coordinates the distances are logistics' fallbacks: say so.
        assumed = ", assumed: the market has no coordinates" if market.lat is None or market.lon is None else ""
        for leg in plan.legs:
            response.actions.append(Action(
                strategy.id, ActionKind.CIRCULAR_PARTNERS, "", leg.offering, plan.part, plan.deliver_to,
                leg.capacity, plan.start_day, model.horizon, leg.price, ActionStatus.ACCEPTED,
                f"{leg.step} of {plan.product} cores returned at {plan.market} ({leg.distance_km:,.0f} km away{assumed}), "
                f"yield {leg.yield_:.0%}, setup {leg.setup_cost:,.0f}"))
