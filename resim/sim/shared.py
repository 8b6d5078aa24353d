"""What the replications of a scenario share in a process: values that depend on the scenario
alone (its expected flows, a disaster's footprint), made once per scenario object.

Entries are keyed by the scenario's id and hold a weak reference to it, which drops them when
the scenario is freed and proves, while it lives, that the id is still this scenario's. Nothing
here is pickled: a worker process makes its own. Values are shared, so they must be read-only.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Callable, Hashable, TypeVar

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["shared"]

T = TypeVar("T")

_SHARED: dict[int, tuple["weakref.ref[Scenario]", dict[Hashable, Any]]] = {}


def shared(scenario: "Scenario", key: Hashable, make: Callable[[], T]) -> T:
    """The value of ``key`` for ``scenario``: ``make()`` on the first call, the same object after.
    A variant (``Scenario.replace``) is another scenario and gets its own."""
    ident = id(scenario)
    entry = _SHARED.get(ident)
    if entry is None or entry[0]() is not scenario:
        entry = (weakref.ref(scenario, lambda _: _SHARED.pop(ident, None)), {})
        _SHARED[ident] = entry
    values = entry[1]
    if key not in values:
        values[key] = make()
    return values[key]
