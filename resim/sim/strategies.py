"""Response strategies (R2): how a strategy re-orchestrates the running value chain.

A strategy is a set of actions with delays, limits and a trigger (``strategies`` in the scenario):

* ``buffer`` (proactive): extra units of chosen parts held all year where the part is stocked
  (target and starting stock raised), with their holding cost;
* ``dual_source`` (proactive): from day 0, a standing MaaS second source for every single-sourced
  critical part, taking half of the orders;
* ``maas_same_tier``: providers take over the disrupted nodes' own processes and deliver their
  parts to their customers;
* ``maas_upstream``: providers take over the processes of the disrupted nodes' customers, with
  their own supply of the component that went missing, and deliver those assemblies onward
  (securing the components the focal plants need);
* ``circular``: remanufactured and reused parts from reman nodes feed the customers of every
  part that contains what the disruption cut: reman stock first (each day the reman lane gets the
  share of orders its free stock covers), the usual sources the rest.

A reactive action starts when a triggering disruption (``responds_to``: ids or types; all when
empty) is detected (``detection_delay_days`` after its onset) and decided
(``decision_delay_days`` later). It plans for the disruption's expected course (its mean
duration and recovery ramp): MaaS needs are matched against the pool as it is that day
(footprints and embargoes in force, contention), providers are selected within the budget,
premium and provider limits, negotiated with (declines pass to the next candidates), and executed
(see :mod:`resim.sim.agreements`). The orchestration style picks among the candidates:
``cheapest`` (least cost), ``fastest`` (expedited work shipped by air where an offering has an
expedite option, at its ``expedite_premium``; first delivery within a week of the quickest) or
``balanced`` (the better-scored half, by the scenario's weights). Every action is recorded.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

import networkx as nx
import numpy as np
import pandas as pd

from resim.sim.agreements import execute, negotiate, negotiation_stream
from resim.sim.capacity import CapacityLedger
from resim.sim.disruptions import hit_nodes
from resim.scenario.format.events import CapacityLoss, DemandShock
from resim.scenario.format.maas import ScoreWeights
from resim.sim.inputs import Market, claim_inputs, input_capacity
from resim.supply.matching import Pool, candidates, need_for, score, select
from resim.sim.network import Network
from resim.sim.status import AGREED, ActionStatus, Answer
from resim.sim.steady import expected_flows
from resim.scenario.valuechain import bom_explosion, single_sourced_parts

if TYPE_CHECKING:
    from resim.sim.engine import Model
    from resim.scenario.format.strategies import Strategy

__all__ = ["Response", "Action", "ORCHESTRATIONS", "actions_frame", "orchestrated_chain"]

ORCHESTRATIONS = ("balanced", "cheapest", "fastest")
_SUPPLY_CUTS = ("natural_disaster", "capacity_loss", "supplier_failure", "trade_barrier", "logistics")


@dataclass
class Action:
    """One step of an orchestration, as recorded in ``orchestrations.csv``."""

    strategy: str
    kind: str                 # buffer | dual_source | maas_same_tier | maas_upstream | circular
    trigger: str              # the disruption it answers ("" for proactive actions)
    source: str               # provider offering, reman node, or the node holding a buffer
    part: str
    destination: str
    units_per_day: float
    start: int
    end: int
    unit_cost: float
    status: ActionStatus
    note: str = ""


class Response:
    """A strategy attached to one model run."""

    def __init__(self, model: "Model", strategy: "Strategy", pool: Pool | None, orchestration: str = "balanced"):
        self.model, self.strategy, self.pool = model, strategy, pool
        self.orchestration = orchestration
        self.actions: list[Action] = []
        self.agreements = []
        self.spent = 0.0
        self.graph = model.scenario.value_chain()
        self.market = Market(model)  # the open market for providers' inputs, shared by every need
        # What each offering has left (other firms' contention, earlier agreements), shared by every need.
        self.capacity = CapacityLedger(pool.frame, model.scenario) if pool is not None else None
        self._flows: _Flows | None = None
        if "buffer" in strategy.actions:
            self._buffer()
        if "dual_source" in strategy.actions:
            model.at(0, self._dual_source)
        if set(strategy.actions) & {"maas_same_tier", "maas_upstream", "circular"}:
            model.listen(self._on_event)

    # -- triggers --------------------------------------------------------------------------------

    def _on_event(self, model: "Model", event: dict) -> None:
        spec = next(d for d in model.scenario.disruptions if d.id == event["id"])
        wanted = self.strategy.responds_to
        surge = isinstance(spec, DemandShock) and spec.multiplier > 1 and "maas_same_tier" in self.strategy.actions
        if event["what"] != "start" or not (spec.type in _SUPPLY_CUTS or surge):
            return
        if wanted and spec.id not in wanted and spec.type not in wanted:
            return
        delay = math.ceil(self.strategy.detection_delay_days) + math.ceil(self.strategy.decision_delay_days)
        model.at(event["day"] + delay, lambda m: self._respond(m, spec, event["day"]))

    def _respond(self, model: "Model", spec, onset: int, end: int | None = None, stage: str = "") -> None:
        """Act on a disruption for its expected course, until the expected recovery ``end``
        (default: onset + mean duration + recovery ramp). MaaS needs whose destination is down
        today wait (:meth:`_serve`). At ``end`` the decision is re-checked (:meth:`_recheck`)."""
        hit = hit_nodes(model.scenario, spec)
        if end is None:
            expected = spec.duration_days.mean if spec.duration_days is not None else model.horizon
            end = min(int(onset + expected + _ramp(spec)), model.horizon)
        day = int(model.env.now)
        if end <= day:
            return
        if isinstance(spec, DemandShock):  # more demand than capacity: rent the difference
            for part, destination, units, share in _surge_targets(model, self.graph, self._flow_table(), spec):
                self._maas(model, "maas_same_tier", spec.id, part, destination, units, [], day, end, share=share,
                           onset=onset)
            return
        for kind in self.strategy.actions:
            if kind in ("maas_same_tier", "maas_upstream"):
                for target in _targets(model.scenario, self.graph, self._flow_table(), hit, kind):
                    self._serve(model, kind, spec, onset, target, day, end, stage)
            elif kind == "circular":
                self._circular(model, spec.id, hit, day, end)
        if end < model.horizon:
            model.at(end, lambda m: self._recheck(m, spec, onset))

    def _recheck(self, model: "Model", spec, onset: int) -> None:
        """At the expected recovery: when the disruption is over, nothing changes (the agreements
        hand back as planned). When it is still in force, the response decides again for its
        expected remaining course (:func:`_expected_end`): needs sized and sought as at the first
        decision, with new requests; the agreements made hand back as planned."""
        day = int(model.env.now)
        if _in_force(model, spec, onset, day):
            self._respond(model, spec, onset, end=_expected_end(model, spec, onset, day), stage=f"/recheck@{day}")

    def _serve(self, model: "Model", kind: str, spec, onset: int, target: "_Target", day: int, end: int,
               stage: str) -> None:
        """Seek providers for ``target`` from ``day`` to ``end``, unless its destination is down
        today (:func:`_down`): nothing is bought for a node that cannot use it. Such a need waits:
        it is recorded (``destination down``) and looked at again on the day the destination is
        expected back (:func:`_expected_back`), if that is before ``end`` and the disruption is
        still in force then. A destination the same disruption stopped is expected back at its
        end: its own customers are served by the needs for what it makes (the next live node
        downstream)."""
        if _down(model, target.destination):
            back = _expected_back(model, target.destination, day)
            later = back is not None and back < end
            self.actions.append(Action(
                self.strategy.id, kind, spec.id, "", target.part, target.destination, target.units, day, end, 0.0,
                ActionStatus.DESTINATION_DOWN, f"{target.destination} is down: nothing bought for it"
                + (f"; looked at again on day {back}" if later else "")))
            if later:
                model.at(back, lambda m: self._serve(m, kind, spec, onset, target, back, end, stage)
                         if _in_force(m, spec, onset, back) else None)
            return
        self._maas(model, kind, spec.id, target.part, target.destination, target.units, target.replaces, day, end,
                   handover=target.pipeline, onset=onset, replaced_flow=target.flow, stage=stage)

    def _flow_table(self) -> "_Flows":
        if self._flows is None:
            self._flows = _Flows(self.model.scenario)
        return self._flows

    # -- actions ---------------------------------------------------------------------------------

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
                self.actions.append(Action(self.strategy.id, "buffer", "", node.id, part, node.id, extra,
                                           0, model.horizon, net.sku_value[sku], ActionStatus.ACTIVE,
                                           f"{extra:,.0f} extra units held all year"))

    def _dual_source(self, model: "Model") -> None:
        parts = model.scenario.parts_by_id
        for part, maker in sorted(single_sourced_parts(self.graph).items()):
            if not parts[part].critical or parts[part].process is None:
                continue
            for lane in [l for l in model.scenario.lanes if l.source == maker and part in l.parts]:
                use = self._flow_table().lane(lane.key, part)
                self._maas(model, "dual_source", "", part, lane.dest, 0.5 * use, [], 0, model.horizon,
                           share=0.5)

    def _maas(self, model: "Model", kind: str, trigger: str, part: str, destination: str, units: float,
              replaces: list[str], day: int, end: int, share: float | None = None,
              handover: float = 0.0, onset: int | None = None, replaced_flow: float | None = None,
              stage: str = "") -> None:
        """Source ``units`` a day of ``part`` for ``destination`` from MaaS providers until the
        expected recovery ``end``, and ``handover`` days beyond it (the usual supply's pipeline
        from the hit node, refilling while the providers still deliver).

        The providers take over from the lanes in ``replaces``, which carry ``replaced_flow``
        units a day in normal times (default: their expected flow): the providers get the
        replaced lanes' weight in the destination's orders times what they cover of that flow,
        and the replaced lanes keep the rest. With nothing replaced, they get ``share`` (default
        1) times what they cover of ``units``. Candidates see what each offering has left over
        these days (:class:`resim.sim.capacity.CapacityLedger`); each agreement books its units.

        Each request's answer and onboarding time come from its own stream, keyed by the
        disruption occurrence (``trigger`` and its ``onset``), offering, part, destination and
        round (:func:`resim.sim.agreements.negotiation_stream`). A counter-offer is refused when its
        landed price exceeds the strategy's ``max_premium``, and any agreement whose commitment
        exceeds the budget left is refused; an agreement whose provider would be qualified only
        at or after the end is dropped (``too late``). What these leave open passes to the next
        candidates, as a decline does. The budget is debited by the commitment of each agreement
        executed (:meth:`resim.sim.agreements.Agreement.commitment`), and only those."""
        if self.pool is None or units <= 0 or model.scenario.parts_by_id[part].process is None:
            return
        scenario = model.scenario
        # A strategy asking for speed has its providers expedite and ship by air (resim.supply.logistics).
        need = need_for(scenario, part, units_per_day=units, destination=destination,
                        expedite=self.orchestration == "fastest")
        table, ranked = self._ranked(model, need, day, end, last=min(end + math.ceil(handover), model.horizon))
        budget = None if self.strategy.budget is None else max(self.strategy.budget - self.spent, 0.0)
        event = (f"{trigger}@{onset if onset is not None else day}" if trigger else "proactive") + stage
        passed: set[str] = set()  # declined by the provider, or not agreed by the firm
        contracted: list[str] = []
        agreed: list[tuple] = []
        covered, until = 0.0, end
        limit = self.strategy.max_providers
        for attempt in range(3):  # what requests not agreed leave open passes to the next candidates
            gap = need.units_per_day - covered
            if gap <= 1e-9 or (limit is not None and len(contracted) >= limit):
                break
            asked = day + attempt * math.ceil(scenario.maas.negotiation.response_days)  # after the answers
            if asked >= end:
                break
            passed_before = len(passed)
            pool_left = ranked[~ranked.id.isin(passed | set(contracted))]
            chosen = select(pool_left, replace(need, units_per_day=gap), days=end - asked, budget=budget,
                            max_providers=None if limit is None else limit - len(contracted))
            if chosen.chosen.empty:
                break
            if not contracted:  # every agreement for a need ends on the same day
                until = _handover_end(chosen, end, handover, budget, model.horizon)
            for _, row in chosen.chosen.iterrows():
                # What the components left by earlier agreements allow (the market is shared).
                units = min(row.units_per_day, input_capacity(model, self.market, part, row.inputs, asked))
                if units <= 1e-9:
                    self.actions.append(Action(self.strategy.id, kind, trigger, str(row.id), part, destination, 0.0,
                                               asked, until, 0.0, ActionStatus.NO_COMPONENTS,
                                               "its components' sources are down or sold out"))
                    passed.add(str(row.id))
                    continue
                rng = negotiation_stream(model, event, str(row.id), part, destination, attempt)
                deal = negotiate(row, need, units_per_day=units, request_day=asked, end_day=until,
                                 terms=scenario.maas.negotiation, rng=rng)
                status, note = self._agreeable(deal, need, budget)
                self.actions.append(Action(self.strategy.id, kind, trigger, deal.offering, part, destination,
                                           deal.units_per_day, deal.qualified_day, until, deal.unit_price,
                                           status or ActionStatus(deal.answer), note or f"{row.country}; score {row.score:.2f}"))
                if status is not None:
                    passed.add(deal.offering)
                    continue
                self.agreements.append(deal)
                agreed.append((deal, row))
                claim_inputs(self.market, scenario, part, row.inputs, deal.units_per_day, asked)
                self.capacity.book(deal.offering, deal.units_per_day, deal.qualified_day, deal.end_day)
                contracted.append(deal.offering)
                covered += deal.units_per_day
                commitment = deal.commitment(scenario.maas.probation)
                self.spent += commitment
                if budget is not None:
                    budget = max(budget - commitment, 0.0)
            if len(passed) == passed_before:  # every request agreed: asking again would choose the same
                break
        # The replaced lanes keep the part of their flow the agreements leave uncovered: a partly
        # working usual source (a ramp-up, stock, a second source) is not cut off for providers
        # that cover less. Providers share the destination's orders in proportion to what each
        # agreed to supply, within the replaced lanes' weight.
        flow = replaced_flow if replaced_flow is not None else sum(self._flow_table().lane(k, part) for k in replaces)
        flow = flow if flow > 1e-9 else need.units_per_day
        weight = sum(self._flow_table().weight.get((k, part), 0.0) for k in replaces) if replaces else 0.0
        weight = weight if weight > 1e-12 else (share or 1.0) * flow / need.units_per_day
        keep = max(1.0 - covered / flow, 0.0) if covered < flow - 1e-9 else 0.0
        for deal, row in agreed:  # what execute would drop was ruled out by _agreeable
            execute(model, deal, row, share=weight * deal.units_per_day / flow,
                    replaces=replaces, handback_day=end, keep=keep,
                    need_id=f"{event}:{part}:{destination}:{day}", market=self.market)
        if not contracted and not passed:
            self.actions.append(Action(self.strategy.id, kind, trigger, "", part, destination, units, day, until,
                                       0.0, ActionStatus.NO_CANDIDATE, _why_none(table, ranked, need, budget, until - day)))

    def _agreeable(self, deal, need, budget: float | None) -> tuple[ActionStatus | None, str]:
        """Why ``deal`` does not go ahead (status and note), or (None, "") when it does: the
        provider declined, it would be qualified only at or after its end (``too late``), its
        landed price is above ``max_premium`` (the ceiling the candidates were filtered by; a
        counter can exceed it) or its commitment exceeds the ``budget`` left (``refused``)."""
        if deal.answer == Answer.DECLINED:
            return ActionStatus.DECLINED, ""
        if deal.qualified_day >= deal.end_day:
            return ActionStatus.TOO_LATE, f"qualified on day {deal.qualified_day}, not before its end on day {deal.end_day}"
        what = "counter" if deal.answer == Answer.COUNTERED else "offer"
        ceiling = self.strategy.max_premium
        premium = (deal.unit_price + deal.freight) / need.unit_cost - 1.0 if need.unit_cost > 0 else 0.0
        if ceiling is not None and premium > ceiling + 1e-12:
            return ActionStatus.REFUSED, (f"{what} at {deal.unit_price:,.2f} a unit: landed premium {premium:.0%} "
                               f"above max_premium {ceiling:.0%}")
        commitment = deal.commitment(self.model.scenario.maas.probation)
        if budget is not None and commitment > budget + 1e-6:
            return ActionStatus.REFUSED, (f"{what} at {deal.unit_price:,.2f} a unit commits {commitment:,.0f}, "
                               f"above the budget left {budget:,.0f}")
        return None, ""

    def _ranked(self, model: "Model", need, day: int, end: int, last: int | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The pool matched against ``need`` as it is on ``day`` (disruptions in force), with what
        each offering has left from ``day`` to ``last`` (default ``end``): other firms'
        contention and earlier agreements taken (:class:`resim.sim.capacity.CapacityLedger`); and the
        eligible candidates ranked in this strategy's orchestration style."""
        scenario = model.scenario
        active = [o.spec for o in model.occurrences if o.start <= day and (o.end is None or day < o.end)]
        frame = self.capacity.frame(active, day, end if last is None else last)
        pool = self.pool if frame is self.capacity.pool else Pool(frame)
        table = candidates(pool, need, active=active, max_premium=self.strategy.max_premium, scenario=scenario)
        table.loc[table.eligible & (table.capacity_per_day <= 1e-9), "reason"] = \
            "no capacity left: booked by earlier agreements or taken by other firms"
        table["eligible"] = table.reason == ""
        # A provider makes only what its components allow: its capacity is capped by what their
        # sources can give now (the usual makers as disrupted, the market as others left it).
        if len(table) and scenario.parts_by_id[need.part].bom:
            caps = {inputs: input_capacity(model, self.market, need.part, inputs, day) for inputs in set(table.inputs)}
            cap = table.inputs.map(caps)
            table["capacity_per_day"] = np.minimum(table.capacity_per_day, cap)
            table.loc[table.eligible & (cap <= 0), "reason"] = "no components: their sources are down or sold out"
            table["eligible"] = table.reason == ""
        # A provider that cannot deliver before the expected recovery is of no use.
        table.loc[table.eligible & (table.days_to_first_delivery >= end - day), "reason"] = \
            "first delivery after the expected recovery"
        table["eligible"] = table.reason == ""
        return table, self._style(score(table, need, _weights(self.orchestration, scenario)))

    def _style(self, ranked: pd.DataFrame) -> pd.DataFrame:
        if ranked.empty or self.orchestration == "cheapest":
            return ranked
        if self.orchestration == "fastest":
            quickest = ranked.days_to_first_delivery.min()
            return ranked[ranked.days_to_first_delivery <= quickest + 7]
        return ranked[ranked.score >= ranked.score.median()]

    def _circular(self, model: "Model", trigger: str, hit: list[str], day: int, end: int) -> None:
        scenario, net = model.scenario, model.net
        cut = {p for node in hit for p in scenario.nodes_by_id[node].makes}
        affected = {p.id for p in scenario.parts if p.id in cut or cut & set(bom_explosion(self.graph, p.id))}
        for lane in list(net.lanes):
            source = net.nodes[net.node_index[lane.source]]
            if source.kind != "reman":
                continue
            for part in sorted(set(lane.parts) & affected):
                sku = net.sku_index[(source.id, part)]
                use = self._flow_table().inflow(lane.dest, part)
                if use <= 0:
                    continue
                steer = _RemanSteer(model, lane.key, part, sku, use, end)
                model.on_day_start(steer)
                cost = scenario.circular.reman_cost_factor * net.sku_value[sku]  # a reman part's price
                waiting = model.circular.units_waiting(part) if model.circular else 0.0
                self.actions.append(Action(self.strategy.id, "circular", trigger, source.id, part, lane.dest,
                                           use, day, end, cost, ActionStatus.ACTIVE,
                                           f"reman first, up to {use:,.0f} a day; {model.on_hand[sku]:,.0f} in "
                                           f"stock and {waiting:,.0f} graded cores waiting at the start"))


