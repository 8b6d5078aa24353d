"""Disruptions in a scenario: what happens, where, when, for how long, and how operations come back.

This is the first form of the section: it is validated in full now, and the simulator gives each
type its behaviour (see docs/format.md for the stop semantics of each type).
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from resim.core.dists import NonNegativeDist
from resim.scenario.format.common import (
    Country, Fraction, Id, IdList, LaneRefList, Latitude, Longitude, NonNegative, Positive, Region, Spec, TextList,
)

__all__ = ["Recovery", "Footprint", "Disruption", "DISRUPTION_TYPES", "MAX_RATE_PER_YEAR"]

MAX_RATE_PER_YEAR = 365.0  # a bound on events drawn: a hostile file cannot ask for millions

DISRUPTION_TYPES = (
    "natural_disaster", "trade_barrier", "capacity_loss", "demand_shock", "logistics", "quality",
    "supplier_failure",
)


class Recovery(Spec):
    """How capacity returns when the disruption ends: at once (step) or linearly over ramp_days."""

    profile: Literal["step", "ramp"] = "step"
    ramp_days: NonNegative = 0.0

    @model_validator(mode="after")
    def _ramp_has_days(self) -> "Recovery":
        if self.profile == "ramp" and self.ramp_days <= 0:
            raise ValueError("a ramp recovery needs ramp_days > 0")
        return self


class Footprint(Spec):
    """The area a natural disaster hits: regions, countries, or a radius around a point."""

    regions: Annotated[tuple[Region, ...], Field()] = ()
    countries: tuple[Country, ...] = ()
    center: tuple[Latitude, Longitude] | None = Field(None, description="[lat, lon] in degrees")
    radius_km: Positive | None = None

    @model_validator(mode="after")
    def _something_is_hit(self) -> "Footprint":
        if (self.center is None) != (self.radius_km is None):
            raise ValueError("a radius footprint needs both center and radius_km")
        if not (self.regions or self.countries or self.center):
            raise ValueError("name regions, countries, or a center with radius_km")
        return self


class _Event(Spec):
    id: Id
    description: str = ""
    onset_day: NonNegativeDist | None = Field(None, description="day the disruption starts (fixed or drawn)")
    annual_probability: Fraction | None = Field(
        None, description="chance per year that it happens, at a uniformly drawn day")
    rate_per_year: Annotated[float, Field(gt=0.0, le=MAX_RATE_PER_YEAR, allow_inf_nan=False)] | None = Field(
        None, description="a hazard: events arrive as a Poisson process at this mean number a year, each "
                          "with its own drawn duration (and severity), recurring and overlapping")
    seasonality: tuple[NonNegative, ...] | None = Field(
        None, min_length=12, max_length=12,
        description="with rate_per_year: the rate's relative level in January..December (scaled to mean 1)")
    duration_days: NonNegativeDist = Field(description="days until recovery starts")
    severity: Fraction = Field(1.0, description="share of capacity or flow lost")
    severity_distribution: NonNegativeDist | None = Field(
        None, description="each event's severity drawn from this, per replication (values above 1 count "
                          "as 1); severity is then left out")
    recovery: Recovery = Recovery()
    then: Id | None = Field(None, description="id of a follow-up disruption that starts when this ends")

    @model_validator(mode="after")
    def _one_timing(self) -> "_Event":
        timings = [name for name in ("onset_day", "annual_probability", "rate_per_year")
                   if getattr(self, name) is not None]
        if len(timings) != 1:
            raise ValueError("give one of onset_day, annual_probability or rate_per_year")
        if self.rate_per_year is None and self.seasonality is not None:
            raise ValueError("seasonality goes with rate_per_year (a hazard)")
        if self.seasonality is not None and sum(self.seasonality) <= 0:
            raise ValueError("seasonality needs a month with a rate above 0")
        if self.severity_distribution is not None and "severity" in self.model_fields_set:
            raise ValueError("give severity or severity_distribution, not both")
        if self.rate_per_year is not None and self.then is not None:
            raise ValueError("a hazard (rate_per_year) cannot have a follow-up (then)")
        return self

    @property
    def timing(self) -> str:
        """When it happens, in words: ``day 120``, ``20% a year`` or ``0.5 events a year`` (a hazard)."""
        if self.onset_day is not None:
            return f"day {self.onset_day}"
        if self.annual_probability is not None:
            return f"{self.annual_probability:.0%} a year"
        return f"{self.rate_per_year:g} events a year" + (" (seasonal)" if self.seasonality is not None else "")

    @property
    def mean_severity(self) -> float:
        """The severity an event has on average: ``severity``, or the mean of
        ``severity_distribution`` (at most 1)."""
        if self.severity_distribution is None:
            return self.severity
        return min(float(self.severity_distribution.mean), 1.0)


class NaturalDisaster(_Event):
    type: Literal["natural_disaster"]
    footprint: Footprint
    stock_destroyed: Fraction = Field(0.0, description="share of on-hand stock destroyed at onset")


class TradeBarrier(_Event):
    type: Literal["trade_barrier"]
    barrier: Literal["tariff", "embargo", "local_content", "used_goods_ban"]
    from_countries: tuple[Country, ...] = ()
    from_regions: tuple[Region, ...] = ()
    to_countries: tuple[Country, ...] = ()
    to_regions: tuple[Region, ...] = ()
    parts: IdList = Field((), description="parts affected; all when empty")
    rate: NonNegative = Field(0.0, description="ad-valorem tariff as a fraction of value")
    market: Id | None = Field(None, description="market under a local-content rule")
    min_local_share: Fraction = Field(0.0, description="share of value that must be local")
    penalty_per_unit: NonNegative = Field(0.0, description="cost per unit sold below the rule")

    @model_validator(mode="after")
    def _barrier_fields(self) -> "TradeBarrier":
        if self.barrier == "tariff" and self.rate <= 0:
            raise ValueError("a tariff needs rate > 0")
        if self.barrier == "local_content" and (self.market is None or self.min_local_share <= 0):
            raise ValueError("a local_content rule needs market and min_local_share > 0")
        if self.barrier != "local_content" and not (
                self.from_countries or self.from_regions or self.to_countries or self.to_regions):
            raise ValueError(f"a {self.barrier} needs from_/to_ countries or regions")
        return self


class CapacityLoss(_Event):
    type: Literal["capacity_loss"]
    nodes: IdList = Field(min_length=1)
    processes: TextList = Field((), description="process paths affected; all when empty")
    mtbf_days: NonNegativeDist | None = Field(None, description="time between breakdowns (repeating failures)")
    mttr_days: NonNegativeDist | None = Field(None, description="repair time of each breakdown")

    @model_validator(mode="after")
    def _breakdown_pair(self) -> "CapacityLoss":
        if (self.mtbf_days is None) != (self.mttr_days is None):
            raise ValueError("breakdowns need both mtbf_days and mttr_days")
        return self


class DemandShock(_Event):
    type: Literal["demand_shock"]
    markets: IdList = Field(min_length=1)
    parts: IdList = ()
    multiplier: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class Logistics(_Event):
    type: Literal["logistics"]
    lanes: LaneRefList = Field(min_length=1, description="lanes hit, by id or as FROM->TO")
    lead_time_multiplier: Annotated[float, Field(ge=1.0, allow_inf_nan=False)] | None = Field(
        None, description="lanes stay open but slower; omitted = lanes closed")


class Quality(_Event):
    type: Literal["quality"]
    nodes: IdList = Field(min_length=1)
    parts: IdList = ()
    action: Literal["quarantine", "scrap"] = "quarantine"


class SupplierFailure(_Event):
    type: Literal["supplier_failure"]
    nodes: IdList = Field(min_length=1)
    duration_days: NonNegativeDist | None = Field(None, description="permanent when omitted")


Disruption = Annotated[
    Union[NaturalDisaster, TradeBarrier, CapacityLoss, DemandShock, Logistics, Quality,
          SupplierFailure],
    Field(discriminator="type"),
]
