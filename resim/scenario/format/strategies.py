"""Response strategies and metric settings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema, model_validator

from resim.core.strenum import StrEnum
from resim.scenario.format.common import Fraction, Id, NonNegative, Positive, Spec

__all__ = ["Strategy", "Metrics", "ActionKind", "Orchestration", "RemoteMonitoring", "EarlyWarning"]


class ActionKind(StrEnum):
    """The kinds of action a strategy combines (its ``actions``). What each does in a run is
    :data:`resim.sim.strategies.ACTION_TYPES`; the facts below are declared here, in the format,
    because the scenario's own checks need them too (the simulation may not be imported here)."""

    NONE = "none"                      # no response (alone)
    BUFFER = "buffer"
    DUAL_SOURCE = "dual_source"
    MAAS_SAME_TIER = "maas_same_tier"
    MAAS_UPSTREAM = "maas_upstream"
    CIRCULAR = "circular"
    CIRCULAR_PARTNERS = "circular_partners"  # C1: circular processes contracted from MaaS providers
    EXPEDITE = "expedite"              # an air bridge: a part's orders move to a faster parallel lane

    @property
    def proactive(self) -> bool:
        """Set up at the start of a run, whatever happens later."""
        return self in (ActionKind.BUFFER, ActionKind.DUAL_SOURCE, ActionKind.CIRCULAR_PARTNERS)

    @property
    def reactive(self) -> bool:
        """Taken in response to a detected disruption."""
        return self in (ActionKind.MAAS_SAME_TIER, ActionKind.MAAS_UPSTREAM, ActionKind.CIRCULAR, ActionKind.EXPEDITE)

    @property
    def maas(self) -> bool:
        """Sources from MaaS providers, so the strategy's orchestration style matters."""
        return self in (ActionKind.DUAL_SOURCE, ActionKind.MAAS_SAME_TIER, ActionKind.MAAS_UPSTREAM)


class Orchestration(StrEnum):
    """How a strategy's MaaS actions choose among the candidate providers."""

    BALANCED = "balanced"
    CHEAPEST = "cheapest"
    FASTEST = "fastest"


def _values(kind: type[StrEnum]) -> WithJsonSchema:
    """A JSON Schema listing the enum's values in place, as a ``Literal``'s would: the schema
    and the reference name no Python class."""
    return WithJsonSchema({"enum": [member.value for member in kind], "type": "string"})


# Assumed, not sourced: about 1,000 a month per site, the order of a supply-chain visibility or
# remote-monitoring subscription (docs/strategies.md#service-modes). Set your own quote.
MONITORING_FEE_PER_SITE_YEAR = 12_000.0
WARNING_FEE_PER_SITE_YEAR = 6_000.0  # an assumption as well: half a monitoring subscription


class RemoteMonitoring(Spec):
    """Remote monitoring of sites bought as a service (a servitization mode): a disruption that
    hits a monitored site is detected after ``delay_days`` instead of the strategy's
    ``detection_delay_days``, for a yearly fee per site."""

    sites: tuple[Id, ...] = Field((), description="nodes monitored; every supplier of the chain when empty")
    delay_days: NonNegative = Field(0.5, description="days from onset to detection at a monitored site")
    fee_per_site_year: NonNegative = Field(
        MONITORING_FEE_PER_SITE_YEAR, description="yearly fee per monitored site, charged pro rata over "
                                                  "the horizon (an assumption; see docs/strategies.md)")


class EarlyWarning(Spec):
    """A shortage early warning (the supply-chain service platform): at each day's end, the stock
    cover of the watched parts at the focal ``sites`` (on hand plus in transit to them, over their
    expected daily use) is projected; when it drops below ``cover_days`` the strategy responds to
    the disruptions then in force upstream of the site, without waiting for their detection."""

    sites: tuple[Id, ...] = Field(min_length=1, description="focal sites whose stock cover is watched")
    parts: tuple[Id, ...] = Field((), description="parts watched at those sites; every part they receive when empty")
    cover_days: Positive = Field(description="fires when projected cover drops below this many days of use")
    fee_per_site_year: NonNegative = Field(
        WARNING_FEE_PER_SITE_YEAR, description="yearly fee per watched site, charged pro rata over the horizon "
                                               "(an assumption; see docs/strategies.md)")


