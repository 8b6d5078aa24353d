"""Turn pydantic validation errors into a field path of the user's file and a plain message.

pydantic's locations include union tags and its messages read "Input should be ...": here both are
rewritten into what the user wrote (``lanes[3].lead_time_days``) and "got X (expected Y)".
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Union

from pydantic import BaseModel

__all__ = ["describe_error", "raw_path", "allowed_fields"]


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def raw_path(loc: tuple, data: Any, missing: bool = False) -> tuple[str | int, ...]:
    """The part of a pydantic location that exists in the user's data, plus a missing field's name.

    Steps that are not in the data (union tags, validator names) are dropped, except the last
    step of a ``missing`` error, which names the absent field.
    """
    path: list[str | int] = []
    current = data
    for i, step in enumerate(loc):
        if isinstance(current, dict) and step in current:
            current = current[step]
            path.append(step)
        elif isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current):
            current = current[step]
            path.append(step)
        elif missing and isinstance(current, dict) and i == len(loc) - 1 and isinstance(step, str):
            path.append(step)  # a missing field: name it, its parent has the line
    return tuple(path)


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return [_unwrap(a) for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _field_types(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def allowed_fields(root: type[BaseModel], loc: tuple) -> list[str] | None:
    """Field names accepted at ``loc`` (a pydantic location of a mapping), or None if unknown."""
    candidates = [root]
    for step in loc:
        following: list[Any] = []
        for annotation in candidates:
            for member in _members(_unwrap(annotation)):
                if _is_model(member):
                    fields = _field_types(member)
                    if step in fields:
                        following.append(fields[step])
                    elif isinstance(step, str):
                        following.append(member)  # a union tag names this member; stay on it
                elif typing.get_origin(member) is tuple and isinstance(step, int):
                    following.append(typing.get_args(member)[0])
                elif typing.get_origin(member) is dict and isinstance(step, str):
                    following.append(typing.get_args(member)[1])
        candidates = following
    models = [m for c in candidates for m in _members(_unwrap(c)) if _is_model(m)]
    if len(models) != 1:
        return None
    return list(_field_types(models[0]))


def _message(error: dict, root: type[BaseModel]) -> str:
    kind, msg, ctx = error["type"], error["msg"], error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "missing (this field is required)"
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        allowed = allowed_fields(root, tuple(error["loc"][:-1])) or []
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        expected = f"expected one of: {', '.join(allowed)}" if allowed else "remove it"
        return f"unknown field '{key}' ({hint}{expected})"
    if kind == "union_tag_invalid":
        return (f"unknown {ctx.get('discriminator', 'type').strip(chr(39))} "
                f"{ctx.get('tag')!r} (expected one of {ctx.get('expected_tags')})")
    if kind == "union_tag_not_found":
        return f"missing {ctx.get('discriminator', 'type')} (it says which kind of entry this is)"
    if kind in ("value_error", "assertion_error"):
        return msg.split(", ", 1)[1] if msg.startswith(("Value error, ", "Assertion failed, ")) else msg
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} items (got {ctx.get('actual_length')})"
    if kind == "too_long":
        return f"takes at most {ctx.get('max_length')} items (got {ctx.get('actual_length')})"
    if msg.startswith("Input should be "):
        return f"got {_short(value)} (expected {msg[len('Input should be '):]})"
    return f"{msg[0].lower()}{msg[1:]} (got {_short(value)})"


def describe_error(error: dict, data: Any, root: type[BaseModel]) -> tuple[tuple, str]:
    """(path in the user's data, one-line message) for one pydantic error dict."""
    path = raw_path(tuple(error["loc"]), data, missing=error["type"] == "missing")
    if error["type"] == "union_tag_invalid":
        tag = str((error.get("ctx") or {}).get("discriminator", "")).strip("'")
        if tag:
            path += (tag,)  # point at the field holding the unknown kind
    return path, _message(error, root)
