"""The scenario format reference and the command-line help, generated from the code.

:func:`format_reference` writes ``docs/reference.md`` from the pydantic models of
:mod:`resim.scenario.format` (types, defaults, descriptions, validators) and the JSON Schema of
:func:`resim.scenario.jsonschema.scenario_schema` (bounds, enum values, CSV tables); :func:`cli_help` renders
the ``--help`` text of every command from the argparse parser of :mod:`resim.cli.main`, and
:func:`fill_generated` puts it into the ``<!-- generated: resim ... --help -->`` blocks of
``docs/cli.md``. ``tests/test_docs.py`` fails when the committed files differ from what these
functions produce; regenerate both with::

    .venv/bin/python -m resim.cli.reference

Field descriptions come from ``Field(description=...)`` in :mod:`resim.scenario.format`; :data:`NOTES`
describes the fields that have none, and :data:`RULES` states each model's cross-field validators
in words.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import types
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal, Sequence, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from resim.core import dists
from resim.scenario import taxonomy
from resim.scenario.format import common
from resim.scenario.jsonschema import scenario_schema
from resim.scenario import Scenario

__all__ = ["format_reference", "cli_help", "fill_generated", "missing_blocks", "write_docs", "main",
           "NOTES", "RULES", "DOCS", "REGENERATE"]

#: The docs folder of a source checkout (the package is installed editable).
DOCS = Path(__file__).resolve().parents[2] / "docs"
#: The command that rewrites the generated docs.
REGENERATE = ".venv/bin/python -m resim.cli.reference"

# -- what the models do not say themselves ----------------------------------------------------------

#: Descriptions of fields declared without ``Field(description=...)``, keyed ``Class.field``
#: (``_Event`` and ``_PolicyBase`` for the fields every disruption or policy has).
NOTES: dict[str, str] = {
    "Scenario.name": "what the scenario is called (shown by `resim info`, in run.json and the report)",
    "Scenario.description": "free text",
    "Scenario.replications": "Monte Carlo replications when `resim run` is given no `--replications`",
    "Scenario.parts": "parts, their bills of materials and process specifications",
    "Scenario.nodes": "the sites of the value chain",
    "Scenario.lanes": "transport links between nodes",
    "Scenario.demand": "daily demand per market and product",
    "Scenario.disruptions": "the catalogue of what may disrupt the chain; each replication draws "
                            "which of them happen and when",
    "Scenario.maas": "the MaaS provider pool and the terms of agreements",
    "Scenario.circular": "take-back, end-of-life grading and circular processes",
    "Scenario.strategies": "the response strategies to compare (`none` is always run as well)",
    "Scenario.metrics": "settings of the resilience metrics",
    "Part.id": "the part's id, used in BOMs, nodes, lanes and demand",
    "Part.name": "a readable name",
    "Part.weight_kg": "weight of one unit, kg (MaaS freight cost and CO2, material avoided by "
                      "remanufacturing)",
    "Part.process": "the process specification MaaS providers are matched on; without one, no "
                    "provider can be found for the part",
    "Node.id": "the node's id",
    "Node.kind": "`supplier` (suppliers' costs are in their prices), `plant`, `dc` (distribution "
                 "centre), `market` (where demand is) or `reman` (remanufacturing centre); every "
                 "kind but `supplier` belongs to the focal firm",
    "Node.name": "a readable name",
    "Node.country": "where the site is (trade barriers, disaster footprints, MaaS distances)",
    "Node.region": "the site's region (trade barriers, disaster footprints, concentration)",
    "Node.lat": "latitude of the site, degrees (disaster radius footprints, MaaS distances, maps)",
    "Node.lon": "longitude of the site, degrees",
    "Stock.part": "the part held",
    "Stock.policy": "how the node replenishes it",
    "_PolicyBase.review_days": "days between inventory reviews",
    "BaseStock.level": "order-up-to level of the inventory position, units",
    "Periodic.level": "order-up-to level of the inventory position, units",
    "MinMax.s": "reorder point: order when the inventory position is at or below `s`, units",
    "MinMax.S": "order up to `S`, units",
    "ReorderPoint.r": "reorder point: order when the inventory position is at or below `r`, units",
    "ReorderPoint.Q": "order quantity, units (as many times `Q` as brings the position above `r`)",
    "Lane.source": "node the lane leaves from",
    "Lane.dest": "node the lane goes to",
    "Lane.parts": "parts the lane carries; the source must make or stock each one",
    "Lane.lead_time_days": "days from shipment to receipt, drawn per lane and day (rounded to "
                           "whole days, at least 1)",
    "Lane.cost_per_unit": "transport cost per unit carried into a focal node or market",
    "Lane.mode": "transport mode, a label (shown by `resim info` and kept on the value-chain graph; "
                 "the model uses the lead time and cost given); a MaaS provider's lane gets the mode "
                 "`resim.supply.logistics` chooses, which sets its transit, freight and CO2",
    "Demand.market": "a node of kind `market`",
    "Demand.part": "the product demanded",
    "Demand.seasonality": "a multiplier of `daily` over the year; none when omitted",
    "Demand.unmet": "what happens to demand not delivered on its day: it waits (`backorder`) or "
                    "is lost (`lost_sales`)",
    "Seasonality.amplitude": "sine form: factor 1 + amplitude × cos(2π (day − peak_day) / "
                             "period_days)",
    "Seasonality.peak_day": "sine form: day of the highest factor",
    "Seasonality.period_days": "sine form: days per cycle",
    "_Event.id": "the disruption's id (named by `then`, `responds_to` and `metrics.reference`)",
    "_Event.description": "free text",
    "_Event.recovery": "how operations come back after `duration_days`",
    "Recovery.profile": "`step`: all at once; `ramp`: linearly over `ramp_days`",
    "Recovery.ramp_days": "days of a `ramp` recovery (for a natural disaster, each hit node "
                          "ramps over 0.5-1.5 × ramp_days)",
    "NaturalDisaster.footprint": "the area hit",
    "Footprint.regions": "regions hit",
    "Footprint.countries": "countries hit",
    "Footprint.radius_km": "radius around `center`, km; damage falls from `severity` at the "
                           "centre to half of it at the edge",
    "TradeBarrier.barrier": "`tariff` (a charge on matching flows), `embargo` (matching flows "
                            "blocked), `local_content` (supply to `market` below "
                            "`min_local_share` blocked or penalised) or `used_goods_ban` "
                            "(matching flows from reman nodes blocked)",
    "TradeBarrier.from_countries": "flows from these countries (with `from_regions`; any origin "
                                   "when both are empty)",
    "TradeBarrier.from_regions": "flows from these regions",
    "TradeBarrier.to_countries": "flows into these countries (with `to_regions`; any destination "
                                 "when both are empty)",
    "TradeBarrier.to_regions": "flows into these regions",
    "CapacityLoss.nodes": "nodes that lose capacity",
    "DemandShock.markets": "markets whose demand changes",
    "DemandShock.parts": "products affected; all when empty",
    "DemandShock.multiplier": "demand × multiplier while the shock lasts",
    "Quality.nodes": "nodes whose stock is affected",
    "Quality.parts": "parts affected; all when empty",
    "Quality.action": "`quarantine` (the `severity` share of stock is held and released at the "
                      "end) or `scrap` (it is destroyed)",
    "SupplierFailure.nodes": "nodes that stop making and shipping",
    "MaaS.providers": "the pool of offerings (see [maas-pool.md](maas-pool.md))",
    "MaaS.weights": "how candidates are scored",
    "MaaS.negotiation": "how providers answer requests",
    "MaaS.probation": "capped volume of a new provider",
    "MaaS.inspection": "incoming inspection of MaaS lots",
    "MaaS.contention": "competition for providers during a natural disaster",
    "Offering.id": "the offering's id",
    "Offering.provider": "the firm; one provider may publish several offerings",
    "Offering.process": "the process it offers; it matches a need for this process or a more "
                        "general one",
    "Offering.certifications": "certificates it holds",
    "Offering.country": "where it is (embargoes, local content, disaster footprints, distance)",
    "Offering.region": "its region",
    "Offering.lat": "latitude of its site, degrees (distance, transport cost, footprints)",
    "Offering.lon": "longitude of its site, degrees",
    "Offering.export_controlled": "may not ship abroad",
    "ScoreWeights.cost": "weight of the landed unit cost",
    "ScoreWeights.lead_time": "weight of the days to first delivery (onboarding + lead time)",
    "ScoreWeights.quality": "weight of the conformance rate",
    "ScoreWeights.on_time": "weight of the on-time rate",
    "ScoreWeights.capacity": "weight of the capacity coverage of the need",
    "ScoreWeights.distance": "weight of the distance to the destination",
    "Probation.days": "days after qualification at capped volume",
    "Probation.capacity_share": "share of the reserved capacity delivered during probation",
    "Inspection.sample_size": "units sampled from each day's lot (n)",
    "Inspection.acceptance_number": "most defective units in the sample for the lot to be "
                                    "accepted (Ac)",
    "Contention.enabled": "model other firms competing for the providers in a disaster's regions",
    "Circular.take_back": "products that come back at end of use",
    "Circular.grading": "end-of-life states of returned parts",
    "Circular.processes": "the circular processes of reman nodes",
    "TakeBack.product": "the product that comes back",
    "TakeBack.market": "the market it was sold in",
    "Grading.part": "the part graded",
    "Grading.reuse": "share reused (route: testing)",
    "Grading.repair": "share repaired (route: testing, repair)",
    "Grading.refurbish": "share refurbished (route: cleaning, testing, reconditioning)",
    "Grading.remanufacture": "share remanufactured (route: cleaning, testing, reconditioning, "
                             "reassembly)",
    "Grading.repurpose": "share repurposed (leaves the chain)",
    "Grading.recycle": "share recycled (leaves the chain)",
    "CircularProcess.node": "the reman node that runs the step",
    "CircularProcess.process": "the step",
    "CircularProcess.capacity_per_day": "units per day, shared in proportion by all that queue "
                                        "for the step",
    "CircularProcess.cost_per_unit": "cost per unit processed (the `reman` cost component)",
    "Strategy.id": "the strategy's id (in results and `--strategies`)",
    "Strategy.description": "free text",
    "Strategy.actions": "what the strategy does (see the table below)",
    "Strategy.max_providers": "most MaaS providers per need",
    "Metrics.window_days": "days of the rolling fill rate r(t)",
    "Metrics.baseline_days": "days before t0 over which the baseline b is averaged",
    "Metrics.hold_days": "days r(t) must stay at or above the recovery level to count as recovered",
    "Metrics.confidence": "level of the two-sided intervals in summary.csv, costs.csv and differences.csv",
}

#: Each cross-field validator of the format, in words, keyed ``Class.validator``.
RULES: dict[str, str] = {
    "Scenario._currency_code": "`currency` is three capital letters (ISO 4217, e.g. `EUR`, `USD`).",
    "Node._coordinates_in_pairs": "Give both `lat` and `lon`, or neither.",
    "MinMax._s_below_S": "`s` must be below `S`.",
    "Seasonality._one_form": "Give either `monthly` (12 factors) or `amplitude` (with `peak_day`), "
                             "not both.",
    "Recovery._ramp_has_days": "A `ramp` recovery needs `ramp_days` > 0.",
    "Footprint._something_is_hit": "Name `regions`, `countries`, or a `center` with `radius_km` "
                                   "(a radius footprint needs both).",
    "_Event._one_timing": "Give either `onset_day` or `annual_probability`, not both.",
    "TradeBarrier._barrier_fields": "A `tariff` needs `rate` > 0; a `local_content` rule needs "
                                    "`market` and `min_local_share` > 0; every other barrier needs "
                                    "at least one of `from_countries`, `from_regions`, "
                                    "`to_countries`, `to_regions`.",
    "CapacityLoss._breakdown_pair": "Breakdowns need both `mtbf_days` and `mttr_days`.",
    "ScoreWeights._some_weight": "At least one weight must be above 0; weights are normalised "
                                 "when used.",
    "Negotiation._chances": "`accept` + `counter` must not exceed 1; the rest decline.",
    "Grading._sums_to_one": "The six shares sum to 1.",
    "Strategy._actions_fit": "`none` cannot be combined with other actions; a `buffer` action "
                             "needs `buffer: {part: units}`.",
    "Metrics._hysteresis": "`failure_level` must not exceed `recovery_level`.",
}

# What each disruption type does (the stop semantics are tabulated in docs/disruptions.md).
_TYPE_NOTES = {
    "NaturalDisaster": "Nodes in the footprint make and ship × (1 − damage) (damage = `severity`, "
                       "less with distance in a radius footprint); a `stock_destroyed` share of "
                       "their stock is scrapped at onset. New orders are still placed and stay owed.",
    "TradeBarrier": "A rule on flows that cross a border from the `from_` group to the `to_` "
                    "group (and, with `parts`, only those parts): a tariff charged on their value, "
                    "an embargo, a local-content rule for one market, or a ban on used "
                    "(remanufactured) goods. Orders go to other open lanes.",
    "CapacityLoss": "Production capacity of the nodes (or of their listed processes) × "
                    "(1 − severity); shipments from stock continue. With `mtbf_days` and "
                    "`mttr_days`, a breakdown process: up times and repairs alternate for "
                    "`duration_days`, each repair one stop.",
    "DemandShock": "Demand of the markets × `multiplier` (above 1: a surge; below 1: a drop).",
    "Logistics": "Lanes closed (capacity × (1 − severity)) or, with `lead_time_multiplier`, open "
                 "but slower for shipments leaving while it lasts.",
    "Quality": "At onset, a `severity` share of the stock of the parts at the nodes is quarantined "
               "(released when it ends) or scrapped.",
    "SupplierFailure": "The nodes stop making and shipping; their stock is kept but unusable "
                       "while they are down. Without `duration_days` the failure is permanent.",
}

_ACTION_NOTES = {
    "none": "wait for recovery on existing inventory (the baseline every strategy is compared with)",
    "buffer": "proactive: extra units of the parts in `buffer` held all year where the part is "
              "stocked",
    "dual_source": "proactive: from day 0, a standing MaaS second source for every single-sourced "
                   "critical part, taking half of the orders",
    "maas_same_tier": "MaaS providers take over the disrupted nodes' own processes",
    "maas_upstream": "MaaS providers take over the processes of the disrupted nodes' customers, "
                     "with their own supply of the missing component",
    "circular": "remanufactured and reused parts from reman nodes feed the customers of what the "
                "disruption cut",
}

# Names of the discriminated unions, by the base class their members share.
_UNION_NAMES = {
    "_PolicyBase": ("inventory policy", "inventory policies", "inventory-policies"),
    "_Event": ("disruption", "disruption types", "disruption-types"),
}

_VALUE_TYPES = {
    common._check_id: ("id", "value-types"),
    common._check_country: ("country", "value-types"),
    common._check_region: ("region", "value-types"),
    common._check_lane_ref: ("lane reference", "value-types"),
    taxonomy.check_process: ("process path", "process-paths"),
    taxonomy.check_certification: ("certification", "certifications"),
}

# Validators that narrow a type, and what they require (shown with the field's constraints).
_NARROWING = {
    getattr(dists, "_check_nonnegative", None): "[never negative](#distributions)",
}
_NARROWING.pop(None, None)

_DIST_MODELS = frozenset(dists.BY_NAME.values())
_CSV = {"csv"}

# -- small helpers ------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _number(value: float) -> str:
    if isinstance(value, int) and value >= 2 ** 53 and value & (value - 1) == 0:
        return f"2^{value.bit_length() - 1}"
    return dists._num(value)


def _flow(value: Any) -> str:
    """A default value as YAML flow."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return value if value and re.fullmatch(r"[A-Za-z0-9_.\- ]+", value) else f'"{value}"'
    if isinstance(value, BaseModel):
        return _flow(value.model_dump(by_alias=True, exclude_defaults=True))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return str(value)