class _RemanSteer:
    """Each day until ``end``, give the reman lane the share of its destination's orders of
    ``part`` that the reman node can serve (reman first): what it can have ready within two days
    (stock, good units in process, and what its capacity makes from the graded cores waiting:
    :meth:`resim.sim.circular.CircularSupply.ready_within`) less what this lane is owed, over two days
    of use, at most 95 %. Orders on the lane are work orders for the reman node, which processes
    cores to fill them (it makes nothing unpulled). The other lanes keep the weights other causes
    give them (a MaaS replacement's standby, a closure) and split the rest. Afterwards the reman
    lane's usual share returns."""

    def __init__(self, model: "Model", lane: str, part: str, sku: int, use: float, end: int):
        self.lane, self.part, self.sku, self.use, self.end = lane, part, sku, use, end
        (self.arc,) = model.lane_arcs(lane, part)
        self.done = False

    def __call__(self, model: "Model", day: int) -> None:
        if self.done:
            return
        if day >= self.end:
            model.reset_share(self.lane)
            self.done = True
            return
        ready = model.circular.ready_within(self.sku, 2) if model.circular else model.on_hand[self.sku]
        free = ready - model.arc_backlog[self.arc]
        target = float(np.clip(free / (2 * self.use), 0.0, 0.95))  # two days of use ready = 100 %
        net = model.net  # lanes may have been added since (a MaaS provider's): find the others today
        group = np.flatnonzero(net.arc_group == net.arc_group[self.arc])
        others = float(model.order_weights(group[group != self.arc]).sum())
        # The weight that makes this lane's part of the split `target` (all of it when no other lane is open).
        model.set_share(self.lane, target / (1.0 - target) * others if others > 0 else target, self.part)


