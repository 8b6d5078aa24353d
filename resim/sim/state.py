"""The mutable arrays of a batch of running replications, each along one axis of the network.

An axis is a kind of entry the network holds: stock points, arcs, lanes, nodes, production rows,
demand entries. Every array has a leading row per replication of the batch, then its own
dimensions, one of which runs along its axis. Nodes and lanes join while a model runs, and every
array along an axis must then grow by the same entries: :meth:`State.grow` extends all of them at
once (and the levers along it), so an array added to the model cannot be forgotten there. The
arrays are kept in the batch's attribute dictionary, so that the day's phases read and assign them
as plain attributes (``cohort.on_hand``), at the speed of one, in the hot loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from resim.sim.levers import FACTOR, OVERRIDE, LeverArrays

__all__ = ["STOCK", "ARC", "LANE", "NODE", "ROW", "DEMAND", "State", "Rows"]

STOCK, ARC, LANE, NODE, ROW, DEMAND = "stock point", "arc", "lane", "node", "production row", "demand entry"


class State:
    """Named arrays of ``rows`` replications, each declared along an axis (in one of its
    dimensions after the row), and the levers."""

    def __init__(self, rows: int, arrays: dict[str, Any] | None = None) -> None:
        """``arrays``: where the arrays are kept (a batch's ``vars(self)``), a new dict if None."""
        self.rows = rows
        self.levers = LeverArrays(rows)
        self._arrays: dict[str, Any] = {} if arrays is None else arrays
        self._axis: dict[str, tuple[str, int]] = {}   # name -> (axis, dimension counted after the row)
        self._lever_axis: dict[str, str] = {}
        self._room: dict[str, np.ndarray] = {}  # name -> the buffer an array grown into room is a view of

    def add(self, name: str, axis: str, values: np.ndarray, *, dim: int = 0, per_row: bool = False,
            room: bool = False) -> None:
        """Declare array ``name`` (rows × ...) with entries along ``axis`` in its dimension
        ``dim`` after the row: ``values`` given ``per_row``, or the same in every row. ``room``:
        it grows into spare entries, doubled when full, instead of being copied whole at every
        :meth:`grow` (for a large array that entries added one by one would copy again and again;
        it is then a view, so it is only assigned into, or replaced whole)."""
        values = np.asarray(values)
        if not per_row:
            values = np.broadcast_to(values, (self.rows, *values.shape)).copy()
        self._arrays[name] = values
        self._axis[name] = (axis, dim)
        if room:
            self._room[name] = values

    def add_lever(self, name: str, axis: str, size: int, *, kind: str = FACTOR,
                  base: np.ndarray | None = None) -> None:
        """Declare lever ``name`` (:meth:`LeverArrays.add`) with an entry per ``axis`` entry."""
        self.levers.add(name, size, kind=kind, base=base)
        self._lever_axis[name] = axis

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def names(self) -> list[str]:
        """Every declared array."""
        return list(self._axis)

    def along(self, axis: str) -> dict[str, int]:
        """The arrays along ``axis``: name -> the dimension (after the row) that runs along it."""
        return {name: dim for name, (along, dim) in self._axis.items() if along == axis}

    def grow(self, axis: str, size: int, **values: np.ndarray) -> None:
        """Extend every array and lever along ``axis`` to ``size`` entries: an array named in
        ``values`` by those entries (the same in every row unless given per row), the others by
        zeros; an override lever by its base values for them (in ``values``, which must name
        every one), other levers by neutral entries."""
        arrays = self.along(axis)
        overrides = {name for name, along in self._lever_axis.items()
                     if along == axis and self.levers.kinds[name] == OVERRIDE}
        unknown = set(values) - set(arrays) - overrides
        if unknown:
            raise KeyError(f"not arrays or override levers along the {axis} axis: {sorted(unknown)}")
        if overrides - set(values):
            raise KeyError(f"no base values for the override levers {sorted(overrides - set(values))}")
        for name, dim in arrays.items():
            array = self._arrays[name]
            shape = list(array.shape)
            shape[dim + 1] = size - shape[dim + 1]
            extra = np.broadcast_to(values[name], shape) if name in values else np.zeros(shape, array.dtype)
            if name in self._room:
                self._arrays[name] = self._grown_in_room(name, array, dim, size, extra)
            else:
                self._arrays[name] = np.concatenate([array, extra], axis=dim + 1)
        for name, along in self._lever_axis.items():
            if along == axis:
                self.levers.grow(name, size, values.get(name) if name in overrides else None)

    def _grown_in_room(self, name: str, array: np.ndarray, dim: int, size: int, extra: np.ndarray) -> np.ndarray:
        """``array`` and ``extra`` along axis ``dim + 1``, as a view of ``name``'s room: made anew
        (twice the size) when full, or when the array was replaced by one of its own."""
        room, axis, used = self._room[name], dim + 1, array.shape[dim + 1]
        along = [slice(None)] * array.ndim
        if array.base is not room or room.shape[axis] < size:  # (a view of it has its other dimensions)
            shape = list(array.shape)
            shape[axis] = max(size, 2 * used)
            room = self._room[name] = np.zeros(shape, array.dtype)
            along[axis] = slice(0, used)
            room[tuple(along)] = array
        along[axis] = slice(used, size)
        room[tuple(along)] = extra
        along[axis] = slice(0, size)
        return room[tuple(along)]


class Rows:
    """A 2-D array that grows by rows of ``width`` into spare room, doubled when full (the
    lead times of added lanes: copying them all at each addition would cost more than the day)."""

    def __init__(self, width: int, dtype: type) -> None:
        self._room = np.zeros((4, width), dtype)
        self.values = self._room[:0]

    def append(self, row: np.ndarray) -> None:
        """Add ``row`` at the end."""
        used = len(self.values)
        if used == len(self._room):
            room = np.zeros((2 * used, self._room.shape[1]), self._room.dtype)
            room[:used] = self.values
            self._room = room
        self._room[used] = row
        self.values = self._room[:used + 1]