def _first_sentence(text: str | None) -> str:
    if not text:
        return ""
    return " ".join(text.strip().split("\n\n")[0].split()).replace("``", "`")


def _union_members(annotation: Any) -> tuple[type[BaseModel], ...] | None:
    """The models of a union of several models (None for anything else)."""
    if get_origin(annotation) is Annotated:
        return _union_members(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        members = tuple(a for a in get_args(annotation) if a is not type(None))
        if len(members) > 1 and all(isinstance(m, type) and issubclass(m, BaseModel) for m in members):
            return members
    return None


def _common_base(members: Sequence[type[BaseModel]]) -> type[BaseModel]:
    for base in members[0].__mro__:
        if all(issubclass(m, base) for m in members):
            return base
    raise TypeError("no common base")  # pragma: no cover - BaseModel always is one


def _union_name(members: Sequence[type[BaseModel]]) -> tuple[str, str, str]:
    base = _common_base(members)
    if base.__name__ in _UNION_NAMES:
        return _UNION_NAMES[base.__name__]
    names = " or ".join(m.__name__ for m in members)
    return names, names, "-".join(m.__name__.lower() for m in members)


def _discriminator_value(cls: type[BaseModel], field: str = "type") -> str:
    return get_args(cls.model_fields[field].annotation)[0]


def _field_annotation(info: FieldInfo) -> Any:
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


def _type(annotation: Any) -> str:
    """A field's type in words, with links to the sections of nested models."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *meta = get_args(annotation)
        for item in meta:
            func = getattr(item, "func", None)
            if func in _VALUE_TYPES:
                name, anchor = _VALUE_TYPES[func]
                return f"[{name}](#{anchor})"
        text = _type(base)
        if any(getattr(item, "func", None) is common._split_list for item in meta):
            text += " (or `a; b`)"
        return text
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if args and set(args) <= _DIST_MODELS:
            return "[distribution](#distributions)"
        members = _union_members(annotation)
        if members:
            if set(members) <= _DIST_MODELS:
                return "[distribution](#distributions)"
            singular, _, anchor = _union_name(members)
            return f"[{singular}](#{anchor}) (by `type`)"
        return " or ".join(_type(a) for a in args)
    if origin is Literal:
        return "text"
    if origin is tuple:
        args = get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"list of {_type(args[0])}"
        return "[" + ", ".join(_type(a) for a in args) + "]"
    if origin is dict:
        key, value = get_args(annotation)
        return f"mapping {_type(key)} → {_type(value)}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return {str: "text", float: "number", int: "integer", bool: "true or false"}.get(
        annotation, getattr(annotation, "__name__", str(annotation)))


def _narrowed(annotation: Any) -> list[str]:
    """What the validators in a field's type require beyond its JSON Schema."""
    found = []
    if get_origin(annotation) is Annotated:
        found += [_NARROWING[item.func] for item in get_args(annotation)[1:]
                  if getattr(item, "func", None) in _NARROWING]
    for arg in get_args(annotation):
        if get_origin(arg) is Annotated or get_origin(arg) in (Union, types.UnionType):
            found += _narrowed(arg)
    return list(dict.fromkeys(found))


def _is_csv_ref(branch: dict) -> bool:
    return branch.get("type") == "object" and set(branch.get("properties", {})) == _CSV


def _is_dist(branch: dict) -> bool:
    return branch.get("discriminator", {}).get("propertyName") == "dist"


def _constraints(prop: dict) -> str:
    """Bounds, sizes and allowed values of a JSON Schema property, in words."""
    branches = prop.get("anyOf")
    if branches:
        kept = [b for b in branches if b.get("type") != "null" and not _is_csv_ref(b)]
        if any(_is_dist(b) for b in kept) or len(kept) != 1:
            return ""
        return _constraints(kept[0])
    found = []
    if "const" in prop:
        found.append(f"exactly `{prop['const']}`")
    if "enum" in prop:
        found.append("one of " + ", ".join(f"`{v}`" for v in prop["enum"]))
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                      ("exclusiveMaximum", "<")):
        if key in prop:
            found.append(f"{sign} {_number(prop[key])}")
    if prop.get("minLength"):
        found.append("not empty" if prop["minLength"] == 1 else f"at least {prop['minLength']} characters")
    low, high = prop.get("minItems"), prop.get("maxItems")
    if low is not None and low == high:
        found.append(f"exactly {low} items")
    else:
        if low:
            found.append(f"at least {low} item{'s' if low > 1 else ''}")
        if high is not None:
            found.append(f"at most {high} items")
    if isinstance(prop.get("items"), dict):
        inner = _constraints(prop["items"])
        if inner:
            found.append(f"each {inner}")
    if prop.get("prefixItems"):
        inner = [_constraints(item) for item in prop["prefixItems"]]
        if len(set(inner)) == 1 and inner[0]:
            found.append(f"each {inner[0]}")
        elif any(inner):
            found.append("; ".join(f"item {i + 1}: {c}" for i, c in enumerate(inner) if c))
    if isinstance(prop.get("additionalProperties"), dict):
        inner = _constraints(prop["additionalProperties"])
        if inner:
            found.append(f"values {inner}")
    return ", ".join(found)


