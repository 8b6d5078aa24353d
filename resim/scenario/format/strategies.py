"""Response strategies and metric settings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resim.scenario.format.common import Fraction, Id, NonNegative, Spec

__all__ = ["Strategy", "Metrics", "ACTIONS"]

ACTIONS = ("none", "buffer", "dual_source", "maas_same_tier", "maas_upstream", "circular")
Action = Literal["none", "buffer", "dual_source", "maas_same_tier", "maas_upstream", "circular"]


class Strategy(Spec):
    """A response to disruptions: one or more actions, with delays and limits."""

    id: Id
    description: str = ""
    actions: tuple[Action, ...] = Field(min_length=1)
    detection_delay_days: NonNegative = Field(0.0, description="days from onset to detection")
    decision_delay_days: NonNegative = Field(0.0, description="days from detection to decision")
    budget: NonNegative | None = Field(None, description="money the response may spend")
    max_premium: NonNegative | None = Field(
        None, description="highest price premium over the part's unit cost, as a fraction")
    max_providers: int = Field(3, ge=1, le=1000)
    responds_to: tuple[Id, ...] = Field(
        (), description="disruption ids or types it reacts to; all when empty")
    buffer: dict[Id, NonNegative] = Field(
        default_factory=dict, description="extra units held per part (buffer action)")
    orchestration: Literal["balanced", "cheapest", "fastest"] = Field(
        "balanced", description="how MaaS candidates are chosen among")

    @model_validator(mode="after")
    def _actions_fit(self) -> "Strategy":
        if "none" in self.actions and len(self.actions) > 1:
            raise ValueError("'none' cannot be combined with other actions")
        if "buffer" in self.actions and not self.buffer:
            raise ValueError("a buffer action needs buffer: {part: units}")
        return self


class Metrics(Spec):
    """Settings of the resilience metrics (see docs/model.md)."""

    failure_level: Fraction = Field(0.90, description="dip threshold, a share of the baseline")
    recovery_level: Fraction = Field(0.95, description="recovery threshold, a share of the baseline")
    window_days: Annotated[int, Field(ge=1, le=365)] = 7
    baseline_days: Annotated[int, Field(ge=1, le=3650)] = 28
    hold_days: Annotated[int, Field(ge=1, le=365)] = 7
    confidence: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.95
    control_window_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        None, description="days from onset over which the resilience index averages service; "
                          "default: to the end of the horizon, so the window covers the whole impact")
    reference: Id | None = Field(
        None, description="disruption whose first onset is t0 of the recovery metrics; "
                          "default: the first onset of any disruption")

    @model_validator(mode="after")
    def _hysteresis(self) -> "Metrics":
        if self.failure_level > self.recovery_level:
            raise ValueError(f"failure_level {self.failure_level:g} must not exceed "
                             f"recovery_level {self.recovery_level:g}")
        return self
