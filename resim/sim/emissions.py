"""Transport emissions of a run: kg CO₂e per unit shipped on each arc, by its lane's mode.

A unit of a part shipped on a lane emits the part's ``weight_kg`` × the lane's great-circle
distance (between its two nodes' coordinates; where either lacks them, the fallback distances of
:mod:`resim.supply.logistics` by same country, same region or beyond) × its mode's kg CO₂e per
kg-km (:data:`resim.supply.logistics.MODES`, each figure with its source). ``internal`` lanes (within
a site) emit nothing, nor does a part without a weight. MaaS providers' lanes count as any lane:
their node's coordinates and their agreement's mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from resim.supply.logistics import MODES, distance_km

if TYPE_CHECKING:
    from resim.sim.network import Network

__all__ = ["co2e_per_unit"]


def co2e_per_unit(net: "Network") -> np.ndarray:
    """kg CO₂e per unit shipped on each arc of ``net`` (its lanes, added ones included). Arcs are
    only ever appended to a network, so the figures are kept with it and only new arcs worked out."""
    network = getattr(net, "network", net)   # a replication's view shares its batch's network
    known = network.__dict__.get("_co2e_per_unit", np.zeros(0))
    if len(known) < network.n_arcs:
        known = np.concatenate([known, _per_unit(network, range(len(known), network.n_arcs))])
        network.__dict__["_co2e_per_unit"] = known
    return known[:network.n_arcs]


def _per_unit(net: "Network", arcs: range) -> np.ndarray:
    nodes = {node.id: node for node in net.nodes}
    lanes = net.lanes
    weight = {part.id: part.weight_kg for part in net.scenario.parts}
    values = np.zeros(len(arcs))
    for i, arc in enumerate(arcs):
        lane = lanes[net.arc_lane[arc]]
        part = net.part_ids[net.sku_part[net.arc_src[arc]]]
        if lane.mode not in MODES or not weight.get(part):  # internal (within a site), or weightless
            continue
        source, dest = nodes[lane.source], nodes[lane.dest]
        km = distance_km(source.lat, source.lon, [np.nan if dest.lat is None else dest.lat],
                         [np.nan if dest.lon is None else dest.lon], source.country == dest.country,
                         source.region == dest.region)[0]
        values[i] = weight[part] * km * MODES[lane.mode].co2_kg_per_kg_km
    return values
