"""The mutable arrays of a running model, each along one axis of the network.

An axis is a kind of entry the network holds: stock points, arcs, lanes, nodes, production rows,
demand entries. Nodes and lanes join while a model runs, and every array along an axis must then
grow by the same entries: :meth:`State.grow` extends all of them at once (and the levers along
it), so an array added to the model cannot be forgotten there. The model keeps them in its
attribute dictionary, so that it and other modules read and assign them as plain attributes
(``model.on_hand``), at the speed of one, in the day's hot loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from resim.sim.levers import FACTOR, OVERRIDE, Levers

__all__ = ["STOCK", "ARC", "LANE", "NODE", "ROW", "DEMAND", "State"]

STOCK, ARC, LANE, NODE, ROW, DEMAND = "stock point", "arc", "lane", "node", "production row", "demand entry"


class State:
    """Named arrays, each declared along an axis (in one of its dimensions), and the levers."""

    def __init__(self, arrays: dict[str, Any] | None = None) -> None:
        """``arrays``: where the arrays are kept (a model's ``vars(self)``), a new dict if None."""
        self.levers = Levers()
        self._arrays: dict[str, Any] = {} if arrays is None else arrays
        self._axis: dict[str, tuple[str, int]] = {}   # name -> (axis, dimension)
        self._lever_axis: dict[str, str] = {}

    def add(self, name: str, axis: str, values: np.ndarray, *, dim: int = 0) -> None:
        """Declare array ``name`` with entries along ``axis`` in its dimension ``dim``."""
        self._arrays[name] = values
        self._axis[name] = (axis, dim)

    def add_lever(self, name: str, axis: str, size: int, *, kind: str = FACTOR,
                  base: np.ndarray | None = None) -> None:
        """Declare lever ``name`` (:meth:`Levers.add`) with an entry per ``axis`` entry."""
        self.levers.add(name, size, kind=kind, base=base)
        self._lever_axis[name] = axis

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def __setitem__(self, name: str, values: np.ndarray) -> None:
        if name not in self._axis:
            raise KeyError(f"{name!r} is not a declared state array")
        self._arrays[name] = values

    def along(self, axis: str) -> dict[str, int]:
        """The arrays along ``axis``: name -> the dimension that runs along it."""
        return {name: dim for name, (along, dim) in self._axis.items() if along == axis}

    def grow(self, axis: str, size: int, **values: np.ndarray) -> None:
        """Extend every array and lever along ``axis`` to ``size`` entries: an array named in
        ``values`` by those entries, the others by zeros; an override lever by its base values
        for them (in ``values``, which must name every one), other levers by neutral entries."""
        arrays = self.along(axis)
        overrides = {name for name, along in self._lever_axis.items()
                     if along == axis and self.levers.kind(name) == OVERRIDE}
        unknown = set(values) - set(arrays) - overrides
        if unknown:
            raise KeyError(f"not arrays or override levers along the {axis} axis: {sorted(unknown)}")
        if overrides - set(values):
            raise KeyError(f"no base values for the override levers {sorted(overrides - set(values))}")
        for name, dim in arrays.items():
            array = self._arrays[name]
            shape = list(array.shape)
            shape[dim] = size - shape[dim]
            extra = values[name] if name in values else np.zeros(shape, array.dtype)
            self._arrays[name] = np.concatenate([array, extra], axis=dim)
        for name, along in self._lever_axis.items():
            if along == axis:
                self.levers.grow(name, size, values.get(name) if name in overrides else None)

