"""Adjustments to a running model, kept per cause so that causes can overlap and end independently.

A lever is an array over nodes, lanes, arcs, production rows or demand entries (a capacity factor,
say). Each cause (a disruption, a strategy, the user) sets its own value on some entries; the
array holds their combination: the product of factors, or the sum of additive rates (tariffs).
Ending a cause removes its values and recomputes only the entries it touched.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import numpy as np

__all__ = ["Levers"]


class Levers:
    """Named arrays of combined adjustments, each entry remembering which cause set what."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}
        self._additive: dict[str, bool] = {}
        self._values: dict[str, dict[int, dict[str, float]]] = {}
        self._touched: dict[str, set[tuple[str, int]]] = defaultdict(set)

    def add(self, name: str, size: int, *, additive: bool = False) -> None:
        """Create lever ``name`` with ``size`` neutral entries (1, or 0 when additive)."""
        self._arrays[name] = np.full(size, 0.0 if additive else 1.0)
        self._additive[name] = additive
        self._values[name] = {}

    def grow(self, name: str, size: int) -> None:
        """Extend lever ``name`` with neutral entries up to ``size``."""
        array = self._arrays[name]
        neutral = 0.0 if self._additive[name] else 1.0
        self._arrays[name] = np.concatenate([array, np.full(size - len(array), neutral)])

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def set(self, name: str, indices: Iterable[int], value: float, cause: str) -> None:
        """Set ``cause``'s value on entries ``indices`` of lever ``name`` (neutral value removes it)."""
        neutral = 0.0 if self._additive[name] else 1.0
        values = self._values[name]
        for index in map(int, indices):
            entry = values.setdefault(index, {})
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
        parts = self._values[name][index].values()
        self._arrays[name][index] = sum(parts) if self._additive[name] else float(np.prod(list(parts)))
