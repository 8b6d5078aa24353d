"""Circularity metrics of a run: how much of the chain's supply came back from use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from resim.sim.engine import Model

__all__ = ["CIRCULARITY_METRICS", "circularity"]

CIRCULARITY_METRICS = ("cores_returned", "cores_used", "reman_units", "reman_share_critical",
                       "material_avoided_kg", "co2_avoided_kg")


def circularity(model: "Model") -> dict[str, float]:
    """Circularity of one run: cores returned and used, remanufactured or reused units that
    entered the chain, their share of the critical parts received by focal nodes, and the virgin
    material and CO2e they avoided."""
    values = dict.fromkeys(CIRCULARITY_METRICS, 0.0)
    net, scenario = model.net, model.scenario
    parts = scenario.parts_by_id
    reman_node = np.array([n.kind == "reman" for n in net.nodes])
    src_node = net.sku_node[net.arc_src]
    part_of = np.array(net.part_ids)[net.sku_part[net.arc_src]] if net.n_arcs else np.array([])
    # Its own arcs only: those other replications of its batch added carry nothing for it, but
    # summing their zeros would change the order in which NumPy adds its terms.
    into_focal = (net.arc_dst >= 0) & net.arc_into_focal & model.own_arc
    from_reman = into_focal & reman_node[src_node]
    critical = np.array([parts[p].critical for p in part_of], bool)
    weight = np.array([parts[p].weight_kg for p in part_of])
    received = model.received_total - model.rejected_total
    reman_in = received[from_reman]
    values["reman_units"] = float(reman_in.sum())
    all_critical = received[into_focal & critical].sum()
    values["reman_share_critical"] = float(received[from_reman & critical].sum() / all_critical) if all_critical else 0.0
    values["material_avoided_kg"] = float(reman_in @ weight[from_reman])
    circular = scenario.circular
    values["co2_avoided_kg"] = values["material_avoided_kg"] * circular.co2_kg_per_kg_new * circular.co2_saving_share
    if model.circular is not None:  # the own centre's cores, and those handed to circular partners
        values["cores_returned"] = float(model.circular.ledger.returned.sum() + model.circular.ledger.handed_over.sum())
        values["cores_used"] = float(model.circular.ledger.disassembled.sum())
        for flows in model.circular.partners:
            values["cores_used"] += flows.cores_used()
    return values
