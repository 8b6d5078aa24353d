"""Results of an experiment: tidy tables, and the results folder they are saved to.

| file | one row per |
| --- | --- |
| run.json | run (version, scenario path and sha256, seed, replications, strategies, executor, time) |
| summary.csv | strategy × metric, with a 95 % t-interval |
| replications.csv | strategy × replication, every metric and cost |
| timeseries.csv | strategy × day: mean demand, deliveries, backlog, inventory; fill rate mean, p05, p95 |
| costs.csv | strategy × cost component, with a 95 % t-interval |
| orchestrations.csv | strategy × replication × action (and each agreement's evaluation) |
| comparison.csv | strategy: mean recovery, cost, profit, regret, Pareto front, recommendation |
| differences.csv | strategy × metric: paired difference against `none`, with a 95 % t-interval |
| events.csv | replication × disruption as it happened: id, type, start, end |
| inventory.csv | strategy × day × critical part: mean units on hand across the chain |
| ripple.csv | strategy × replication × disruption path: disruption, node, part, product, market, units missed, what answered |
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from resim.files import write_atomic
from resim.ledger import COST_COMPONENTS
from resim.metrics import METRIC_NAMES
from resim.circularity import CIRCULARITY_METRICS
from resim.comparison import Comparison, compare_strategies
from resim.stats import summarise

if TYPE_CHECKING:
    from resim.runner import Outcome
    from resim.scenario import Scenario

__all__ = ["Results"]


_RIPPLE_COLUMNS = ["strategy", "replication", "disruption", "onset", "node", "part", "product", "market",
                   "missed_units", "lost_units", "answered_by"]
_ORCHESTRATION_COLUMNS = ["strategy", "replication", "kind", "trigger", "source", "part", "destination",
                          "units_per_day", "start", "end", "unit_cost", "status", "note"]


@dataclass
class Results:
    """The tables of a run (pandas DataFrames) and its provenance (``info``)."""

    summary: pd.DataFrame
    replications: pd.DataFrame
    timeseries: pd.DataFrame
    costs: pd.DataFrame
    orchestrations: pd.DataFrame
    ripple: pd.DataFrame
    events: pd.DataFrame
    inventory: pd.DataFrame
    comparison: Comparison
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_outcomes(cls, scenario: "Scenario", outcomes: list["Outcome"], info: dict) -> "Results":
        """Build the tables from replication outcomes (in any order)."""
        from resim import __version__

        outcomes = sorted(outcomes, key=lambda o: (info["strategies"].index(o.strategy), o.replication))
        replications = cls._replication_table(outcomes)
        confidence = scenario.metrics.confidence
        metric_columns = [*METRIC_NAMES, "cost_total", "cost_response", "revenue", "profit",
                          *CIRCULARITY_METRICS]
        summary = summarise(replications, metric_columns, confidence=confidence)
        cost_columns = [f"cost_{c}" for c in COST_COMPONENTS]
        costs = summarise(replications, cost_columns, confidence=confidence)
        costs = costs.rename(columns={"metric": "component"})
        costs["component"] = costs["component"].str.removeprefix("cost_")
        info = {"resim_version": __version__, "scenario": scenario.source, "scenario_name": scenario.name,
                "scenario_sha256": scenario.sha256,
                "scenario_changes": {k: str(v) for k, v in scenario.changes.items()},
                "horizon_days": scenario.horizon_days, **info}
        orchestrations = pd.DataFrame([a for o in outcomes for a in o.actions],
                                      columns=_ORCHESTRATION_COLUMNS)
        ripple = pd.DataFrame([r for o in outcomes for r in o.ripple], columns=_RIPPLE_COLUMNS)
        comparison = compare_strategies(replications, confidence)
        info["recommended"] = comparison.recommended
        info["reasons"] = comparison.reasons
        info["warnings"] = comparison.warnings
        first = outcomes[0].strategy if outcomes else None
        events = pd.DataFrame([e for o in outcomes if o.strategy == first for e in o.events],
                              columns=["replication", "id", "type", "start", "end"])
        return cls(summary, replications, cls._timeseries(outcomes), costs, orchestrations, ripple,
                   events, cls._inventory(outcomes), comparison, info)

    @staticmethod
    def _replication_table(outcomes: list["Outcome"]) -> pd.DataFrame:
        rows = []
        for o in outcomes:
            row = {"strategy": o.strategy, "replication": o.replication, **o.metrics}
            row["cost_total"] = sum(o.costs.values())
            row["profit"] = row["revenue"] - row["cost_total"]
            row.update({f"cost_{name}": value for name, value in o.costs.items()})
            rows.append(row)
        table = pd.DataFrame(rows)
        # The response cost pairs each strategy with `none` in the same replication (common random numbers).
        baseline = table[table.strategy == "none"].set_index("replication")["cost_total"]
        table.insert(table.columns.get_loc("cost_total") + 1, "cost_response",
                     table["cost_total"] - table["replication"].map(baseline))
        return table

    @staticmethod
    def _inventory(outcomes: list["Outcome"]) -> pd.DataFrame:
        frames = []
        for strategy in dict.fromkeys(o.strategy for o in outcomes):
            runs = [o for o in outcomes if o.strategy == strategy]
            mean = np.mean([o.daily["critical"] for o in runs], axis=0)   # day x critical part
            for j, part in enumerate(runs[0].critical_parts):
                frames.append(pd.DataFrame({"strategy": strategy, "day": np.arange(mean.shape[0]),
                                            "part": part, "on_hand": mean[:, j]}))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["strategy", "day", "part", "on_hand"])

    @staticmethod
    def _timeseries(outcomes: list["Outcome"]) -> pd.DataFrame:
        frames = []
        for strategy in dict.fromkeys(o.strategy for o in outcomes):
            daily = {name: np.vstack([o.daily[name] for o in outcomes if o.strategy == strategy])
                     for name in outcomes[0].daily if name != "critical"}
            fill = daily["fill_rate"]
            frames.append(pd.DataFrame({
                "strategy": strategy,
                "day": np.arange(fill.shape[1]),
                "demand": daily["demand"].mean(axis=0),
                "delivered": daily["delivered"].mean(axis=0),
                "on_time": daily["on_time"].mean(axis=0),
                "fill_rate": fill.mean(axis=0),
                "fill_rate_p05": np.quantile(fill, 0.05, axis=0),
                "fill_rate_p95": np.quantile(fill, 0.95, axis=0),
                "backlog": daily["backlog"].mean(axis=0),
                "inventory": daily["on_hand"].mean(axis=0),
            }))
        return pd.concat(frames, ignore_index=True)

    def save(self, folder: str | os.PathLike) -> Path:
        """Write the results folder (each file atomically; run.json last); return its path."""
        folder = Path(folder)
        tables = {"summary.csv": self.summary, "replications.csv": self.replications,
                  "timeseries.csv": self.timeseries, "costs.csv": self.costs,
                  "orchestrations.csv": self.orchestrations, "ripple.csv": self.ripple,
                  "events.csv": self.events, "inventory.csv": self.inventory,
                  "comparison.csv": self.comparison.table,
                  "differences.csv": self.comparison.differences}
        for name, table in tables.items():
            write_atomic(folder / name, table.to_csv(index=False, float_format="%.6g"))
        write_atomic(folder / "run.json", json.dumps(self.info, indent=2) + "\n")
        return folder

    def __repr__(self) -> str:
        strategies = ", ".join(self.info.get("strategies", []))
        return (f"Results({self.info.get('scenario_name')!r}: {self.info.get('replications')} "
                f"replications of {strategies})")
