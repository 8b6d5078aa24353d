"""Scenario discovery: run a resim scenario as a model of the Exploratory Modelling Workbench.

``ema_workbench`` (the ``resim[workbench]`` extra) samples uncertainties and levers, runs a model
for each combination and finds, with PRIM, the combinations that break a target. Here the model is
a resim scenario: each uncertainty or lever is a scenario field path (as :meth:`Scenario.replace`
takes them, e.g. ``"disruptions[0].duration_days"``), and the outcomes are means over the
replications of one strategy (``recovery_time_days``: the restricted mean, since it is censored
at the horizon).

>>> model = workbench_model(sc, uncertainties={"disruptions[0].duration_days": (30, 180)},
...                         levers={"maas.probation.days": (0, 60)}, strategy="maas_upstream")  # doctest: +SKIP
>>> experiments, outcomes = ema_workbench.perform_experiments(model, scenarios=64)           # doctest: +SKIP
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["workbench_model", "parameter_name", "OUTCOMES"]

OUTCOMES = ("fill_rate", "recovery_time_days", "shortfall_units", "resilience_index", "cost_total", "profit")


def parameter_name(path: str) -> str:
    """A field path as a Python identifier, which the workbench needs: ``a[0].b`` -> ``a_0_b``."""
    return re.sub(r"\W+", "_", path).strip("_")


def _parameter(workbench, path: str, spec):
    name = parameter_name(path)
    if isinstance(spec, Sequence) and len(spec) == 2 and all(isinstance(v, (int, float)) for v in spec):
        low, high = spec
        if isinstance(low, int) and isinstance(high, int):
            return workbench.IntegerParameter(name, low, high)
        return workbench.RealParameter(name, float(low), float(high))
    return workbench.CategoricalParameter(name, list(spec))


def workbench_model(scenario: "Scenario", *, uncertainties: Mapping[str, object],
                    levers: Mapping[str, object] | None = None, strategy: str = "none",
                    replications: int = 5, seed: int | None = None, name: str = "resim",
                    outcomes: Sequence[str] = OUTCOMES):
    """An ``ema_workbench.Model`` that runs ``scenario`` with the sampled field values.

    ``uncertainties`` and ``levers`` map field paths to ``(low, high)`` (integers give integer
    parameters) or to a list of categories. Each experiment runs ``replications`` of
    ``strategy`` (serially, seeded by ``seed``: the workbench parallelises across experiments)
    and returns the mean of each outcome.
    """
    import ema_workbench as workbench

    from resim.experiment.runner import run
    from resim.core.survival import restricted_values

    paths = {parameter_name(p): p for p in [*uncertainties, *(levers or {})]}

    def simulate(**values):
        variant = scenario.replace(**{paths[k]: v for k, v in values.items()})
        table = run(variant, replications=replications, seed=seed, strategies=[strategy],
                    executor="serial").replications
        # Censored recovery times are summarised by their restricted mean (resim.core.survival).
        table = table.assign(recovery_time_days=restricted_values(table.recovery_time_days,
                                                                  table.follow_up_days)[1])
        return {name_: float(table[name_].mean()) for name_ in outcomes}

    model = workbench.Model(name, function=simulate)
    model.uncertainties = [_parameter(workbench, p, s) for p, s in uncertainties.items()]
    model.levers = [_parameter(workbench, p, s) for p, s in (levers or {}).items()]
    model.outcomes = [workbench.ScalarOutcome(o) for o in outcomes]
    return model
