"""The value chain in a scenario: parts and their bill of materials, nodes, lanes and demand.

Units: quantities in units of the part, time in days, money in the scenario's currency.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from resim.core.dists import Dist, NonNegativeDist
from resim.scenario.format.common import (
    Certifications, Country, Fraction, Id, IdList, Latitude, Longitude, NonNegative, Positive,
    ProcessPath, Region, SizeMM, Spec,
)

__all__ = [
    "ProcessSpec", "Part", "BaseStock", "Periodic", "MinMax", "ReorderPoint", "Policy", "Stock",
    "Node", "Lane", "Seasonality", "Demand", "NODE_KINDS", "MODES",
]

NODE_KINDS = ("supplier", "plant", "dc", "market", "reman")
MODES = ("road", "rail", "sea", "air", "internal")


class ProcessSpec(Spec):
    """What it takes to make a part: the process and the capabilities a maker needs."""

    process: ProcessPath = Field(description="DIN 8580-style path group/process[/variant]")
    material: str | None = Field(None, description="material family and grade, e.g. AlSi10Mg")
    tolerance_mm: Positive | None = Field(None, description="tightest tolerance, +/- mm")
    size_mm: SizeMM | None = Field(None, description="size envelope [length, width, height], mm")
    surface_ra_um: Positive | None = Field(None, description="surface roughness Ra, micrometres")
    certifications: Certifications = Field((), description="quality certifications a maker needs")


class Part(Spec):
    """A part: a product sold in markets, a component, or a raw material (a part without a BOM)."""

    id: Id
    name: str = ""
    unit_cost: NonNegative = Field(description="value of one unit, currency (procurement price)")
    weight_kg: NonNegative = 0.0
    critical: bool = Field(False, description="a critical component (for risk and circular supply)")
    bom: dict[Id, Positive] = Field(
        default_factory=dict, description="bill of materials: child part id -> units per unit")
    process: ProcessSpec | None = None


class _PolicyBase(Spec):
    review_days: int = Field(1, ge=1, le=365, description="days between inventory reviews")


class BaseStock(_PolicyBase):
    """Order up to ``level`` (inventory position) at every review."""

    type: Literal["base_stock"]
    level: NonNegative


class Periodic(_PolicyBase):
    """Periodic review order-up-to (R, S): every ``review_days`` order up to ``level``."""

    type: Literal["periodic"]
    review_days: int = Field(ge=1, le=365)
    level: NonNegative


class MinMax(_PolicyBase):
    """(s, S): when the inventory position is at or below ``s``, order up to ``S``."""

    type: Literal["s_S"]
    s: NonNegative
    S: Positive

    @model_validator(mode="after")
    def _s_below_S(self) -> "MinMax":
        if self.s >= self.S:
            raise ValueError(f"s = {self.s:g} must be below S = {self.S:g}")
        return self


class ReorderPoint(_PolicyBase):
    """(r, Q): when the inventory position is at or below ``r``, order ``Q`` (repeatedly if needed)."""

    type: Literal["r_Q"]
    r: NonNegative
    Q: Positive


Policy = Annotated[Union[BaseStock, Periodic, MinMax, ReorderPoint], Field(discriminator="type")]


def policy_target(policy: Policy) -> float:
    """The stock a policy aims for right after ordering: level, S or r + Q (units)."""
    if isinstance(policy, (BaseStock, Periodic)):
        return policy.level
    if isinstance(policy, MinMax):
        return policy.S
    return policy.r + policy.Q


class Stock(Spec):
    """A part held at a node, with its replenishment policy."""

    part: Id
    policy: Policy
    initial: NonNegative | None = Field(
        None, description="on hand at day 0; defaults to the policy's target")

    @property
    def initial_units(self) -> float:
        """Units on hand at day 0."""
        return policy_target(self.policy) if self.initial is None else self.initial


class Node(Spec):
    """A site of the value chain."""

    id: Id
    kind: Literal["supplier", "plant", "dc", "market", "reman"]
    name: str = ""
    country: Country
    region: Region
    lat: Latitude | None = None
    lon: Longitude | None = None
    makes: IdList = Field((), description="parts this node produces")
    capacity_per_day: Positive | None = Field(
        None, description="units it can produce per day, all parts together; none = unlimited")
    production_cost_per_unit: NonNegative = Field(0.0, description="conversion cost per unit made")
    inventory: tuple[Stock, ...] = Field((), description="parts held and how they are replenished")
    holding_cost_rate: NonNegative = Field(
        0.25, description="yearly holding cost as a fraction of the part's unit cost")

    @model_validator(mode="after")
    def _coordinates_in_pairs(self) -> "Node":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self

    def stock(self, part: str) -> Stock | None:
        """The inventory entry for ``part``, or None."""
        return next((s for s in self.inventory if s.part == part), None)


class Lane(Spec):
    """A transport link carrying parts from one node to another."""

    id: Id | None = Field(None, description="defaults to FROM->TO")
    source: Id = Field(alias="from")
    dest: Id = Field(alias="to")
    parts: IdList = Field(min_length=1)
    lead_time_days: NonNegativeDist | None = None  # omitted: by mode (resim.scenario.lane_defaults)
    cost_per_unit: NonNegative = 0.0
    cost_per_kg: NonNegative | Literal["mode"] = 0.0
    capacity_per_day: Positive | None = Field(None, description="units per day; none = unlimited")
    mode: Literal["road", "rail", "sea", "air", "internal"] = "road"
    share: Fraction | None = Field(
        None, description="share of the destination's orders of these parts (0 = standby lane); "
                          "equal split when omitted on every such lane")

    @model_validator(mode="after")
    def _internal_lead_time(self) -> "Lane":
        if self.mode == "internal" and (self.lead_time_days is None or self.cost_per_kg == "mode"):
            raise ValueError("an internal lane (within a site) has no mode figures: give its "
                             "lead_time_days and a number for cost_per_kg")
        return self

    @property
    def key(self) -> str:
        """The lane's id, ``FROM->TO`` when none is given."""
        return self.id or f"{self.source}->{self.dest}"

    def freight(self, weight_kg: float | None) -> float:
        """Transport cost of one unit of a part weighing ``weight_kg`` (none: 0 kg), currency."""
        return self.cost_per_unit + float(self.cost_per_kg) * (weight_kg or 0.0)


class Seasonality(Spec):
    """A demand multiplier over the year: 12 monthly factors, or a sine wave."""

    monthly: tuple[Positive, ...] | None = Field(None, min_length=12, max_length=12,
                                                 description="factors for January..December")
    amplitude: Annotated[float, Field(ge=0.0, lt=1.0)] | None = None
    peak_day: int = Field(0, ge=0, le=365)
    period_days: Positive = 365.0

    @model_validator(mode="after")
    def _one_form(self) -> "Seasonality":
        if (self.monthly is None) == (self.amplitude is None):
            raise ValueError("give either monthly (12 factors) or amplitude (with peak_day)")
        return self


class Demand(Spec):
    """Daily demand for one product at one market."""

    market: Id
    part: Id
    daily: Dist = Field(description="units demanded per day")
    seasonality: Seasonality | None = None
    unmet: Literal["backorder", "lost_sales"] = "backorder"
    price: NonNegative = Field(0.0, description="selling price per unit")
    shortage_penalty_per_unit: NonNegative = Field(
        0.0, description="cost per unit not delivered on the day it is demanded")
