"""The scenario: the one place scenario files are read, validated and turned into a frozen object.

``load_scenario(path)`` reads YAML (and the CSV tables it names) safely, validates types with
pydantic and references with :mod:`resim.checks`, and reports every problem at once as
``FILE:LINE: field.path: what is wrong (what is expected)`` through :class:`ScenarioError`.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from pydantic import Field, PrivateAttr, ValidationError, field_validator

from resim import checks
from resim.errors import Problem, ScenarioError, format_path
from resim.format.chain import Demand, Lane, Node, Part
from resim.format.circular import Circular
from resim.format.events import Disruption
from resim.format.maas import MaaS
from resim.format.strategies import Metrics, Strategy
from resim.format.common import Spec
from resim.pydantic_errors import describe_error
from resim.safeyaml import Located, load_yaml_file
from resim.tables import expand_csv_tables

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Scenario", "load_scenario", "scenario_from_dict", "validate_data"]

_CURRENCY = re.compile(r"^[A-Z]{3}$")


class Scenario(Spec):
    """A validated, immutable value-chain scenario. Make variants with :meth:`replace`."""

    name: str = Field(min_length=1)
    description: str = ""
    horizon_days: int = Field(ge=1, le=36_500, description="days simulated")
    seed: int = Field(0, ge=0, lt=2**63, description="root seed of all random streams")
    replications: int = Field(30, ge=1, le=1_000_000)
    currency: str = Field("EUR", description="ISO 4217 code of all money amounts")
    parts: tuple[Part, ...] = Field(min_length=1)
    nodes: tuple[Node, ...] = Field(min_length=1)
    lanes: tuple[Lane, ...] = ()
    demand: tuple[Demand, ...] = Field(min_length=1)
    disruptions: tuple[Disruption, ...] = ()
    maas: MaaS = MaaS()
    circular: Circular = Circular()
    strategies: tuple[Strategy, ...] = (Strategy(id="none", actions=("none",)),)
    metrics: Metrics = Metrics()

    _source: str | None = PrivateAttr(None)
    _sha256: str | None = PrivateAttr(None)
    _changes: dict = PrivateAttr(default_factory=dict)

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if not _CURRENCY.match(value):
            raise ValueError(f"'{value}' is not a currency code (expected ISO 4217, e.g. EUR, USD)")
        return value

    @property
    def source(self) -> str | None:
        """The file this scenario was read from, as given to :func:`load_scenario`."""
        return self._source

    @property
    def sha256(self) -> str | None:
        """SHA-256 of the scenario file's bytes (None for scenarios built in Python); variants
        keep their file's hash, and :attr:`changes` says what differs from it."""
        return self._sha256

    @cached_property
    def parts_by_id(self) -> dict[str, Part]:
        """Parts keyed by id."""
        return {p.id: p for p in self.parts}

    @cached_property
    def nodes_by_id(self) -> dict[str, Node]:
        """Nodes keyed by id."""
        return {n.id: n for n in self.nodes}

    def value_chain(self) -> "nx.DiGraph":
        """The value chain as a networkx.DiGraph (see :func:`resim.valuechain.build_graph`)."""
        from resim.valuechain import build_graph

        return build_graph(self)

    def replace(self, **changes: Any) -> "Scenario":
        """A validated copy with fields changed; keys may be dotted paths, e.g.
        ``sc.replace(horizon_days=180, **{"metrics.failure_level": 0.8, "lanes[0].cost_per_unit": 2})``.

        Raises ScenarioError when the variant is invalid.
        """
        data = _thaw(self.model_dump(by_alias=True, exclude_unset=True, mode="python"))
        for key, value in changes.items():
            _set_path(data, _parse_path(key), value)
        variant = scenario_from_dict(data, f"{self._source or '<scenario>'} (replaced)")
        variant._source, variant._sha256 = self._source, self._sha256
        variant._changes = {**self._changes, **changes}
        return variant

    @property
    def changes(self) -> dict[str, Any]:
        """Fields changed by :meth:`replace` since the scenario was read (path -> value)."""
        return dict(self._changes)

    def _repr_summary(self) -> str:
        return (f"Scenario({self.name!r}: {len(self.nodes)} nodes, {len(self.lanes)} lanes, "
                f"{len(self.parts)} parts, {len(self.disruptions)} disruptions, "
                f"{len(self.strategies)} strategies, {self.horizon_days} days)")

    def __repr__(self) -> str:
        return self._repr_summary()

    def _repr_html_(self) -> str:
        from resim.display import scenario_html
        return scenario_html(self)


def _parse_path(key: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key):
        parts.append(int(index) if index else name)
    if not parts:
        raise ValueError(f"empty field path {key!r}")
    return parts


def _set_path(data: Any, path: Sequence[str | int], value: Any) -> None:
    for step in path[:-1]:
        # A section left at its defaults is absent from the dump: create it.
        data = data.setdefault(step, {}) if isinstance(data, dict) and isinstance(step, str) else data[step]
    if isinstance(data, tuple):
        raise TypeError("tuples are converted to lists before replacing")
    data[path[-1]] = value


def _thaw(value: Any) -> Any:
    """Deep-copy dumped data into lists and dicts so that paths can be set."""
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_thaw(v) for v in value]
    return value


def validate_data(located: Located, display: str) -> Scenario:
    """Validate plain data (as read from a file: dicts and lists) into a Scenario, or raise
    ScenarioError."""
    data = located.data
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise ScenarioError([Problem(display, 1, "(top level)",
                                     f"found {kind} (expected a mapping of scenario fields)")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            path, message = describe_error(error, data, Scenario)
            file, line = located.where(path) if located.locations else (display, 0)
            problems.append(Problem(file, line, format_path(path), message))
        raise ScenarioError(sorted(set(problems))) from None
    findings = checks.check_scenario(scenario)
    if findings:
        problems = []
        for path, message in findings:
            file, line = located.where(path) if located.locations else (display, 0)
            problems.append(Problem(file, line, format_path(path), message))
        raise ScenarioError(sorted(set(problems)))
    return scenario


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read, validate and freeze a scenario file (YAML, with CSV tables beside it).

    Raises ScenarioError listing every problem found.
    """
    display = os.fspath(path)
    located = expand_csv_tables(load_yaml_file(path, display=display), path)
    scenario = validate_data(located, display)
    scenario._source = display
    scenario._sha256 = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return scenario


def scenario_from_dict(data: dict, name: str = "<dict>") -> Scenario:
    """Validate a scenario given as plain Python data (as YAML would read it); raise ScenarioError."""
    return validate_data(Located(_thaw(data), {}), name)
