"""The scenario: the one place scenario files are read, validated and turned into a frozen object.

``load_scenario(path)`` reads YAML (and the CSV tables it names) safely, validates types with
pydantic and references with :mod:`resim.scenario.checks`, and reports every problem at once as
``FILE:LINE: field.path: what is wrong (what is expected)`` through :class:`ScenarioError`.
When some fields have the wrong type, the references that can still be read are checked in the
same run. A valid scenario carries its warnings (:attr:`Scenario.warnings`, the same one-line
form): what is valid but has no effect, such as a disruption that cannot start inside the horizon.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from resim.scenario.checks import check_scenario
from resim.scenario.checks_references import REFERENCE_FIELDS, check_references
from resim.scenario.checks_warnings import check_warnings
from resim.core.dist_bounds import MAX_PARAMETER
from resim.core.errors import Problem, ScenarioError, format_path
from resim.core.views import view
from resim.scenario.format.chain import Demand, Lane, Node, Part
from resim.scenario.format.circular import Circular
from resim.scenario.format.events import Disruption
from resim.scenario.format.hazards import Hazards, catalogue_disruptions
from resim.scenario.format.maas import MaaS
from resim.scenario.format.optimize import Optimize
from resim.scenario.lane_defaults import fill_lane_defaults, mode_fields
from resim.scenario.format.strategies import Metrics, Strategy
from resim.scenario.format.common import Spec
from resim.scenario.pydantic_errors import describe_error, salvage
from resim.scenario.safeyaml import Located, load_yaml_file
from resim.scenario.tables import expand_csv_tables

if TYPE_CHECKING:
    import networkx as nx

    from resim.scenario.chain_facts import ChainFacts

__all__ = ["Scenario", "load_scenario", "scenario_from_dict", "validate_data"]

_CURRENCY = re.compile(r"^[A-Z]{3}$")


class Scenario(Spec):
    """A validated, immutable value-chain scenario. Make variants with :meth:`replace`."""

    name: str = Field(min_length=1)
    description: str = ""
    horizon_days: int = Field(ge=1, le=36_500, description="days simulated")
    seed: int = Field(0, ge=0, lt=2**63, description="root seed of all random streams")
    replications: int = Field(30, ge=1, le=1_000_000)
    start: Literal["steady", "empty"] = Field(
        "steady", description="day 0 as in normal running, pipelines full (steady), or with empty "
                              "pipelines and every stock at its target (empty); see docs/model.md")
    currency: str = Field("EUR", description="ISO 4217 code of all money amounts")
    parts: tuple[Part, ...] = Field(min_length=1)
    nodes: tuple[Node, ...] = Field(min_length=1)
    lanes: tuple[Lane, ...] = ()
    demand: tuple[Demand, ...] = Field(min_length=1)
    disruptions: tuple[Disruption, ...] = ()
    hazards: Hazards | None = Field(
        None, description="hazards of the shipped catalogue added to the disruptions (see docs/hazards.md)")
    maas: MaaS = MaaS()
    circular: Circular = Circular()
    strategies: tuple[Strategy, ...] = (Strategy(id="none", actions=("none",)),)
    metrics: Metrics = Metrics()
    optimize: Optimize | None = Field(
        None, description="levers of a strategy to optimise with resim optimize (see docs/optimize.md)")

    _source: str | None = PrivateAttr(None)
    _sha256: str | None = PrivateAttr(None)
    _changes: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _include_hazards(cls, data: Any) -> Any:
        """The catalogue's chosen hazards join ``disruptions``, but for ids it holds already (a
        dumped scenario holds them: it reads back the same)."""
        if not isinstance(data, dict) or not isinstance(data.get("hazards"), dict):
            return data
        try:
            chosen = Hazards.model_validate(data["hazards"])
        except ValueError:  # said where the field is validated
            return data
        events = data.get("disruptions") or []
        if not isinstance(events, (list, tuple)):
            return data
        held = {e.get("id") for e in events if isinstance(e, dict)}
        nodes = data.get("nodes") if isinstance(data.get("nodes"), (list, tuple)) else []
        lanes = data.get("lanes") if isinstance(data.get("lanes"), (list, tuple)) else []
        added = [e for e in catalogue_disruptions(chosen, list(nodes), list(lanes)) if e["id"] not in held]
        return {**data, "disruptions": [*events, *added]} if added else data

    @model_validator(mode="before")
    @classmethod
    def _lane_figures_by_mode(cls, data: Any) -> Any:
        """Lanes' omitted lead times and ``cost_per_kg: mode`` from their mode and distance
        (:mod:`resim.scenario.lane_defaults`)."""
        return fill_lane_defaults(data) if isinstance(data, dict) else data

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
    def warnings(self) -> tuple[Problem, ...]:
        """What is valid but has no effect, one :class:`Problem` each (``FILE:LINE: field.path:
        message`` as for errors): a disruption that cannot start inside the horizon (it never
        happens, so it changes no result), or ``metrics.reference`` naming one. Variants made with
        :meth:`replace` derive their own (e.g. for a shorter horizon). Not part of equality,
        dumps or :attr:`sha256`; ``load_scenario(path, strict=True)`` raises them."""
        sites = self.__dict__.get(_SITES) or Located(None, {(): (self._source or "<scenario>", 0)})
        found = [Problem(*sites.where(path), format_path(path), message)
                 for path, message in check_warnings(self)]
        return tuple(sorted(set(found)))

    @cached_property
    def parts_by_id(self) -> dict[str, Part]:
        """Parts keyed by id."""
        return {p.id: p for p in self.parts}

    @cached_property
    def nodes_by_id(self) -> dict[str, Node]:
        """Nodes keyed by id."""
        return {n.id: n for n in self.nodes}

    def parallel_lanes(self, part: str, mode: str) -> list[tuple[Lane, Lane]]:
        """(usual lane, lane of ``mode``) for each lane carrying ``part`` by another mode beside
        which a lane of ``mode`` joins the same two nodes and carries it too: where the part's
        flow can be expedited (:mod:`resim.sim.expedite`). Read from the lanes, not the graph, so
        validating a scenario that expedites needs no networkx."""
        fast = {(lane.source, lane.dest): lane for lane in self.lanes
                if lane.mode == mode and part in lane.parts}
        return [(lane, fast[lane.source, lane.dest]) for lane in self.lanes
                if lane.mode != mode and part in lane.parts and (lane.source, lane.dest) in fast]

    def value_chain(self) -> "nx.MultiDiGraph":
        """The value chain as a new networkx.MultiDiGraph, edges keyed by transport mode, yours to
        change (see :func:`resim.scenario.valuechain.build_graph`); :attr:`facts` holds a frozen one."""
        from resim.scenario.valuechain import build_graph  # here: validating a scenario needs no networkx

        return build_graph(self)

    @cached_property
    def facts(self) -> ChainFacts:
        """What every replication asks of the value chain (its frozen graph, BOM explosions,
        lags to the markets), answered once per scenario: :class:`resim.scenario.chain_facts.ChainFacts`."""
        from resim.scenario.chain_facts import ChainFacts

        return ChainFacts(self)

    def replace(self, **changes: Any) -> "Scenario":
        """A validated copy with fields changed; keys may be dotted paths, e.g.
        ``sc.replace(horizon_days=180, **{"metrics.failure_level": 0.8, "lanes[0].cost_per_unit": 2})``.
        An item of a list is addressed by its position or by its id (a lane also by
        ``FROM->TO``): ``"nodes[plant_de].capacity_per_day"``, ``"lanes[sA->plant].share"``.

        Raises ScenarioError when the variant is invalid, ValueError for an id no item has.
        """
        data = _thaw(self.model_dump(by_alias=True, exclude_unset=True, mode="python"))
        paths = {key: _parse_path(key) for key in changes}
        if all(type(old := _get_path(data, paths[key])) is type(value) and old == value
               for key, value in changes.items()):
            variant = self.model_copy()  # nothing changes: no need to validate again
        else:
            touched = _touched(data, list(paths.values()))  # before the changes: a lane's id may change
            for key, value in changes.items():
                _set_path(data, paths[key], value)
            _forget_derived(data, self.__dict__.get(_DERIVED), touched)
            variant = scenario_from_dict(data, f"{self._source or '<scenario>'} (replaced)")
            if _SITES in self.__dict__:  # warnings point at the file's lines, as the original's
                variant.__dict__[_SITES] = self.__dict__[_SITES]
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

    def __str__(self) -> str:  # print(sc): the summary line, not pydantic's dump of every field
        return self._repr_summary()

    def _repr_html_(self) -> str:
        return view("scenario.html")(self)


class _Id(str):
    """A path step naming a list item by its id (``nodes[plant_de]``), not its position."""


# A field path: names joined by dots, each followed by optional [position] or [id] items (an id
# as scenario ids are written, a lane's also as FROM->TO).
_ID = r"[A-Za-z][A-Za-z0-9_.\-]*"
_SEGMENT = rf"[A-Za-z_][A-Za-z0-9_]*(?:\[(?:\d+|{_ID}(?:->{_ID})?)\])*"
FIELD_PATH = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")


def _parse_path(key: str) -> list[str | int]:
    if not FIELD_PATH.fullmatch(key):
        raise ValueError(f"{key!r} is not a field path (expected e.g. maas.probation.days or "
                         f"nodes[plant_de].capacity_per_day)")
    parts: list[str | int] = []
    for name, index, item in re.findall(r"([^.\[\]]+)|\[(\d+)\]|\[([^\[\]]+)\]", key):
        parts.append(int(index) if index else _Id(item) if item else name)
    return parts


def _item_ids(item: Any) -> tuple[Any, ...]:
    """What an item of a scenario list is called: its id, and a lane its ``FROM->TO`` too."""
    if not isinstance(item, dict):
        return ()
    return item.get("id"), f"{item.get('from')}->{item.get('to')}" if "from" in item else None


def _step(data: Any, step: str | int) -> Any:
    """Where ``step`` leads in ``data``: an _Id turns into the position of the item it names."""
    if isinstance(step, _Id) and isinstance(data, list):
        found = [i for i, item in enumerate(data) if step in _item_ids(item)]
        if not found:
            known = [str(ids[0] or ids[1]) for ids in map(_item_ids, data) if any(ids)]
            shown = ", ".join(known[:8]) + (f" and {len(known) - 8} more" if len(known) > 8 else "")
            raise ValueError(f"no item has the id {str(step)!r} (ids: {shown or 'none'})")
        return found[0]
    return step


_MISSING = object()


def _get_path(data: Any, path: Sequence[str | int]) -> Any:
    for step in path:
        try:
            data = data[_step(data, step)]
        except (KeyError, IndexError, TypeError, ValueError):
            return _MISSING
    return data


def _set_path(data: Any, path: Sequence[str | int], value: Any) -> None:
    for step in path[:-1]:
        # A section left at its defaults is absent from the dump: create it.
        data = data.setdefault(step, {}) if isinstance(data, dict) and isinstance(step, str) \
            else data[_step(data, step)]
    if isinstance(data, tuple):
        raise TypeError("tuples are converted to lists before replacing")
    data[_step(data, path[-1])] = value


def _thaw(value: Any) -> Any:
    """Deep-copy dumped data into lists and dicts so that paths can be set."""
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_thaw(v) for v in value]
    return value


# Where a Scenario keeps the file lines its warnings point at (a Located of the few paths that
# check_warnings names; another path falls back to its disruption's line). It lives in the
# instance __dict__, beside cached properties, and is neither a field nor a private attribute, so
# it takes no part in equality or dumps.
_SITES = "_warning_sites"
_DERIVED = "_derived"  # what validation added to the file's data (instance __dict__, as _SITES)


def _derived(data: dict, scenario: "Scenario") -> dict[str, list]:
    """What the validation of ``data`` (the file's, before validation) works out rather than
    reads: the lanes whose lead time or per-kg freight come from their mode
    (:mod:`resim.scenario.lane_defaults`), and the disruptions the hazard catalogue adds."""
    lanes = data.get("lanes") if isinstance(data.get("lanes"), list) else []
    given = data.get("disruptions") if isinstance(data.get("disruptions"), list) else []
    held = {e.get("id") for e in given if isinstance(e, dict)}
    filled = [mode_fields(lane) if isinstance(lane, dict) else () for lane in lanes]
    return {"lead_time_days": [i for i, fields in enumerate(filled) if "lead_time_days" in fields],
            "cost_per_kg": [i for i, fields in enumerate(filled) if "cost_per_kg" in fields],
            "catalogue": [d.id for d in scenario.disruptions if d.id not in held] if data.get("hazards") else []}


def _touched(data: dict, paths: list[list]) -> dict[str, Any]:
    """What the change ``paths`` set in a scenario's dump, as positions: whole sections
    (``lanes``, ``disruptions``), whole lanes, (lane, field) pairs and disruptions. A path that
    names no item is left out (setting it raises the error)."""
    found: dict[str, Any] = {"sections": {p[0] for p in paths if len(p) == 1},
                             "lanes": set(), "lane_fields": set(), "disruptions": set()}
    for p in paths:
        if len(p) < 2 or p[0] not in ("lanes", "disruptions") or not isinstance(data.get(p[0]), list):
            continue
        try:
            k = _step(data[p[0]], p[1])
        except ValueError:
            continue
        if p[0] == "disruptions":
            found["disruptions"].add(k)
        elif len(p) == 2:
            found["lanes"].add(k)
        else:
            found["lane_fields"].add((k, p[2]))
    return found


def _forget_derived(data: dict, derived: dict | None, touched: dict[str, Any]) -> None:
    """Take out of a scenario's dump (``data``, changes applied) what its validation worked out and
    no change sets (``touched``, :func:`_touched`), so the variant works it out again from what
    changed: a lane's figures by mode from its nodes' new coordinates or its new mode, the
    catalogue's hazards from new countries, lanes or a new ``hazards`` section."""
    if not derived:
        return
    lanes = data.get("lanes")
    if "lanes" not in touched["sections"] and isinstance(lanes, list):
        for field, value in (("lead_time_days", None), ("cost_per_kg", "mode")):
            for i in derived[field]:
                if i < len(lanes) and i not in touched["lanes"] and (i, field) not in touched["lane_fields"]:
                    if value is None:
                        lanes[i].pop(field, None)
                    else:
                        lanes[i][field] = value
    events = data.get("disruptions")
    if "disruptions" not in touched["sections"] and isinstance(events, list) and derived["catalogue"]:
        data["disruptions"] = [e for k, e in enumerate(events)
                               if k in touched["disruptions"] or e.get("id") not in derived["catalogue"]]


_WARNING_FIELDS = ("onset_day", "annual_probability", "then")


def _warning_sites(located: Located, scenario: Scenario, display: str) -> Located:
    wanted = [(), ("disruptions",), ("metrics",), ("metrics", "reference")]
    for i in range(len(scenario.disruptions)):
        wanted += [("disruptions", i), *(("disruptions", i, field) for field in _WARNING_FIELDS)]
    sites = {path: located.locations[path] for path in wanted if path in located.locations}
    return Located(None, sites or {(): (display, 0)})


def _problem(located: Located, display: str, path: tuple, message: str) -> Problem:
    file, line = located.where(path) if located.locations else (display, 0)
    return Problem(file, line, format_path(path), message)


MAX_ALIKE = 20
"""At most this many problems of one kind are listed; the rest are counted in one more line."""

_VARYING = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


def cap_problems(problems: Sequence[Problem], limit: int = MAX_ALIKE) -> list[Problem]:
    """Sorted problems, at most ``limit`` of one kind (the same message but for names and
    numbers, in the same field of different items), then one line "... and N more like this"."""
    kinds: dict[tuple, list[Problem]] = {}
    for problem in sorted(set(problems)):
        key = (problem.file, _VARYING.sub("#", problem.path), _VARYING.sub("#", problem.message))
        kinds.setdefault(key, []).append(problem)
    shown = []
    for alike in kinds.values():
        shown += alike[:limit]
        if len(alike) > limit:
            nxt = alike[limit]
            shown.append(Problem(nxt.file, nxt.line, nxt.path,
                                 f"... and {len(alike) - limit:,} more like this "
                                 f"(first: {nxt.message})"))
    return sorted(shown)


_NUMBER = re.compile(r"^\s*[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_NUMBER_IN_TEXT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _huge_numbers(value: Any, path: tuple) -> list[tuple[tuple, str]]:
    """Every number (or number written in a text, as CSV cells and ``poisson(1e308)`` are) beyond
    dist_bounds.MAX_PARAMETER: validate refuses what a run could not sample or sum without overflow."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _huge_numbers(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _huge_numbers(item, path + (index,))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not abs(value) <= MAX_PARAMETER:  # also nan
            found.append((path, f"{value!r} is too large (expected at most 1e12 in size, "
                                "so that runs cannot overflow)"))
    elif isinstance(value, str) and len(value) < 1000 and any(c.isdigit() for c in value):
        texts = [value] if _NUMBER.match(value) else _NUMBER_IN_TEXT.findall(value) if "(" in value else []
        for text in texts:
            try:
                number = float(text.replace("_", ""))
            except ValueError:
                continue
            if abs(number) > MAX_PARAMETER:
                found.append((path, f"{text.strip()} is too large (expected at most 1e12 in size, "
                                    "so that runs cannot overflow)"))
                break
    return found


def validate_data(located: Located, display: str, *, strict: bool = False) -> Scenario:
    """Validate plain data (as read from a file: dicts and lists) into a Scenario, or raise
    ScenarioError; with ``strict``, also when the scenario has warnings."""
    data = located.data
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise ScenarioError([Problem(display, 1, "(top level)",
                                     f"found {kind} (expected a mapping of scenario fields)")])
    huge = _huge_numbers(data, ())
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems, paths = [], []
        for error in exc.errors(include_url=False):
            path, message = describe_error(error, data, Scenario)
            problems.append(_problem(located, display, path, message))
            paths.append(path)
        # The references that can still be read are checked too, so that fixing the types does
        # not reveal a second round of problems.
        partial, unread = salvage(Scenario, data, paths, within=Spec, fields=REFERENCE_FIELDS)
        problems += [_problem(located, display, path, message)
                     for path, message in check_references(partial, unread)]
        problems += [_problem(located, display, path, message) for path, message in huge
                     if not any(path[:len(p)] == p for p in paths)]
        raise ScenarioError(cap_problems(problems)) from None
    if huge:
        raise ScenarioError(cap_problems([_problem(located, display, path, message)
                                          for path, message in huge]))
    findings = check_scenario(scenario)
    if findings:
        raise ScenarioError(cap_problems([_problem(located, display, path, message)
                                          for path, message in findings]))
    scenario.__dict__[_SITES] = _warning_sites(located, scenario, display)
    scenario.__dict__[_DERIVED] = _derived(data, scenario)
    if strict and scenario.warnings:
        raise ScenarioError(scenario.warnings)
    return scenario


def load_scenario(path: str | os.PathLike, *, strict: bool = False) -> Scenario:
    """Read, validate and freeze a scenario file (YAML, with CSV tables beside it).

    Raises ScenarioError listing every problem found; with ``strict``, also when the scenario is
    valid but has warnings (:attr:`Scenario.warnings`).
    """
    display = os.fspath(path)
    try:
        located = expand_csv_tables(load_yaml_file(path, display=display), path)
    except ScenarioError as exc:
        raise ScenarioError(cap_problems(exc.problems)) from None
    scenario = validate_data(located, display)
    scenario._source = display
    scenario._sha256 = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if strict and scenario.warnings:
        raise ScenarioError(scenario.warnings)
    return scenario


def scenario_from_dict(data: dict, name: str = "<dict>", *, strict: bool = False) -> Scenario:
    """Validate a scenario given as plain Python data (as YAML would read it); raise ScenarioError
    (with ``strict``, also for warnings)."""
    return validate_data(Located(_thaw(data), {}), name, strict=strict)
