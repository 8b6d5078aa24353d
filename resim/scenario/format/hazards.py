"""The shipped hazard catalogue in a scenario (``hazards``): which of its regional hazards join the
scenario's disruptions (see docs/hazards.md for the catalogue's figures and their sources).

A hazard of the catalogue is a natural disaster over one country whose events arrive as a Poisson
process (``rate_per_year``, seasonal where the catalogue says), each with a drawn severity and
duration. :func:`catalogue_disruptions` turns the chosen entries into disruption entries, ids
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

HAZARD_KINDS = ("earthquake", "typhoon", "flood")


class Hazards(Spec):
    """Hazards of the shipped catalogue included as disruptions of the scenario."""

    catalogue: Literal["default"] = Field("default", description="the catalogue: default, shipped with resim "
                                                                 "(docs/hazards.md)")
    countries: tuple[Country, ...] = Field(
        (), description="countries whose hazards are included; when empty, those of the scenario's nodes")
    kinds: tuple[Literal["earthquake", "typhoon", "flood"], ...] = Field(
        (), description="kinds of hazard included; all when empty")
    rate_factor: Annotated[float, Field(gt=0.0, le=40.0, allow_inf_nan=False)] = Field(
        1.0, description="multiplies every included rate (a stress test: 2 = twice as often); at most 40")


@cache
def catalogue_entries(name: str = "default") -> tuple[dict[str, Any], ...]:
    """The entries of a shipped catalogue (``resim/data/hazards.yaml``), as plain data."""
    text = resources.files("resim").joinpath("data", "hazards.yaml").read_text(encoding="utf-8")
    return tuple(yaml.safe_load(text)["hazards"])


def catalogue_disruptions(hazards: Hazards, node_countries: set[str]) -> list[dict[str, Any]]:
    """The disruption entries (plain data, as a scenario file holds them) of the catalogue's
    hazards that ``hazards`` chooses: of its ``countries`` (default ``node_countries``) and
    ``kinds``, rates × ``rate_factor``."""
    countries = set(hazards.countries) or node_countries
    found = []
    for entry in catalogue_entries(hazards.catalogue):
        if entry["country"] not in countries or (hazards.kinds and entry["kind"] not in hazards.kinds):
            continue
        data = {"id": f"{entry['kind']}_{entry['country'].lower()}", "type": "natural_disaster",
                "description": f"{entry['kind']} in {entry['country']}: hazard catalogue ({hazards.catalogue}), "
                               f"docs/hazards.md",
                "footprint": {"countries": [entry["country"]]},
                "rate_per_year": entry["rate_per_year"] * hazards.rate_factor,
                "severity_distribution": entry["severity"], "duration_days": entry["duration_days"],
                "recovery": {"profile": "ramp", "ramp_days": entry["ramp_days"]}}
        if entry.get("seasonality") is not None:
            data["seasonality"] = list(entry["seasonality"])
        found.append(data)
    return found
