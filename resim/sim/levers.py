"""Adjustments to a running model, kept per cause so that causes can overlap and end independently.

A lever is an array over nodes, lanes, arcs, production rows or demand entries (a capacity factor,
say). Each cause (a disruption, a strategy, an agreement, the user) sets its own value on some
entries; the array holds their combination, by the lever's kind:

* ``factor``: the product of every cause's factor (1 when none);
* ``additive``: the sum of every cause's value (0 when none), e.g. tariff rates;
* ``override``: the value set most recently by a cause still in force, else the lever's base
  (the scenario's value), e.g. a lane's share of orders. A cause setting an entry again becomes
  the most recent; ending the most recent reveals the one set before it.

Ending a cause removes its values and recomputes only the entries it touched.

The combined arrays of a batch of replications live together, a row per replication
(:class:`LeverArrays`), so that the day's phases read every row at once; each replication keeps
its own causes (:class:`Levers`) and writes only its row.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Iterable

import numpy as np

__all__ = ["Levers", "LeverArrays", "FACTOR", "ADDITIVE", "OVERRIDE"]

FACTOR, ADDITIVE, OVERRIDE = "factor", "additive", "override"
_NEUTRAL = {FACTOR: 1.0, ADDITIVE: 0.0}  # the value that removes a cause's change (none for overrides)


class LeverArrays:
    """The combined lever arrays of a batch: per lever, rows × entries."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.arrays: dict[str, np.ndarray] = {}
        self.kinds: dict[str, str] = {}
        self.base: dict[str, np.ndarray] = {}   # override levers: the value when no cause sets one

    def add(self, name: str, size: int, *, kind: str = FACTOR, base: np.ndarray | None = None) -> None:
        """Create lever ``name`` of ``kind`` with ``size`` entries in every row: neutral (1 for a
        factor, 0 when additive), or for an override its ``base`` values."""
        self.kinds[name] = kind
        if kind == OVERRIDE:
            self.base[name] = np.array(base, float)
            self.arrays[name] = np.tile(self.base[name], (self.rows, 1))
        else:
            self.arrays[name] = np.full((self.rows, size), _NEUTRAL[kind])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def grow(self, name: str, size: int, base: np.ndarray | None = None) -> None:
        """Extend lever ``name`` up to ``size`` entries in every row: neutral ones, or an
        override's ``base``."""
        array = self.arrays[name]
        if self.kinds[name] == OVERRIDE:
            extra = np.asarray(base, float)
            self.base[name] = np.concatenate([self.base[name], extra])
        else:
            extra = np.full(size - array.shape[1], _NEUTRAL[self.kinds[name]])
        self.arrays[name] = np.concatenate([array, np.tile(extra, (self.rows, 1))], axis=1)


class Levers:
    """One replication's levers: its row of the combined arrays, each entry remembering which
    cause set what."""

    def __init__(self, arrays: LeverArrays, row: int = 0) -> None:
        self._store = arrays
        self._row = row
        self._values: dict[str, dict[int, dict[str, float]]] = defaultdict(dict)   # per entry, cause -> value, oldest first
        self._touched: dict[str, set[tuple[str, int]]] = defaultdict(set)

    def kind(self, name: str) -> str:
        """The kind of lever ``name``: factor, additive or override."""
        return self._store.kinds[name]

    def __getitem__(self, name: str) -> np.ndarray:
        return self._store.arrays[name][self._row]

    def set(self, name: str, indices: Iterable[int], value: float, cause: str) -> None:
        """Set ``cause``'s value on entries ``indices`` of lever ``name`` (for a factor or an
        additive lever, the neutral value removes it)."""
        kind = self.kind(name)
        neutral = _NEUTRAL.get(kind)
        values = self._values[name]
        for index in map(int, indices):
            entry = values.setdefault(index, {})
            if kind == OVERRIDE:
                entry.pop(cause, None)  # set again, it becomes the most recent (the dict's last)
            if value == neutral:
                entry.pop(cause, None)
                self._touched[cause].discard((name, index))
            else:
                entry[cause] = float(value)
                self._touched[cause].add((name, index))
            self._combine(name, index)

    def without(self, name: str, index: int, cause: str) -> float:
        """Entry ``index`` of factor lever ``name`` as every cause but ``cause`` sets it."""
        return math.prod(v for c, v in self._values[name].get(index, {}).items() if c != cause)

    def clear(self, cause: str) -> None:
        """Remove every value ``cause`` set."""
        for name, index in self._touched.pop(cause, set()):
            self._values[name][index].pop(cause, None)
            self._combine(name, index)

    def _combine(self, name: str, index: int) -> None:
        parts = self._values[name][index]
        kind = self.kind(name)
        if kind == OVERRIDE:
            combined = next(reversed(parts.values())) if parts else self._store.base[name][index]
        elif kind == ADDITIVE:
            combined = sum(parts.values())
        else:
            combined = math.prod(parts.values())  # left to right, as NumPy's product (no pairwise order)
        self._store.arrays[name][self._row, index] = combined