def _csv_allowed(prop: dict) -> bool:
    return any(_is_csv_ref(b) for b in prop.get("anyOf", ()))


def _note(cls: type[BaseModel], name: str) -> str:
    for klass in cls.__mro__:
        if f"{klass.__name__}.{name}" in NOTES:
            return NOTES[f"{klass.__name__}.{name}"]
    return ""


def _validators(cls: type[BaseModel]) -> list[str]:
    """Names of the validators defined in ``cls`` itself (not inherited)."""
    decorators = cls.__pydantic_decorators__
    names = [*decorators.model_validators, *decorators.field_validators]
    return [name for name in names if name in vars(cls)]


def _rule(cls: type[BaseModel], name: str) -> str:
    return RULES.get(f"{cls.__name__}.{name}",
                     f"Checked by `{cls.__name__}.{name}` in `{cls.__module__}`.")


def _nested(annotation: Any, is_list: bool = False) -> Iterator[tuple[str, Any, bool]]:
    """The models (``"model"``) and unions of models (``"union"``) inside a field's type."""
    members = _union_members(annotation)
    if members:
        if not set(members) <= _DIST_MODELS:
            yield "union", members, is_list
        return
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _nested(get_args(annotation)[0], is_list)
    elif origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            yield from _nested(arg, is_list)
    elif origin is tuple:
        args = get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            yield from _nested(args[0], True)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in _DIST_MODELS:
        yield "model", annotation, is_list


