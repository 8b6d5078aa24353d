"""What every distribution model (:mod:`resim.core.dist_models`) shares: the pydantic base with
its configuration and parameter bound, and the compact form of a number."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

from resim.core.dist_bounds import MAX_PARAMETER

__all__ = ["DistBase", "compact_number"]


def compact_number(x: float) -> str:
    """A number as written in the compact form: ``40`` rather than ``40.0``, exact otherwise."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _require_dist(schema: dict[str, Any]) -> None:
    # ``dist`` has a default for convenience in Python, but a file must always say it
    required = schema.setdefault("required", [])
    if "dist" not in required:
        required.insert(0, "dist")


class DistBase(BaseModel):
    """Common configuration and behaviour of the distribution models."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False,
                              json_schema_extra=_require_dist)

    @model_validator(mode="after")
    def _bounded(self) -> "DistBase":
        name = type(self).model_fields["dist"].default
        for field in type(self).model_fields:
            value = getattr(self, field)
            for x in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(x, (int, float)) and not isinstance(x, bool) and abs(x) > MAX_PARAMETER:
                    raise ValueError(f"{name} {field} {compact_number(x)} is too large "
                                     f"(expected at most 1e12 in size, so that runs cannot overflow)")
        return self

    @model_serializer(mode="wrap")
    def _named(self, handler) -> Any:
        # ``dist`` names the form: a dump keeps it even when defaults are left out, or it would
        # not read back (a file must always say it).
        data = handler(self)
        return {"dist": self.dist, **data} if isinstance(data, dict) else data

    @property
    def params(self) -> tuple[float, ...]:
        """The parameters in the order of the compact form."""
        return tuple(getattr(self, name) for name in type(self).model_fields if name != "dist")

    def __str__(self) -> str:
        name = type(self).model_fields["dist"].default
        return f"{name}({', '.join(compact_number(p) for p in self.params)})"
