"""Views that belong to the report layer, for objects of the stages below it.

A Results draws its figures and renders its HTML, a RiskReport its matrix, a Scenario its
summary, through functions the report layer provides here; ``resim/__init__.py`` loads
``resim.report``, which provides them. So every stage imports only the stages below it, and the
one place that wires the views in is the package's root.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["provide", "view"]

_PROVIDED: dict[str, Callable[..., Any]] = {}


def provide(name: str, function: Callable[..., Any]) -> None:
    """Make ``function`` the view called ``name`` (e.g. ``"results.html"``)."""
    _PROVIDED[name] = function


def view(name: str) -> Callable[..., Any]:
    """The function provided as ``name``; LookupError when the report layer has not provided it."""
    try:
        return _PROVIDED[name]
    except KeyError:
        raise LookupError(f"no view {name!r}: it is provided by resim.report, which `import resim` loads") from None
