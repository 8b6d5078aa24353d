"""MaaS stage 3: agreements with selected providers, and their execution in a running model.

* **Negotiation**: each request is accepted, countered (a higher price and a later start) or
  declined, with the scenario's chances (``maas.negotiation``); the answer comes after
  ``response_days`` (a declined request then passes to the next candidate).
* **Onboarding**: qualification and first-article approval take the offering's
  ``onboarding_days`` (drawn) after the agreement starts; the setup cost is booked at the start.
  From its qualified day the provider takes orders (served from the next day, as any supplier).
* **Probation**: for ``maas.probation.days`` the provider delivers at most ``capacity_share`` of
  the reserved capacity.
* **Execution**: the provider joins the model as a supplier node with a lane to the destination.
  It ships within its reserved capacity, at the agreed price; each shipment is on time with the
  offering's delivered on-time rate (``delivered_on_time_rate``, the published ``on_time_rate``
  unless the offering says otherwise; its quoted lead time drawn) and otherwise late by 1 to that many
  days more, and then travels the transit days of its transport mode (:mod:`resim.supply.logistics`:
  road or sea, air where that costs less in all or the work is expedited); each day's delivery
  is one lot, accepted by the incoming inspection (``maas.inspection``) with the chance that a
  sample of n units holds at most Ac defective ones (binomial with the offering's delivered
  conformance rate), else scrapped on receipt.
* **Payment**: the firm pays every unit it accepts at the agreed price plus the freight,
  wherever the provider delivers (also to a supplier of the firm's: it contracted the provider);
  rejected lots are the provider's loss. The budget a strategy commits to an agreement is its
  setup cost plus price and freight on the most units it may deliver (:meth:`Agreement.commitment`).
* **Monitoring and evaluation**: each agreement records what was shipped, received, rejected and
  late, and what the firm paid for it (tallied for a whole batch at once, :mod:`resim.sim.watch`;
  recorded when the run ends).
* **Contention** (``maas.contention``): while a natural disaster is active, other firms it hits
  take a share of the capacity of the providers in its regions and prices rise with it
  (:class:`resim.sim.capacity.CapacityLedger`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from resim.supply import logistics
from resim.core.dists import parse_dist, whole_days
from resim.scenario.format.chain import Lane, Node
from resim.sim.inputs import Market, input_lead_days, input_stock, supply_inputs
from resim.sim.internal import carve, follow, release
from resim.sim.status import Answer
from resim.sim.watch import Limits, Lots, Tally

if TYPE_CHECKING:
    from resim.sim.engine import Model
    from resim.sim.hooks import Hook
    from resim.scenario.format.maas import Inspection, Negotiation, Probation
    from resim.supply.matching import Matches, Need

__all__ = ["Agreement", "Candidate", "as_candidates", "negotiate", "execute", "lot_acceptance", "agreements_frame",
           "negotiation_stream"]


class Candidate(NamedTuple):
    """An offering as the matching stage ranked it (a row of its frame), with the fields the
    negotiation and the execution read. ``freight`` is what the matching estimated on top of the
    price (0 for an offering straight from the pool); ``transit_days`` is None when the row does
    not say how it ships (:func:`_transport` then routes it)."""

    offering: str
    provider: str
    country: str
    region: str
    lat: float                  # NaN when the pool does not say
    lon: float
    unit_price: float
    freight: float
    setup_cost: float
    onboarding_days: str        # a distribution, "" for the mean alone
    onboarding_mean: float
    lead_time_days: str         # a distribution, "" for the mean alone
    lead_time_mean: float
    on_time_rate: float
    conformance_rate: float
    delivered_on_time_rate: float      # what it really does: the published rate unless the offering says
    delivered_conformance_rate: float
    inputs: str
    transport_mode: str
    transit_days: int | None
    score: float
    internal: bool = False      # one of the firm's own sites (resim.sim.internal): ``provider`` is its node
    prequalified: bool = False  # under a standby agreement (resim.sim.standby): accepts at once, no probation

    @classmethod
    def from_row(cls, row: "pd.Series | Mapping[str, Any]") -> "Candidate":
        """The candidate of one row of the pool or of the matching's frame (a Series, or a record
        of ``DataFrame.to_dict("records")``)."""
        def text(column: str, default: str = "") -> str:
            value = row.get(column)
            return value if isinstance(value, str) else default

        # The freight the matching estimated: landed cost minus price.
        freight = max(float(row["landed_unit_cost"] - row["unit_price"]), 0.0) if "landed_unit_cost" in row else 0.0

        def delivered(column: str) -> float:  # NaN or absent: as published
            value = float(row.get(f"delivered_{column}", math.nan))
            return float(row[column]) if math.isnan(value) else value

        routed = "transit_days" in row and "transport_mode" in row
        return cls(offering=str(row["id"]), provider=str(row["provider"]), country=row["country"],
                   region=row["region"], lat=float(row["lat"]), lon=float(row["lon"]),
                   unit_price=float(row["unit_price"]), freight=freight, setup_cost=float(row["setup_cost"]),
                   onboarding_days=text("onboarding_days"), onboarding_mean=float(row["onboarding_mean"]),
                   lead_time_days=text("lead_time_days"), lead_time_mean=float(row["lead_time_mean"]),
                   on_time_rate=float(row["on_time_rate"]), conformance_rate=float(row["conformance_rate"]),
                   delivered_on_time_rate=delivered("on_time_rate"),
                   delivered_conformance_rate=delivered("conformance_rate"), inputs=str(row.get("inputs", "consigned")),
                   transport_mode=str(row["transport_mode"]) if routed else "",
                   transit_days=int(row["transit_days"]) if routed else None, score=float(row.get("score", 0.0)),
                   internal=bool(row.get("internal", False)), prequalified=bool(row.get("prequalified", False)))


# The columns Candidate.from_row reads, where a frame has them.
_CANDIDATE_COLUMNS = ("id", "provider", "country", "region", "lat", "lon", "unit_price", "landed_unit_cost",
                      "setup_cost", "onboarding_days", "onboarding_mean", "lead_time_days", "lead_time_mean",
                      "on_time_rate", "conformance_rate", "delivered_on_time_rate", "delivered_conformance_rate",
                      "inputs", "transport_mode", "transit_days", "score", "internal", "prequalified")


def as_candidates(table: "pd.DataFrame | Matches") -> list[Candidate]:
    """Every row of ``table`` (the pool, or the matching's ranked candidates, as a frame or as
    :class:`resim.supply.matching.Matches`) as a candidate."""
    # Plain records of the columns read: a row Series per offering, or every column, costs far more.
    columns = {name: table[name].tolist() for name in _CANDIDATE_COLUMNS if name in table}
    return [Candidate.from_row(dict(zip(columns, values))) for values in zip(*columns.values())]


@dataclass
class Agreement:
    """One agreement with a provider, from request to evaluation (days, units, currency)."""

    offering: str
    provider: str
    part: str
    destination: str
    units_per_day: float
    unit_price: float
    setup_cost: float
    requested_day: int
    answer: Answer
    start_day: int
    qualified_day: int          # onboarding done: takes orders from this day, ships from the next
    end_day: int
    freight: float = 0.0        # per unit, paid by the firm beside the price
    credit: float = 0.0         # per unit, paid back by a supplier receiving it (its unit cost)
    transport_mode: str = ""    # the mode its lane ships by (resim.supply.logistics)
    transit_days: int = 0       # door-to-door transit, added to the quoted lead time
    lane: str = ""              # the provider's lane in the model, once qualified
    shipped: float = 0.0
    received: float = 0.0       # arrived, accepted or not
    rejected: float = 0.0
    late_units: float = 0.0
    cost: float = 0.0           # paid so far: setup + accepted units x (price + freight - credit)
    internal: bool = False      # with one of the firm's own sites: no probation, its capacity carved out
    prequalified: bool = False  # called off a standby agreement (resim.sim.standby): no probation

    @property
    def node_id(self) -> str:
        """The provider's node in the model."""
        return f"maas_{self.offering}"

    @property
    def accepted(self) -> float:
        """Units received and passed by the incoming inspection: those the firm pays for."""
        return self.received - self.rejected

    def most_units(self, probation: "Probation") -> float:
        """The most units the provider may ship: its reserved capacity on each day from the day
        after it is qualified to the day before the end (its lane closes on the end day), at
        ``probation.capacity_share`` of it while the probation lasts (none for an internal or a
        pre-qualified one)."""
        first, last = self.qualified_day + 1, self.end_day - 1
        days = max(last - first + 1, 0)
        on_probation = probation.days > 0 and not (self.internal or self.prequalified)
        length = int(round(probation.days)) if on_probation else 0
        # The probation ends at the start of day qualified + length: the days before are capped.
        capped = max(min(self.qualified_day + length - 1, last) - first + 1, 0) if length else 0
        return self.units_per_day * (days - (1.0 - probation.capacity_share) * capped)

    def commitment(self, probation: "Probation") -> float:
        """The money the agreement commits the firm to at most: setup plus price and freight on
        :meth:`most_units` (what a strategy's budget is debited)."""
        return self.setup_cost + (self.unit_price + self.freight) * self.most_units(probation)