# -- the reference ----------------------------------------------------------------------------------


class _Reference:
    def __init__(self) -> None:
        schema = scenario_schema()
        self.defs: dict[str, dict] = schema["$defs"]
        self.defs["Scenario"] = schema
        self.out: list[str] = []
        self.toc: list[tuple[int, str, str, bool]] = []

    def heading(self, level: int, title: str, anchor: str, *, listed: bool = False) -> None:
        self.out += [f'<a id="{anchor}"></a>', "", f"{'#' * level} {title}", ""]
        self.toc.append((level, title, anchor, listed or level <= 3))

    def table(self, cls: type[BaseModel], names: Sequence[str], schema_cls: type[BaseModel]) -> None:
        """The fields ``names`` of ``cls``, with the JSON Schema of ``schema_cls`` (``cls`` itself, or
        for the shared base of a union, which has no schema of its own, its first member)."""
        props = self.defs[schema_cls.__name__]["properties"]
        self.out += ["| field | type | default | constraints | description |",
                     "| --- | --- | --- | --- | --- |"]
        for name in names:
            info = cls.model_fields[name]
            key = info.alias or name
            prop = props[key]
            kind = _type(_field_annotation(info))
            if _csv_allowed(prop):
                kind += " or `{csv: FILE}`"
            if info.is_required():
                default = "**required**"
            else:
                value = info.get_default(call_default_factory=True)
                if value is None:
                    default = "*unset*"
                elif isinstance(value, BaseModel) and _flow(value) == "{}":
                    default = "*its defaults*"
                else:
                    default = f"`{_flow(value)}`"
            constraints = ", ".join(c for c in [_constraints(prop), *_narrowed(_field_annotation(info))] if c)
            description = info.description or _note(cls, name)
            if name == "type" and get_origin(info.annotation) is Literal and not description:
                description = "selects this type"
            self.out.append(f"| `{key}` | {_cell(kind)} | {_cell(default)} | "
                            f"{_cell(constraints)} | {_cell(description)} |")
        self.out.append("")

    def rules(self, cls: type[BaseModel]) -> None:
        found = _validators(cls)
        if found:
            label = "Rule" if len(found) == 1 else "Rules"
            self.out += [f"**{label}:** " + " ".join(_rule(cls, name) for name in found), ""]

    def model(self, cls: type[BaseModel], path: str, level: int, *, title: str | None = None,
              intro: str = "", names: Sequence[str] | None = None, anchor: str | None = None) -> None:
        self.heading(level, title or f"`{path}` — {cls.__name__}", anchor or cls.__name__.lower())
        text = intro or _first_sentence(cls.__doc__) or _TYPE_NOTES.get(cls.__name__, "")
        if text:
            self.out += [text, ""]
        names = list(cls.model_fields) if names is None else list(names)
        self.rules(cls)
        if names:
            self.table(cls, names, cls)
        self.extras(cls)
        self.children(cls, names, path, level + 1)

    def children(self, cls: type[BaseModel], names: Sequence[str], path: str, level: int) -> None:
        for name in names:
            info = cls.model_fields[name]
            key = info.alias or name
            for kind, what, is_list in _nested(_field_annotation(info)):
                sub = f"{path}.{key}" if path else key
                sub += "[]" if is_list else ""
                if kind == "model":
                    self.model(what, sub, level)
                else:
                    self.union(what, sub, level)

    def union(self, members: Sequence[type[BaseModel]], path: str, level: int) -> None:
        singular, plural, anchor = _union_name(members)
        base = _common_base(members)
        self.heading(level, f"`{path}` — {plural}", anchor, listed=True)
        self.out += [f"Each {singular} names its `type`, which decides the other fields it takes:", "",
                     "| type | what it is |", "| --- | --- |"]
        for member in members:
            value = _discriminator_value(member)
            what = _first_sentence(member.__doc__) or _TYPE_NOTES.get(member.__name__, "")
            self.out.append(f"| [`{value}`](#{member.__name__.lower()}) | {_cell(what)} |")
        self.out.append("")
        shared = [n for n in base.model_fields if n != "type"]
        if shared:
            self.out += [f"Fields of every {singular}:", ""]
            self.rules(base)
            self.table(base, shared, members[0])
        self.extras(base)
        self.children(base, shared, path, level + 1)
        for member in members:
            own = [n for n in member.model_fields
                   if n not in base.model_fields or n in vars(member).get("__annotations__", {})]
            own.sort(key=lambda n: n != "type")  # the discriminator first
            value = _discriminator_value(member)
            intro = _first_sentence(member.__doc__) or _TYPE_NOTES.get(member.__name__, "")
            if shared:
                intro += f" Also takes the [fields of every {singular}](#{anchor})."
            self.model(member, path, level + 1, names=own, intro=intro.strip(),
                       title=f"`type: {value}` — {member.__name__}")

    def extras(self, cls: type[BaseModel]) -> None:
        name = cls.__name__
        if name == "_Event":
            self.out += ["What each type stops (new orders, production, shipments, goods in "
                         "transit, receipts, stock on hand) is tabulated in "
                         "[disruptions.md](disruptions.md); `severity` scales every effect, and "
                         "overlapping disruptions combine (capacity factors multiply, tariff rates "
                         "add).", ""]
        elif name == "Strategy":
            from resim.scenario.format.strategies import ACTIONS

            self.out += ["Actions (see [strategies.md](strategies.md)):", "",
                         "| action | what it does |", "| --- | --- |"]
            self.out += [f"| `{a}` | {_cell(_ACTION_NOTES.get(a, ''))} |" for a in ACTIONS] + [""]
        elif name == "Offering":
            self.out += ["The fields of an offering are also the columns of a provider-pool CSV "
                         "(`maas: {providers: {csv: pool.csv}}`); "
                         "[maas-pool.md](maas-pool.md) describes them with the pool generator.", ""]
        elif name == "Metrics":
            self.out += ["The metrics themselves are defined in [model.md](model.md#metrics).", ""]

    def top(self) -> None:
        names = list(Scenario.model_fields)
        self.heading(2, "Top level", "top-level")
        self.out += ["A scenario file is a mapping of these fields.", ""]
        self.rules(Scenario)
        self.table(Scenario, names, Scenario)
        self.children(Scenario, names, "", 2)

    def distributions(self) -> None:
        self.heading(2, "Distributions", "distributions")
        self.out += [
            "Every field of type *distribution* (lead times, demand, durations, onset days, use "
            "lives, process times) is written in one of three ways:", "",
            "- a number, a constant: `lead_time_days: 5`;",
            "- a compact string, the name and the parameters in order: `poisson(40)`, "
            "`normal(40, 8)`, `triangular(2, 3, 7)`;",
            "- a mapping with `dist` and the parameters by name: `{dist: normal, mean: 40, sd: 8}`.",
            "",
            "Compact strings are parsed, never evaluated. Where whole days are needed, draws are "
            "rounded (see [assumptions.md](assumptions.md#time)); negative demand draws count "
            "as 0.", "", *_never_negative(),
            "| name | compact form | mapping form | parameters | what it is |",
            "| --- | --- | --- | --- | --- |"]
        notes = _dist_notes()
        for name, model in dists.BY_NAME.items():
            params = [p for p in model.model_fields if p != "dist"]
            compact = "—" if name == "discrete" else f"`{name}({', '.join(params)})`"
            mapping = "`{dist: " + name + "".join(f", {p}: …" for p in params) + "}`"
            self.out.append(f"| `{name}` | {compact} | {_cell(mapping)} | "
                            f"{_cell(notes.get(name, ''))} | {_cell(_first_sentence(model.__doc__))} |")
        self.out.append("")

    def value_types(self) -> None:
        self.heading(2, "Value types", "value-types")
        self.out += [
            "| type | written as | example |", "| --- | --- | --- |",
            f"| id | a letter, then letters, digits, `_`, `.` or `-`; at most 64 characters "
            f"(`{_cell(common._ID.pattern)}`) | `motor_cn` |",
            f"| country | ISO 3166 alpha-2, two capital letters (`{common._COUNTRY.pattern}`) | `DE`, `TW` |",
            f"| region | lower_case name (`{common._REGION.pattern}`) | `east_asia` |",
            "| lane reference | a lane's `id`, or `FROM->TO` | `pcba_my->controller_hu` |",
            "| process path | `group/process[/variant]`: see [process paths](#process-paths) | "
            "`cutting/milling/5-axis` |",
            "| certification | one of the [certifications](#certifications) | `ISO 9001` |",
            "| list (or `a; b`) | a YAML list, or one text with items separated by `;` (as in a "
            "CSV cell) | `[a, b]`, `a; b` |",
            "| `{csv: FILE}` | the list read from a CSV file beside the scenario; header cells are "
            "dotted field paths (see [format.md](format.md#tables-from-csv-files)) | "
            "`{csv: nodes.csv}` |", ""]
        self.heading(3, "Process paths", "process-paths")
        self.out += ["A path names a group of DIN 8580 (and `other`), a process of that group and "
                     "optionally a free-text variant. Case and spaces are normalised (`Cutting/Laser "
                     "cutting` reads as `cutting/laser_cutting`). A MaaS offering of "
                     "`cutting/milling/5-axis` matches a need for `cutting/milling`.", "",
                     "| group | processes |", "| --- | --- |"]
        self.out += [f"| `{group}` | {', '.join(f'`{p}`' for p in processes)} |"
                     for group, processes in taxonomy.PROCESSES.items()] + [""]
        self.heading(3, "Certifications", "certifications")
        self.out += ["Case and spacing are ignored (`iso9001` reads as `ISO 9001`): "
                     + ", ".join(f"`{c}`" for c in taxonomy.CERTIFICATIONS) + ".", ""]

    def checks(self) -> None:
        self.heading(2, "Checks across sections", "checks-across-sections")
        self.out += [
            "`resim validate` checks what one field alone cannot (`resim.scenario.checks`). Unique ids and "
            "references are checked even when some fields have the wrong type, on every entry whose "
            "ids can be read, so one run reports both kinds of problem; the other checks wait until "
            "every field has the right type:", "",
            "- ids are unique among parts, nodes, disruptions, strategies and MaaS offerings; one "
            "lane per pair of nodes (list several parts on it);",
            "- every part, node, lane, market and disruption named anywhere exists (with a "
            "\"did you mean\" hint); `responds_to` names disruption ids or types;",
            "- bills of materials form no cycle and no part contains itself;",
            "- a `supplier` or `plant` makes at least one part, a `dc` makes none, a `market` "
            "neither makes nor stocks;",
            "- a lane's source makes or stocks each part it carries; its destination holds an "
            "inventory entry for it, or is a market that demands it;",
            "- the `share`s of the lanes bringing one part into one node are given on all of them "
            "and sum to 1, or on none;",
            "- `demand` names a node of kind `market`, once per market and product;",
            "- `then` follow-ups form no loop;",
            "- every demanded product can reach its market: a chain of lanes from makers of every "
            "part it needs.", ""]

    def render(self) -> str:
        self.top()
        self.distributions()
        self.value_types()
        self.checks()
        contents, depth = [], 0
        for level, title, anchor, listed in self.toc:
            if listed:  # indented under the last listed heading above it
                depth = min(level - 2, depth + 1) if contents else 0
                contents.append(f"{'  ' * depth}- [{title}](#{anchor})")
        head = [
            "# Scenario format reference", "",
            f"<!-- Generated by resim/cli/reference.py from the models in resim/scenario/format/ and "
            f"resim.scenario.jsonschema. Do not edit: run {REGENERATE} -->", "",
            "Every field of a scenario file, section by section. For a guided tour read "
            "[format.md](format.md) and the commented [quickstart scenario]"
            "(../scenarios/quickstart.yaml); `resim schema` gives the same format as a JSON "
            "Schema for editors.", "",
            "Columns: **type** links to the section of a nested entry; **default** is "
            "**required** when the field must be given, *unset* when it may be left out (the "
            "description says what that means) and *its defaults* for a section whose own fields "
            "all have defaults; **constraints** are checked when the file is "
            "read, and every violation is reported as `FILE:LINE: field.path: message`. Unknown "
            "fields are errors. Money is in the scenario's `currency`, time in days, quantities "
            "in units of the part.", "",
            "## Contents", "", *contents, ""]
        return "\n".join(head + self.out).rstrip() + "\n"


