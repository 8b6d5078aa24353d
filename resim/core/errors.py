"""Problems found in user input, collected and reported together.

A :class:`Problem` names the file, the line, the dotted field path and what is wrong, so that
``str(problem)`` is the one-line message the command line prints:
``FILE:LINE: dotted.path: what is wrong (what is expected)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

__all__ = ["Problem", "ScenarioError", "WorkersLost", "format_path"]


def format_path(path: Iterable[str | int]) -> str:
    """Render a field path: ``("nodes", 3, "capacity")`` -> ``nodes[3].capacity``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file.

    ``line`` is 1-based; 0 when the problem has no single line (the file as a whole).
    """

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}"


class ScenarioError(ValueError):
    """A scenario (or a file it refers to) is invalid; ``problems`` lists every finding."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class WorkersLost(RuntimeError):
    """An executor could not finish: a worker process died (killed, out of memory) or the Dask
    scheduler cannot be reached. Replications already recorded in a checkpoint are kept."""