def _dist(value, fallback: float):
    if isinstance(value, str) and value:
        return parse_dist(value)
    return parse_dist(float(fallback))


def negotiation_stream(model: "Model", event: str, offering: str, part: str, destination: str,
                       attempt: int) -> np.random.Generator:
    """The random stream of one request: keyed by what it is about (the disruption occurrence it
    answers, the offering, part, destination and round of requests), never by the strategy, so
    the same request gets the same answer and onboarding time in every strategy of a replication
    (common random numbers)."""
    return model.streams.get("negotiation", event, offering, part, destination, str(attempt))


def negotiate(candidate: Candidate, need: "Need", *, units_per_day: float, request_day: int, end_day: int,
              terms: "Negotiation", rng: np.random.Generator) -> Agreement:
    """Ask the provider of ``candidate`` for ``units_per_day`` of ``need.part`` until
    ``end_day``; return the agreement (``answer`` says whether it holds). Draws the answer, then
    the onboarding time, from ``rng`` (see :func:`negotiation_stream`). One of the firm's own
    sites (an internal candidate) accepts as asked: the firm directs its plants. A pre-qualified
    one accepts on the day asked: its standby agreement holds the terms (:mod:`resim.sim.standby`)."""
    draw = rng.random()
    bound = candidate.internal or candidate.prequalified
    answer = (Answer.ACCEPTED if draw < terms.accept or bound
              else Answer.COUNTERED if draw < terms.accept + terms.counter else Answer.DECLINED)
    answered = request_day + (0 if candidate.prequalified else math.ceil(terms.response_days))
    price = candidate.unit_price
    start = answered
    if answer == Answer.COUNTERED:
        price *= 1.0 + terms.counter_price_increase
        start += math.ceil(terms.counter_delay_days)
    onboarding = max(int(round(float(_dist(candidate.onboarding_days, candidate.onboarding_mean).sample(rng)))), 0)
    return Agreement(offering=candidate.offering, provider=candidate.provider, part=need.part,
                     destination=need.destination, units_per_day=float(units_per_day), unit_price=price,
                     setup_cost=candidate.setup_cost, requested_day=request_day, answer=answer,
                     start_day=start, qualified_day=start + onboarding, end_day=end_day, freight=candidate.freight,
                     transport_mode=candidate.transport_mode, transit_days=candidate.transit_days or 0,
                     internal=candidate.internal, prequalified=candidate.prequalified)