def _never_negative() -> list[str]:
    """The rule for fields marked *never negative*, from :func:`resim.core.dists.nonnegative`."""
    if not _NARROWING:
        return []
    paragraphs = (dists.nonnegative.__doc__ or "").strip().split("\n\n")
    rule = " ".join(paragraphs[1].split()).replace("``", "`") if len(paragraphs) > 1 else ""
    return ["Fields marked *never negative* (durations, lead times, days) take only distributions "
            "that cannot draw a negative value: " + rule, ""]


def _dist_notes() -> dict[str, str]:
    """The parameter notes of the table in :mod:`resim.core.dists`' docstring, by distribution."""
    notes = {}
    for line in (dists.__doc__ or "").splitlines():
        match = re.match(r"^(\w+)\s{2,}(.+?)\s{2,}(.+)$", line)
        if match and match.group(1) in dists.BY_NAME:
            notes[match.group(1)] = match.group(3).replace("``", "`")
    return notes


def format_reference() -> str:
    """docs/reference.md: every section and field of the scenario format, as Markdown."""
    return _Reference().render()


# -- the command-line help ----------------------------------------------------------------------------

HELP_WIDTH = 92


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help at a fixed width, with options shown as ``-o, --output DIR`` on every
    Python version, so that the generated docs do not depend on the terminal or the interpreter."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, HELP_WIDTH)

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        metavar = self._format_args(action, self._get_default_metavar_for_optional(action))
        return f"{', '.join(action.option_strings)} {metavar}"


