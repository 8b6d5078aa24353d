"""The distribution models of the scenario notation (:mod:`resim.core.dists`): one frozen pydantic
model per distribution, with the checks of its parameters, analytic ``mean`` and ``sd``,
``sample`` and compact ``str()``; and the registry of them by name."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal, Union

from pydantic import model_validator

from resim.core.dist_base import DistBase, compact_number as _num  # short: it fills the messages below

# NumPy is imported where a draw or a discrete mean needs it, not here: reading and checking a
# scenario (`resim validate`) needs none of it, and importing it is a good part of that command's time.
if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "DistModel", "BY_NAME", "NAMES", "Sample",
    "Constant", "Uniform", "Triangular", "Normal", "LogNormal", "Gamma", "Exponential",
    "Weibull", "Beta", "Poisson", "NegativeBinomial", "Discrete",
]


Sample = Union[float, "np.ndarray"]


def _out(x: Any, size: Any) -> Sample:
    """numpy draws as the documented return type: a float, or a float array when size is given."""
    if size is None:
        return float(x)
    import numpy as np

    return np.asarray(x, dtype=float)


class Constant(DistBase):
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
        import numpy as np

        return np.full(size, self.value, dtype=float)

    def __str__(self) -> str:
        return _num(self.value)


class Uniform(DistBase):
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


class Triangular(DistBase):
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


class Normal(DistBase):
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


class LogNormal(DistBase):
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


class Gamma(DistBase):
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


class Exponential(DistBase):
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


class Weibull(DistBase):
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


class Beta(DistBase):
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


class Poisson(DistBase):
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


class NegativeBinomial(DistBase):
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


class Discrete(DistBase):
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
        import numpy as np

        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    @property
    def mean(self) -> float:
        import numpy as np

        return float(np.dot(self.probabilities, self.values))

    @property
    def sd(self) -> float:
        import numpy as np

        v = np.asarray(self.values, dtype=float)
        return float(math.sqrt(max(np.dot(self.probabilities, (v - self.mean) ** 2), 0.0)))

    def sample(self, rng: np.random.Generator, size: Any = None) -> Sample:
        """Draws from ``rng.choice`` with :attr:`probabilities`."""
        import numpy as np

        return _out(rng.choice(np.asarray(self.values, dtype=float), size, p=self.probabilities),
                    size)

    def __str__(self) -> str:
        values = ", ".join(_num(v) for v in self.values)
        weights = ", ".join(_num(w) for w in self.weights)
        return f"discrete(values=[{values}], weights=[{weights}])"


_MODELS: tuple[type[DistBase], ...] = (Constant, Uniform, Triangular, Normal, LogNormal, Gamma,
                                    Exponential, Weibull, Beta, Poisson, NegativeBinomial, Discrete)

#: The model class of each distribution name.
BY_NAME: dict[str, type[DistBase]] = {m.model_fields["dist"].default: m for m in _MODELS}

#: Every distribution name, in the order of the documentation.
NAMES: tuple[str, ...] = tuple(BY_NAME)

#: Any distribution model instance.
DistModel = Union[Constant, Uniform, Triangular, Normal, LogNormal, Gamma, Exponential, Weibull,
                  Beta, Poisson, NegativeBinomial, Discrete]

