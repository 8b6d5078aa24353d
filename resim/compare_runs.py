"""Lining up finished runs (scenario variants) side by side: ``resim compare DIR...``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pandas as pd

__all__ = ["compare_runs"]


def compare_runs(folders: Sequence[Path]) -> pd.DataFrame:
    """One row per strategy × metric, one column per run (its folder name): the mean, with the
    95 % interval in ``<run> low`` and ``<run> high`` columns. Raises ValueError for a folder that
    is not a results folder."""
    merged: pd.DataFrame | None = None
    for folder in folders:
        summary, info = folder / "summary.csv", folder / "run.json"
        if not summary.is_file() or not info.is_file():
            raise ValueError(f"{folder} is not a results folder (no summary.csv and run.json)")
        name = folder.name
        json.loads(info.read_text(encoding="utf-8"))  # a half-written run has no run.json
        table = pd.read_csv(summary)[["strategy", "metric", "mean", "ci_low", "ci_high"]]
        table = table.rename(columns={"mean": name, "ci_low": f"{name} low", "ci_high": f"{name} high"})
        merged = table if merged is None else merged.merge(table, on=["strategy", "metric"], how="outer", sort=False)
    return merged if merged is not None else pd.DataFrame()