def _help_of(parser: argparse.ArgumentParser) -> str:
    parser.formatter_class = _HelpFormatter
    if hasattr(parser, "color"):  # Python 3.14 colours help on terminals
        parser.color = False
    return parser.format_help().rstrip() + "\n"


def cli_help() -> dict[str, str]:
    """The ``--help`` text of ``resim`` and of each of its commands, keyed ``resim CMD --help``."""
    from resim.cli.main import _parser  # the parser only: nothing here prints or exits

    parser = _parser()
    blocks = {"resim --help": _help_of(parser)}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                blocks[f"resim {name} --help"] = _help_of(sub)
    return blocks


_BLOCK = re.compile(r"(<!-- generated: (?P<key>[^>]+?) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def fill_generated(text: str, blocks: dict[str, str]) -> str:
    """``text`` with the body of each ``<!-- generated: KEY -->`` … ``<!-- end generated -->``
    block replaced by ``blocks[KEY]`` as a fenced code block. Raises KeyError for an unknown KEY."""
    def replace(match: re.Match) -> str:
        key = match.group("key")
        if key not in blocks:
            raise KeyError(f"docs/cli.md has a generated block for {key!r}, which is not a "
                           f"command (known: {', '.join(blocks)})")
        return f"{match.group(1)}```text\n{blocks[key]}```\n{match.group(4)}"

    return _BLOCK.sub(replace, text)


def missing_blocks(text: str, blocks: dict[str, str]) -> list[str]:
    """Keys of ``blocks`` that ``text`` has no generated block for."""
    present = {m.group("key") for m in _BLOCK.finditer(text)}
    return [key for key in blocks if key not in present]


def _diff(old: str, new: str, name: str) -> str:
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"{name} (committed)",
                                      f"{name} (generated)", lineterm="", n=1))
    return "\n".join(lines[:60] + (["..."] if len(lines) > 60 else []))


