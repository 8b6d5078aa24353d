"""Callbacks registered on a running model (day hooks, listeners, scheduled actions), each with a
handle that cancels it.

A hook's owner does not have to keep a flag to stop it: :meth:`Hook.cancel` takes it out, and it
is not called again, not even later in the pass that cancelled it.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["Hook", "Hooks"]


class Hook:
    """A registered callback; :meth:`cancel` stops it for good."""

    __slots__ = ("callback", "active", "_hooks")

    def __init__(self, callback: Callable[..., Any], hooks: "Hooks | None" = None):
        self.callback = callback
        self.active = True
        self._hooks = hooks

    def cancel(self) -> None:
        """Never call the callback again (cancelling twice is harmless)."""
        self.active = False
        if self._hooks is not None:
            self._hooks.cancelled = True


class Hooks:
    """Callbacks called in the order they were added."""

    def __init__(self) -> None:
        self._hooks: list[Hook] = []
        self.cancelled = False  # some hook was cancelled since the last pass

    def add(self, callback: Callable[..., Any]) -> Hook:
        """Call ``callback`` on every pass from now on; return its handle."""
        hook = Hook(callback, self)
        self._hooks.append(hook)
        return hook

    def __len__(self) -> int:
        return sum(hook.active for hook in self._hooks)

    def __call__(self, *args: Any) -> None:
        """Call every active callback with ``args``: one added during the pass runs in it too."""
        if self.cancelled:
            self._hooks = [hook for hook in self._hooks if hook.active]
            self.cancelled = False
        for hook in self._hooks:
            if hook.active:
                hook.callback(*args)
