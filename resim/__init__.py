"""resim: simulate manufacturing value chains under disruption and compare response strategies.

>>> import resim
>>> sc = resim.load_scenario("scenarios/quickstart.yaml")   # doctest: +SKIP
>>> graph = sc.value_chain()                                  # doctest: +SKIP

The names below are imported when first used (PEP 562), so ``import resim`` and the command
line's help start without loading SimPy, pandas or SciPy.
"""

from importlib import import_module
from typing import Any

from resim.core.errors import Problem, ScenarioError
from resim.core.version import __version__
import resim.report  # noqa: F401  provides the figures and HTML of the stages below (resim.core.views)

_LAZY = {"Model": "resim.sim.engine", "optimize": "resim.assess.optimize", "assess_criticality": "resim.assess.criticality",
         "assess_risk": "resim.assess.risk", "Results": "resim.experiment.results",
         "run": "resim.experiment.runner", "Scenario": "resim.scenario", "load_scenario": "resim.scenario",
         "scenario_from_dict": "resim.scenario"}

__all__ = ["assess_criticality", "assess_risk", "Model", "optimize", "Problem", "Results", "Scenario", "ScenarioError",
           "load_scenario", "run", "scenario_from_dict", "__version__"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'resim' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
