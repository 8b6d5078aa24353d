"""MaaS sourcing of one need a response has: size it, rank the pool's candidates, negotiate
within the strategy's budget and limits, and execute the agreements.

:func:`source` runs the four steps for a :class:`Request`. Ranking matches the need against the
pool as it is that day (:func:`rank`); the ranked candidates become typed records once
(:class:`resim.sim.agreements.Candidate`), which the negotiation (:class:`_Negotiation`) and the
execution read. Candidates stay arrays (:class:`resim.supply.matching.Matches`) from matching to
the chosen few: a replication sources up to a hundred needs, and a frame per step costs more
than the steps. Every request and its answer is recorded as an action of the response.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from resim.scenario.format.maas import ScoreWeights
from resim.scenario.format.strategies import ActionKind, Orchestration
from resim.sim.actions import Action
from resim.sim.agreements import Agreement, Candidate, as_candidates, execute, negotiate, negotiation_stream
from resim.sim.inputs import claim_inputs, input_capacity
from resim.sim.internal import disrupted
from resim.sim.status import ActionStatus, Answer
from resim.sim.watch import Lots
from resim.supply.matching import Matches, Need, Selection, match, need_for, score, select

if TYPE_CHECKING:
    from resim.sim.engine import Model
    from resim.sim.strategies import Response

__all__ = ["Request", "source", "rank"]


@dataclass(frozen=True)
class Request:
    """``units`` a day of ``part`` for ``destination``, sought by a response's action ``kind``
    from ``day`` to the expected recovery ``end`` and ``handover`` days beyond it (the usual
    supply's pipeline from the hit node, refilling while the providers still deliver).

    The providers take over from the lanes in ``replaces``, which carry ``replaced_flow`` units a
    day in normal times (default: their expected flow); with nothing replaced, they get ``share``
    (default 1) of what they cover. ``trigger`` and ``onset`` name the disruption occurrence
    answered ("" for a proactive action), ``stage`` the decision (a recheck)."""

    kind: ActionKind
    trigger: str
    part: str
    destination: str
    units: float
    day: int
    end: int
    replaces: tuple[str, ...] = ()
    share: float | None = None
    handover: float = 0.0
    onset: int | None = None
    replaced_flow: float | None = None
    stage: str = ""

    @property
    def event(self) -> str:
        """What the request answers, keying its negotiation streams: the occurrence and stage."""
        if not self.trigger:
            return "proactive" + self.stage
        return f"{self.trigger}@{self.onset if self.onset is not None else self.day}{self.stage}"


def source(response: "Response", model: "Model", request: Request) -> None:
    """Source ``request`` from MaaS providers for ``response``.

    The providers get the replaced lanes' weight in the destination's orders times what they
    cover of the replaced flow, and the replaced lanes keep the rest. Candidates see what each
    offering has left over these days (:class:`resim.sim.capacity.CapacityLedger`); each
    agreement books its units.

    Each request's answer and onboarding time come from its own stream, keyed by the disruption
    occurrence, offering, part, destination and round
    (:func:`resim.sim.agreements.negotiation_stream`). A counter-offer is refused when its landed
    price exceeds the strategy's ``max_premium``, and any agreement whose commitment exceeds the
    budget left is refused; an agreement whose provider would be qualified only at or after the
    end is dropped (``too late``). What these leave open passes to the next candidates, as a
    decline does. The budget is debited by the commitment of each agreement executed
    (:meth:`resim.sim.agreements.Agreement.commitment`), and only those."""
    if response.pool is None or request.units <= 0 or model.scenario.parts_by_id[request.part].process is None:
        return
    # A strategy asking for speed has its providers expedite and ship by air (resim.supply.logistics).
    need = need_for(model.scenario, request.part, units_per_day=request.units, destination=request.destination,
                    expedite=response.orchestration == Orchestration.FASTEST)
    last = min(request.end + math.ceil(request.handover), model.horizon)
    table, ranked = rank(response, model, need, request.day, request.end, last=last)
    strategy = response.strategy
    budget = None if strategy.budget is None else max(strategy.budget - response.spent, 0.0)
    deals = _Negotiation(response, model, request, need, budget=budget, until=request.end)
    deals.run(ranked)
    _execute(response, model, request, need, deals.agreed)
    if not deals.contracted and not deals.passed:
        response.actions.append(Action(
            strategy.id, request.kind, request.trigger, "", request.part, request.destination, request.units,
            request.day, deals.until, 0.0, ActionStatus.NO_CANDIDATE,
            _why_none(table, ranked, need, budget, deals.until - request.day)))


def rank(response: "Response", model: "Model", need: Need, day: int, end: int, last: int | None = None
         ) -> tuple[Matches, Matches]:
    """The pool matched against ``need`` as it is on ``day`` (disruptions in force), with what
    each offering has left from ``day`` to ``last`` (default ``end``): other firms'
    contention and earlier agreements taken (:class:`resim.sim.capacity.CapacityLedger`); and the
    eligible candidates ranked in the response's orchestration style."""
    scenario = model.scenario
    active = [o.spec for o in model.occurrences if o.start <= day and (o.end is None or day < o.end)]
    last = end if last is None else last
    capacity, price = response.capacity.left(active, day, last)
    table = match(response.pool, need, active=active, max_premium=response.strategy.max_premium, scenario=scenario,
                  capacity=capacity, price=price)
    # The conditions of this run: each offering keeps the first reason it fails.
    reason = table["reason"].copy()
    capacity = table["capacity_per_day"]
    internal = np.asarray(table["internal"], bool) if "internal" in table else np.zeros(len(table), bool)
    if internal.any():
        capacity = _site_left(response, table, internal, capacity, day, last)

    def fail(mask: np.ndarray, why: str) -> None:
        reason[(reason == "") & mask] = why

    fail(capacity <= 1e-9, "no capacity left: booked by earlier agreements or taken by other firms")
    # One of the firm's own sites has nothing idle while a disruption lowers it (resim.sim.internal).
    if internal.any():
        fail(np.array([flag and disrupted(model, site) for flag, site in zip(internal, table["provider"])], bool),
             "its site is disrupted")
    if response.ended:
        fail(np.isin(table["id"], list(response.ended)), "ended for cause earlier in this run (maas.monitoring)")
    # A provider makes only what its components allow: its capacity is capped by what their
    # sources can give now (the usual makers as disrupted, the market as others left it).
    if len(table) and scenario.parts_by_id[need.part].bom:
        inputs = table["inputs"]
        caps = {kind: input_capacity(model, response.market, need.part, kind, day) for kind in set(inputs)}
        cap = np.array([caps[kind] for kind in inputs], float)
        capacity = np.minimum(capacity, cap)
        fail(cap <= 0, "no components: their sources are down or sold out")
    # A provider that cannot deliver before the expected recovery is of no use.
    fail(table["days_to_first_delivery"] >= end - day, "first delivery after the expected recovery")
    table = table.assign(capacity_per_day=capacity, reason=reason, eligible=reason == "",
                         **response.scorecards.rated(table, scenario.maas))
    style = response.orchestration
    return table, _style(style, score(table, need, _weights(style, scenario)))


def _site_left(response: "Response", table: Matches, internal: np.ndarray, capacity: np.ndarray, first: int,
               last: int) -> np.ndarray:
    """``capacity`` with each internal offering's less what the site's other internal offerings
    have booked on days ``first`` .. ``last - 1``: a site's idle capacity is sold once, whichever
    of its processes takes it (each offering's own bookings are taken already)."""
    frame = response.pool.frame
    offerings = frame.loc[frame.internal, ["id", "provider"]].itertuples(index=False)
    booked: dict[str, list[tuple[str, float]]] = {}
    for offering, site in offerings:
        booked.setdefault(site, []).append((offering, response.capacity.booked(offering, first, last)))
    capacity = capacity.copy()
    for i in np.flatnonzero(internal):
        offering, site = table["id"][i], table["provider"][i]
        others = sum(units for other, units in booked.get(site, ()) if other != offering)
        capacity[i] = max(capacity[i] - others, 0.0)
    return capacity


def _weights(style: Orchestration, scenario) -> ScoreWeights:
    if style == Orchestration.CHEAPEST:
        return ScoreWeights(cost=1, lead_time=0, quality=0, on_time=0, capacity=0, distance=0)
    if style == Orchestration.FASTEST:
        return ScoreWeights(cost=0, lead_time=1, quality=0, on_time=0, capacity=0, distance=0)
    return scenario.maas.weights


def _style(style: Orchestration, ranked: Matches) -> Matches:
    """The candidates an orchestration style picks among (see :mod:`resim.sim.strategies`), and
    every pre-qualified one: the strategy chose those in advance."""
    if not len(ranked) or style == Orchestration.CHEAPEST:
        return ranked
    if style == Orchestration.FASTEST:
        first = ranked["days_to_first_delivery"]
        kept = first <= first.min() + 7
    else:
        scores = ranked["score"]
        kept = scores >= np.median(scores)
    return ranked.take(np.flatnonzero(kept | _prequalified(ranked)))


def _prequalified(table: Matches) -> np.ndarray:
    """Which rows of ``table`` are pre-qualified offerings (:mod:`resim.sim.standby`)."""
    if "prequalified" in table:
        return np.asarray(table["prequalified"], bool)
    return np.zeros(len(table), bool)


@dataclass
class _Negotiation:
    """The requests for one need, in up to three rounds: each round selects providers for what is
    still open, within the budget left and the provider limit, and asks them; what requests not
    agreed leave open passes to the next candidates. Every request is recorded."""

    response: "Response"
    model: "Model"
    request: Request
    need: Need
    budget: float | None                 # left, debited by each agreement's commitment
    until: int                           # every agreement for a need ends on the same day
    agreed: list[tuple[Agreement, Candidate]] = field(default_factory=list)
    contracted: list[str] = field(default_factory=list)
    passed: set[str] = field(default_factory=set)   # declined by the provider, or not agreed by the firm
    covered: float = 0.0

    def run(self, ranked: Matches) -> None:
        """Call the pre-qualified candidates among ``ranked`` first (their standby agreements hold:
        one round, answered the day asked), then negotiate with the others until the need is
        covered or none is left."""
        standby = _prequalified(ranked)
        if standby.any():
            self._rounds(ranked.take(np.flatnonzero(standby)), rounds=1)
            ranked = ranked.take(np.flatnonzero(~standby))
        self._rounds(ranked, rounds=3)

    def _rounds(self, ranked: Matches, rounds: int) -> None:
        """Negotiate with the ``ranked`` candidates, in up to ``rounds`` rounds."""
        request, scenario = self.request, self.model.scenario
        limit = self.response.strategy.max_providers
        for attempt in range(rounds):
            gap = self.need.units_per_day - self.covered
            if gap <= 1e-9 or (limit is not None and len(self.contracted) >= limit):
                break
            asked = request.day + attempt * math.ceil(scenario.maas.negotiation.response_days)  # after the answers
            if asked >= request.end:
                break
            passed_before = len(self.passed)
            left = ranked.take(np.flatnonzero(~np.isin(ranked["id"], list(self.passed | set(self.contracted)))))
            chosen = select(left, replace(self.need, units_per_day=gap), days=request.end - asked,
                            budget=self.budget, max_providers=None if limit is None else limit - len(self.contracted))
            if not len(chosen.chosen):
                break
            if not self.contracted:
                self.until = _handover_end(chosen, request.end, request.handover, self.budget, self.model.horizon)
            # Only the chosen rows become candidates: they are few, the ranked ones may be many.
            for candidate, units in zip(as_candidates(chosen.chosen), chosen.chosen["units_per_day"].tolist()):
                self._ask(candidate, units, asked, attempt)
            if len(self.passed) == passed_before:  # every request agreed: asking again would choose the same
                break

    def _ask(self, candidate: Candidate, units: float, asked: int, attempt: int) -> None:
        """Ask ``candidate`` for ``units`` a day on day ``asked``; book the agreement if it goes ahead."""
        response, model, request = self.response, self.model, self.request
        scenario, part, destination = model.scenario, request.part, request.destination
        strategy = response.strategy
        # What the components left by earlier agreements allow (the market is shared).
        units = min(units, input_capacity(model, response.market, part, candidate.inputs, asked))
        if units <= 1e-9:
            response.actions.append(Action(strategy.id, request.kind, request.trigger, candidate.offering, part,
                                           destination, 0.0, asked, self.until, 0.0, ActionStatus.NO_COMPONENTS,
                                           "its components' sources are down or sold out"))
            self.passed.add(candidate.offering)
            return
        rng = negotiation_stream(model, request.event, candidate.offering, part, destination, attempt)
        deal = negotiate(candidate, self.need, units_per_day=units, request_day=asked, end_day=self.until,
                         terms=scenario.maas.negotiation, rng=rng)
        status, note = self._agreeable(deal)
        response.actions.append(Action(strategy.id, request.kind, request.trigger, deal.offering, part, destination,
                                       deal.units_per_day, deal.qualified_day, self.until, deal.unit_price,
                                       status or ActionStatus(deal.answer),
                                       note or _note(candidate)))
        if status is not None:
            self.passed.add(deal.offering)
            return
        response.agreements.append(deal)
        self.agreed.append((deal, candidate))
        claim_inputs(response.market, scenario, part, candidate.inputs, deal.units_per_day, asked, deal.end_day)
        response.capacity.book(deal.offering, deal.units_per_day, deal.qualified_day, deal.end_day)
        self.contracted.append(deal.offering)
        self.covered += deal.units_per_day
        commitment = deal.commitment(scenario.maas.probation)
        response.spent += commitment
        if self.budget is not None:
            self.budget = max(self.budget - commitment, 0.0)

    def _agreeable(self, deal: Agreement) -> tuple[ActionStatus | None, str]:
        """Why ``deal`` does not go ahead (status and note), or (None, "") when it does: the
        provider declined, it would be qualified only at or after its end (``too late``), its
        landed price is above ``max_premium`` (the ceiling the candidates were filtered by; a
        counter can exceed it) or its commitment exceeds the budget left (``refused``)."""
        if deal.answer == Answer.DECLINED:
            return ActionStatus.DECLINED, ""
        if deal.qualified_day >= deal.end_day:
            return ActionStatus.TOO_LATE, f"qualified on day {deal.qualified_day}, not before its end on day {deal.end_day}"
        what = "counter" if deal.answer == Answer.COUNTERED else "offer"
        ceiling = self.response.strategy.max_premium
        unit_cost = self.need.unit_cost
        premium = (deal.unit_price + deal.freight) / unit_cost - 1.0 if unit_cost > 0 else 0.0
        if ceiling is not None and premium > ceiling + 1e-12:
            return ActionStatus.REFUSED, (f"{what} at {deal.unit_price:,.2f} a unit: landed premium {premium:.0%} "
                                          f"above max_premium {ceiling:.0%}")
        commitment = deal.commitment(self.model.scenario.maas.probation)
        if self.budget is not None and commitment > self.budget + 1e-6:
            return ActionStatus.REFUSED, (f"{what} at {deal.unit_price:,.2f} a unit commits {commitment:,.0f}, "
                                          f"above the budget left {self.budget:,.0f}")
        return None, ""


def _execute(response: "Response", model: "Model", request: Request, need: Need,
             agreed: list[tuple[Agreement, Candidate]]) -> None:
    """Schedule the ``agreed`` deals for ``need``."""
    # The replaced lanes keep the part of their flow the agreements leave uncovered: a partly
    # working usual source (a ramp-up, stock, a second source) is not cut off for providers
    # that cover less. Providers share the destination's orders in proportion to what each
    # agreed to supply, within the replaced lanes' weight.
    part, replaces, flows = request.part, list(request.replaces), response.flows
    flow = request.replaced_flow if request.replaced_flow is not None else sum(flows.lane(k, part) for k in replaces)
    flow = flow if flow > 1e-9 else need.units_per_day
    weight = sum(flows.weight.get((k, part), 0.0) for k in replaces) if replaces else 0.0
    weight = weight if weight > 1e-12 else (request.share or 1.0) * flow / need.units_per_day
    # The replaced lanes give up what the providers cover as each is qualified, not before: a
    # provider qualified months later leaves the usual supply its orders until then. Each
    # agreement's qualifying sets the standby (one cause per need) to what those qualified by
    # then leave uncovered.
    need_id = f"{request.event}:{part}:{request.destination}:{request.day}"
    qualified = 0.0
    for deal, candidate in sorted(agreed, key=lambda pair: pair[0].qualified_day):  # stable: ties in order
        qualified += deal.units_per_day
        keep = max(1.0 - qualified / flow, 0.0) if qualified < flow - 1e-9 else 0.0
        share = weight * deal.units_per_day / flow
        execute(model, deal, candidate, share=share, replaces=replaces, handback_day=request.end, keep=keep,
                need_id=need_id, market=response.market, watched=response.scorecards.watched,
                breached=partial(_ended, response, model, request, share))


def _ended(response: "Response", model: "Model", request: Request, share: float, deal: Agreement, day: int,
           lots: Lots) -> None:
    """``deal`` (one of ``request``'s, with ``share`` of its destination's orders) was ended for
    cause on ``day`` (:func:`resim.sim.agreements.execute`): record it, take back the commitment
    it can no longer deliver, and source what it was to supply, from the next day to the
    request's end, from other providers (with its share of the orders; the usual lanes stay on
    standby as they were)."""
    monitoring = model.scenario.maas.monitoring
    late = lots.late / lots.shipped if lots.shipped else 0.0
    rejected = lots.rejected / lots.received if lots.received else 0.0
    response.actions.append(Action(
        response.strategy.id, request.kind, request.trigger, deal.offering, deal.part, deal.destination,
        deal.units_per_day, day, deal.end_day, deal.unit_price, ActionStatus.ENDED,
        f"{lots.late} of {lots.shipped} lots late ({late:.0%}; limit {_share(monitoring.late_share)}), "
        f"{lots.rejected} of {lots.received} rejected ({rejected:.0%}; limit {_share(monitoring.rejected_share)})"))
    response.ended.add(deal.offering)
    # The commitment debited was price and freight on the most it could deliver to its end; it
    # ships nothing after today.
    probation = model.scenario.maas.probation
    shipped = float(model.shipped_total[model.lane_arcs(deal.lane)].sum())
    response.spent -= max(deal.commitment(probation) - deal.setup_cost - (deal.unit_price + deal.freight) * shipped, 0.0)
    rest = replace(request, units=deal.units_per_day, day=day + 1, replaces=(), share=share, replaced_flow=None,
                   stage=f"{request.stage}:after {deal.offering}")
    if rest.day < rest.end:
        source(response, model, rest)


def _note(candidate: Candidate) -> str:
    """An agreed request's note: where the provider is (internal: which of the firm's sites) and its score."""
    where = f"internal, site {candidate.provider}, {candidate.country}" if candidate.internal else candidate.country
    if candidate.prequalified:
        where += ", pre-qualified"
    return f"{where}; score {candidate.score:.2f}"


def _share(limit: float | None) -> str:
    return "none" if limit is None else f"{limit:.0%}"


def _why_none(table: Matches, ranked: Matches, need: Need, budget: float | None, days: int) -> str:
    """Why no provider was asked: the budget, when eligible offerings exist, else the commonest
    reason the offerings failed (of equally common ones, the first an offering has)."""
    if len(ranked) and budget is not None:
        return f"budget left {budget:,.0f} pays for none of the {len(ranked)} eligible offerings over {days} days"
    reasons = Counter(table["reason"][~table["eligible"]].tolist()).most_common(1)
    if reasons:
        return str(reasons[0][0])
    return f"no offering of {need.process}" if not len(table) else "none within the limits"


def _handover_end(chosen: Selection, end: int, handover: float, budget: float | None, horizon: int) -> int:
    """The day agreements end: the expected recovery ``end`` plus the handover, as far as the
    budget left after covering the outage pays for (coverage during the outage comes first)."""
    per_day = float((chosen.chosen["landed_unit_cost"] * chosen.chosen["units_per_day"]).sum())
    days = handover if budget is None or per_day <= 0 else min(handover, max(budget - chosen.cost, 0.0) / per_day)
    return min(end + math.floor(days), horizon)
