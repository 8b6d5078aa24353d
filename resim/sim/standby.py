"""MaaS pre-qualification: standby agreements a strategy holds before any disruption
(``strategy.prequalified``; stage 3 of the methodology done in advance).

A pre-qualified offering has been onboarded and qualified ahead of time, under a standby agreement
with a yearly retainer. What that changes in a run:

* **Money**: its ``setup_cost`` is paid on day 0 (under ``maas_onboarding``), used or not, and its
  retainer is charged pro rata, 1/365 of it a day, under ``services`` (as service fees are,
  :func:`resim.sim.warning.charge_fee`): over a horizon of H days, setup + retainer × H / 365.
* **When called** (a detected disruption the strategy answers): the provider is asked first, before
  any other candidate; it accepts at its published price, on the day asked (no negotiation round),
  is qualified that day (no onboarding wait) and delivers its reserved capacity from the start (no
  probation). Its quoted lead time and transport still apply.
* **Capacity reserved**: other firms' contention (``maas.contention``) takes none of its capacity
  and raises none of its price (as for the firm's own sites).
* It still has to be eligible: a disaster whose footprint covers it, a trade barrier or an
  embargo rules it out as any other candidate (the retainer does not buy immunity).

The response reads these from its own copy of the pool (:func:`standby_pool`), in which the
pre-qualified offerings' onboarding and setup are 0 and a ``prequalified`` column marks them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resim.sim.actions import Action
from resim.sim.shared import shared
from resim.sim.status import ActionStatus
from resim.sim.warning import charge_fee
from resim.supply.matching import Pool

if TYPE_CHECKING:
    from resim.scenario import Scenario
    from resim.scenario.format.strategies import Strategy
    from resim.sim.strategies import Response

__all__ = ["PREQUALIFIED", "standby_pool", "retain"]

PREQUALIFIED = "prequalified"
"""The ``kind`` of a standby agreement's row in orchestrations.csv (a service the strategy buys,
like remote monitoring: it changes no flow until a disruption calls the provider)."""


def standby_pool(scenario: "Scenario", strategy: "Strategy", pool: Pool) -> Pool:
    """``pool`` as ``strategy`` sees it: its pre-qualified offerings onboarded already (onboarding
    0 days, setup paid before the run) and marked ``prequalified``. Made once per scenario,
    strategy and pool; ``pool`` itself when the strategy pre-qualifies nothing."""
    if not strategy.prequalified:
        return pool

    def make() -> tuple[Pool, Pool]:
        frame = pool.frame
        chosen = frame["id"].isin(list(strategy.prequalified)).to_numpy()
        frame = frame.assign(prequalified=chosen)
        frame.loc[chosen, ["onboarding_mean", "setup_cost"]] = 0.0
        frame.loc[chosen, "onboarding_days"] = ""
        return pool, Pool(frame)

    held, derived = shared(scenario, ("standby pool", strategy.id, id(pool)), make)
    return derived if held is pool else make()[1]  # another pool at a freed one's address: made afresh


def retain(response: "Response") -> None:
    """Book what the strategy's standby agreements cost whatever happens: each offering's setup on
    day 0, their retainers pro rata from day 0 (:func:`resim.sim.warning.charge_fee`); a row each
    in the response's record."""
    strategy, model = response.strategy, response.model
    if not strategy.prequalified or response.pool is None:
        return
    by_id = {offering.id: offering for offering in model.scenario.maas.providers}
    setup = sum(by_id[o].setup_cost for o in strategy.prequalified)
    model.charge("maas_onboarding", setup)  # the response is attached before day 0 runs
    charge_fee(model, sum(strategy.prequalified.values()))
    for offering, retainer in strategy.prequalified.items():
        published = by_id[offering]
        response.actions.append(Action(
            strategy.id, PREQUALIFIED, "", offering, "", "", float(published.capacity_per_day), 0, model.horizon,
            float(retainer), ActionStatus.ACTIVE,
            f"standby agreement with {published.provider}: setup {published.setup_cost:,.0f} on day 0, retainer "
            f"{retainer:,.0f} a year (unit_cost); called first, no onboarding or probation"))
