"""The distribution notation shared by every random quantity of the scenario format.

Wherever a scenario asks for a duration, lead time, demand or similar quantity, it accepts a
*distribution*, written in one of three ways:

* a **number**, meaning a constant: ``lead_time_days: 5``;
* a **compact string**, the distribution's name and its parameters in order:
  ``poisson(40)``, ``normal(40, 8)``, ``triangular(2, 3, 7)``; a number string such as ``"5"``
  is a constant too;
* a **mapping** with a ``dist`` key naming the distribution and its parameters by name:
  ``{dist: normal, mean: 40, sd: 8}``.  ``discrete`` can only be written this way:
  ``{dist: discrete, values: [1, 2, 3], weights: [0.2, 0.5, 0.3]}``.

The distributions and their parameters (in the order of the compact form):

==================== ================= =====================================================
name                 parameters        notes
==================== ================= =====================================================
constant             value             always ``value``
uniform              low, high         ``low < high``
triangular           low, mode, high   ``low <= mode <= high``, ``low < high``
normal               mean, sd          ``sd >= 0``
lognormal            mean, sd          mean and sd of the variable itself, not of its log
gamma                mean, sd          ``mean > 0``, ``sd > 0``
exponential          mean              ``mean > 0``
weibull              shape, scale      ``shape > 0``, ``scale > 0``
beta                 a, b              on [0, 1]; ``a > 0``, ``b > 0``
poisson              mean              ``mean >= 0``
negative_binomial    mean, sd          overdispersed counts: ``sd**2 > mean``
discrete             values, weights   weights ``>= 0`` with a positive sum; normalised
==================== ================= =====================================================

Every distribution is a frozen pydantic model with analytic ``mean`` and ``sd``, a
``sample(rng, size=None)`` method drawing from a :class:`numpy.random.Generator`, and a compact
``str()`` (``normal(40, 8)``; a constant prints as its number).  Use :data:`Dist` as a field type
in pydantic models, and :func:`parse_dist` to read one value:

>>> d = parse_dist("normal(40, 8)")
>>> d.mean, d.sd, str(d)
(40.0, 8.0, 'normal(40, 8)')
>>> str(parse_dist(5))
'5'
>>> parse_dist({"dist": "poisson", "mean": 3}) == parse_dist("poisson(3)")
True

Compact strings are read with a regular expression and :func:`float`; they are never evaluated.
"""

from __future__ import annotations

import functools

import difflib
import math
import numbers
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

import numpy as np
from numpy.typing import ArrayLike
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, GetJsonSchemaHandler,
                      TypeAdapter, model_validator)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = [
    "Dist", "DistModel", "NAMES", "parse_dist", "nonnegative", "whole_days",
    "Constant", "Uniform", "Triangular", "Normal", "LogNormal", "Gamma", "Exponential",
    "Weibull", "Beta", "Poisson", "NegativeBinomial", "Discrete",
]

Sample = Union[float, np.ndarray]


def _num(x: float) -> str:
    """A number as written in the compact form: ``40`` rather than ``40.0``, exact otherwise."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _out(x: Any, size: Any) -> Sample:
    """numpy draws as the documented return type: a float, or a float array when size is given."""
    if size is None:
        return float(x)
    return np.asarray(x, dtype=float)


def _require_dist(schema: dict[str, Any]) -> None:
    # ``dist`` has a default for convenience in Python, but a file must always say it
    required = schema.setdefault("required", [])
    if "dist" not in required:
        required.insert(0, "dist")


MAX_PARAMETER = 1e12
"""The largest magnitude of any distribution parameter (and bare number): daily values up to 1e12
summed over the longest horizon (36,500 days) stay far below float64 overflow, and numpy samples
poisson and the other distributions exactly up to it (its poisson refuses means above ~9.2e18)."""


class _Base(BaseModel):
    """Common configuration and behaviour of the distribution models."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False,
                              json_schema_extra=_require_dist)

    @model_validator(mode="after")
    def _bounded(self) -> "_Base":
        name = type(self).model_fields["dist"].default
        for field in type(self).model_fields:
            value = getattr(self, field)
            for x in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(x, (int, float)) and not isinstance(x, bool) and abs(x) > MAX_PARAMETER:
                    raise ValueError(f"{name} {field} {_num(x)} is too large "
                                     f"(expected at most 1e12 in size, so that runs cannot overflow)")
        return self

    @property
    def params(self) -> tuple[float, ...]:
        """The parameters in the order of the compact form."""
        return tuple(getattr(self, name) for name in type(self).model_fields if name != "dist")

    def __str__(self) -> str:
        name = type(self).model_fields["dist"].default
        return f"{name}({', '.join(_num(p) for p in self.params)})"


