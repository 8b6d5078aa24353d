"""What a MaaS provider needs to make a part: its components, consigned or bought on the market.

A provider that makes a part with a bill of materials consumes its components like any maker: its
node holds a stock point per component (base stock for its agreed output over the inputs' lead
time), and makes only what the components on hand allow. Where they come from is the offering's
``inputs``:

* ``consigned``: the firm supplies them from its usual makers of each component, over new lanes
  from those makers to the provider (their usual lead time and freight), and pays for them at the
  component's unit cost. When the makers are down, the provider is short too.
* ``market``: the provider buys them on the open market (``maas.market``: brokers, spot buys,
  a distributor's allocation) where the market offers them, and takes the others consigned.
  Each market offer is one broker node per model run, shared by every provider that buys there:
  it ships at most its ``units_per_day`` (less the share other firms take while a disaster hits
  its region, with ``maas.contention``), only while one of its ``during`` disruptions is in force,
  at its ``unit_price`` plus ``price_increase`` × the share of the day's availability taken.

An offering's price is for the finished part, its components included at their unit cost. So
the firm pays a component's unit cost once, in the provider's price, and on the lanes that bring
components to the provider only what they cost beyond it: the market's price above the unit cost
(MaaS premium, plus the scarcity surcharge) and freight (see :meth:`resim.sim.engine.Model.add_lane`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from resim.scenario.format.chain import BaseStock, Lane, Node, Stock
from resim.sim.status import EventKind

if TYPE_CHECKING:
    from resim.sim.engine import Model
    from resim.sim.ledger import Event
    from resim.scenario.format.maas import MarketOffer
    from resim.scenario import Scenario

__all__ = ["Market", "input_stock", "input_lead_days", "input_capacity", "input_capacity_on", "claim_inputs",
           "supply_inputs"]

_REVIEW_DAYS = 2  # days of output a provider's input stock covers beyond the inputs' lead time


def input_stock(scenario: "Scenario", part: str, units_per_day: float, lead_days: float) -> tuple[Stock, ...]:
    """A provider's stock points for the components of ``part``: base stock for ``units_per_day``
    over ``lead_days`` plus a review margin, empty on day one."""
    cover = units_per_day * (lead_days + _REVIEW_DAYS)
    return tuple(Stock(part=child, policy=BaseStock(type="base_stock", level=q * cover), initial=0.0)
                 for child, q in scenario.parts_by_id[part].bom.items())


class Market:
    """The open market of one model run: a broker node per offer of ``maas.market``, added the
    first time a provider buys that part and shared by every provider after it."""

    def __init__(self, model: "Model"):
        self.model = model
        self._brokers: dict[int, str] = {}  # offer index -> broker node
        self.claims: list[tuple[int, float, int]] = []  # (offer index, units a day, the agreement's end day)
        self._from: dict[str, tuple[int, np.ndarray]] = {}  # broker -> (lanes the replication holds, its arcs)

    def available(self, part: str, day: int) -> dict[int, float]:
        """Units a day each market offer of ``part`` has left on ``day``: open (one of its
        disruptions in force), less other firms' share in a disaster's region, less what earlier
        agreements of this run claimed and still hold (an agreement's claim lapses at its end)."""
        scenario = self.model.scenario
        active = [o.spec for o in self.model.occurrences if o.start <= day and (o.end is None or day < o.end)]
        contention = scenario.maas.contention
        left = {}
        for index, offer in enumerate(scenario.maas.market):
            if offer.part != part:
                continue
            wanted = set(offer.during)
            if wanted and not any(spec.id in wanted or spec.type in wanted for spec in active):
                left[index] = 0.0
                continue
            units = offer.units_per_day
            if contention.enabled and any(spec.type == "natural_disaster" and offer.region in _regions(self.model, spec)
                                          for spec in active):
                units *= 1.0 - contention.capacity_taken
            held = sum(units for claimed, units, end in self.claims if claimed == index and day < end)
            left[index] = max(units - held, 0.0)
        return left

    def claim(self, part: str, units_per_day: float, day: int, end: int) -> None:
        """Count ``units_per_day`` of ``part`` as taken by an agreement until its ``end`` day, from
        the offers with most left first, so no need meanwhile counts on the same units."""
        for index, left in sorted(self.available(part, day).items(), key=lambda item: -item[1]):
            taken = min(left, units_per_day)
            self.claims.append((index, taken, end))
            units_per_day -= taken
            if units_per_day <= 1e-12:
                return

    def brokers(self, part: str) -> list[tuple[str, "MarketOffer"]]:
        """(broker node, offer) of every market offer of ``part``, each added to the model once."""
        found = []
        for index, offer in enumerate(self.model.scenario.maas.market):
            if offer.part != part:
                continue
            if index not in self._brokers:
                self._brokers[index] = self._open(index, offer)
            found.append((self._brokers[index], offer))
        return found

    def _open(self, index: int, offer: "MarketOffer") -> str:
        model = self.model
        node = Node(id=f"market_{offer.part}_{index}", kind="supplier", country=offer.country,
                    region=offer.region, makes=(offer.part,), capacity_per_day=offer.units_per_day or None)
        model.add_node(node)
        if offer.units_per_day <= 0:
            model.set_capacity(node.id, 0.0, cause=f"market:empty:{node.id}")
        if offer.during:
            self._open_while(node.id, offer)
        contention = model.scenario.maas.contention
        if contention.enabled:
            self._contend(node.id, offer, contention.capacity_taken)
        model.on_day_end(lambda m, day: self._charge_scarcity(m, node.id, offer))
        return node.id

    def _arcs_from(self, node: str) -> np.ndarray:
        """The replication's arcs leaving broker ``node`` (other replications may hold the node
        too), found again only when it took on lanes."""
        model = self.model
        net = model.net
        known = self._from.get(node)
        if known is None or known[0] != len(net.lane_index):
            leaving = (net.sku_node[net.arc_src] == net.node_index[node]) & model.own_arc
            known = self._from[node] = (len(net.lane_index), np.flatnonzero(leaving))
        return known[1]

    def _open_while(self, node: str, offer: "MarketOffer") -> None:
        """Availability only while one of the offer's disruptions is in force."""
        model = self.model
        wanted = set(offer.during)
        day = int(model.env.now)
        active = {(o.spec.id, o.number) for o in model.occurrences
                  if (o.spec.id in wanted or o.spec.type in wanted) and o.start <= day
                  and (o.end is None or day < o.end)}
        closed = f"market:closed:{node}"
        if not active:
            model.set_capacity(node, 0.0, cause=closed)

        def follow(m: "Model", event: Event) -> None:
            if event.id not in wanted and event.type not in wanted:
                return
            key = (event.id, event.number)
            if event.what == EventKind.START:
                active.add(key)
                m.end(closed)
            else:
                active.discard(key)
                if not active:
                    m.set_capacity(node, 0.0, cause=closed)
        model.listen(follow)

    def _contend(self, node: str, offer: "MarketOffer", taken: float) -> None:
        """Other firms hit by a natural disaster in the offer's region take their share."""
        model = self.model

        def follow(m: "Model", event: Event) -> None:
            spec = next((d for d in m.scenario.disruptions if d.id == event.id), None)
            if spec is None or spec.type != "natural_disaster" or offer.region not in _regions(m, spec):
                return
            cause = f"market:contention:{node}:{event.id}:{event.number}"
            if event.what == EventKind.START:
                m.set_capacity(node, 1.0 - taken, cause=cause)
            else:
                m.end(cause)
        model.listen(follow)

    def _charge_scarcity(self, model: "Model", node: str, offer: "MarketOffer") -> None:
        """The price rises with the share of the day's availability taken."""
        taken = float(model.last_ship[self._arcs_from(node)].sum())
        if taken > 0 and offer.units_per_day > 0 and offer.price_increase > 0:
            share = min(taken / offer.units_per_day, 1.0)
            model.charge("maas_premium", taken * offer.unit_price * offer.price_increase * share)


def input_capacity(model: "Model", market: Market, part: str, inputs: str, day: int) -> float:
    """Units of ``part`` a day its components allow a provider on ``day`` (inf without a bill of
    materials): for each component, what its sources can give a day (consigned: the usual makers'
    capacity as today's disruptions leave it; market: what the offers have left), divided by the
    quantity per unit; the least over the components."""
    scenario, net = model.scenario, model.net
    factor = model.levers["capacity"]
    allowed = np.inf
    for child, quantity in scenario.parts_by_id[part].bom.items():
        if _bought(scenario, child, inputs):
            supply = sum(market.available(child, day).values())
        else:
            supply = sum(net.node_capacity[net.node_index[n]] * factor[net.node_index[n]]
                         for n in scenario.facts.makers(child))
        allowed = min(allowed, supply / quantity)
    return float(allowed)


def input_capacity_on(scenario: "Scenario", part: str, day: int) -> dict[str, float]:
    """What a provider's components allow on ``day`` (units of ``part`` a day), by ``inputs``
    (consigned, market): the scenario simulated without a response up to that day (the
    disruptions as they fall in replication 0), as a strategy deciding that day would see it."""
    from resim.sim.engine import Model

    model = Model(scenario, replication=0)
    model.env.run(until=min(max(int(day), 0), scenario.horizon_days - 1) + 0.75)  # that day's events in force
    market = Market(model)
    return {inputs: input_capacity(model, market, part, inputs, int(day)) for inputs in ("consigned", "market")}


def claim_inputs(market: Market, scenario: "Scenario", part: str, inputs: str, units_per_day: float,
                 day: int, end: int) -> None:
    """Count an agreement's components as taken on the market from ``day`` to its ``end``
    (consigned ones are the makers' own capacity, which the model shares day by day)."""
    for child, quantity in scenario.parts_by_id[part].bom.items():
        if _bought(scenario, child, inputs):
            market.claim(child, units_per_day * quantity, day, end)


def _regions(model: "Model", spec) -> set[str]:
    lookup = {n.country: n.region for n in model.scenario.nodes}
    return set(spec.footprint.regions) | {lookup[c] for c in spec.footprint.countries if c in lookup}


def _bought(scenario: "Scenario", child: str, inputs: str) -> bool:
    """Whether a provider with these ``inputs`` buys ``child`` on the market (it is offered there)."""
    return inputs == "market" and any(offer.part == child for offer in scenario.maas.market)


def _sources(scenario: "Scenario", child: str, inputs: str) -> list[tuple[str | None, float, object, float]]:
    """(source node or None for a market offer, price, lead time, freight) of each source of
    ``child`` for a provider with these ``inputs``."""
    if _bought(scenario, child, inputs):
        return [(None, offer.unit_price, offer.lead_time_days, 0.0)
                for offer in scenario.maas.market if offer.part == child]
    found = []
    for node in scenario.facts.makers(child):
        usual = next((lane for lane in scenario.facts.lanes_from(node) if child in lane.parts), None)
        found.append((node, scenario.parts_by_id[child].unit_cost,
                      usual.lead_time_days if usual is not None else 7.0,
                      usual.freight(scenario.parts_by_id[child].weight_kg) if usual is not None else 0.0))
    return found


def supply_inputs(model: "Model", market: Market, provider: str, part: str, inputs: str) -> list[str]:
    """Open the lanes that bring the components of ``part`` to the ``provider`` node (see the
    module docstring); return their keys. A component with no source gets no lane: the provider
    then cannot make the part."""
    keys = []
    for child in model.scenario.parts_by_id[part].bom:
        if _bought(model.scenario, child, inputs):
            sources = [(broker, offer.unit_price, offer.lead_time_days, 0.0) for broker, offer in market.brokers(child)]
        else:
            sources = _sources(model.scenario, child, inputs)
        for source, price, lead, freight in sources:
            lane = Lane(source=source, dest=provider, parts=(child,), lead_time_days=lead, cost_per_unit=freight)
            model.add_lane(lane, price=price)
            keys.append(lane.key)
    return keys


def input_lead_days(scenario: "Scenario", part: str, inputs: str) -> float:
    """The longest mean lead time of the components' sources (days): what the input stock covers."""
    leads = [_mean(lead) for child in scenario.parts_by_id[part].bom
             for _, _, lead, _ in _sources(scenario, child, inputs)]
    return max([1.0, *leads])


def _mean(lead) -> float:
    return float(lead.mean) if hasattr(lead, "mean") else float(lead)
