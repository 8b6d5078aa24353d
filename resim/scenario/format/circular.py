"""The circular section: take-back of products, end-of-life grading and circular processes (C1)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from resim.core.dists import NonNegativeDist
from resim.scenario.format.common import Fraction, Id, NonNegative, Positive, Spec

__all__ = ["TakeBack", "Grading", "CircularProcess", "Specification", "Circular", "EOL_STATES",
           "CIRCULAR_PROCESSES"]

EOL_STATES = ("reuse", "repair", "refurbish", "remanufacture", "repurpose", "recycle")
CIRCULAR_PROCESSES = (
    "disassembly", "testing", "sorting", "cleaning", "repair", "reconditioning", "reassembly",
)

CircularStep = Literal["disassembly", "testing", "sorting", "cleaning", "repair", "reconditioning", "reassembly"]


class TakeBack(Spec):
    """Products sold in a market that come back at end of use."""

    product: Id
    market: Id
    to: Id = Field(description="node receiving the returned cores")
    return_rate: Fraction = Field(description="share of sold units that come back")
    use_life_days: NonNegativeDist = Field(description="days between sale and return")
    installed_base: NonNegative = Field(0.0, description="units in use at day 0 (steady state)")
    deposit: NonNegative = Field(
        0.0, description="deposit per unit a customer pays at sale and gets back at return; booked "
                         "neither way (the customer's money held, not a cost or revenue of the firm: its "
                         "effect is in return_rate)")


class Grading(Spec):
    """End-of-life state probabilities of a returned part (they sum to 1)."""

    part: Id
    reuse: Fraction = 0.0
    repair: Fraction = 0.0
    refurbish: Fraction = 0.0
    remanufacture: Fraction = 0.0
    repurpose: Fraction = 0.0
    recycle: Fraction = 0.0

    @model_validator(mode="after")
    def _sums_to_one(self) -> "Grading":
        total = sum(getattr(self, state) for state in EOL_STATES)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"end-of-life shares sum to {total:g} (expected 1)")
        return self


class CircularProcess(Spec):
    """One step of reverse manufacturing at a node."""

    node: Id
    process: CircularStep
    capacity_per_day: Positive
    time_days: NonNegativeDist = Field(description="processing time per batch, days")
    yield_: Fraction = Field(1.0, alias="yield", description="share of units that pass the step")
    cost_per_unit: NonNegative = 0.0


class Specification(Spec):
    """The circular process specification of a returned product (C1, the paper's Figure 8): the
    steps that recover one of its parts, for which the ``circular_partners`` action contracts
    MaaS providers close to the returning users."""

    product: Id = Field(description="product taken back (a take-back stream's product)")
    part: Id = Field(description="part recovered from it: the product itself, or a part of its bill of materials")
    steps: tuple[CircularStep, ...] = Field(
        CIRCULAR_PROCESSES, description="circular processes in the order done, each by a contracted provider; "
                                        "sorting sends the grades on their routes, the rest leave the chain")
    yields: dict[CircularStep, Fraction] = Field(
        default_factory=dict, description="share of units that pass a step, by step, for the cores' condition "
                                          "(1 when not given); the provider's conformance_rate multiplies it")
    deliver_to: Id | None = Field(
        None, description="firm's node that receives the recovered parts; default: the take-back stream's node")


class Circular(Spec):
    """Take-back streams, grading per part, and the circular processes."""

    take_back: tuple[TakeBack, ...] = ()
    grading: tuple[Grading, ...] = ()
    processes: tuple[CircularProcess, ...] = ()
    specifications: tuple[Specification, ...] = Field(
        (), description="circular process specifications per returned product, for circular partners")
    reman_cost_factor: Fraction = Field(
        0.6, description="price of a remanufactured part as a share of a new one's unit cost, shown as the "
                         "unit cost of circular actions; not charged: the firm's own centre's costs are "
                         "charged as they arise")
    core_value_factor: Fraction = Field(
        0.2, description="value of a core waiting at a reman node (whole, or graded), as a share of the "
                         "unit cost of the product or part, for its holding cost (an assumption)")
    co2_kg_per_kg_new: NonNegative = Field(
        10.0, description="kg CO2e to make 1 kg of a new part (an assumption; set per product)")
    co2_saving_share: Fraction = Field(
        0.53, description="share of a new part's CO2e a remanufactured one avoids (Henkel: 53 %)")
