"""The MaaS section: service offerings published by Manufacturing-as-a-Service providers (stage 1)
and how candidates are compared (stage 2)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resim.core.dists import NonNegativeDist
from resim.scenario.format.common import (
    Certifications, Country, Fraction, Id, Latitude, Longitude, NonNegative, Positive, ProcessPath,
    Region, SizeMM, Spec, TextList,
)

__all__ = ["Offering", "InternalOffering", "ScoreWeights", "Negotiation", "Probation", "Inspection", "Contention",
           "Monitoring", "Evaluation", "MarketOffer", "MaaS", "INPUTS"]

INPUTS = ("consigned", "market")


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
    expedite_premium: NonNegative = Field(
        0.0, description="extra price fraction for expedited work, shipped by air (a strategy with "
                         "orchestration: fastest); 0 = no expedite option")
    lead_time_days: NonNegativeDist = Field(description="days from order to shipment")
    onboarding_days: NonNegativeDist = Field(description="qualification days before the first order")
    conformance_rate: Fraction = Field(0.99, description="share of units that pass inspection")
    on_time_rate: Fraction = Field(0.95, description="share of orders shipped on time")
    delivered_on_time_rate: Fraction | None = Field(
        None, description="share of orders it really ships on time, where that differs from the published "
                          "on_time_rate (an overstated record); only its scorecard shows it (maas.evaluation); "
                          "none = as published")
    delivered_conformance_rate: Fraction | None = Field(
        None, description="share of units that really pass inspection, where that differs from the published "
                          "conformance_rate; none = as published")
    country: Country
    region: Region
    lat: Latitude | None = None
    lon: Longitude | None = None
    export_controlled: bool = False
    inputs: Literal["consigned", "market"] = Field(
        "consigned", description="where the components of a part with a bill of materials come from: "
                                 "consigned by the firm from its usual makers, or bought by the provider "
                                 "on the open market (maas.market) where it offers them, the others consigned")


class InternalOffering(Spec):
    """Stage 1 for the firm's own sites (activities 1.1-1.3): a process of one of its plants
    published as a service to its other sites. What it can do (materials, tolerance, size,
    certifications) comes from the parts the plant makes with that process, its capacity from the
    plant's idle capacity in normal times, its price from a cost model ([maas.md](maas.md#internal-maas-the-firms-own-sites-as-providers))."""

    node: Id = Field(description="the firm's site that offers the process (a node with capacity_per_day)")
    process: ProcessPath = Field(description="a process the site runs: that of a part it makes, or a "
                                             "more general path of it")
    id: Id | None = Field(None, description="the offering's id; default NODE_PROCESS (the last segment)")
    share: Fraction = Field(
        1.0, description="share of the site's idle capacity (capacity less its expected load in normal "
                         "times) the firm offers to its other sites")
    machine_hour_rate: NonNegative | None = Field(
        None, description="cost of a machine hour, currency; with hours_per_unit it gives the conversion "
                          "cost per unit, else the site's production_cost_per_unit is used")
    hours_per_unit: NonNegative | None = Field(None, description="machine hours per unit")
    margin: NonNegative = Field(
        0.0, description="mark-up on cost for the transfer price (0: internal transfer at cost)")
    setup_cost: NonNegative = Field(
        0.0, description="one-off cost per agreement (programs, fixtures, first article)")
    lead_time_days: NonNegativeDist = Field(1.0, description="days from order to shipment")
    onboarding_days: NonNegativeDist = Field(
        3.0, description="days before the first order: no supplier qualification (the firm's own "
                         "quality system), a first-article run (assumption)")
    conformance_rate: Fraction = Field(0.99, description="share of units that pass inspection")
    on_time_rate: Fraction = Field(0.95, description="share of orders shipped on time")

    @model_validator(mode="after")
    def _rate_with_hours(self) -> "InternalOffering":
        if (self.machine_hour_rate is None) != (self.hours_per_unit is None):
            raise ValueError("give both machine_hour_rate and hours_per_unit, or neither")
        return self

    @property
    def offering_id(self) -> str:
        """The offering's id: ``id``, else NODE_PROCESS with the process path's last segment."""
        return self.id or f"{self.node}_{self.process.rsplit('/', 1)[-1]}"


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