def _why_none(table: pd.DataFrame, ranked: pd.DataFrame, need, budget: float | None, days: int) -> str:
    """Why no provider was asked: the budget, when eligible offerings exist, else the commonest
    reason the offerings failed."""
    if len(ranked) and budget is not None:
        return f"budget left {budget:,.0f} pays for none of the {len(ranked)} eligible offerings over {days} days"
    reasons = table[~table.eligible].reason.value_counts()
    if len(reasons):
        return str(reasons.index[0])
    return f"no offering of {need.process}" if table.empty else "none within the limits"


def _handover_end(chosen, end: int, handover: float, budget: float | None, horizon: int) -> int:
    """The day agreements end: the expected recovery ``end`` plus the handover, as far as the
    budget left after covering the outage pays for (coverage during the outage comes first)."""
    per_day = float((chosen.chosen.landed_unit_cost * chosen.chosen.units_per_day).sum())
    days = handover if budget is None or per_day <= 0 else min(handover, max(budget - chosen.cost, 0.0) / per_day)
    return min(end + math.floor(days), horizon)


def _weights(style: str, scenario) -> ScoreWeights:
    if style == "cheapest":
        return ScoreWeights(cost=1, lead_time=0, quality=0, on_time=0, capacity=0, distance=0)
    if style == "fastest":
        return ScoreWeights(cost=0, lead_time=1, quality=0, on_time=0, capacity=0, distance=0)
    return scenario.maas.weights


