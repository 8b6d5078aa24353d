"""The typed contracts of strategies: the action kinds the scenario format accepts, the registry
of what each does in a run (resim.sim.strategies.ACTION_TYPES), and strategy runs named
``id@style`` (resim.experiment.strategy_runs)."""

from __future__ import annotations

import pydantic
import pytest

from resim.experiment.strategy_runs import StrategyRun, other_styles, strategy_runs
from resim.scenario.format.strategies import ActionKind, Orchestration, Strategy
from resim.sim.strategies import ACTION_TYPES, ActionType, Response

# docs/strategies.md: the actions a strategy may name, and what each is.
DOCUMENTED = ["none", "buffer", "dual_source", "maas_same_tier", "maas_upstream", "circular", "circular_partners",
              "expedite"]
PROACTIVE = {"buffer", "dual_source", "circular_partners"}    # set up from day 0
REACTIVE = {"maas_same_tier", "maas_upstream", "circular", "expedite"}    # answer a detected disruption
FROM_MAAS = {"dual_source", "maas_same_tier", "maas_upstream"}  # rent providers: the style matters


def _accepted(name: str) -> bool:
    try:
        Strategy(id="s", actions=[name], buffer={"p": 1.0}, expedite={"p": "air"} if name == "expedite" else {})
    except pydantic.ValidationError:
        return False
    return True


def test_the_format_accepts_exactly_the_documented_kinds_and_each_has_a_registry_entry():
    assert all(_accepted(name) for name in DOCUMENTED)
    assert not _accepted("teleport") and not _accepted("Buffer")
    assert sorted(ACTION_TYPES) == sorted(DOCUMENTED)
    assert all(ACTION_TYPES[name].kind == name for name in DOCUMENTED)   # looked up by the plain string too
    # what the format parses is the registry's key, not a string that happens to be equal
    assert Strategy(id="s", actions=["circular", "buffer"], buffer={"p": 1.0}).actions == (
        ActionKind.CIRCULAR, ActionKind.BUFFER)


def test_each_kind_has_a_setup_when_proactive_and_a_response_when_reactive():
    assert {str(k) for k, a in ACTION_TYPES.items() if a.setup is not None} == PROACTIVE
    assert {str(k) for k, a in ACTION_TYPES.items() if a.respond is not None} == REACTIVE
    assert {str(k) for k in ActionKind if k.proactive} == PROACTIVE
    assert {str(k) for k in ActionKind if k.reactive} == REACTIVE
    assert {str(k) for k in ActionKind if k.maas} == FROM_MAAS


def test_the_registry_refuses_a_function_its_kind_does_not_declare():
    with pytest.raises(TypeError, match="proactive"):
        ActionType(ActionKind.CIRCULAR, setup=Response._buffer)
    with pytest.raises(TypeError, match="reactive"):
        ActionType(ActionKind.MAAS_UPSTREAM)


def test_strategies_that_rent_from_maas_get_the_other_styles(quickstart):
    # quickstart.yaml: buffer, maas_same_tier, maas_upstream, circular, air_bridge,
    # maas_and_circular (maas_upstream + circular), all in the default style, balanced.
    runs = strategy_runs(quickstart, None)
    assert [str(r) for r in runs] == ["none", "buffer", "maas_same_tier", "maas_upstream", "circular",
                                      "air_bridge", "maas_and_circular"]
    assert [str(r) for r in other_styles(quickstart, runs)] == [
        "maas_same_tier@cheapest", "maas_same_tier@fastest", "maas_upstream@cheapest", "maas_upstream@fastest",
        "maas_and_circular@cheapest", "maas_and_circular@fastest"]
    # a run already in a style has no alternatives of its own; a strategy in another style
    # gets the two it is not in
    assert other_styles(quickstart, [StrategyRun("circular"), StrategyRun("maas_upstream", Orchestration.FASTEST)]) == []
    fastest = quickstart.replace(**{"strategies[3].orchestration": "fastest"})
    assert [str(r) for r in other_styles(fastest, [StrategyRun("maas_upstream")])] == [
        "maas_upstream@balanced", "maas_upstream@cheapest"]


@pytest.mark.parametrize("label", ["rent", "rent@cheapest", "rent@fastest", "rent@balanced", "none@fastest"])
def test_a_label_parses_to_a_run_that_prints_as_the_label(label):
    run = StrategyRun.parse(label)
    assert str(run) == label and f"{run}" == label
    assert StrategyRun.parse(str(run)) == run


def test_a_run_holds_its_parts():
    assert StrategyRun.parse("rent@cheapest") == StrategyRun("rent", Orchestration.CHEAPEST)
    assert StrategyRun.parse("rent").style is None
    assert str(StrategyRun("rent", Orchestration.FASTEST)) == "rent@fastest"


@pytest.mark.parametrize("label", ["rent@slow", "rent@", "rent@Cheapest"])
def test_an_unknown_style_is_refused(label):
    with pytest.raises(ValueError, match=r"unknown orchestration style .* \(expected one of balanced, cheapest, fastest\)"):
        StrategyRun.parse(label)


def test_strategy_runs_refuse_an_unknown_strategy_or_style_by_its_label(quickstart):
    for label in ("teleport", "maas_upstream@slow", "teleport@cheapest"):
        with pytest.raises(ValueError, match=rf"unknown strategy '{label}' \(expected one of none, buffer, "):
            strategy_runs(quickstart, ["none", label])
    twice = strategy_runs(quickstart, ["maas_upstream@cheapest", "none", "maas_upstream@cheapest", "maas_upstream"])
    assert [str(r) for r in twice] == ["maas_upstream@cheapest", "none", "maas_upstream"]
