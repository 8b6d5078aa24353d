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

from resim.circularity import CIRCULARITY_METRICS
from resim.comparison import Comparison, compare_strategies
from resim.files import write_atomic
from resim.ledger import COST_COMPONENTS
from resim.metrics import METRIC_NAMES
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
    scenario: "Scenario | None" = field(default=None, repr=False)

    @property
    def plot(self) -> "Plots":
        """The figures of this run: ``res.plot.recovery()``, ``.pareto()``, ``.costs()``,
        ``.network()``, ``.gantt()``, ``.inventory()`` (matplotlib Figures)."""
        return Plots(self)

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
                   events, cls._inventory(outcomes), comparison, info, scenario)

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

    def save(self, folder: str | os.PathLike, *, figures: bool = True) -> Path:
        """Write the results folder (each file atomically; figures/ and report.html unless
        ``figures=False``; run.json last); return its path."""
        folder = Path(folder)
        tables = {"summary.csv": self.summary, "replications.csv": self.replications,
                  "timeseries.csv": self.timeseries, "costs.csv": self.costs,
                  "orchestrations.csv": self.orchestrations, "ripple.csv": self.ripple,
                  "events.csv": self.events, "inventory.csv": self.inventory,
                  "comparison.csv": self.comparison.table,
                  "differences.csv": self.comparison.differences}
        for name, table in tables.items():
            write_atomic(folder / name, table.to_csv(index=False, float_format="%.6g"))
        if figures and self.scenario is not None:
            self._save_figures(folder)
        write_atomic(folder / "run.json", json.dumps(self.info, indent=2) + "\n")
        return folder

    def _save_figures(self, folder: Path) -> None:
        from resim.report import render_report

        shown = self.plot.all()
        (folder / "figures").mkdir(parents=True, exist_ok=True)
        for name, (_, figure) in shown.items():
            temporary = folder / "figures" / f".{name}.tmp.png"
            figure.savefig(temporary, dpi=150)
            os.replace(temporary, folder / "figures" / f"{name}.png")
        write_atomic(folder / "report.html", render_report(self, self.scenario, shown))

    def __repr__(self) -> str:
        strategies = ", ".join(self.info.get("strategies", []))
        return (f"Results({self.info.get('scenario_name')!r}: {self.info.get('replications')} "
                f"replications of {strategies})")


class Plots:
    """Figures of a run, each a matplotlib Figure (see :mod:`resim.result_figures`)."""

    def __init__(self, results: Results):
        self.results = results

    def recovery(self):
        """Rolling fill rate per strategy with 5-95 % bands, disruptions and recovery points."""
        from resim.result_figures import recovery_timeline

        r, metrics = self.results, self._metrics()
        return recovery_timeline(r.timeseries, r.replications, r.events, metrics.failure_level,
                                 metrics.recovery_level)

    def pareto(self):
        """Recovery time against cost per strategy, the Pareto front and the recommendation."""
        from resim.result_figures import pareto

        return pareto(self.results.comparison.table, self.results.summary, currency=self._currency())

    def costs(self):
        """Cost per strategy by component."""
        from resim.result_figures import cost_breakdown

        return cost_breakdown(self.results.costs, summary=self.results.summary, currency=self._currency())

    def gantt(self, replication: int = 0):
        """Agreements, onboarding, provider output and reman streams over time."""
        from resim.result_figures import orchestration_gantt

        r = self.results
        return orchestration_gantt(r.orchestrations, replication, events=r.events, horizon=r.info.get("horizon_days"))

    def inventory(self):
        """Units of each critical component on hand over time, per strategy."""
        from resim.result_figures import critical_inventory

        return critical_inventory(self.results.inventory, events=self.results.events)

    def network(self, strategy: str | None = None, replication: int = 0):
        """The value chain, disrupted nodes marked, a strategy's providers and reman flows overlaid
        (default: the recommended strategy)."""
        from resim.result_figures import value_chain_map
        from resim.strategies import _hit_nodes

        r = self.results
        scenario = r.scenario
        strategy = strategy or r.info.get("recommended")
        started = set(r.events[r.events.replication == replication].id)
        disrupted = sorted({n for d in scenario.disruptions if d.id in started for n in _hit_nodes(scenario, d)})
        return value_chain_map(scenario, r.orchestrations, strategy, replication, disrupted)

    def all(self) -> dict:
        """Every figure with its caption, by file name."""
        return {
            "recovery": ("Service over time: 7-day fill rate per strategy, 5-95 % band across replications",
                         self.recovery()),
            "pareto": ("Recovery time against cost: the Pareto front and the recommended strategy", self.pareto()),
            "costs": ("What each strategy costs, by component", self.costs()),
            "network": ("The value chain as the recommended strategy re-orchestrated it", self.network()),
            "gantt": ("Orchestration timeline: agreements, onboarding, provider output, reman streams", self.gantt()),
            "inventory": ("Critical components on hand across the chain", self.inventory()),
        }

    def _currency(self) -> str:
        scenario = self.results.scenario
        return scenario.currency if scenario is not None else "currency"

    def _metrics(self):
        from resim.format.strategies import Metrics

        scenario = self.results.scenario
        return scenario.metrics if scenario is not None else Metrics()