class Constant(_Base):
    """Always ``value``; written as the bare number."""

    dist: Literal["constant"] = "constant"
    value: float

    @property
    def mean(self) -> float:
        return float(self.value)

    @property
    def sd(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """``value``, or an array filled with it when ``size`` is given."""
        if size is None:
            return float(self.value)
        return np.full(size, self.value, dtype=float)

    def __str__(self) -> str:
        return _num(self.value)


class Uniform(_Base):
    """Uniform on ``[low, high)``."""

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"uniform needs low < high, got low={_num(self.low)}, "
                             f"high={_num(self.high)}")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def sd(self) -> float:
        return (self.high - self.low) / math.sqrt(12)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.uniform``."""
        return _out(rng.uniform(self.low, self.high, size), size)


class Triangular(_Base):
    """Triangular on ``[low, high]`` with its peak at ``mode``."""

    dist: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"triangular needs low <= mode <= high with low < high, got "
                             f"low={_num(self.low)}, mode={_num(self.mode)}, high={_num(self.high)}")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def sd(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return math.sqrt(max(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.triangular``."""
        return _out(rng.triangular(self.low, self.mode, self.high, size), size)


class Normal(_Base):
    """Normal (Gaussian) with the given mean and standard deviation; can be negative."""

    dist: Literal["normal"] = "normal"
    mean: float
    sd: float

    @model_validator(mode="after")
    def _check(self) -> Normal:
        if self.sd < 0:
            raise ValueError(f"normal needs sd >= 0, got sd={_num(self.sd)}")
        return self

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.normal``."""
        return _out(rng.normal(self.mean, self.sd, size), size)


class LogNormal(_Base):
    """Lognormal given by the mean and sd of the variable itself (not of its logarithm)."""

    dist: Literal["lognormal"] = "lognormal"
    mean: float
    sd: float

    @model_validator(mode="after")
    def _check(self) -> LogNormal:
        if self.mean <= 0 or self.sd < 0:
            raise ValueError(f"lognormal needs mean > 0 and sd >= 0, got mean={_num(self.mean)}, "
                             f"sd={_num(self.sd)}")
        return self

    @property
    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal: sigma² = ln(1 + sd²/mean²), mu = ln(mean) - sigma²/2."""
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.lognormal`` with :attr:`log_params`."""
        mu, sigma = self.log_params
        return _out(rng.lognormal(mu, sigma, size), size)


class Gamma(_Base):
    """Gamma given by its mean and sd (shape = mean²/sd², scale = sd²/mean)."""

    dist: Literal["gamma"] = "gamma"
    mean: float
    sd: float

    @model_validator(mode="after")
    def _check(self) -> Gamma:
        if self.mean <= 0 or self.sd <= 0:
            raise ValueError(f"gamma needs mean > 0 and sd > 0, got mean={_num(self.mean)}, "
                             f"sd={_num(self.sd)}")
        return self

    @property
    def shape(self) -> float:
        return self.mean ** 2 / self.sd ** 2

    @property
    def scale(self) -> float:
        return self.sd ** 2 / self.mean

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.gamma`` with :attr:`shape` and :attr:`scale`."""
        return _out(rng.gamma(self.shape, self.scale, size), size)


