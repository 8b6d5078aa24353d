"""Which strategy runs a call names: a strategy of the scenario in an orchestration style.

Users name a run by its label, ``id`` or ``id@style`` (``maas_upstream@cheapest``); the label is
parsed once, where it enters (:func:`strategy_runs`), and names the run in every table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from resim.scenario.format.strategies import Orchestration

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["StrategyRun", "strategy_runs", "other_styles"]


@dataclass(frozen=True)
class StrategyRun:
    """A strategy of the scenario (by id) run in an orchestration ``style``; ``None``: its own."""

    strategy: str
    style: Orchestration | None = None

    @classmethod
    def parse(cls, label: str) -> "StrategyRun":
        """The run ``label`` names (``id`` or ``id@style``); ValueError for an unknown style."""
        strategy, at, style = label.partition("@")
        if not at:
            return cls(strategy)
        try:
            return cls(strategy, Orchestration(style))
        except ValueError:
            raise ValueError(f"unknown orchestration style {style!r} in {label!r} "
                             f"(expected one of {', '.join(Orchestration)})") from None

    def __str__(self) -> str:
        """The label: what every table and figure names the run by."""
        return self.strategy if self.style is None else f"{self.strategy}@{self.style}"


def strategy_runs(scenario: "Scenario", labels: Sequence[str] | None) -> list[StrategyRun]:
    """The runs ``labels`` name, each once, in order (default: ``none`` and every strategy of
    the scenario); ValueError for a label whose strategy or style is unknown."""
    known = ["none", *(s.id for s in scenario.strategies if s.id != "none")]
    if labels is None:
        return [StrategyRun(name) for name in known]
    runs = []
    for label in labels:
        try:
            run: StrategyRun | None = StrategyRun.parse(label)
        except ValueError:  # an unknown style: reported as an unknown strategy, as an unknown id is
            run = None
        if run is None or run.strategy not in known:
            raise ValueError(f"unknown strategy {label!r} (expected one of {', '.join(known)})")
        runs.append(run)
    return list(dict.fromkeys(runs))


def other_styles(scenario: "Scenario", runs: Sequence[StrategyRun]) -> list[StrategyRun]:
    """The other orchestration styles of each run in its own style whose strategy sources from
    MaaS providers (only there does the style choose anything)."""
    by_id = {s.id: s for s in scenario.strategies}
    extra = []
    for run in runs:
        spec = by_id.get(run.strategy)
        if run.style is None and spec is not None and any(kind.maas for kind in spec.actions):
            extra += [StrategyRun(run.strategy, style) for style in Orchestration if style != spec.orchestration]
    return extra