class _Flows:
    """Expected units a day of each part on each lane of the scenario in normal times: mean
    demand through the bills of materials, split over parallel lanes and paths by the lanes'
    shares (:func:`resim.sim.steady.expected_flows`), and each lane's base weight in its
    destination's orders."""

    def __init__(self, scenario):
        net = Network(scenario)
        flows = expected_flows(net)
        dest = {lane.key: lane.dest for lane in scenario.lanes}
        self.on: dict[tuple[str, str], float] = {}       # (lane, part) -> units a day
        self.weight: dict[tuple[str, str], float] = {}   # (lane, part) -> base share of its destination's orders
        self._into: dict[tuple[str, str], float] = {}    # (node, part) -> units a day received
        for arc in range(net.n_arcs):
            key = (net.lane_keys[net.arc_lane[arc]], net.part_ids[net.sku_part[net.arc_src[arc]]])
            self.on[key] = float(flows[arc])
            self.weight[key] = float(net.base_share[arc])
            into = (dest[key[0]], key[1])
            self._into[into] = self._into.get(into, 0.0) + float(flows[arc])

    def lane(self, lane: str, part: str) -> float:
        """Units of ``part`` a day on ``lane``."""
        return self.on.get((lane, part), 0.0)

    def inflow(self, node: str, part: str) -> float:
        """Units of ``part`` a day ``node`` receives over all its lanes."""
        return self._into.get((node, part), 0.0)


