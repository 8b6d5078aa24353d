"""Internal MaaS: the firm's own sites publish processes as services to its other sites (MaaS
stage 1, activities 1.1-1.3, for the firm's plants).

* **1.1 potential**: a site's offered capacity is its idle capacity in normal times, its
  ``capacity_per_day`` less its expected load (the units a day it makes for its own products at
  the mean demand), times the ``share`` the firm is willing to offer. A site with no idle
  capacity offers nothing.
* **1.2 description**: what the offering can do comes from the parts the site makes with that
  process: their materials, the tightest tolerance, the largest envelope, every certification
  they need (the site holds them, it makes those parts); where it is, from the site.
* **1.3 cost and price**: price per unit = (conversion + material) x (1 + ``margin``), with
  conversion = ``machine_hour_rate`` x ``hours_per_unit`` (else the site's
  ``production_cost_per_unit``) and material the needed part's components at their unit cost
  (resim's prices include the components, consigned or not: :mod:`resim.sim.inputs`). The
  material depends on the part a need asks for, so the pool holds the conversion part of the
  price and a ``material_factor`` of 1 + margin that matching applies to the need's material
  (:func:`resim.supply.matching.match`); an external offering's factor is 0.

The expected loads come from the model's expected flows (:func:`resim.sim.internal.expected_load`):
this module only turns them into offerings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import pandas as pd

from resim.scenario.format.maas import Offering

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.scenario.format.chain import Node
    from resim.scenario.format.maas import InternalOffering

__all__ = ["conversion_cost", "material_cost", "transfer_price", "idle_capacity", "internal_offerings",
           "internal_frame"]


def conversion_cost(offer: "InternalOffering", node: "Node") -> float:
    """Conversion cost per unit, currency: machine-hour rate x hours per unit where the offering
    gives them, else the site's ``production_cost_per_unit``."""
    if offer.machine_hour_rate is not None and offer.hours_per_unit is not None:
        return offer.machine_hour_rate * offer.hours_per_unit
    return node.production_cost_per_unit


def material_cost(scenario: "Scenario", part: str) -> float:
    """The components of one unit of ``part`` at their unit cost, currency (0 without a BOM)."""
    parts = scenario.parts_by_id
    return sum(quantity * parts[child].unit_cost for child, quantity in parts[part].bom.items())


def transfer_price(conversion: float, material: float, margin: float) -> float:
    """Price per unit: (conversion + material) x (1 + margin)."""
    return (conversion + material) * (1.0 + margin)


def idle_capacity(node: "Node", load: float, share: float = 1.0) -> float:
    """Units a day a site can offer: ``share`` of its capacity less its expected ``load`` (never
    below 0; 0 for a site of unlimited capacity, whose idle capacity is unknown)."""
    if node.capacity_per_day is None:
        return 0.0
    return share * max(node.capacity_per_day - load, 0.0)


def _capabilities(scenario: "Scenario", offer: "InternalOffering") -> dict:
    """Materials, tolerance, envelope and certifications of the parts the site makes with the
    offering's process (its path or a more specific variant of it)."""
    specs = [p.process for p in (scenario.parts_by_id[part] for part in scenario.nodes_by_id[offer.node].makes)
             if p.process is not None and (p.process.process == offer.process
                                           or p.process.process.startswith(offer.process + "/"))]
    tolerances = [s.tolerance_mm for s in specs if s.tolerance_mm is not None]
    sizes = [sorted(s.size_mm, reverse=True) for s in specs if s.size_mm is not None]  # longest first
    certifications = sorted({c for s in specs for c in s.certifications})
    return dict(materials=tuple(sorted({s.material for s in specs if s.material})),
                tolerance_mm=min(tolerances) if tolerances else None,
                size_mm=tuple(max(size[k] for size in sizes) for k in range(3)) if sizes else None,
                certifications=certifications)


def internal_offerings(scenario: "Scenario", load: Mapping[str, float]) -> list[tuple[Offering, float]]:
    """The offerings of ``scenario.maas.internal`` with idle capacity, each with its material
    factor (1 + margin); ``load`` is each site's expected units a day in normal times. Their
    ``unit_price`` is the conversion part of the price (module docstring)."""
    found = []
    for offer in scenario.maas.internal:
        node = scenario.nodes_by_id[offer.node]
        capacity = idle_capacity(node, load.get(offer.node, 0.0), offer.share)
        if capacity <= 1e-9:
            continue
        offering = Offering(
            id=offer.offering_id, provider=node.id, process=offer.process, **_capabilities(scenario, offer),
            capacity_per_day=capacity, setup_cost=offer.setup_cost,
            unit_price=transfer_price(conversion_cost(offer, node), 0.0, offer.margin),
            lead_time_days=offer.lead_time_days, onboarding_days=offer.onboarding_days,
            conformance_rate=offer.conformance_rate, on_time_rate=offer.on_time_rate, country=node.country,
            region=node.region, lat=node.lat, lon=node.lon)
        found.append((offering, 1.0 + offer.margin))
    return found


def internal_frame(scenario: "Scenario", load: Mapping[str, float]) -> pd.DataFrame:
    """The internal offerings as pool rows (:func:`resim.supply.pool.pool_frame`), flagged
    ``internal`` and with their ``material_factor``."""
    from resim.supply.pool import pool_frame

    found = internal_offerings(scenario, load)
    frame = pool_frame([offering for offering, _ in found])
    return frame.assign(internal=True, material_factor=[factor for _, factor in found]) if found else frame