def write_docs(docs: Path = DOCS, *, check: bool = False) -> list[str]:
    """Rewrite docs/reference.md and the generated blocks of docs/cli.md (or, with ``check``,
    only compare). Returns the problems: files that changed (or would), and commands without a
    block in docs/cli.md."""
    from resim.core.files import write_atomic

    problems = []
    reference = docs / "reference.md"
    generated = format_reference()
    current = reference.read_text(encoding="utf-8") if reference.exists() else ""
    if current != generated:
        problems.append(f"{reference} is out of date" if check else f"{reference} rewritten")
        if not check:
            write_atomic(reference, generated)
    cli = docs / "cli.md"
    blocks = cli_help()
    text = cli.read_text(encoding="utf-8") if cli.exists() else ""
    filled = fill_generated(text, blocks)
    if filled != text:
        problems.append(f"{cli}: generated blocks out of date" if check else f"{cli} blocks rewritten")
        if not check:
            write_atomic(cli, filled)
    for key in missing_blocks(text, blocks):
        problems.append(f"{cli} has no block for '{key}': add a section with "
                        f"<!-- generated: {key} --> and <!-- end generated --> and run {REGENERATE}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m resim.cli.reference [--check] [--docs DIR]``: regenerate the docs (exit 1 when a
    command has no block in docs/cli.md, or with ``--check`` when anything is out of date)."""
    parser = argparse.ArgumentParser(prog="python -m resim.cli.reference", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="only compare; change nothing")
    parser.add_argument("--docs", type=Path, default=DOCS, help=f"docs folder (default {DOCS})")
    args = parser.parse_args(argv)
    problems = write_docs(args.docs, check=args.check)
    for problem in problems:
        print(problem)
    failed = [p for p in problems if args.check or "has no block" in p]
    if not problems:
        print(f"{args.docs}/reference.md and {args.docs}/cli.md are up to date")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
