"""``StrEnum`` on every supported Python: enums whose members are strings, so tables hold and
write their values and compare equal to the strings read back from disk."""

from __future__ import annotations

try:
    from enum import StrEnum
except ImportError:  # Python 3.10: a str mixin that prints and formats as its value, as StrEnum does
    from enum import Enum

    class StrEnum(str, Enum):  # type: ignore[no-redef]
        __str__ = str.__str__
        __format__ = str.__format__

__all__ = ["StrEnum"]