class Negotiation(Spec):
    """How providers answer a request (stage 3): accept, counter (price and date) or decline.

    Real platforms let partners accept, decline or counter on price and ship date, and pass an
    unanswered job on after a timeout (Hubs; Xometry's 48-hour job board)."""

    accept: Fraction = Field(0.7, description="chance a provider accepts the request as asked")
    counter: Fraction = Field(0.15, description="chance it counters; the rest decline")
    counter_price_increase: NonNegative = Field(0.10, description="price increase of a counter-offer")
    counter_delay_days: NonNegative = Field(7.0, description="later start of a counter-offer")
    response_days: Positive = Field(2.0, description="days to an answer (or the timeout)")

    @model_validator(mode="after")
    def _chances(self) -> "Negotiation":
        if self.accept + self.counter > 1 + 1e-9:
            raise ValueError(f"accept + counter = {self.accept + self.counter:g} exceeds 1")
        return self


class Probation(Spec):
    """A new provider's first period at capped volume (Xometry: one job at a time at first)."""

    days: NonNegative = 30.0
    capacity_share: Fraction = 0.5


class Inspection(Spec):
    """Incoming inspection of each day's lot by single sampling: a lot is accepted when at most
    ``acceptance_number`` of ``sample_size`` sampled units are defective (defaults: ISO 2859-1,
    normal inspection, general level II, AQL 2.5, lots of 151-280 units: n = 32, Ac = 2)."""

    sample_size: Annotated[int, Field(ge=1, le=10_000)] = 32
    acceptance_number: Annotated[int, Field(ge=0)] = 2


class Monitoring(Spec):
    """Stage 3.3, monitoring that acts: an agreement whose lots are too often late or rejected is
    ended for cause and the rest of it sourced again from other providers. Each day's shipment is
    a lot (late when its confirmed ship date is past the quoted one), and each day's delivery a
    lot inspected. Without a share set, agreements are only recorded."""

    late_share: Fraction | None = Field(
        None, description="share of an agreement's shipped lots late above which it is ended and re-sourced")
    rejected_share: Fraction | None = Field(
        None, description="share of its delivered lots rejected by incoming inspection above which it is "
                          "ended and re-sourced")
    min_lots: Annotated[int, Field(ge=1, le=10_000)] = Field(
        5, description="lots shipped (for lateness) or delivered (for rejections) before it is judged")

    @property
    def acts(self) -> bool:
        """Whether any limit is set."""
        return self.late_share is not None or self.rejected_share is not None


class Evaluation(Spec):
    """Stage 3.4, evaluation that learns: each provider's scorecard (its lots so far in the
    replication) updates the on-time and conformance figures later selections compare, as the
    mean of a beta distribution whose prior is the offering's published figure worth
    ``prior_lots`` lots. Off (published figures only) when ``prior_lots`` is not set."""

    prior_lots: Positive | None = Field(
        None, description="weight of a published on-time or conformance figure, in lots, against the "
                          "lots observed; none = selections use the published figures only")


class Contention(Spec):
    """Other firms hit by the same disaster compete for the providers of its regions."""

    enabled: bool = False
    capacity_taken: Fraction = Field(0.3, description="share of those providers' capacity taken")
    price_increase: NonNegative = Field(0.5, description="price increase per unit of capacity taken")


class MarketOffer(Spec):
    """Units of a scarce component on the open market (brokers, spot buys): what all buyers
    together can take a day, and a price that rises with the share of it taken."""

    part: Id = Field(description="the component offered")
    country: Country = Field(description="where the stock sits")
    region: Region = Field(description="its region (a disaster there lets other firms take their share)")
    units_per_day: NonNegative = Field(description="units all buyers together can take a day")
    unit_price: NonNegative = Field(description="price per unit when little is taken")
    price_increase: NonNegative = Field(
        1.0, description="price rise, as a fraction, when the whole day's availability is taken "
                         "(linear in the share taken)")
    lead_time_days: NonNegativeDist = Field(7.0, description="days from purchase to the provider")
    during: tuple[Id, ...] = Field(
        (), description="disruption ids or types while which it is offered; always when empty")


class MaaS(Spec):
    """The provider pool, the comparison weights and the terms of agreements."""

    providers: tuple[Offering, ...] = ()
    internal: tuple[InternalOffering, ...] = Field(
        (), description="processes of the firm's own sites offered to its other sites (internal MaaS)")
    weights: ScoreWeights = ScoreWeights()
    negotiation: Negotiation = Negotiation()
    probation: Probation = Probation()
    inspection: Inspection = Inspection()
    contention: Contention = Contention()
    monitoring: Monitoring = Monitoring()
    evaluation: Evaluation = Evaluation()
    market: tuple[MarketOffer, ...] = Field(
        (), description="scarce components on the open market, bought by providers with inputs: market")
