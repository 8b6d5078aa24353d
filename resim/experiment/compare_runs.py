"""Lining up finished runs (scenario variants) side by side: ``resim compare DIR...``."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from resim.core.files import check_manifest

__all__ = ["compare_runs"]

_NEEDED = ["strategy", "metric", "estimate", "ci_low", "ci_high"]


def _names(folders: Sequence[Path]) -> list[str]:
    """A column name per run: the folder's name, with as many parent folders as it takes to tell
    runs apart that share a name."""
    for depth in range(1, max((len(f.resolve().parts) for f in folders), default=1) + 1):
        names = ["/".join(f.resolve().parts[-depth:]) for f in folders]
        if len(set(names)) == len(names):
            return names
    raise ValueError("the same results folder is given twice")


def compare_runs(folders: Sequence[Path]) -> pd.DataFrame:
    """One row per strategy × metric, one column per run (named after its folder): the estimate,
    with its interval in ``<run> low`` and ``<run> high`` columns. Raises ValueError for a folder
    that is not a complete results folder."""
    merged: pd.DataFrame | None = None
    for folder, name in zip(folders, _names(folders)):
        summary, info = folder / "summary.csv", folder / "run.json"
        if not summary.is_file() or not info.is_file():
            raise ValueError(f"{folder} is not a results folder (no summary.csv and run.json)")
        try:
            changed = check_manifest(folder, "run.json", ["summary.csv"])  # a half-saved run has no run.json
        except (ValueError, OSError) as exc:
            raise ValueError(f"{info} cannot be read ({exc}); is {folder} a finished run?") from None
        if changed:
            raise ValueError(f"{folder} is not one whole run: {changed[0]}; run it again")
        try:
            table = pd.read_csv(summary)
        except (ValueError, OSError) as exc:  # empty, not CSV, not UTF-8, unreadable
            raise ValueError(f"{summary} cannot be read ({exc}); is {folder} a finished run?") from None
        missing = [c for c in _NEEDED if c not in table.columns]
        if missing:
            raise ValueError(f"{summary}: no column {', '.join(map(repr, missing))} (written by an older resim? "
                             f"run it again)")
        table = table[_NEEDED].rename(columns={"estimate": name, "ci_low": f"{name} low", "ci_high": f"{name} high"})
        merged = table if merged is None else merged.merge(table, on=["strategy", "metric"], how="outer", sort=False)
    return merged if merged is not None else pd.DataFrame()
