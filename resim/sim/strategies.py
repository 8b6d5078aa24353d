"""Response strategies (R2): how a strategy re-orchestrates the running value chain.

A strategy is a set of actions with delays, limits and a trigger (``strategies`` in the scenario):

* ``buffer`` (proactive): extra units of chosen parts held all year where the part is stocked
  (target and starting stock raised), with their holding cost;
* ``dual_source`` (proactive): from day 0, a standing MaaS second source for every single-sourced
  critical part, contracted for half its flow (``dual_source_share`` sets another share per part);
* ``maas_same_tier``: providers take over the disrupted nodes' own processes and deliver their
  parts to their customers;
* ``maas_upstream``: providers take over the processes of the disrupted nodes' customers, with
  their own supply of the component that went missing, and deliver those assemblies onward
  (securing the components the focal plants need);
* ``circular``: remanufactured and reused parts from reman nodes feed the customers of every
  part that contains what the disruption cut: reman stock first (each day the reman lane gets the
  share of orders its free stock covers), the usual sources the rest.

:data:`ACTION_TYPES` registers what each kind does: its setup at the start of the run (proactive
kinds) or its response to a detected disruption (reactive kinds).

A reactive action starts when a triggering disruption (``responds_to``: ids or types; all when
empty; with ``responds_to_high_risk`` also those R1's risk register flags) is detected
(``detection_delay_days`` after its onset, or a remote monitoring's delay at a monitored site) and
decided (``decision_delay_days`` later); a shortage early warning may bring the detection forward
(:mod:`resim.sim.warning`). It plans for the disruption's expected course (its mean
duration and recovery ramp): MaaS needs are matched against the pool as it is that day
(footprints and embargoes in force, contention), providers are selected within the budget,
premium and provider limits, negotiated with (declines pass to the next candidates), and executed
(:mod:`resim.sim.sourcing`, :mod:`resim.sim.agreements`). The needs are sized by what the lost
sources supplied (:mod:`resim.sim.targets`); rechecks and waits use the expected recovery days
(:mod:`resim.sim.recovery`); actions are recorded (:mod:`resim.sim.actions`). The orchestration style picks among the candidates:
``cheapest`` (least cost), ``fastest`` (expedited work shipped by air where an offering has an
expedite option, at its ``expedite_premium``; first delivery within a week of the quickest) or
``balanced`` (the better-scored half, by the scenario's weights). Every action is recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np

from resim.scenario.format.events import DemandShock
from resim.scenario.format.strategies import ActionKind, Orchestration
from resim.scenario.valuechain import single_sourced_parts
from resim.sim.actions import Action
from resim.sim.agreements import Agreement
from resim.sim.capacity import CapacityLedger
from resim.sim.circular_partners import contract_partners
from resim.sim.disruptions import hit_nodes
from resim.sim.expedite import expedite
from resim.sim.inputs import Market
from resim.sim.scorecards import Scorecards
from resim.sim.hooks import Hook
from resim.sim.standby import retain, standby_pool
from resim.sim.warning import buy_services, detection_days, watch_cover
from resim.sim.recovery import expected_back, expected_end, in_force, is_down, ramp
from resim.sim.sourcing import Request, source
from resim.sim.ledger import Event
from resim.sim.status import ActionStatus, EventKind
from resim.sim.targets import Flows, Target, flows_of, lost_shares, outage_targets, surge_targets
from resim.supply.matching import Pool

if TYPE_CHECKING:
    from resim.sim.engine import Model
    from resim.scenario.format.events import Disruption
    from resim.scenario.format.strategies import Strategy

__all__ = ["Response", "ActionType", "ACTION_TYPES", "Course"]

_SUPPLY_CUTS = ("natural_disaster", "capacity_loss", "supplier_failure", "trade_barrier", "logistics")


class Course(NamedTuple):
    """A disruption as a reactive action answers it: planned for from ``day`` to its expected
    recovery ``end``; ``hit`` are the nodes it stops, ``stage`` names a re-decision (a recheck)."""

    spec: "Disruption"
    onset: int
    hit: list[str]
    day: int
    end: int
    stage: str


Setup = Callable[["Response"], None]
Respond = Callable[["Response", "Model", Course], None]


@dataclass(frozen=True)
class ActionType:
    """What a kind of action does in a run: its ``setup`` at the start of the run and its
    ``respond`` to a detected disruption. Which of the two a kind has, and whether it sources from
    MaaS providers, the kind declares (:class:`ActionKind`, also read by the scenario's checks);
    the registry refuses functions that disagree with it."""

    kind: ActionKind
    setup: Setup | None = None
    respond: Respond | None = None

    def __post_init__(self) -> None:
        if (self.setup is not None) != self.kind.proactive or (self.respond is not None) != self.kind.reactive:
            raise TypeError(f"action '{self.kind}': a setup exactly when proactive, a response exactly when reactive")


class Response:
    """A strategy attached to one model run."""

    def __init__(self, model: "Model", strategy: "Strategy", pool: Pool | None,
                 orchestration: Orchestration = Orchestration.BALANCED, high_risk: frozenset[str] | None = None):
        """``high_risk``: the disruptions R1's risk register flags high risk, needed when the
        strategy has ``responds_to_high_risk`` (the experiment finds them once per scenario)."""
        if strategy.responds_to_high_risk and high_risk is None:
            raise ValueError(f"strategy '{strategy.id}' responds to high-risk disruptions: pass high_risk "
                             f"(R1's register, resim.experiment.catalogue.high_risk_events)")
        self.model, self.strategy = model, strategy
        # The pool as this strategy sees it: its pre-qualified offerings onboarded already.
        self.pool = None if pool is None else standby_pool(model.scenario, strategy, pool)
        self.orchestration = orchestration
        self.high_risk = high_risk or frozenset()
        # Decisions scheduled and not yet taken, per occurrence (disruption id, onset): their day
        # and handle, so that an early warning can bring one forward and it is taken once.
        self.pending: dict[tuple[str, int], tuple[int, Hook]] = {}
        self.actions: list[Action] = []
        self.agreements: list[Agreement] = []
        self.spent = 0.0
        self.ended: set[str] = set()   # offerings whose agreements monitoring ended for cause (stage 3.3)
        self.scorecards = Scorecards(model)   # the providers' records so far (stage 3.4)
        self.facts = model.scenario.facts  # the value chain's graph and BOMs, shared by every replication
        self.market = Market(model)  # the open market for providers' inputs, shared by every need
        # What each offering has left (other firms' contention, earlier agreements), shared by every need.
        self.capacity = CapacityLedger(self.pool.frame, model.scenario) if self.pool is not None else None
        # In the registry's order: buffers are in place before second sources are sought.
        types = [action for kind, action in ACTION_TYPES.items() if kind in strategy.actions]
        for action in types:
            if action.setup is not None:
                action.setup(self)
        buy_services(self)
        retain(self)
        if any(action.respond is not None for action in types):
            model.listen(self._on_event)
            if strategy.early_warning is not None:
                watch_cover(self)

    # -- triggers --------------------------------------------------------------------------------

    def _wants(self, spec) -> bool:
        """Whether the strategy responds to disruption ``spec``: a supply cut (or a demand surge,
        with same-tier MaaS) among ``responds_to`` (all when empty), or flagged high risk by R1."""
        surge = (isinstance(spec, DemandShock) and spec.multiplier > 1
                 and ActionKind.MAAS_SAME_TIER in self.strategy.actions)  # a surge is met by renting same-tier
        if not (spec.type in _SUPPLY_CUTS or surge):
            return False
        wanted = self.strategy.responds_to
        named = spec.id in wanted or spec.type in wanted
        if self.strategy.responds_to_high_risk:
            return named or spec.id in self.high_risk
        return named or not wanted

    def _on_event(self, model: "Model", event: Event) -> None:
        spec = next(d for d in model.scenario.disruptions if d.id == event.id)
        if event.what != EventKind.START or not self._wants(spec):
            return
        detect = detection_days(model.scenario, spec, self.strategy.detection_delay_days, self.strategy.monitoring)
        self.decide(model, spec, event.day, event.day + math.ceil(detect))

    def decide(self, model: "Model", spec, onset: int, detected: int) -> None:
        """Respond to the occurrence of ``spec`` from ``onset``, detected on day ``detected``,
        once decided (``decision_delay_days`` later), in place of a later decision scheduled."""
        day = detected + math.ceil(self.strategy.decision_delay_days)
        key = (spec.id, onset)
        if key in self.pending:
            self.pending[key][1].cancel()

        def act(m: "Model") -> None:
            del self.pending[key]
            self._respond(m, spec, onset)
        self.pending[key] = (day, model.at(day, act))

    def _respond(self, model: "Model", spec, onset: int, end: int | None = None, stage: str = "") -> None:
        """Act on a disruption for its expected course, until the expected recovery ``end``
        (default: onset + mean duration + recovery ramp). MaaS needs whose destination is down
        today wait (:meth:`_serve`). At ``end`` the decision is re-checked (:meth:`_recheck`)."""
        if end is None:
            expected = spec.duration_days.mean if spec.duration_days is not None else model.horizon
            end = min(int(onset + expected + ramp(spec)), model.horizon)
        day = int(model.env.now)
        if end <= day:
            return
        if isinstance(spec, DemandShock):  # more demand than capacity: rent the difference
            for part, destination, units, share in surge_targets(model, self.flows, spec):
                source(self, model, Request(ActionKind.MAAS_SAME_TIER, spec.id, part, destination, units, day, end,
                                            share=share, onset=onset))
            return
        course = Course(spec, onset, hit_nodes(model.scenario, spec), day, end, stage)
        for kind in self.strategy.actions:  # in the strategy's order: an earlier action asks providers first
            respond = ACTION_TYPES[kind].respond
            if respond is not None:
                respond(self, model, course)
        if end < model.horizon:
            model.at(end, lambda m: self._recheck(m, spec, onset))

    def _recheck(self, model: "Model", spec, onset: int) -> None:
        """At the expected recovery: when the disruption is over, nothing changes (the agreements
        hand back as planned). When it is still in force, the response decides again for its
        expected remaining course (:func:`resim.sim.recovery.expected_end`): needs sized and sought as at the first
        decision, with new requests; the agreements made hand back as planned."""
        day = int(model.env.now)
        if in_force(model, spec, onset, day):
            self._respond(model, spec, onset, end=expected_end(model, spec, onset, day), stage=f"/recheck@{day}")

    def _serve(self, model: "Model", kind: ActionKind, spec, onset: int, target: Target, day: int, end: int,
               stage: str) -> None:
        """Seek providers for ``target`` from ``day`` to ``end``, unless its destination is down
        today (:func:`resim.sim.recovery.is_down`): nothing is bought for a node that cannot use it. Such a need waits:
        it is recorded (``destination down``) and looked at again on the day the destination is
        expected back (:func:`resim.sim.recovery.expected_back`), if that is before ``end`` and the disruption is
        still in force then. A destination the same disruption stopped is expected back at its
        end: its own customers are served by the needs for what it makes (the next live node
        downstream)."""
        if is_down(model, target.destination):
            back = expected_back(model, target.destination, day)
            later = back is not None and back < end
            self.actions.append(Action(
                self.strategy.id, kind, spec.id, "", target.part, target.destination, target.units, day, end, 0.0,
                ActionStatus.DESTINATION_DOWN, f"{target.destination} is down: nothing bought for it"
                + (f"; looked at again on day {back}" if later else "")))
            if later:
                model.at(back, lambda m: self._serve(m, kind, spec, onset, target, back, end, stage)
                         if in_force(m, spec, onset, back) else None)
            return
        source(self, model, Request(kind, spec.id, target.part, target.destination, target.units, day, end,
                                    replaces=tuple(target.replaces), handover=target.pipeline, onset=onset,
                                    replaced_flow=target.flow, stage=stage))

    @property
    def flows(self) -> Flows:
        """The scenario's expected flows in normal times, shared by its replications (:func:`flows_of`)."""
        return flows_of(self.model.scenario)

    # -- actions (their registry: ACTION_TYPES) ----------------------------------------------------

    def _buffer(self) -> None:
        model, net = self.model, self.model.net
        for part, units in self.strategy.buffer.items():
            stocked = [sku for (node, p), sku in net.sku_index.items() if p == part and net.sku_policy[sku] > 0]
            # Held where the part is used (bought in), not at its maker, whose site may be the one hit.
            holders = [sku for sku in stocked if net.sku_row[sku] < 0] or stocked
            for sku in holders:
                extra = units / len(holders)
                model.raise_stock(sku, extra)
                node = net.nodes[net.sku_node[sku]]
                if node.kind == "supplier":  # focal stock is charged anyway; a buffer held for us is ours
                    rate = net.sku_value[sku] * node.holding_cost_rate / 365.0
                    model.on_day_end(lambda m, day, sku=sku, extra=extra, rate=rate:
                                     m.charge("holding", min(m.on_hand[sku], extra) * rate))
                self.actions.append(Action(self.strategy.id, ActionKind.BUFFER, "", node.id, part, node.id, extra,
                                           0, model.horizon, net.sku_value[sku], ActionStatus.ACTIVE,
                                           f"{extra:,.0f} extra units held all year"))

    def _dual_source(self) -> None:
        # On day 0 rather than now: sourcing starts negotiations, which run in the simulation.
        self.model.at(0, self._second_sources)

    def _second_sources(self, model: "Model") -> None:
        parts = model.scenario.parts_by_id
        for part, maker in sorted(single_sourced_parts(self.facts.graph).items()):
            if not parts[part].critical or parts[part].process is None:
                continue
            share = self.strategy.dual_source_share.get(part, 0.5)
            if share <= 0:
                continue
            for lane in [l for l in self.facts.lanes_from(maker) if part in l.parts]:
                use = self.flows.lane(lane.key, part)
                source(self, model, Request(ActionKind.DUAL_SOURCE, "", part, lane.dest, share * use, 0, model.horizon,
                                            share=share))

    def _rent(self, model: "Model", course: Course, kind: ActionKind) -> None:
        """Seek MaaS providers for every need the disruption leaves (:func:`outage_targets`)."""
        # Sized for the event's own severity: detected, its damage is seen.
        seen = next((o.effective_severity for o in model.occurrences
                     if o.spec.id == course.spec.id and o.start == course.onset), None)
        lost = lost_shares(model.scenario, self.flows, course.spec, course.hit, seen)
        for target in outage_targets(model.scenario, self.flows, course.hit, kind, lost):
            self._serve(model, kind, course.spec, course.onset, target, course.day, course.end, course.stage)

    def _circular(self, model: "Model", course: Course) -> None:
        scenario, net = model.scenario, model.net
        trigger, day, end = course.spec.id, course.day, course.end
        cut = {p for node in course.hit for p in scenario.nodes_by_id[node].makes}
        affected = {p.id for p in scenario.parts if p.id in cut or cut & set(self.facts.explosion(p.id))}
        for lane in net.own_lanes():
            source = net.nodes[net.node_index[lane.source]]
            if source.kind != "reman":
                continue
            for part in sorted(set(lane.parts) & affected):
                sku = net.sku_index[(source.id, part)]
                use = self.flows.inflow(lane.dest, part)
                if use <= 0:
                    continue
                _RemanSteer(model, lane.key, part, sku, use, end,  # steers each day from now on
                            cause=f"circular:{trigger}@{day}:{lane.key}:{part}")
                cost = scenario.circular.reman_cost_factor * net.sku_value[sku]  # a reman part's price
                waiting = model.circular.units_waiting(part) if model.circular else 0.0
                self.actions.append(Action(self.strategy.id, ActionKind.CIRCULAR, trigger, source.id, part, lane.dest,
                                           use, day, end, cost, ActionStatus.ACTIVE,
                                           f"reman first, up to {use:,.0f} a day; {model.on_hand[sku]:,.0f} in "
                                           f"stock and {waiting:,.0f} graded cores waiting at the start"))


#: What each kind of action does in a run, for every kind a strategy may name.
ACTION_TYPES: dict[ActionKind, ActionType] = {action.kind: action for action in (
    ActionType(ActionKind.NONE),
    ActionType(ActionKind.BUFFER, setup=Response._buffer),
    ActionType(ActionKind.DUAL_SOURCE, setup=Response._dual_source),
    ActionType(ActionKind.MAAS_SAME_TIER, respond=partial(Response._rent, kind=ActionKind.MAAS_SAME_TIER)),
    ActionType(ActionKind.MAAS_UPSTREAM, respond=partial(Response._rent, kind=ActionKind.MAAS_UPSTREAM)),
    ActionType(ActionKind.CIRCULAR, respond=Response._circular),
    ActionType(ActionKind.CIRCULAR_PARTNERS, setup=contract_partners),
    ActionType(ActionKind.EXPEDITE, respond=expedite),
)}


class _RemanSteer:
    """Each day until ``end``, give the reman lane the share of its destination's orders of
    ``part`` that the reman node can serve (reman first): what it can have ready within two days
    (stock, good units in process, and what its capacity makes from the graded cores waiting:
    :meth:`resim.sim.circular.CircularSupply.ready_within`) less what this lane is owed, over two days
    of use, at most 95 %. Orders on the lane are work orders for the reman node, which processes
    cores to fill them (it makes nothing unpulled). The other lanes keep the weights other causes
    give them (a MaaS replacement's standby, a closure) and split the rest. The share is set as
    ``cause``; at the end the cause ends, and the share set before it (else the scenario's)
    returns. Made, it steers each day from the next day start on."""

    def __init__(self, model: "Model", lane: str, part: str, sku: int, use: float, end: int, *, cause: str):
        self.lane, self.part, self.sku, self.use, self.end = lane, part, sku, use, end
        self.cause = cause
        (self.arc,) = model.lane_arcs(lane, part)
        self._others: tuple[int, np.ndarray] = (-1, np.zeros(0, np.int64))  # (lanes it holds, the others)
        self.hook = model.on_day_start(self)

    def __call__(self, model: "Model", day: int) -> None:
        if day >= self.end:
            model.end(self.cause)
            self.hook.cancel()
            return
        ready = model.circular.ready_within(self.sku, 2) if model.circular else model.on_hand[self.sku]
        free = ready - model.arc_backlog[self.arc]
        target = float(min(max(free / (2 * self.use), 0.0), 0.95))  # two days of use ready = 100 %
        others = float(model.order_weights(self._other_arcs(model)).sum())
        # The weight that makes this lane's part of the split `target` (all of it when no other lane is open).
        model.levers.set("share", [self.arc], target / (1.0 - target) * others if others > 0 else target, self.cause)

    def _other_arcs(self, model: "Model") -> np.ndarray:
        """The replication's other arcs into the lane's destination, found again only when it
        took on lanes (a MaaS provider's)."""
        net = model.net
        if self._others[0] != len(net.lane_index):
            group = np.flatnonzero((net.arc_group == net.arc_group[self.arc]) & model.own_arc)
            self._others = (len(net.lane_index), group[group != self.arc])
        return self._others[1]
