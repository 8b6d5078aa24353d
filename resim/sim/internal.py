"""Internal MaaS in a running model: the firm's own sites as providers to its other sites.

* **The pool** (:func:`scenario_pool`): the scenario's external offerings and its internal ones
  (:mod:`resim.supply.internal`), whose capacity is each site's idle capacity at its expected
  load in normal times (:func:`expected_load`, from the expected flows of :mod:`resim.sim.steady`).
* **Capacity really used** (:func:`carve`, :func:`release`): an agreement with an internal
  offering gets a provider node of its own at the site, like any provider
  (:func:`resim.sim.agreements.execute`), and the site's capacity is lowered by the agreement's
  units a day while the agreement's lane is open. So the site's own products and the work moved
  there share the one capacity: the site makes at most ``capacity_per_day`` less what its
  agreements reserve, and its agreements' nodes make at most what they reserve. Several
  agreements on one site add up (one lever cause per site, set to 1 - reserved / capacity).
* **The site's disruptions reach the work moved there** (:func:`follow`): each day the provider
  node makes and ships at the factors the disruptions in force leave the site (its capacity
  factor but for the reservation, its shipping factor), so a site at half capacity makes half its
  own products and half the moved work.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import pandas as pd

from resim.sim.shared import shared
from resim.sim.targets import flows_of
from resim.supply.internal import internal_frame
from resim.supply.pool import pool_frame

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.sim.engine import Model
    from resim.sim.hooks import Hook

__all__ = ["expected_load", "scenario_pool", "carve", "release", "carved", "disrupted", "follow"]


def expected_load(scenario: "Scenario") -> dict[str, float]:
    """Units a day each node makes in normal times at the mean demand: what leaves it of the parts
    it makes, over all its lanes (:class:`resim.sim.targets.Flows`)."""
    flows = flows_of(scenario)
    load: dict[str, float] = {}
    for lane in scenario.lanes:
        made = scenario.nodes_by_id[lane.source].makes
        units = sum(flows.lane(lane.key, part) for part in lane.parts if part in made)
        if units:
            load[lane.source] = load.get(lane.source, 0.0) + units
    return load


def scenario_pool(scenario: "Scenario") -> pd.DataFrame:
    """The scenario's pool frame: its external offerings (``maas.providers``), then its internal
    ones (``maas.internal``, flagged ``internal``); made once per scenario when it has internal
    offerings (their capacity depends on its demand and chain)."""
    external = pool_frame(scenario.maas.providers)
    if not scenario.maas.internal:
        return external
    return shared(scenario, "internal pool", lambda: pd.concat(
        [external, internal_frame(scenario, expected_load(scenario))], ignore_index=True))


# Per model run: site -> {agreement cause: units a day reserved}. Weak: a finished model is freed.
_CARVED: "weakref.WeakKeyDictionary[Model, dict[str, dict[str, float]]]" = weakref.WeakKeyDictionary()


def carved(model: "Model", site: str) -> float:
    """Units a day the agreements in force reserve of ``site``'s capacity."""
    return sum(_CARVED.get(model, {}).get(site, {}).values())


def carve(model: "Model", site: str, units_per_day: float, cause: str) -> None:
    """Reserve ``units_per_day`` of ``site``'s capacity for the agreement ``cause``: the site's
    capacity factor for its internal agreements becomes 1 - reserved / capacity."""
    _CARVED.setdefault(model, {}).setdefault(site, {})[cause] = units_per_day
    _apply(model, site)


def release(model: "Model", site: str, cause: str) -> None:
    """Give the capacity the agreement ``cause`` reserved back to ``site`` (nothing if it had none)."""
    reserved = _CARVED.get(model, {}).get(site, {})
    if reserved.pop(cause, None) is not None:
        _apply(model, site)


def disrupted(model: "Model", site: str) -> bool:
    """Whether a disruption in force lowers ``site``'s capacity or shipments today (its internal
    agreements' reservation aside): a disrupted site has no idle capacity to offer."""
    index = model.net.node_index[site]
    return (model.levers.without("capacity", index, _cause(site)) < 1.0 - 1e-9
            or model.levers["shipping"][index] < 1.0 - 1e-9)


def follow(model: "Model", site: str, node: str) -> "Hook":
    """Have the provider ``node`` at ``site`` make and ship, each day from today, at the factors
    the site's other causes (its disruptions) leave it: its capacity factor without the
    reservation of its internal agreements, and its shipping factor. Returns the day hook;
    cancel it when the agreement ends."""
    index, cause = model.net.node_index[site], f"site:{site}"

    def today(m: "Model", day: int) -> None:
        m.set_capacity(node, m.levers.without("capacity", index, _cause(site)), cause=cause)
        m.set_shipping(node, m.levers["shipping"][index], cause=cause)

    today(model, model.day)
    return model.on_day_start(today)


def _cause(site: str) -> str:
    """The lever cause of the reservations of ``site``'s internal agreements."""
    return f"internal:{site}"


def _apply(model: "Model", site: str) -> None:
    capacity = model.scenario.nodes_by_id[site].capacity_per_day
    cause = _cause(site)
    reserved = carved(model, site)
    if reserved <= 0:
        model.end(cause)
    else:
        model.set_capacity(site, max(1.0 - reserved / capacity, 0.0), cause=cause)