def _transport(model: "Model", agreement: Agreement, candidate: Candidate) -> tuple[str, int]:
    """The mode and transit days of the provider's lane: as the matching chose them, or, for a
    candidate that does not say (an offering straight from the pool), by :mod:`resim.supply.logistics` from
    the provider's site to the destination, not expedited (as :func:`resim.supply.matching.candidates`)."""
    if candidate.transit_days is not None:
        return candidate.transport_mode, candidate.transit_days
    dest = model.scenario.nodes_by_id[agreement.destination]
    same_country, same_region = candidate.country == dest.country, candidate.region == dest.region
    distance = logistics.distance_km(dest.lat, dest.lon, [candidate.lat], [candidate.lon], same_country, same_region)
    part = model.scenario.parts_by_id[agreement.part]
    mode = logistics.choose_mode(distance, same_country, same_region, weight_kg=part.weight_kg,
                                 value=part.unit_cost, holding_rate=dest.holding_cost_rate)
    return str(mode[0]), int(logistics.transit_days(distance, mode)[0])


def lot_acceptance(conformance_rate: float, inspection: "Inspection") -> float:
    """Chance a lot passes single sampling: at most Ac defective in a sample of n."""
    return float(stats.binom.cdf(inspection.acceptance_number, inspection.sample_size, 1.0 - conformance_rate))


