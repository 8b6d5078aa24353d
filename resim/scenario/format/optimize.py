"""Simulation-based optimisation of a strategy's levers (``optimize``): the decision variables,
their bounds and costs, and the objective and service constraint (see docs/optimize.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resim.core.strenum import StrEnum
from resim.scenario.format.circular import CircularStep
from resim.scenario.format.common import Fraction, Id, NonNegative, Positive, Spec
from resim.scenario.format.strategies import _values

__all__ = ["LeverKind", "Lever", "Objective", "Optimize"]


class LeverKind(StrEnum):
    """What a lever sets in a candidate plan (its field path: :func:`resim.assess.optimize_levers.lever_path`)."""

    BUFFER = "buffer"              # strategy.buffer[part]: extra units held all year
    BASE_STOCK = "base_stock"      # nodes[node].inventory[part].policy.level: an order-up-to level
    DUAL_SHARE = "dual_share"      # strategy.dual_source_share[part]: the second source's share
    MAAS_BUDGET = "maas_budget"    # strategy.budget: money the MaaS response may spend
    RETURN_RATE = "return_rate"    # circular.take_back[k].return_rate: the share of sold units taken back
    REMAN_CAPACITY = "reman_capacity"  # circular.processes[k].capacity_per_day (a step's) or the reman node's own
    PREQUALIFY = "prequalify"      # strategy.prequalified[offering]: 1 = a standby agreement with it, 0 = none
    PREQUALIFY_BEST = "prequalify_best"  # strategy.prequalified: the k best-ranked offerings for a part
    EXPEDITE = "expedite"          # strategy.expedite[part]: 1 = an air bridge for the part, 0 = none

    @property
    def whole(self) -> bool:
        """Takes whole values only (a count, or 0/1): its step is 1."""
        return self in (LeverKind.PREQUALIFY, LeverKind.PREQUALIFY_BEST, LeverKind.EXPEDITE)

    @property
    def prequalifies(self) -> bool:
        """Sets the strategy's standby agreements (``prequalified``), whose retainers the model charges."""
        return self in (LeverKind.PREQUALIFY, LeverKind.PREQUALIFY_BEST)


