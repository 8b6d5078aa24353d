"""The scenario format's fields in words, for docs/reference.md: the type, default and
constraints of a field (from the pydantic models of :mod:`resim.scenario.format` and their JSON
Schema), the models it nests, its note and its model's rules (:mod:`resim.cli.reference_text`),
and the parameter notes of the distributions (:mod:`resim.core.dists`). Used by
:mod:`resim.cli.reference`."""

from __future__ import annotations

import re
import types
from enum import Enum
from typing import Annotated, Any, Iterator, Literal, Sequence, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from resim.cli.reference_text import NOTES, RULES, UNION_NAMES
from resim.core import dist_base, dist_models, dists
from resim.scenario import taxonomy
from resim.scenario.format import common

# Validators that make a text a value type, and the section of the reference that describes it.
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

_DIST_MODELS = frozenset(dist_models.BY_NAME.values())
_CSV = {"csv"}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _number(value: float) -> str:
    if isinstance(value, int) and value >= 2 ** 53 and value & (value - 1) == 0:
        return f"2^{value.bit_length() - 1}"
    return dist_base.compact_number(value)


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
    if base.__name__ in UNION_NAMES:
        return UNION_NAMES[base.__name__]
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
    if origin is Literal or (isinstance(annotation, type) and issubclass(annotation, Enum)):
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
        if match and match.group(1) in dist_models.BY_NAME:
            notes[match.group(1)] = match.group(3).replace("``", "`")
    return notes
