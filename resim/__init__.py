"""resim: simulate manufacturing value chains under disruption and compare response strategies.

>>> import resim
>>> sc = resim.load_scenario("scenarios/quickstart.yaml")   # doctest: +SKIP
>>> graph = sc.value_chain()                                  # doctest: +SKIP
"""

from resim.core.errors import Problem, ScenarioError
from resim.core.version import __version__
from resim.sim.engine import Model
from resim.assess.criticality import assess_criticality
from resim.assess.risk import assess_risk
from resim.experiment.results import Results
from resim.experiment.runner import run
from resim.scenario import Scenario, load_scenario, scenario_from_dict
import resim.report  # noqa: F401  provides the figures and HTML of the stages below (resim.core.views)


__all__ = ["assess_criticality", "assess_risk", "Model", "Problem", "Results", "Scenario", "ScenarioError",
           "load_scenario", "run", "scenario_from_dict", "__version__"]
