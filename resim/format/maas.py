"""The MaaS section: service offerings published by Manufacturing-as-a-Service providers (stage 1)
and how candidates are compared (stage 2)."""

from __future__ import annotations

from pydantic import Field, model_validator

from resim.dists import Dist
from resim.format.common import (
    Certifications, Country, Fraction, Id, Latitude, Longitude, NonNegative, Positive, ProcessPath,
    Region, SizeMM, Spec, TextList,
)

__all__ = ["Offering", "ScoreWeights", "MaaS"]


class Offering(Spec):
    """One manufacturing process a provider offers as a service."""

    id: Id
    provider: Id
    process: ProcessPath
    materials: TextList = Field((), description="materials the provider processes")
    tolerance_mm: Positive | None = Field(None, description="best tolerance it holds, +/- mm")
    size_mm: SizeMM | None = Field(None, description="largest part envelope, mm")
    certifications: Certifications = ()
    capacity_per_day: Positive = Field(description="units per day it can commit")
    setup_cost: NonNegative = Field(0.0, description="one-off cost per agreement")
    unit_price: NonNegative = Field(description="price per unit")
    expedite_premium: NonNegative = Field(0.0, description="extra price fraction for expedited work")
    lead_time_days: Dist = Field(description="days from order to shipment")
    onboarding_days: Dist = Field(description="qualification days before the first order")
    conformance_rate: Fraction = Field(0.99, description="share of units that pass inspection")
    on_time_rate: Fraction = Field(0.95, description="share of orders shipped on time")
    country: Country
    region: Region
    lat: Latitude | None = None
    lon: Longitude | None = None
    export_controlled: bool = False


class ScoreWeights(Spec):
    """Weights of the criteria used to compare candidate providers (normalised when used)."""

    cost: NonNegative = 0.35
    lead_time: NonNegative = 0.25
    quality: NonNegative = 0.15
    on_time: NonNegative = 0.10
    capacity: NonNegative = 0.05
    distance: NonNegative = 0.10

    @model_validator(mode="after")
    def _some_weight(self) -> "ScoreWeights":
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class MaaS(Spec):
    """The provider pool and the comparison weights."""

    providers: tuple[Offering, ...] = ()
    weights: ScoreWeights = ScoreWeights()
