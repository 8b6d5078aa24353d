"""resim: simulate manufacturing value chains under disruption and compare response strategies.

>>> import resim
>>> sc = resim.load_scenario("scenarios/quickstart.yaml")   # doctest: +SKIP
>>> graph = sc.value_chain()                                  # doctest: +SKIP
"""

from resim.errors import Problem, ScenarioError
from resim.criticality import assess_criticality
from resim.risk import assess_risk
from resim.runner import run
from resim.scenario import Scenario, load_scenario, scenario_from_dict

__version__ = "0.3.0"

__all__ = ["assess_criticality", "assess_risk", "Scenario", "ScenarioError", "Problem", "load_scenario", "run", "scenario_from_dict",
           "__version__"]
