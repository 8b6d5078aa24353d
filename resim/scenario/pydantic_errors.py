"""Turn pydantic validation errors into a field path of the user's file and a plain message, and
read what survives a failed validation.

pydantic's locations include union tags and its messages read "Input should be ...": here both are
rewritten into what the user wrote (``lanes[3].lead_time_days``) and "got X (expected Y)".
:func:`salvage` builds the model from the parts that have no error, so that references can still
be checked in the same run.
"""

from __future__ import annotations

import difflib
import functools
import types
import typing
from typing import Annotated, Any, Collection, Iterable, TypeVar, Union

from pydantic import BaseModel, BeforeValidator, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

__all__ = ["describe_error", "raw_path", "allowed_fields", "salvage"]

M = TypeVar("M", bound=BaseModel)


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


# -- what survives a failed validation --------------------------------------------------------


def _adapter(annotation: Any) -> TypeAdapter:
    key = id(annotation)
    if key not in _ADAPTERS:
        _ADAPTERS[key] = (annotation, TypeAdapter(annotation))  # keep the annotation alive with its id
    return _ADAPTERS[key][1]


_ADAPTERS: dict[int, tuple[Any, TypeAdapter]] = {}


@functools.lru_cache(maxsize=None)
def _field_type(model: type[BaseModel], name: str) -> Any:
    """A model field's type with its constraints, as a TypeAdapter takes it (one object per field,
    so that its adapter is made once)."""
    field = model.model_fields[name]
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


def _peel(annotation: Any) -> tuple[Any, list, str | None]:
    """The type inside Annotated and Optional, its before-validators and its union discriminator."""
    before, discriminator = [], None
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation, *extras = typing.get_args(annotation)
            for extra in extras:
                if isinstance(extra, BeforeValidator):
                    before.append(extra.func)
                elif isinstance(extra, FieldInfo) and isinstance(extra.discriminator, str):
                    discriminator = extra.discriminator
            continue
        members = _members(annotation)
        if len(members) == 1 and members[0] is not annotation:
            annotation = members[0]  # X | None
            continue
        return annotation, before, discriminator


class _Salvage:
    def __init__(self, errors: Iterable[tuple], within: type[BaseModel], fields: Collection[str] | None):
        self.errors = {tuple(path) for path in errors}
        self.troubled = {path[:end] for path in self.errors for end in range(len(path) + 1)}
        self.within, self.fields = within, fields
        self.unread: set[tuple] = set()

    def value(self, annotation: Any, raw: Any, path: tuple) -> Any:
        inner, before, discriminator = _peel(annotation)
        origin = typing.get_origin(inner)
        models = [m for m in _members(inner) if _is_model(m) and issubclass(m, self.within)]
        opened = models or (origin in (tuple, dict) and any(  # lists and mappings of models
            _is_model(m) and issubclass(m, self.within)
            for arg in typing.get_args(inner) for m in _members(_peel(arg)[0])))
        if not opened and path not in self.troubled:  # a value without errors: validate as usual
            try:
                return _adapter(annotation).validate_python(raw)
            except ValidationError:
                return self.broken(annotation, raw, path)
        if not (opened or origin in (tuple, dict)):
            return self.broken(annotation, raw, path)  # a value with an error of its own
        try:
            for func in before:
                raw = func(raw)
        except Exception:  # noqa: BLE001 - a before-validator refusing the value is an error like any
            return self.broken(annotation, raw, path)
        if path in self.errors and origin in (tuple, dict):
            self.unread.add(path)  # a list with an error of its own (too short): maybe not all there is
        if origin is tuple and isinstance(raw, (list, tuple)):
            args = typing.get_args(inner)  # (X, ...) or one type per position
            if args[-1] is not Ellipsis and len(raw) != len(args):
                return self.broken(annotation, raw, path)
            return tuple(self.value(args[0] if args[-1] is Ellipsis else args[i], value, path + (i,))
                         for i, value in enumerate(raw))
        if origin is dict and isinstance(raw, dict):
            item = typing.get_args(inner)[1]
            return {key: self.value(item, value, path + (key,)) for key, value in raw.items()}
        if models and isinstance(raw, dict):
            return self.model(models, discriminator, raw, path)
        return self.broken(annotation, raw, path)

    def broken(self, annotation: Any, raw: Any, path: tuple) -> None:
        """An unreadable value."""
        self.unread.add(path)
        return None

    def model(self, models: list[type[BaseModel]], discriminator: str | None, raw: dict, path: tuple):
        chosen = models[0]
        shared = None
        if len(models) > 1:
            tag = raw.get(discriminator) if discriminator else None
            matching = [m for m in models if discriminator in m.model_fields
                        and tag in typing.get_args(m.model_fields[discriminator].annotation)]
            if matching:
                chosen = matching[0]
            else:  # which kind of entry it is cannot be read: keep what every kind has
                shared = set.intersection(*(set(m.model_fields) for m in models))
        values = {}
        for name, field in chosen.model_fields.items():
            key = field.alias or name
            skipped = shared is not None and name not in shared
            if skipped or (self.fields is not None and name not in self.fields):
                if field.is_required():
                    values[name] = None  # not read
            elif key in raw:
                values[name] = self.value(_field_type(chosen, name), raw[key], path + (key,))
            elif field.is_required():
                values[name] = None  # missing: reported as such
        return chosen.model_construct(**values)


def salvage(root: type[M], data: dict, errors: Iterable[tuple], within: type[BaseModel] = BaseModel,
            fields: Collection[str] | None = None) -> tuple[M, set[tuple]]:
    """What can still be read of ``data`` after validating it as ``root`` failed with errors at
    ``errors`` (paths in the user's data, as :func:`describe_error` gives them).

    Returns ``root`` built without validation (``model_construct``): models (subclasses of
    ``within``) and lists and mappings of them are opened; any other value is validated with its
    own type when it has no error, and otherwise opened when it is a list or mapping, or else
    replaced by None. A required field that is missing is None too. With ``fields``, only the
    fields of those names are read (the others are None or their defaults): enough for a check
    that reads only them, and quick on large tables.

    Also returns the paths that were not read: values replaced by None, and lists or mappings with
    an error of their own (too short), which may not hold all they should. The result has not
    passed the models' checks: use it only to read what it was built for.
    """
    state = _Salvage(errors, within, fields)
    return state.model([root], None, data, ()), state.unread