class _Target(NamedTuple):
    """A MaaS need of a disruption: ``units`` a day of ``part`` for ``destination``, taking over
    from the lanes ``replaces`` (which carry ``flow`` a day in normal times); ``pipeline`` is the
    mean lead time from the hit node to the destination over the usual lanes."""

    part: str
    destination: str
    units: float
    replaces: list[str]
    flow: float
    pipeline: float


def _surge_targets(model: "Model", graph: "nx.DiGraph", flows: "_Flows",
                   spec: DemandShock) -> list[tuple[str, str, float, float]]:
    """(part, destination, units per day, share weight) a demand surge leaves without capacity.

    For each part in the bills of materials of the surging demand, when its makers (reman centres
    aside; all of finite capacity) cannot make the usual use plus the surge, the excess is sought
    for the destination that takes most of the part, beside its usual lanes: the weight gives the
    providers the excess's part of that destination's orders. A maker's capacity counts in full
    for each part it makes (an approximation for makers of several parts)."""
    scenario = model.scenario
    use: dict[str, float] = {}
    extra: dict[str, float] = {}
    for entry in scenario.demand:
        surging = entry.market in spec.markets and (not spec.parts or entry.part in spec.parts)
        for part, per_unit in {entry.part: 1.0, **bom_explosion(graph, entry.part)}.items():
            use[part] = use.get(part, 0.0) + entry.daily.mean * per_unit
            extra[part] = extra.get(part, 0.0) + surging * entry.daily.mean * per_unit * (spec.multiplier - 1.0)
    targets = []
    for part in sorted(p for p, units in extra.items() if units > 0):
        makers = [n for n in scenario.nodes if part in n.makes and n.kind != "reman"]
        if not makers or any(n.capacity_per_day is None for n in makers):
            continue
        gap = use[part] + extra[part] - sum(n.capacity_per_day for n in makers)
        destinations = sorted({l.dest for l in scenario.lanes if part in l.parts and l.source in {n.id for n in makers}})
        if gap <= 1e-9 or not destinations:
            continue
        taken = {d: flows.inflow(d, part) for d in destinations}
        destination = max(destinations, key=taken.__getitem__)
        surged = taken[destination] * (use[part] + extra[part]) / use[part]
        fraction = min(gap / surged, 0.95) if surged > 0 else 0.95
        targets.append((part, destination, gap, fraction / (1.0 - fraction)))
    return targets


