"""The shipped hazard catalogue in a scenario (``hazards``): which of its regional hazards join the
scenario's disruptions (see docs/hazards.md for the catalogue's figures and their sources).

A hazard of the catalogue is a natural disaster over one country, or a port strike (a logistics
event closing the scenario's sea lanes into or out of one country), whose events arrive as a
Poisson process (``rate_per_year``, seasonal where the catalogue says), each with a drawn severity
and duration. :func:`catalogue_disruptions` turns the chosen entries into disruption entries, ids
``KIND_COUNTRY`` (``earthquake_jp``); the scenario adds those its own ``disruptions`` do not
already hold under the same id (so a dumped scenario reads back the same, and an entry of
``disruptions`` with a catalogue id replaces the catalogue's).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field

from resim.scenario.format.common import Country, Spec

__all__ = ["Hazards", "HAZARD_KINDS", "catalogue_entries", "catalogue_disruptions"]

HAZARD_KINDS = ("earthquake", "typhoon", "flood", "port_strike")


class Hazards(Spec):
    """Hazards of the shipped catalogue included as disruptions of the scenario."""

    catalogue: Literal["default"] = Field("default", description="the catalogue: default, shipped with resim "
                                                                 "(docs/hazards.md)")
    countries: tuple[Country, ...] = Field(
        (), description="countries whose hazards are included; when empty, those of the scenario's nodes")
    kinds: tuple[Literal["earthquake", "typhoon", "flood", "port_strike"], ...] = Field(
        (), description="kinds of hazard included; all when empty")
    rate_factor: Annotated[float, Field(gt=0.0, le=40.0, allow_inf_nan=False)] = Field(
        1.0, description="multiplies every included rate (a stress test: 2 = twice as often); at most 40")


@cache
def catalogue_entries(name: str = "default") -> tuple[dict[str, Any], ...]:
    """The entries of a shipped catalogue (``resim/data/hazards.yaml``), as plain data."""
    text = resources.files("resim").joinpath("data", "hazards.yaml").read_text(encoding="utf-8")
    return tuple(yaml.safe_load(text)["hazards"])


def catalogue_disruptions(hazards: Hazards, nodes: list[Any], lanes: list[Any]) -> list[dict[str, Any]]:
    """The disruption entries (plain data, as a scenario file holds them) of the catalogue's
    hazards that ``hazards`` chooses: of its ``countries`` (default those of the scenario's
    ``nodes``) and ``kinds``, rates × ``rate_factor``. A port strike closes the ``lanes`` of its
    modes with an end in its country, and is left out where there are none (raw scenario data:
    entries that are not mappings are skipped, the scenario's validation reports them)."""
    # Raw data: ids, countries and modes that are not text are left for validation to report.
    country = {n["id"]: n.get("country") for n in nodes if isinstance(n, dict) and isinstance(n.get("id"), str)}
    countries = set(hazards.countries) or {c for c in country.values() if isinstance(c, str)}
    found = []
    for entry in catalogue_entries(hazards.catalogue):
        if entry["country"] not in countries or (hazards.kinds and entry["kind"] not in hazards.kinds):
            continue
        data = {"id": f"{entry['kind']}_{entry['country'].lower()}", "type": entry.get("type", "natural_disaster"),
                "description": f"{entry['kind']} in {entry['country']}: hazard catalogue ({hazards.catalogue}), "
                               f"docs/hazards.md",
                "rate_per_year": entry["rate_per_year"] * hazards.rate_factor,
                "severity_distribution": entry["severity"], "duration_days": entry["duration_days"],
                "recovery": {"profile": "ramp", "ramp_days": entry["ramp_days"]}}
        if data["type"] == "logistics":
            hit = [_lane_ref(lane) for lane in lanes if isinstance(lane, dict)
                   and all(isinstance(lane.get(k, ""), str) for k in ("from", "to", "mode", "id"))
                   and lane.get("mode", "road") in entry["modes"]
                   and entry["country"] in (country.get(lane.get("from")), country.get(lane.get("to")))]
            if not hit:
                continue
            data["lanes"] = hit
        else:
            data["footprint"] = {"countries": [entry["country"]]}
        if entry.get("seasonality") is not None:
            data["seasonality"] = list(entry["seasonality"])
        found.append(data)
    return found


def _lane_ref(lane: dict[str, Any]) -> str:
    """How a disruption names a lane: its id, else FROM->TO."""
    return lane.get("id") or f"{lane.get('from')}->{lane.get('to')}"