class Lever(Spec):
    """A decision variable: a field of the optimised strategy, of a stock point or of the circular
    supply, between bounds."""

    kind: Annotated[LeverKind, _values(LeverKind)] = Field(
        description="buffer (units of a part), base_stock (a stock point's level), dual_share (a part's "
                    "second-source share), maas_budget (money), return_rate (a take-back stream's share "
                    "of sold units returned), reman_capacity (a circular step's units a day, or without "
                    "process the reman node's own good units a day), prequalify (1: a "
                    "standby agreement with a MaaS offering, 0: none), prequalify_best (how many of the "
                    "best-ranked offerings for a part are pre-qualified) or expedite (1: an air bridge for "
                    "a part, 0: none)", title="Kind")
    part: Id | None = Field(None, description="the part (buffer, base_stock, dual_share, prequalify_best, "
                                              "expedite), or the product taken back (return_rate)")
    offering: Id | None = Field(None, description="the MaaS offering pre-qualified (prequalify)")
    node: Id | None = Field(None, description="the node holding the stock point (base_stock), the market of the "
                                              "take-back stream (return_rate), or the node of the circular step "
                                              "(reman_capacity)")
    process: CircularStep | None = Field(None, description="the circular step whose capacity_per_day is set "
                                                           "(reman_capacity; omitted: the node's own)")
    low: NonNegative = Field(description="lowest value tried")
    high: NonNegative = Field(description="highest value tried")
    step: Positive | None = Field(None, description="values tried are low + k x step; continuous when omitted "
                                                    "(1 for prequalify and prequalify_best, whole values)")
    cost_per_unit_year: NonNegative = Field(
        0.0, description="yearly cost per unit of the lever's value that the model does not charge itself "
                         "(e.g. a storage contract for a buffer, a commitment fee on a budget), pro rata "
                         "over the horizon; holding, onboarding and premiums are charged by the model. For "
                         "return_rate and reman_capacity it is charged only on the value above the scenario's "
                         "own (a take-back incentive per unit of return rate, the fixed cost of a unit of "
                         "daily capacity added). For prequalify and prequalify_best it is the yearly retainer "
                         "of each offering pre-qualified, which the model charges (as services)")

    @property
    def name(self) -> str:
        """The lever's column name in the tables: ``buffer[mcu]``, ``base_stock[plant/P]``, ``maas_budget``,
        ``return_rate[MARKET/PRODUCT]``, ``reman_capacity[NODE/PROCESS]``, ``reman_capacity[NODE]``."""
        if self.kind in (LeverKind.BASE_STOCK, LeverKind.RETURN_RATE):
            return f"{self.kind.value}[{self.node}/{self.part}]"
        if self.kind is LeverKind.REMAN_CAPACITY:
            return f"reman_capacity[{self.node}/{self.process}]" if self.process else f"reman_capacity[{self.node}]"
        if self.kind is LeverKind.MAAS_BUDGET:
            return "maas_budget"
        if self.kind is LeverKind.PREQUALIFY:
            return f"prequalify[{self.offering}]"
        return f"{self.kind.value}[{self.part}]"

    @model_validator(mode="before")
    @classmethod
    def _whole_step(cls, data):
        # A count of offerings moves by one: step 1 unless given (and then checked below).
        if isinstance(data, dict) and data.get("kind") in ("prequalify", "prequalify_best", "expedite") \
                and data.get("step") is None:
            data = {**data, "step": 1}
        return data

    @model_validator(mode="after")
    def _fits(self) -> "Lever":
        if self.low > self.high:
            raise ValueError(f"low {self.low:g} must not exceed high {self.high:g}")
        needs = {LeverKind.BUFFER: ("part",), LeverKind.BASE_STOCK: ("node", "part"),
                 LeverKind.DUAL_SHARE: ("part",), LeverKind.MAAS_BUDGET: (),
                 LeverKind.RETURN_RATE: ("node", "part"), LeverKind.REMAN_CAPACITY: ("node",),
                 LeverKind.PREQUALIFY: ("offering",), LeverKind.PREQUALIFY_BEST: ("part",),
                 LeverKind.EXPEDITE: ("part",)}[self.kind]
        optional = ("process",) if self.kind is LeverKind.REMAN_CAPACITY else ()  # without: the node's own
        for name in ("part", "node", "process", "offering"):
            given = getattr(self, name) is not None
            if given != (name in needs) and name not in optional:
                raise ValueError(f"a {self.kind.value} lever {'needs' if name in needs else 'takes no'} {name}")
        if self.kind in (LeverKind.DUAL_SHARE, LeverKind.RETURN_RATE) and self.high > 1:
            raise ValueError(f"a {self.kind.value} is a share: high {self.high:g} must be at most 1")
        if self.kind.whole and (self.step != 1 or self.low != int(self.low) or self.high != int(self.high)):
            raise ValueError(f"a {self.kind.value} lever takes whole values: whole low and high, step 1")
        if self.kind in (LeverKind.PREQUALIFY, LeverKind.EXPEDITE) and self.high > 1:
            raise ValueError(f"a {self.kind.value} lever is 0 or 1: high {self.high:g} must be at most 1")
        if self.kind is LeverKind.REMAN_CAPACITY and self.low <= 0:
            raise ValueError(f"a capacity is positive: low {self.low:g} must be above 0")
        return self


class Objective(Spec):
    """What a plan is judged by over the replications (common random numbers): its cost, and a
    service level it must reach."""

    cost: Literal["mean", "cvar"] = Field(
        "mean", description="mean cost per replication, or its CVaR (the mean of the costliest 1 - cvar_level share)")
    cvar_level: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.9, description="with cost: cvar, the quantile level above which costs are averaged")
    service: Literal["fill_rate", "recovered_within"] = Field(
        "fill_rate", description="fill_rate: the mean fill rate; recovered_within: the Kaplan-Meier share of "
                                 "replications recovered within within_days of the reference onset")
    target: Fraction = Field(0.95, description="the service a feasible plan reaches at least")
    within_days: Positive | None = Field(None, description="days to recover (service: recovered_within)")

    @model_validator(mode="after")
    def _days_given(self) -> "Objective":
        if (self.service == "recovered_within") != (self.within_days is not None):
            raise ValueError("give within_days with service: recovered_within, and only then")
        return self


class Optimize(Spec):
    """An optimisation of one strategy's levers (``resim optimize``): which levers, their bounds,
    the objective, and how many candidates and replications."""

    strategy: Id = Field(description="the strategy whose levers are set (its other fields stay)")
    levers: tuple[Lever, ...] = Field(min_length=1, description="the decision variables")
    objective: Objective = Field(Objective(), description="the cost minimised and the service a plan must reach")
    trials: int = Field(40, ge=1, le=100_000, description="candidate plans evaluated")
    replications: int | None = Field(
        None, ge=1, le=1_000_000, description="replications per candidate, the same for every one "
                                              "(common random numbers); default: the scenario's")
    fresh_replications: int | None = Field(
        None, ge=2, le=1_000_000, description="replications of the recommended plan's re-evaluation on "
                                              "fresh random numbers; default: as many as per candidate, at least 2")
    sampler: Literal["tpe", "nsga2"] = Field(
        "tpe", description="Optuna's sampler: tpe (few trials) or nsga2 (a genetic search, many trials)")