def _targets(scenario, graph: "nx.DiGraph", flows: _Flows, hit: list[str], kind: str) -> list[_Target]:
    """The MaaS needs a disruption that stops the ``hit`` nodes leaves, sized by what the lost
    sources supplied in normal times (:class:`_Flows`, so a parallel source or path still
    working keeps its part).

    * ``maas_same_tier``: for each lane out of a hit node, its part for its destination, as much
      as the lane carries; lanes of several hit nodes into one destination make one need.
    * ``maas_upstream``: for each customer of a hit node, the assemblies it makes that contain
      the cut part, for each onward destination: the onward lane's flow times the share of the
      customer's supply of the cut part that came from hit nodes (the largest such share when
      several of its components are cut).

    The pipeline is the mean lead time from the hit node to the destination over the usual
    lanes: how long the usual supply takes to arrive once the hit node ships again."""
    lost = set(hit)
    found: dict[tuple[str, str], dict[str, tuple[float, float, float]]] = {}  # (part, destination) -> lane -> (share lost, flow, pipeline)

    def add(part: str, destination: str, lane: str, share: float, pipeline: float) -> None:
        lanes = found.setdefault((part, destination), {})
        before = lanes.get(lane, (0.0, 0.0, 0.0))
        lanes[lane] = (max(share, before[0]), flows.lane(lane, part), max(pipeline, before[2]))

    for node in hit:
        for lane in [l for l in scenario.lanes if l.source == node]:
            customer = scenario.nodes_by_id[lane.dest]
            for part in lane.parts:
                if kind == "maas_same_tier":
                    add(part, lane.dest, lane.key, 1.0, lane.lead_time_days.mean)
                    continue
                supplied = flows.inflow(customer.id, part)
                cut = sum(flows.lane(l.key, part) for l in scenario.lanes
                          if l.dest == customer.id and l.source in lost and part in l.parts)
                share = min(cut / supplied, 1.0) if supplied > 0 else 0.0
                for made in customer.makes:  # the customer's assemblies that contain the cut part
                    if part not in bom_explosion(graph, made):
                        continue
                    for onward in [l for l in scenario.lanes if l.source == customer.id and made in l.parts]:
                        add(made, onward.dest, onward.key, share, lane.lead_time_days.mean + onward.lead_time_days.mean)
    targets = []
    for (part, destination), lanes in found.items():
        units = sum(share * flow for share, flow, _ in lanes.values())
        if units > 1e-9:
            targets.append(_Target(part, destination, units, list(lanes), sum(flow for _, flow, _ in lanes.values()),
                                   max(pipeline for *_, pipeline in lanes.values())))
    return targets


