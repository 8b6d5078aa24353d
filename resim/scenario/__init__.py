"""The scenario: its file format, safe loading, validation and what follows from a scenario alone
(the value-chain graph, synthetic chains, the JSON Schema). Imports only resim.core."""

from resim.scenario.scenario import Scenario, load_scenario, scenario_from_dict, validate_data

__all__ = ["Scenario", "load_scenario", "scenario_from_dict", "validate_data"]