class Strategy(Spec):
    """A response to disruptions: one or more actions, with delays and limits."""

    id: Id
    description: str = ""
    actions: tuple[Annotated[ActionKind, _values(ActionKind)], ...] = Field(min_length=1)
    detection_delay_days: NonNegative = Field(0.0, description="days from onset to detection")
    decision_delay_days: NonNegative = Field(0.0, description="days from detection to decision")
    budget: NonNegative | None = Field(None, description="money the response may spend")
    max_premium: NonNegative | None = Field(
        None, description="highest price premium over the part's unit cost, as a fraction")
    max_providers: int = Field(3, ge=1, le=1000)
    responds_to: tuple[Id, ...] = Field(
        (), description="disruption ids or types it reacts to; all when empty")
    responds_to_high_risk: bool = Field(
        False, description="react to the disruptions R1's risk register flags high risk (with those of "
                           "responds_to, if any); see docs/risk.md")
    monitoring: RemoteMonitoring | None = Field(
        None, description="remote monitoring bought as a service: faster detection at named sites, for a fee")
    early_warning: EarlyWarning | None = Field(
        None, description="shortage early warning: respond when stock cover at focal sites drops below a threshold")
    buffer: dict[Id, NonNegative] = Field(
        default_factory=dict, description="extra units held per part (buffer action)")
    dual_source_share: dict[Id, Fraction] = Field(
        default_factory=dict, description="per part, the share of its daily flow the dual_source action's "
                                          "second source is contracted for, and its order weight beside the "
                                          "usual lanes; 0.5 for a part not named, 0 = no second source")
    prequalified: dict[Id, NonNegative] = Field(
        default_factory=dict, description="MaaS offerings pre-qualified in advance under a standby agreement, "
                                          "each with its yearly retainer: setup paid on day 0, no onboarding "
                                          "wait, negotiation or probation when called, capacity reserved, asked "
                                          "first; needs maas_same_tier or maas_upstream (docs/strategies.md)")
    expedite: dict[Id, Literal["road", "rail", "sea", "air"]] = Field(
        default_factory=dict, description="per part, the faster mode its orders move to while a disruption "
                                          "lasts (the expedite action: an air bridge over a parallel lane of "
                                          "that mode; docs/strategies.md)")
    orchestration: Annotated[Orchestration, _values(Orchestration)] = Field(
        Orchestration.BALANCED, description="how MaaS candidates are chosen among",
        title="Orchestration")  # set by hand: pydantic gives an enum field no title

    @model_validator(mode="after")
    def _actions_fit(self) -> "Strategy":
        if ActionKind.NONE in self.actions and len(self.actions) > 1:
            raise ValueError("'none' cannot be combined with other actions")
        if ActionKind.BUFFER in self.actions and not self.buffer:
            raise ValueError("a buffer action needs buffer: {part: units}")
        if self.expedite and ActionKind.EXPEDITE not in self.actions:
            raise ValueError("expedite: {part: mode} needs the expedite action")
        if self.dual_source_share and ActionKind.DUAL_SOURCE not in self.actions:
            raise ValueError("dual_source_share needs the dual_source action")
        if self.prequalified and not {ActionKind.MAAS_SAME_TIER, ActionKind.MAAS_UPSTREAM} & set(self.actions):
            raise ValueError("prequalified offerings are called when a disruption is detected: the strategy "
                             "needs a maas_same_tier or maas_upstream action")
        services = [name for name in ("monitoring", "early_warning") if getattr(self, name) is not None]
        if services and not any(kind.reactive for kind in self.actions):
            raise ValueError(f"{' and '.join(services)} can only bring a response forward: the strategy "
                             f"needs a reactive action (maas_same_tier, maas_upstream or circular)")
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