def _ramp(spec) -> float:
    return spec.recovery.ramp_days if spec.recovery.profile == "ramp" else 0.0


def _in_force(model: "Model", spec, onset: int, day: int) -> bool:
    """Whether the occurrence of ``spec`` that began on ``onset`` is still in force on ``day``."""
    return any(o.spec.id == spec.id and o.start == onset and (o.end is None or day < o.end)
               for o in model.occurrences)


def _expected_end(model: "Model", spec, onset: int, day: int) -> int:
    """The expected recovery of a disruption still in force on ``day``: its onset plus its
    expected duration given it has lasted ``day - onset`` days so far (the mean of its duration
    distribution beyond that, from draws of a stream keyed by the occurrence; a week more when
    it has outlasted every draw), plus its recovery ramp."""
    elapsed = day - onset
    if spec.duration_days is None:
        return model.horizon
    draws = np.asarray(spec.duration_days.sample(model.streams.get("recheck", spec.id, str(onset)), 4096), float)
    longer = draws[draws > elapsed]
    duration = float(longer.mean()) if len(longer) else elapsed + 7.0
    return min(int(onset + duration + _ramp(spec)), model.horizon)


def _down(model: "Model", node: str) -> bool:
    """Whether ``node``'s production or shipments are stopped today (by a disruption)."""
    index = model.net.node_index[node]
    return min(model.levers["capacity"][index], model.levers["shipping"][index]) <= 1e-9


