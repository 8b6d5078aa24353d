"""The MaaS needs a disruption leaves, sized by what the lost sources supplied in normal times.

:class:`Flows` holds the expected units a day of each part on each lane in normal times, made
once per scenario and shared by its replications (:func:`flows_of`);
:func:`outage_targets` turns the nodes a disruption stops into needs (:class:`Target`) for the
MaaS actions, :func:`surge_targets` a demand surge into what its makers cannot make.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping, NamedTuple

from resim.scenario.format.events import CapacityLoss, DemandShock, NaturalDisaster
from resim.scenario.format.strategies import ActionKind
from resim.sim.disruptions import footprint_nodes
from resim.sim.network import Network
from resim.sim.shared import shared
from resim.sim.steady import expected_flows

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.sim.engine import Model

__all__ = ["Flows", "flows_of", "Target", "surge_targets", "lost_shares", "outage_targets"]


class Flows:
    """Expected units a day of each part on each lane of the scenario in normal times: mean
    demand through the bills of materials, split over parallel lanes and paths by the lanes'
    shares (:func:`resim.sim.steady.expected_flows`), and each lane's base weight in its
    destination's orders. Read-only: the replications of a scenario share one (:func:`flows_of`)."""

    def __init__(self, scenario: "Scenario") -> None:
        net = Network(scenario)
        flows = expected_flows(net)
        dest = {lane.key: lane.dest for lane in scenario.lanes}
        on: dict[tuple[str, str], float] = {}       # (lane, part) -> units a day
        weight: dict[tuple[str, str], float] = {}   # (lane, part) -> base share of its destination's orders
        self._into: dict[tuple[str, str], float] = {}    # (node, part) -> units a day received
        for arc in range(net.n_arcs):
            key = (net.lane_keys[net.arc_lane[arc]], net.part_ids[net.sku_part[net.arc_src[arc]]])
            on[key] = float(flows[arc])
            weight[key] = float(net.base_share[arc])
            into = (dest[key[0]], key[1])
            self._into[into] = self._into.get(into, 0.0) + float(flows[arc])
        self.on: Mapping[tuple[str, str], float] = MappingProxyType(on)
        self.weight: Mapping[tuple[str, str], float] = MappingProxyType(weight)

    def lane(self, lane: str, part: str) -> float:
        """Units of ``part`` a day on ``lane``."""
        return self.on.get((lane, part), 0.0)

    def inflow(self, node: str, part: str) -> float:
        """Units of ``part`` a day ``node`` receives over all its lanes."""
        return self._into.get((node, part), 0.0)


def flows_of(scenario: "Scenario") -> Flows:
    """The expected flows of ``scenario`` (:class:`Flows`): they depend on the scenario alone, so
    every replication and strategy of it shares one (:func:`resim.sim.shared.shared`), made when
    first asked. A variant (``Scenario.replace``) is another scenario and gets its own."""
    return shared(scenario, "flows", lambda: Flows(scenario))


class Target(NamedTuple):
    """A MaaS need of a disruption: ``units`` a day of ``part`` for ``destination``, taking over
    from the lanes ``replaces`` (which carry ``flow`` a day in normal times); ``pipeline`` is the
    mean lead time from the hit node to the destination over the usual lanes."""

    part: str
    destination: str
    units: float
    replaces: list[str]
    flow: float
    pipeline: float