class Exponential(_Base):
    """Exponential with the given mean (rate 1/mean)."""

    dist: Literal["exponential"] = "exponential"
    mean: float

    @model_validator(mode="after")
    def _check(self) -> Exponential:
        if self.mean <= 0:
            raise ValueError(f"exponential needs mean > 0, got mean={_num(self.mean)}")
        return self

    @property
    def sd(self) -> float:
        return float(self.mean)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.exponential``."""
        return _out(rng.exponential(self.mean, size), size)


class Weibull(_Base):
    """Weibull with shape ``k`` and scale ``lambda`` (scipy's ``weibull_min(shape, scale=scale)``)."""

    dist: Literal["weibull"] = "weibull"
    shape: float
    scale: float

    @model_validator(mode="after")
    def _check(self) -> Weibull:
        if self.shape <= 0 or self.scale <= 0:
            raise ValueError(f"weibull needs shape > 0 and scale > 0, got shape={_num(self.shape)}, "
                             f"scale={_num(self.scale)}")
        return self

    def _moment(self, k: int) -> float:
        try:
            return self.scale ** k * math.gamma(1 + k / self.shape)
        except OverflowError:
            return math.inf

    @property
    def mean(self) -> float:
        return self._moment(1)

    @property
    def sd(self) -> float:
        m1, m2 = self._moment(1), self._moment(2)
        if math.isinf(m2):
            return math.inf
        return math.sqrt(max(m2 - m1 * m1, 0.0))

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws ``scale * rng.weibull(shape)``."""
        return _out(self.scale * rng.weibull(self.shape, size), size)


class Beta(_Base):
    """Beta on [0, 1] with shape parameters ``a`` and ``b``."""

    dist: Literal["beta"] = "beta"
    a: float
    b: float

    @model_validator(mode="after")
    def _check(self) -> Beta:
        if self.a <= 0 or self.b <= 0:
            raise ValueError(f"beta needs a > 0 and b > 0, got a={_num(self.a)}, b={_num(self.b)}")
        return self

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def sd(self) -> float:
        s = self.a + self.b
        return math.sqrt(self.a * self.b / (s * s * (s + 1)))

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.beta``."""
        return _out(rng.beta(self.a, self.b, size), size)


class Poisson(_Base):
    """Poisson counts with the given mean; draws are returned as floats."""

    dist: Literal["poisson"] = "poisson"
    mean: float

    @model_validator(mode="after")
    def _check(self) -> Poisson:
        if self.mean < 0:
            raise ValueError(f"poisson needs mean >= 0, got mean={_num(self.mean)}")
        return self

    @property
    def sd(self) -> float:
        return math.sqrt(self.mean)

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.poisson``."""
        return _out(rng.poisson(self.mean, size), size)


class NegativeBinomial(_Base):
    """Overdispersed counts given by mean and sd (n = mean²/(sd²-mean), p = mean/sd²)."""

    dist: Literal["negative_binomial"] = "negative_binomial"
    mean: float
    sd: float

    @model_validator(mode="after")
    def _check(self) -> NegativeBinomial:
        if self.mean <= 0:
            raise ValueError(f"negative_binomial needs mean > 0, got mean={_num(self.mean)}")
        if not self.sd ** 2 > self.mean:
            raise ValueError(f"negative_binomial needs sd**2 > mean (more spread than poisson; "
                             f"use poisson({_num(self.mean)}) otherwise), got mean={_num(self.mean)}, "
                             f"sd={_num(self.sd)}")
        return self

    @property
    def n(self) -> float:
        return self.mean ** 2 / (self.sd ** 2 - self.mean)

    @property
    def p(self) -> float:
        return self.mean / self.sd ** 2

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.negative_binomial`` with :attr:`n` and :attr:`p`."""
        return _out(rng.negative_binomial(self.n, self.p, size), size)


class Discrete(_Base):
    """One of ``values`` with probability proportional to ``weights``; mapping form only."""

    dist: Literal["discrete"] = "discrete"
    values: tuple[float, ...]
    weights: tuple[float, ...]

    @model_validator(mode="after")
    def _check(self) -> Discrete:
        if not self.values:
            raise ValueError("discrete needs at least one value")
        if len(self.values) != len(self.weights):
            raise ValueError(f"discrete needs as many weights as values, got {len(self.values)} "
                             f"values and {len(self.weights)} weights")
        if any(w < 0 for w in self.weights):
            raise ValueError("discrete needs weights >= 0")
        if not sum(self.weights) > 0:
            raise ValueError("discrete needs weights with a positive sum")
        return self

    @property
    def probabilities(self) -> np.ndarray:
        """The weights normalised to sum to 1."""
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    @property
    def mean(self) -> float:
        return float(np.dot(self.probabilities, self.values))

    @property
    def sd(self) -> float:
        v = np.asarray(self.values, dtype=float)
        return float(math.sqrt(max(np.dot(self.probabilities, (v - self.mean) ** 2), 0.0)))

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.choice`` with :attr:`probabilities`."""
        return _out(rng.choice(np.asarray(self.values, dtype=float), size, p=self.probabilities),
                    size)

    def __str__(self) -> str:
        values = ", ".join(_num(v) for v in self.values)
        weights = ", ".join(_num(w) for w in self.weights)
        return f"discrete(values=[{values}], weights=[{weights}])"


_MODELS: tuple[type[_Base], ...] = (Constant, Uniform, Triangular, Normal, LogNormal, Gamma,
                                    Exponential, Weibull, Beta, Poisson, NegativeBinomial, Discrete)

#: The model class of each distribution name.
BY_NAME: dict[str, type[_Base]] = {m.model_fields["dist"].default: m for m in _MODELS}

#: Every distribution name, in the order of the documentation.
NAMES: tuple[str, ...] = tuple(BY_NAME)

#: Any distribution model instance.
DistModel = Union[Constant, Uniform, Triangular, Normal, LogNormal, Gamma, Exponential, Weibull,
                  Beta, Poisson, NegativeBinomial, Discrete]

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
    if isinstance(value, _Base):
        return value
    if isinstance(value, (bool, np.bool_)):
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


#: A distribution as a pydantic field type: accepts a number, a compact string or a mapping.
Dist = Annotated[DistModel, Field(discriminator="dist"), BeforeValidator(_coerce),
                 _ShortFormsInSchema()]

_ADAPTER: TypeAdapter[DistModel] = TypeAdapter(Dist)


def parse_dist(value: Any) -> DistModel:
    """Read a number, compact string or mapping as a distribution model.

    Raises :class:`pydantic.ValidationError` (a ``ValueError``) with a readable message otherwise.
    """
    return _ADAPTER.validate_python(value)


def nonnegative(d: DistModel) -> bool:
    """True if ``d`` can never produce a negative value.

    ``normal`` only when ``sd == 0`` and ``mean >= 0``; ``uniform`` and ``triangular`` when
    ``low >= 0``; ``constant`` when ``value >= 0``; ``discrete`` when no value with a positive
    weight is negative; every other distribution always.
    """
    kind = d.dist  # the discriminator: far quicker than isinstance on pydantic models
    if kind == "normal":
        return d.sd == 0 and d.mean >= 0
    if kind in ("uniform", "triangular"):
        return d.low >= 0
    if kind == "constant":
        return d.value >= 0
    if kind == "discrete":
        return all(v >= 0 for v, w in zip(d.values, d.weights) if w > 0)
    return True


def whole_days(days: ArrayLike, most: int | None = None) -> np.ndarray:
    """Durations drawn in days (lead times, use lives) as the daily model counts them: whole days,
    rounded to the nearest (half to even, as :func:`numpy.rint`), at least 1 (what leaves on a
    day arrives on a later one) and at most ``most`` (the horizon) when given; int64."""
    return np.clip(np.rint(np.asarray(days, float)), 1, most).astype(np.int64)


def _check_nonnegative(d: DistModel) -> DistModel:
    # A normal three standard deviations clear of zero is negative once in a thousand draws;
    # such draws are clipped at zero where they are used.
    if d.dist == "normal" and d.mean >= 3 * d.sd:
        return d
    if not nonnegative(d):
        raise ValueError(f"{d} can take negative values (expected a number or distribution of values >= 0; "
                         "a normal needs mean >= 3 sd)")
    return d


NonNegativeDist = Annotated[Dist, AfterValidator(_check_nonnegative)]
"""A distribution of quantities that cannot be negative: durations, lead times, days."""
