"""The bounds of the values distributions may take and give: the largest parameter, whether a
distribution can draw a negative value, and drawn durations as whole days of the daily model."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike

    from resim.core.dist_models import DistModel

__all__ = ["MAX_PARAMETER", "nonnegative", "whole_days"]

MAX_PARAMETER = 1e12
"""The largest magnitude of any distribution parameter (and bare number): daily values up to 1e12
summed over the longest horizon (36,500 days) stay far below float64 overflow, and numpy samples
poisson and the other distributions exactly up to it (its poisson refuses means above ~9.2e18)."""


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
    import numpy as np  # here: checking a scenario needs the bounds above, not NumPy

    return np.clip(np.rint(np.asarray(days, float)), 1, most).astype(np.int64)
