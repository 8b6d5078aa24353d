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

This module holds the field types and :func:`parse_dist`; the models are in
:mod:`resim.core.dist_models` (sharing :mod:`resim.core.dist_base`), the reading of the short forms
in :mod:`resim.core.dist_text`, and the bounds of values in :mod:`resim.core.dist_bounds`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter

from resim.core.dist_bounds import nonnegative, whole_days
from resim.core.dist_models import (NAMES, Beta, Constant, Discrete, DistModel, Exponential, Gamma,
                                    LogNormal, NegativeBinomial, Normal, Poisson, Triangular, Uniform,
                                    Weibull)
from resim.core.dist_text import _coerce, _ShortFormsInSchema

__all__ = [
    "Dist", "DistModel", "NAMES", "parse_dist", "nonnegative", "whole_days",
    "Constant", "Uniform", "Triangular", "Normal", "LogNormal", "Gamma", "Exponential",
    "Weibull", "Beta", "Poisson", "NegativeBinomial", "Discrete",
]


#: A distribution as a pydantic field type: accepts a number, a compact string or a mapping.
Dist = Annotated[DistModel, Field(discriminator="dist"), BeforeValidator(_coerce),
                 _ShortFormsInSchema()]

_ADAPTER: TypeAdapter[DistModel] = TypeAdapter(Dist)


def parse_dist(value: Any) -> DistModel:
    """Read a number, compact string or mapping as a distribution model.

    Raises :class:`pydantic.ValidationError` (a ``ValueError``) with a readable message otherwise.
    """
    return _ADAPTER.validate_python(value)


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
