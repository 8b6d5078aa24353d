"""The short forms of a distribution, read into the mapping form: a number (a constant) or a
compact string such as ``poisson(40)``, with hints for misspelt names; and their JSON Schema."""

from __future__ import annotations

import difflib
import functools
import numbers
import re
from collections.abc import Mapping
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from resim.core.dist_base import DistBase
from resim.core.dist_models import BY_NAME, NAMES

# Only resim.core.dists uses these, to build its Dist type; _coerce keeps its name because pydantic
# shows it in the title of every validation error of a distribution.
__all__: list[str] = []

# Names people commonly write for a distribution resim calls differently: hints only, never accepted.
_ALIASES: dict[str, str] = {
    "gauss": "normal", "gaussian": "normal", "norm": "normal",
    "lognorm": "lognormal", "log_normal": "lognormal",
    "exp": "exponential", "expon": "exponential",
    "nbinom": "negative_binomial", "negbin": "negative_binomial", "negbinom": "negative_binomial",
    "negative_binomial_distribution": "negative_binomial", "negativebinomial": "negative_binomial",
    "tri": "triangular", "triang": "triangular", "triangle": "triangular",
    "unif": "uniform", "const": "constant", "fixed": "constant", "weibull_min": "weibull",
    "choice": "discrete", "categorical": "discrete", "empirical": "discrete",
}

_EXPECTED = f"expected one of {', '.join(NAMES)}"
_CANNOT_READ = "cannot read {!r} as a distribution (expected e.g. poisson(40), normal(40, 8) or a number)"
_DISCRETE_MAPPING = ("discrete must be written as a mapping with values and weights, "
                     "e.g. {dist: discrete, values: [1, 2, 3], weights: [0.2, 0.5, 0.3]}")
_COMPACT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$", re.DOTALL)


def _unknown(name: Any) -> ValueError:
    text = f"unknown distribution {name!r} ({_EXPECTED})"
    if isinstance(name, str):
        key = name.strip().lower()
        close = [key] if key in BY_NAME else difflib.get_close_matches(key, NAMES, n=1)
        hint = _ALIASES.get(key) or (close[0] if close else None)
        if hint:
            text += f", did you mean {hint!r}?"
    return ValueError(text)


def _parse_compact(text: str) -> dict[str, Any]:
    return dict(_parse_compact_cached(text))  # a fresh mapping: callers may keep it


@functools.lru_cache(maxsize=65536)
def _parse_compact_cached(text: str) -> dict[str, Any]:
    # Large tables repeat the same few distributions; parse each text once.
    try:
        return {"dist": "constant", "value": float(text)}
    except ValueError:
        pass
    match = _COMPACT.match(text)
    if not match:
        raise ValueError(_CANNOT_READ.format(text))
    name, inside = match.group(1), match.group(2)
    if name not in BY_NAME:
        raise _unknown(name)
    if name == "discrete":
        raise ValueError(_DISCRETE_MAPPING)
    parts = [p.strip() for p in inside.split(",")] if inside.strip() else []
    try:
        args = [float(p) for p in parts]
    except ValueError:
        raise ValueError(_CANNOT_READ.format(text)) from None
    fields = [f for f in BY_NAME[name].model_fields if f != "dist"]
    if len(args) != len(fields):
        noun = "argument" if len(fields) == 1 else "arguments"
        raise ValueError(f"{name} takes {len(fields)} {noun} ({', '.join(fields)}), got {len(args)}")
    return {"dist": name, **dict(zip(fields, args))}


def _coerce(value: Any) -> Any:
    """Turn the short forms (a number, a compact string) into the mapping form."""
    if isinstance(value, str):  # the common case in large tables: before the slower checks
        return _parse_compact(value)
    if isinstance(value, DistBase):
        return value
    if isinstance(value, bool):  # NumPy's bool_ is no numbers.Real: refused below, with this message
        raise ValueError(_CANNOT_READ.format(value))
    if isinstance(value, numbers.Real):
        return {"dist": "constant", "value": float(value)}
    if isinstance(value, Mapping):
        if "dist" not in value:
            raise ValueError(f"missing 'dist' ({_EXPECTED})")
        if not isinstance(value["dist"], str) or value["dist"] not in BY_NAME:
            raise _unknown(value["dist"])
        return value
    raise ValueError(_CANNOT_READ.format(value))


class _ShortFormsInSchema:
    """JSON Schema: besides the mapping, a distribution may be a number or a compact string."""

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        if handler.mode != "validation":
            return schema
        return {"anyOf": [
            {"type": "number", "description": "a constant"},
            {"type": "string", "pattern": r"^\s*(-?[0-9.eE+-]+|[a-z_]+\s*\(.*\))\s*$",
             "description": "compact form, e.g. poisson(40), normal(40, 8), triangular(2, 3, 7)"},
            schema,
        ]}