def _expected_back(model: "Model", node: str, day: int) -> int | None:
    """The day ``node`` is expected back: the latest expected recovery (onset + mean duration +
    ramp; a breakdown's mean repair) of the disruptions in force that hit it; a week from
    ``day`` when they are overdue; None when one of them lasts for good or none is known."""
    backs = []
    for o in model.occurrences:
        if not (o.start <= day and (o.end is None or day < o.end)) or node not in hit_nodes(model.scenario, o.spec):
            continue
        spec = o.spec
        if isinstance(spec, CapacityLoss) and spec.mttr_days is not None:
            backs.append(o.start + spec.mttr_days.mean)
        elif spec.duration_days is None:
            return None
        else:
            backs.append(o.start + spec.duration_days.mean + _ramp(spec))
    if not backs:
        return None
    back = math.ceil(max(backs))
    return back if back > day else day + 7


def orchestrated_chain(scenario, orchestrations: pd.DataFrame, strategy: str, replication: int = 0) -> nx.DiGraph:
    """The value chain as a strategy re-orchestrated it in one replication: the scenario's graph
    plus its providers (nodes of kind ``maas``) and their lanes, and the reman lanes it turned on."""
    graph = scenario.value_chain().copy()
    rows = orchestrations[(orchestrations.strategy == strategy) & (orchestrations.replication == replication)]
    for row in rows.itertuples():
        if row.kind in ("maas_same_tier", "maas_upstream", "dual_source") and row.status in AGREED:
            node = f"maas_{row.source}"
            graph.add_node(node, kind="maas", makes=(row.part,), offering=row.source)
            graph.add_edge(node, row.destination, parts=(row.part,), orchestrated=True, start=row.start,
                           end=row.end, unit_cost=row.unit_cost, units_per_day=row.units_per_day)
        elif row.kind == "circular" and row.status == ActionStatus.ACTIVE and graph.has_edge(row.source, row.destination):
            graph.edges[row.source, row.destination].update(orchestrated=True, start=row.start, end=row.end)
    return graph


def actions_frame(responses: list[Response]) -> pd.DataFrame:
    """Every recorded action, one row each."""
    return pd.DataFrame([asdict(a) for r in responses for a in r.actions], columns=list(Action.__dataclass_fields__))