def execute(model: "Model", agreement: Agreement, candidate: Candidate, *, share: float = 1.0,
            replaces: Sequence[str] = (), handback_day: int | None = None, keep: float = 0.0,
            need_id: str | None = None, market: Market | None = None,
            watched: Callable[[Agreement, int], None] | None = None,
            breached: Callable[[Agreement, int, Lots], None] | None = None) -> bool:
    """Schedule an agreement in ``model``: setup cost at its start; on its qualified day the
    provider node and its lane (taking ``share`` of the destination's new orders; orders are served
    from the next day), with the lanes in ``replaces`` put on standby for the agreement's part
    and their open orders of it cancelled (the buyer re-orders from the provider; other parts on
    those lanes carry on); full capacity after probation. On standby a replaced lane's share of
    orders is multiplied by ``keep``: 0 when the agreements cover the need, else the share they
    leave uncovered, which stays with the usual lanes. Agreements for one need pass the same
    ``need_id``, so their standby is one cause, set once, not multiplied. From ``handback_day``
    (default: the agreement's end) new orders go back to the replaced lanes, so their pipeline
    refills, while the provider still ships the orders it holds, as many as its capacity clears
    by the end (the rest are re-ordered from the usual lanes at once). At its end the provider's
    lane closes and what it still owes is cancelled (the buyer re-orders it from the open lanes).
    The provider makes the part from its components, consigned or bought on ``market`` as its
    offering says (:mod:`resim.sim.inputs`). The firm pays each unit accepted at the agreed price plus
    the freight (see :meth:`resim.sim.engine.Model.add_lane`).

    Its lane is watched from its qualified day (:meth:`resim.sim.engine.Model.watch`; ``watched``
    is told the watch's number). With ``breached`` and limits in ``maas.monitoring``, an
    agreement whose lots exceed them is **ended for cause** at the end of that day: its lane
    closes, what it still owes is cancelled (the buyer re-orders it from the open lanes), the
    handback leaves its lane alone, and ``breached(agreement, day, lots)`` is called (to source
    the rest elsewhere). Returns whether the agreement was scheduled: not when declined, nor
    when the provider would be qualified only at or after the end."""
    if agreement.answer == Answer.DECLINED or agreement.qualified_day >= agreement.end_day:
        return False
    maas = model.scenario.maas
    # Shipments of one offering to one destination: the same in every strategy (common random numbers).
    rng = model.streams.get("maas", agreement.offering, agreement.part, agreement.destination)
    horizon = model.horizon
    quoted = whole_days(_dist(candidate.lead_time_days, candidate.lead_time_mean).sample(rng, horizon))
    late = rng.random(horizon) >= candidate.delivered_on_time_rate
    extra = np.floor(rng.random(horizon) * quoted) + 1
    # Production as quoted (late or not), then the transport: its door-to-door transit days.
    agreement.transport_mode, agreement.transit_days = _transport(model, agreement, candidate)
    lead_times = quoted + late * extra + agreement.transit_days
    accepted = (rng.random(horizon) < lot_acceptance(candidate.delivered_conformance_rate, maas.inspection)).astype(float)
    probation = f"probation:{agreement.offering}:{agreement.requested_day}"
    standby = f"replaced:{need_id or f'{agreement.offering}:{agreement.requested_day}'}"
    contract = f"agreement:{agreement.offering}:{agreement.requested_day}"  # its lane's share, then its closing

    inputs = candidate.inputs
    monitoring = maas.monitoring
    limits = None if breached is None or not monitoring.acts else Limits(
        late_share=math.inf if monitoring.late_share is None else monitoring.late_share,
        rejected_share=math.inf if monitoring.rejected_share is None else monitoring.rejected_share,
        min_lots=monitoring.min_lots)
    ended = False

    def provider(m: "Model") -> tuple[Node, Lane]:
        # The same offering may be contracted again (a repeated disruption): give it a new node.
        node_id, copy = agreement.node_id, 1
        while node_id in m.net.node_index:
            copy += 1
            node_id = f"{agreement.node_id}_{copy}"
        stock = input_stock(m.scenario, agreement.part, agreement.units_per_day,
                            input_lead_days(m.scenario, agreement.part, inputs))
        node = Node(id=node_id, kind="supplier", country=candidate.country, region=candidate.region,
                    lat=None if math.isnan(candidate.lat) else candidate.lat,
                    lon=None if math.isnan(candidate.lon) else candidate.lon,
                    makes=(agreement.part,), capacity_per_day=agreement.units_per_day, inventory=stock)
        # The lane's cost per unit is the freight, paid by the firm on each unit it accepts.
        return node, Lane(source=node.id, dest=agreement.destination, parts=(agreement.part,),
                          lead_time_days=candidate.lead_time_mean + agreement.transit_days,
                          cost_per_unit=agreement.freight, mode=agreement.transport_mode)

    def begin(m: "Model") -> None:
        m.charge("maas_onboarding", agreement.setup_cost)
        agreement.cost = agreement.setup_cost

    def deliver(m: "Model") -> None:
        node, lane = provider(m)
        agreement.lane = lane.key
        m.add_node(node)
        supply_inputs(m, market if market is not None else Market(m), node.id, agreement.part, inputs)
        m.add_lane(lane, price=agreement.unit_price, lead_times=lead_times, accepted=accepted)
        if m.net.nodes[m.net.node_index[agreement.destination]].kind == "supplier":
            agreement.credit = m.scenario.parts_by_id[agreement.part].unit_cost  # see Model.add_lane
        m.set_share(lane.key, share, cause=contract)
        for key in replaces:  # a factor, not a share: other actions setting their shares cannot undo it
            m.set_share_factor(key, keep, cause=standby, part=agreement.part)
            m.cancel_orders(key, agreement.part)
        if agreement.internal:  # the site's own capacity makes the work: lowered by what it reserves
            carve(m, candidate.provider, agreement.units_per_day, contract)
            site_hook.append(follow(m, candidate.provider, node.id))
        elif maas.probation.days > 0 and not agreement.prequalified:
            m.set_capacity(node.id, maas.probation.capacity_share, cause=probation)
            m.at(agreement.qualified_day + int(round(maas.probation.days)), lambda mm: mm.end(probation))
        arcs = np.flatnonzero(m.net.arc_lane == m.net.lane_index[lane.key])
        into_stock = bool((m.net.arc_dst[arcs] >= 0).all())
        watch = m.watch(arcs, late, lambda tally: _record(agreement, tally, into_stock), limits=limits,
                        breach=None if limits is None else lambda day: end_for_cause(m, lane.key, watch, day))
        if watched is not None:
            watched(agreement, watch)
        if handback_day is not None and agreement.qualified_day < handback_day < agreement.end_day:
            m.at(handback_day, lambda mm: hand_back(mm, lane.key))

    site_hook: list[Hook] = []  # an internal agreement's daily following of its site's disruptions

    def leave_site(m: "Model") -> None:
        # An internal agreement gives the site its capacity back and stops following it.
        if agreement.internal:
            release(m, candidate.provider, contract)
            for hook in site_hook:
                hook.cancel()

    def end_for_cause(m: "Model", key: str, watch: int, day: int) -> None:
        nonlocal ended
        ended = True
        m.set_lane_open(key, False, cause=contract)
        m.cancel_orders(key)
        leave_site(m)
        breached(agreement, day, m.watched_lots(watch))

    def hand_back(m: "Model", key: str) -> None:
        # New orders go back to the usual lanes, whose pipeline refills; the provider still ships
        # what it was asked for, bridging the gap until the usual supply arrives. What it could
        # not ship before the end is re-ordered from the usual lanes now, not at the end.
        m.end(standby)
        if ended:  # closed already, nothing owed on it
            return
        m.set_share_factor(key, 0.0, cause=f"handback:{agreement.offering}:{agreement.requested_day}")
        m.cancel_orders(key, keep=agreement.units_per_day * (agreement.end_day - handback_day))

    def finish(m: "Model") -> None:
        key = agreement.lane
        if key:  # closed, the lane takes no new orders whatever its share
            m.set_lane_open(key, False, cause=contract)
            m.cancel_orders(key)
            leave_site(m)
        m.end(standby)

    model.at(agreement.start_day, begin)
    model.at(agreement.qualified_day, deliver)
    model.at(agreement.end_day, finish)
    return True


def _record(agreement: Agreement, tally: Tally, into_stock: bool) -> None:
    """Record what the provider's lane (ending in stock points if ``into_stock``, else in a
    market) has shipped, received and had rejected, the units shipped late, and what the firm
    has paid for it."""
    agreement.shipped, agreement.received, agreement.rejected, agreement.late_units = tally
    # What the engine charges for the lane (a lane into a market delivers what it ships).
    paid = agreement.accepted if into_stock else agreement.shipped
    agreement.cost = agreement.setup_cost + paid * (agreement.unit_price + agreement.freight - agreement.credit)


def agreements_frame(agreements: Iterable[Agreement]) -> pd.DataFrame:
    """One row per agreement, for tables and evaluation."""
    return pd.DataFrame([asdict(a) for a in agreements], columns=list(Agreement.__dataclass_fields__))
