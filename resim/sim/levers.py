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
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import numpy as np

__all__ = ["Levers", "FACTOR", "ADDITIVE", "OVERRIDE"]

FACTOR, ADDITIVE, OVERRIDE = "factor", "additive", "override"
_NEUTRAL = {FACTOR: 1.0, ADDITIVE: 0.0}  # the value that removes a cause's change (none for overrides)


class Levers:
    """Named arrays of combined adjustments, each entry remembering which cause set what."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}
        self._kind: dict[str, str] = {}
        self._base: dict[str, np.ndarray] = {}   # override levers: the value when no cause sets one
        self._values: dict[str, dict[int, dict[str, float]]] = {}   # per entry, cause -> value, oldest first
        self._touched: dict[str, set[tuple[str, int]]] = defaultdict(set)

    def add(self, name: str, size: int, *, kind: str = FACTOR, base: np.ndarray | None = None) -> None:
        """Create lever ``name`` of ``kind`` with ``size`` entries: neutral (1 for a factor, 0
        when additive), or for an override its ``base`` values."""
        self._kind[name] = kind
        self._values[name] = {}
        if kind == OVERRIDE:
            self._base[name] = np.array(base, float)
            self._arrays[name] = self._base[name].copy()
        else:
            self._arrays[name] = np.full(size, _NEUTRAL[kind])

    def kind(self, name: str) -> str:
        """The kind of lever ``name``: factor, additive or override."""
        return self._kind[name]

    def grow(self, name: str, size: int, base: np.ndarray | None = None) -> None:
        """Extend lever ``name`` up to ``size`` entries: neutral ones, or an override's ``base``."""
        array = self._arrays[name]
        if self._kind[name] == OVERRIDE:
            extra = np.asarray(base, float)
            self._base[name] = np.concatenate([self._base[name], extra])
        else:
            extra = np.full(size - len(array), _NEUTRAL[self._kind[name]])
        self._arrays[name] = np.concatenate([array, extra])

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def set(self, name: str, indices: Iterable[int], value: float, cause: str) -> None:
        """Set ``cause``'s value on entries ``indices`` of lever ``name`` (for a factor or an
        additive lever, the neutral value removes it)."""
        kind = self._kind[name]
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

    def clear(self, cause: str) -> None:
        """Remove every value ``cause`` set."""
        for name, index in self._touched.pop(cause, set()):
            self._values[name][index].pop(cause, None)
            self._combine(name, index)

    def _combine(self, name: str, index: int) -> None:
        parts = self._values[name][index]
        kind = self._kind[name]
        if kind == OVERRIDE:
            combined = next(reversed(parts.values())) if parts else self._base[name][index]
        elif kind == ADDITIVE:
            combined = sum(parts.values())
        else:
            combined = float(np.prod(list(parts.values())))
        self._arrays[name][index] = combined
