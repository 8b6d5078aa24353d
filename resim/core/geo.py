"""Great-circle distance on a spherical Earth (haversine formula), the one distance resim uses:
between a disaster's epicentre and a node, a need and the offerings of a pool, a destination and
a provider."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike

__all__ = ["EARTH_RADIUS_KM", "great_circle_km"]

#: Mean radius of the Earth, km (the IUGG's 6371.0088, rounded).
EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> float | np.ndarray:
    """Great-circle km between ``(lat1, lon1)`` and ``(lat2, lon2)``, given in degrees, on a sphere
    of radius :data:`EARTH_RADIUS_KM`.

    Plain numbers give a float; arrays (either point may be one) give an array, element-wise and
    broadcast. NaN coordinates give NaN.
    """
    if all(isinstance(x, (int, float)) for x in (lat1, lon1, lat2, lon2)):
        # Plain numbers go through math: faster than numpy for one value, and the very numbers a
        # disaster's footprint has always had (numpy's vectorised sin and cos can differ from
        # libm's in the last bit).
        sin, cos, asin, sqrt, radians = math.sin, math.cos, math.asin, math.sqrt, math.radians
    else:
        import numpy as np  # only for arrays: a scenario's lanes are measured without numpy

        sin, cos, asin, sqrt, radians = np.sin, np.cos, np.arcsin, np.sqrt, np.radians
    lat1, lon1, lat2, lon2 = radians(lat1), radians(lon1), radians(lat2), radians(lon2)
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(h))
