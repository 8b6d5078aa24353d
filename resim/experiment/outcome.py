"""What one replication of one strategy leaves behind, and how a finished model is reduced to it:
small enough to ship between processes and to record in a checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from resim.experiment.annual import yearly_sums
from resim.experiment.circularity import circularity
from resim.experiment.metrics import replication_metrics, rolling_fill
from resim.experiment.records import EventRow, OrchestrationRow, RippleEvent
from resim.experiment.ripple import ripple_trace
from resim.sim.emissions import co2e_per_unit

if TYPE_CHECKING:
    from resim.sim.agreements import Agreement
    from resim.sim.engine import Model
    from resim.sim.strategies import Response

__all__ = ["Outcome", "reduce_model"]


@dataclass
class Outcome:
    """What one replication of one strategy leaves behind: its metrics (a row of
    replications.csv before the totals), costs by component, a few daily series, and its rows of
    orchestrations.csv, ripple.csv and events.csv, and its sums per year (annual.csv:
    :data:`resim.experiment.annual.YEARLY`)."""

    strategy: str
    replication: int
    metrics: dict[str, float]
    costs: dict[str, float]
    daily: dict[str, np.ndarray]
    actions: list[OrchestrationRow]
    ripple: list[RippleEvent]
    events: list[EventRow]
    critical_parts: list[str]
    yearly: dict[str, np.ndarray] = field(default_factory=dict)


def reduce_model(model: "Model", response: "Response | None", strategy: str, replication: int) -> Outcome:
    """The Outcome of a finished ``model`` (one replication of the run's ``strategy``, with
    ``response`` attached, or None for ``none``): metrics, circularity, revenue, costs, daily
    series, the actions and agreements, the ripple trace and the disruptions as they happened."""
    scenario, ledger = model.scenario, model.ledger
    totals = ledger.daily_sums()
    demand, on_time = totals["demand"], totals["on_time"]
    settings = scenario.metrics
    # The metrics in this order are the columns of replications.csv.
    metrics = replication_metrics(demand, on_time, totals["lost"], ledger.onset_day, settings)
    metrics.update(circularity(model))
    metrics["onset_day"] = float("nan") if ledger.onset_day is None else float(ledger.onset_day)
    prices = np.array([d.price for d in scenario.demand])
    metrics["revenue"] = float((ledger.market["delivered"] @ prices).sum()) if len(prices) else 0.0
    # Stock the firm owned on day 0 and used up is not bought in the horizon, and stock bought and
    # still held at its end is not spent: profit counts the change in the stock's value.
    metrics["stock_change"] = model.stock_value() - model.opening_stock_value
    metrics["co2e_kg"] = float(model.shipped_total @ co2e_per_unit(model.net))  # transport emissions
    daily = {name: totals[name] for name in ("demand", "delivered", "on_time", "backlog", "on_hand")}
    daily["fill_rate"] = rolling_fill(demand, on_time, settings.window_days)
    daily["critical"] = ledger.critical_on_hand.copy()  # not a view keeping the batch's block alive
    actions = [OrchestrationRow.of(a, strategy, replication) for a in (response.actions if response else [])]
    actions += [_evaluation(deal, strategy, replication) for deal in (response.agreements if response else [])]
    events = [EventRow(replication, o.spec.id, o.spec.type, o.start, float("nan") if o.end is None else o.end,
                       o.effective_severity) for o in model.occurrences]
    yearly = {"shortfall_units": yearly_sums(demand - on_time), "cost_total": yearly_sums(ledger.cost.sum(axis=1))}
    return Outcome(strategy, replication, metrics, ledger.cost_totals(), daily, actions,
                   ripple_trace(model, response, strategy, replication), events, list(ledger.critical_parts), yearly)


def _evaluation(deal: "Agreement", strategy: str, replication: int) -> OrchestrationRow:
    """An agreement's monitoring summary, as an extra row of the orchestration record."""
    return OrchestrationRow(
        strategy=strategy, replication=replication, kind="evaluation", trigger="", source=deal.offering,
        part=deal.part, destination=deal.destination, units_per_day=deal.units_per_day,
        start=deal.qualified_day, end=deal.end_day, unit_cost=deal.unit_price, status=deal.answer,
        note=(f"by {deal.transport_mode}, {deal.transit_days} days' transit; "
              f"received {deal.received:,.0f}, rejected {deal.rejected:,.0f}, "
              f"late {deal.late_units:,.0f}, cost {deal.cost:,.0f}"))