def surge_targets(model: "Model", flows: "Flows",
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
        for part, per_unit in {entry.part: 1.0, **scenario.facts.explosion(entry.part)}.items():
            use[part] = use.get(part, 0.0) + entry.daily.mean * per_unit
            extra[part] = extra.get(part, 0.0) + surging * entry.daily.mean * per_unit * (spec.multiplier - 1.0)
    targets = []
    for part in sorted(p for p, units in extra.items() if units > 0):
        makers = [scenario.nodes_by_id[n] for n in scenario.facts.makers(part)]
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


def lost_shares(scenario: "Scenario", flows: Flows, spec, hit: list[str],
                severity: float | None = None) -> dict[tuple[str, str], float]:
    """(node, part) -> the share of what ``node`` supplies of ``part`` in normal times that
    disruption ``spec`` takes away, for each of the ``hit`` nodes. ``severity``: the event's own
    (one drawn from ``severity_distribution``, which the firm sees once it has detected the
    event); the spec's mean severity when not given.

    A natural disaster lowers both what a node makes and what it ships by its damage there
    (:func:`resim.sim.disruptions.footprint_nodes`), a supplier failure, an embargo or a closed
    lane by its ``severity``: that share is lost. A capacity loss lowers only what the node can
    make, to (1 − severity) of its ``capacity_per_day`` for the parts of its ``processes`` (all
    its parts when it names none); the node still makes as much as that leaves, so only the part
    of its normal output above it is lost: 1 − (1 − severity) × capacity / normal output, at
    least 0 (the severity itself for a node of unlimited capacity). The output counts every part
    the node makes (their capacity is shared)."""
    mean = spec.mean_severity if severity is None else severity
    damage = footprint_nodes(scenario, spec) if isinstance(spec, NaturalDisaster) else {}
    lost = {}
    for node_id in hit:
        node = scenario.nodes_by_id[node_id]
        severity = damage[node_id] * (mean / spec.severity if spec.severity > 0 else 0.0) if node_id in damage else mean
        for part in node.makes:
            share = severity
            if isinstance(spec, CapacityLoss):
                process = scenario.parts_by_id[part].process
                hit_part = not spec.processes or (process is not None and any(
                    process.process.startswith(p) for p in spec.processes))
                output = sum(flows.lane(lane.key, made) for lane in scenario.facts.lanes_from(node_id)
                             for made in node.makes if made in lane.parts)
                share = 0.0 if not hit_part else severity if node.capacity_per_day is None or output <= 0 else \
                    max(0.0, 1.0 - (1.0 - severity) * node.capacity_per_day / output)
            lost[(node_id, part)] = min(max(share, 0.0), 1.0)
    return lost


def outage_targets(scenario, flows: Flows, hit: list[str], kind: ActionKind,
                   lost: Mapping[tuple[str, str], float] | None = None) -> list[Target]:
    """The MaaS needs a disruption that cuts the ``hit`` nodes leaves, sized by what the lost
    sources supplied in normal times (:class:`Flows`, so a parallel source or path still
    working keeps its part) times the share of it lost (``lost``, :func:`lost_shares`; all of it
    when not given).

    * ``maas_same_tier``: for each lane out of a hit node, its part for its destination, as much
      as the lane carries; lanes of several hit nodes into one destination make one need.
    * ``maas_upstream``: for each customer of a hit node, the assemblies it makes that contain
      the cut part, for each onward destination: the onward lane's flow times the share of the
      customer's supply of the cut part that came from hit nodes (the largest such share when
      several of its components are cut).

    The pipeline is the mean lead time from the hit node to the destination over the usual
    lanes: how long the usual supply takes to arrive once the hit node ships again."""
    share_lost = (lambda node, part: 1.0) if lost is None else (lambda node, part: lost.get((node, part), 0.0))
    found: dict[tuple[str, str], dict[str, tuple[float, float, float]]] = {}  # (part, destination) -> lane -> (share lost, flow, pipeline)

    def add(part: str, destination: str, lane: str, share: float, pipeline: float) -> None:
        lanes = found.setdefault((part, destination), {})
        before = lanes.get(lane, (0.0, 0.0, 0.0))
        lanes[lane] = (max(share, before[0]), flows.lane(lane, part), max(pipeline, before[2]))

    for node in hit:
        for lane in scenario.facts.lanes_from(node):
            customer = scenario.nodes_by_id[lane.dest]
            for part in lane.parts:
                if kind == ActionKind.MAAS_SAME_TIER:
                    add(part, lane.dest, lane.key, share_lost(node, part), lane.lead_time_days.mean)
                    continue
                supplied = flows.inflow(customer.id, part)
                cut = sum(flows.lane(l.key, part) * share_lost(l.source, part)
                          for l in scenario.facts.lanes_into(customer.id) if l.source in hit and part in l.parts)
                share = min(cut / supplied, 1.0) if supplied > 0 else 0.0
                for made in customer.makes:  # the customer's assemblies that contain the cut part
                    if part not in scenario.facts.explosion(made):
                        continue
                    for onward in [l for l in scenario.facts.lanes_from(customer.id) if made in l.parts]:
                        add(made, onward.dest, onward.key, share, lane.lead_time_days.mean + onward.lead_time_days.mean)
    targets = []
    for (part, destination), lanes in found.items():
        units = sum(share * flow for share, flow, _ in lanes.values())
        if units > 1e-9:
            targets.append(Target(part, destination, units, list(lanes), sum(flow for _, flow, _ in lanes.values()),
                                   max(pipeline for *_, pipeline in lanes.values())))
    return targets
