"""Results of an experiment: tidy tables, and the results folder they are saved to.

| file | one row per |
| --- | --- |
| run.json | run (version, scenario path and sha256, seed, replications, strategies, executor, time; written last, with every file's bytes and sha256 under `files`) |
| summary.csv | strategy × metric: estimate (mean, share, Kaplan–Meier quantile or restricted mean), interval, method |
| replications.csv | strategy × replication, every metric and cost |
| timeseries.csv | strategy × day: mean demand, deliveries, backlog, inventory; fill rate mean, p05, p95 |
| costs.csv | strategy × cost component: mean, bootstrap interval |
| orchestrations.csv | strategy × replication × action (and each agreement's evaluation) |
| comparison.csv | strategy: share recovered, median and restricted mean recovery, cost, revenue, profit, regret, status, Pareto front, recommendation |
| differences.csv | strategy × metric: mean paired difference against `none`, with its interval |
| events.csv | replication × disruption as it happened: id, type, start, end, severity |
| annual.csv | strategy × year and the mean year: units short, cost, the cost's value at risk |
| event_impact.csv | strategy × disruption: events a year, units short an event and a year, days an event disrupts, with intervals |
| inventory.csv | strategy × day × critical part: mean units on hand across the chain |
| ripple.csv | strategy × replication × disruption path: disruption, node, part, product, market, units missed, what answered, day service was back, the disruption's share of the units missed |
| levers.csv | strategy × replication × disruption × lever: units missed under the baseline and the strategy, units closed, the lever's units available and credited |
| network.graphml | chains too large to draw node by node: every node and lane of the value chain as the recommended strategy re-orchestrated it |
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np
import pandas as pd

from resim.experiment.annual import YEARLY, annual_table
from resim.experiment.event_impact import event_impact_table
from resim.experiment.circularity import CIRCULARITY_METRICS
from resim.experiment.comparison import CRITERION, Comparison, compare_strategies
from resim.experiment.daily_quantiles import DailyQuantiles
from resim.core.version import __version__
from resim.core.files import save_folder, write_csv
from resim.core.views import view
from resim.sim.ledger import COST_COMPONENTS
from resim.experiment.metrics import METRIC_NAMES
from resim.experiment.levers import lever_frame
from resim.experiment.records import EventRow, OrchestrationRow, frame
from resim.experiment.ripple import ripple_frame
from resim.core.stats import recovery_summary, summarise

if TYPE_CHECKING:
    from resim.experiment.outcome import Outcome
    from resim.scenario import Scenario

__all__ = ["Results"]


_SURVIVAL_COLUMNS = ("recovery_time_days", "recovered", "follow_up_days", "dip_days")


RUN_TABLES = ("summary.csv", "replications.csv", "timeseries.csv", "costs.csv", "orchestrations.csv",
              "ripple.csv", "levers.csv", "events.csv", "inventory.csv", "comparison.csv", "differences.csv",
              "annual.csv", "event_impact.csv")
RUN_FIGURES = ("recovery", "recovered", "pareto", "costs", "network", "gantt", "inventory")  # Plots.figures()
RUN_FILES = ("run.json", *RUN_TABLES, "report.html", *(f"figures/{name}.png" for name in RUN_FIGURES))
"""Every file :meth:`Results.save` writes by default, relative to the results folder."""
LARGE_CHAIN_FILES = ("network.graphml", "figures/network_all.png", "figures/inventory_all.png")
"""What :meth:`Results.save` adds for a chain too large to draw node by node (network.graphml)
and, with ``figures="all"``, the figures of every node and every critical part."""


def _summary(replications: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """summary.csv: every metric per strategy, the censored recovery times as survival statistics
    (in the place of ``recovery_time_days``), the others as means; rows by strategy."""
    before = [m for m in METRIC_NAMES[:METRIC_NAMES.index("recovery_time_days")] if m not in _SURVIVAL_COLUMNS]
    after = [m for m in (*METRIC_NAMES[METRIC_NAMES.index("recovery_time_days"):], "cost_total", "cost_response",
                         "revenue", "stock_change", "profit", "co2e_kg", *CIRCULARITY_METRICS) if m not in _SURVIVAL_COLUMNS]
    parts = [summarise(replications, before, confidence=confidence),
             recovery_summary(replications, confidence=confidence),
             summarise(replications, after, confidence=confidence)]
    order = {s: i for i, s in enumerate(dict.fromkeys(replications.strategy))}
    table = pd.concat(parts, ignore_index=True)
    rank = table.strategy.map(order) * 3 + np.repeat([0, 1, 2], [len(p) for p in parts])
    return table.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)


class Collector:
    """Folds replications into the run's tables as they finish, so memory barely grows with
    the number of replications: each replication keeps one row of floats (its line of the
    replications table) and its few action, ripple and event records; daily series are summed,
    and the daily fill-rate quantiles come from :class:`resim.experiment.daily_quantiles.DailyQuantiles`.

    Sums are folded in replication order (a replication that finishes early waits for the ones
    before it), so the numbers do not depend on the executor or the order of completion.
    Quantiles (p05, p95 of the rolling fill rate) are the lower empirical quantiles, exact while
    the values fit in their budget and within 0.0005 beyond it.
    """

    SERIES = ("demand", "delivered", "on_time", "backlog", "on_hand", "fill_rate")

    def __init__(self, replications: int = 64) -> None:
        """``replications`` per strategy, when known, sizes the table's storage once."""
        self._expected = max(int(replications), 1)
        self._metric_names: list[str] = []
        self._cost_names: list[str] = []
        self._rows: dict[str, np.ndarray] = {}  # per strategy: replication, metrics, costs
        self._records: dict[str, dict[str, list]] = {}  # per strategy: actions, ripple, events (records)
        self._pending: dict[str, dict[int, "Outcome"]] = {}
        self._next: dict[str, int] = {}
        self._sums: dict[str, dict[str, np.ndarray]] = {}
        self._fill: dict[str, DailyQuantiles] = {}
        self._count: dict[str, int] = {}
        self._parts: dict[str, list[str]] = {}
        self._yearly: dict[str, list[np.ndarray]] = {}  # per strategy: replications × years × YEARLY

    def add(self, outcome: "Outcome") -> None:
        """Take one finished replication (in any order)."""
        strategy = outcome.strategy
        self._pending.setdefault(strategy, {})[outcome.replication] = outcome
        self._next.setdefault(strategy, 0)
        while self._next[strategy] in self._pending[strategy]:
            self._fold(self._pending[strategy].pop(self._next[strategy]))
            self._next[strategy] += 1

    def _fold(self, o: "Outcome") -> None:
        s = o.strategy
        if s not in self._sums:
            self._sums[s] = {name: np.zeros_like(o.daily[name], dtype=float) for name in (*self.SERIES, "critical")}
            self._fill[s] = DailyQuantiles(len(o.daily["fill_rate"]), self._expected)
            self._count[s] = 0
            self._parts[s] = list(o.critical_parts)
        for name in (*self.SERIES, "critical"):
            self._sums[s][name] += o.daily[name]
        self._fill[s].add(o.daily["fill_rate"])
        if not self._metric_names:
            self._metric_names, self._cost_names = list(o.metrics), list(o.costs)
        # One row of floats per replication, in a block that doubles as it fills: this is all
        # that grows with the run, and few long-lived objects keep the heap from fragmenting.
        row = [o.replication, *(o.metrics[k] for k in self._metric_names), *(o.costs[k] for k in self._cost_names)]
        block = self._rows.get(s)
        if block is None:
            block = np.empty((self._expected, len(row)))
        elif self._count[s] == len(block):
            block = np.concatenate([block, np.empty_like(block)])
        block[self._count[s]] = row
        self._rows[s] = block
        self._count[s] += 1
        if o.yearly:
            self._yearly.setdefault(s, []).append(np.column_stack([o.yearly[name] for name in YEARLY]))
        records = self._records.setdefault(s, {"actions": [], "ripple": [], "events": []})
        records["actions"] += o.actions
        records["ripple"] += o.ripple
        records["events"] += o.events

    def strategies(self, order: list[str]) -> list[str]:
        """The strategies folded in so far, in ``order``."""
        return [s for s in order if s in self._rows]

    def replications(self, order: list[str]) -> pd.DataFrame:
        """strategy × replication: every metric, the costs, their total, the response cost
        (paired with ``none`` in the same replication) and the profit."""
        frames = []
        for strategy in self.strategies(order):
            rows = self._rows[strategy][:self._count[strategy]]
            frame = pd.DataFrame(rows[:, 1:], columns=[*self._metric_names, *self._cost_names])
            frame.insert(0, "replication", rows[:, 0].astype(int))
            frame.insert(0, "strategy", strategy)
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
        costs = table[self._cost_names]
        total = np.zeros(len(table))
        for name in self._cost_names:  # in the components' order, as a plain sum would add them
            total = total + costs[name].to_numpy()
        table = table.drop(columns=self._cost_names)
        table["cost_total"] = total
        # The response cost pairs each strategy with `none` in the same replication (common random numbers).
        baseline = table[table.strategy == "none"].set_index("replication")["cost_total"]
        table["cost_response"] = table["cost_total"] - table["replication"].map(baseline)
        table["profit"] = table["revenue"] - table["cost_total"] + table["stock_change"]
        for name in self._cost_names:
            table[f"cost_{name}"] = costs[name].to_numpy()
        return table

    def yearly(self, order: list[str]) -> pd.DataFrame:
        """strategy × replication × year (1, 2, ...): the replications' sums per year
        (:data:`resim.experiment.annual.YEARLY`)."""
        frames = []
        for strategy in self.strategies(order):
            blocks = self._yearly.get(strategy, [])
            if not blocks:
                continue
            replications = self._rows[strategy][:self._count[strategy], 0].astype(int)
            years = len(blocks[0])
            frame = pd.DataFrame(np.concatenate(blocks), columns=list(YEARLY))
            frame.insert(0, "year", np.tile(np.arange(1, years + 1), len(blocks)))
            frame.insert(0, "replication", np.repeat(replications, years))
            frame.insert(0, "strategy", strategy)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["strategy", "replication", "year", *YEARLY])

    def records(self, kind: str, order: list[str]) -> list:
        """Records of ``kind`` (actions, ripple or events) of every replication, in ``order``."""
        return [row for s in self.strategies(order) for row in self._records[s][kind]]

    def timeseries(self, order: list[str]) -> pd.DataFrame:
        """strategy × day: means of the daily series, and p05/p95 of the rolling fill rate;
        ``strategy`` is categorical (see :func:`_labels`)."""
        strategies = self.strategies(order)
        if not strategies:
            return pd.DataFrame()
        days = len(self._sums[strategies[0]]["fill_rate"])

        def column(values: Callable[[str], np.ndarray]) -> np.ndarray:
            return np.concatenate([values(s) for s in strategies])

        def mean(name: str) -> np.ndarray:
            return column(lambda s: self._sums[s][name] / self._count[s])

        return pd.DataFrame({
            "strategy": _labels(range(len(strategies)), strategies, days),
            "day": np.tile(np.arange(days), len(strategies)),
            "demand": mean("demand"), "delivered": mean("delivered"), "on_time": mean("on_time"),
            "fill_rate": mean("fill_rate"),
            "fill_rate_p05": column(lambda s: self._fill[s].quantile(0.05)),
            "fill_rate_p95": column(lambda s: self._fill[s].quantile(0.95)),
            "backlog": mean("backlog"), "inventory": mean("on_hand")}, copy=False)

    def inventory(self, order: list[str]) -> pd.DataFrame:
        """strategy × day × critical part: mean units on hand across the chain; ``strategy``
        and ``part`` are categorical (see :func:`_labels`)."""
        strategies = self.strategies(order)
        if not strategies:
            return pd.DataFrame()
        days = len(self._sums[strategies[0]]["critical"])
        parts = list(dict.fromkeys(p for s in strategies for p in self._parts[s]))
        # A block of rows per strategy and critical part, every day of each: without critical
        # parts, the columns and no row.
        blocks = [(i, parts.index(p)) for i, s in enumerate(strategies) for p in self._parts[s]]
        # The means of a block are a row of the stacked sums: one table-long array, divided in place.
        on_hand = np.concatenate([self._sums[s]["critical"].T for s in strategies])
        on_hand /= np.array([self._count[strategies[i]] for i, _ in blocks], dtype=float)[:, None]
        return pd.DataFrame({
            "strategy": _labels([i for i, _ in blocks], strategies, days),
            "day": np.tile(np.arange(days), len(blocks)),
            "part": _labels([j for _, j in blocks], parts, days),
            "on_hand": on_hand.ravel()}, copy=False)


def _labels(codes: Iterable[int], names: list[str], repeat: int) -> pd.Categorical:
    """``names[code]`` for each of ``codes``, each ``repeat`` times, as a categorical column: a
    byte per row and one string per name, where a text column of a long table (a row per day)
    holds a string per row."""
    return pd.Categorical.from_codes(list(codes), categories=pd.Index(names, dtype=str)).repeat(repeat)


@dataclass
class Results:
    """The tables of a run (pandas DataFrames) and its provenance (``info``). The long tables,
    ``timeseries`` and ``inventory`` (a row per day), hold ``strategy`` and ``part`` as
    categoricals, in the run's order of strategies and parts."""

    summary: pd.DataFrame
    replications: pd.DataFrame
    timeseries: pd.DataFrame
    costs: pd.DataFrame
    orchestrations: pd.DataFrame
    ripple: pd.DataFrame
    levers: pd.DataFrame
    events: pd.DataFrame
    inventory: pd.DataFrame
    comparison: Comparison
    info: dict[str, Any] = field(default_factory=dict)
    scenario: "Scenario | None" = field(default=None, repr=False)
    annual: pd.DataFrame = field(default_factory=pd.DataFrame)
    event_impact: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def plot(self):
        """The figures of this run: ``res.plot.recovery()``, ``.recovery_share()``, ``.pareto()``, ``.costs()``,
        ``.network()``, ``.gantt()``, ``.inventory()`` (matplotlib Figures; :class:`resim.report.plots.Plots`)."""
        return view("results.plot")(self)

    @classmethod
    def from_collector(cls, scenario: "Scenario", collector: "Collector", info: dict) -> "Results":
        """Build the tables from the replications a Collector folded in."""

        order = list(info["strategies"])
        replications = collector.replications(order)
        confidence = scenario.metrics.confidence
        summary = _summary(replications, confidence)
        cost_columns = [f"cost_{c}" for c in COST_COMPONENTS]
        costs = summarise(replications, cost_columns, confidence=confidence)
        costs = costs.rename(columns={"metric": "component"})
        costs["component"] = costs["component"].str.removeprefix("cost_")
        info = {"resim_version": __version__, "scenario": scenario.source, "scenario_name": scenario.name,
                "scenario_sha256": scenario.sha256,
                "scenario_changes": {k: str(v) for k, v in scenario.changes.items()},
                "horizon_days": scenario.horizon_days, "currency": scenario.currency, "confidence": confidence,
                **info}
        orchestrations = frame(OrchestrationRow, collector.records("actions", order))
        ripple_events = collector.records("ripple", order)
        ripple = ripple_frame(scenario, ripple_events)
        levers = lever_frame(scenario, ripple_events, collector.records("actions", order))
        comparison = compare_strategies(replications, confidence, orchestrations=orchestrations,
                                        currency=scenario.currency)
        info["recommended"] = comparison.recommended
        info["criterion"] = CRITERION
        info["runner_up"] = comparison.runner_up
        info["replications_to_separate"] = comparison.replications_to_separate
        # Disruptions draw from their own streams, so every strategy saw the same ones: show the first's.
        events = frame(EventRow, collector.records("events", collector.strategies(order)[:1]))
        recurring = None if scenario.metrics.reference else _recurring_note(events, replications.replication.nunique())
        if recurring:
            comparison.notes.append(recurring)
        info["reasons"] = comparison.reasons
        info["warnings"] = comparison.warnings
        info["notes"] = comparison.notes
        annual = annual_table(collector.yearly(order), scenario.horizon_days, confidence=confidence)
        impact = event_impact_table({d.id: d.type for d in scenario.disruptions}, events, ripple, replications,
                                    scenario.horizon_days, confidence=confidence)
        return cls(summary, replications, collector.timeseries(order), costs, orchestrations, ripple, levers,
                   events, collector.inventory(order), comparison, info, scenario, annual, impact)

    def save(self, folder: str | os.PathLike, *, figures: str = "summary", report: bool = True,
             progress: Callable[[str, int, int], None] | None = None, started: float | None = None) -> Path:
        """Write the results folder; return its path. ``figures``: ``summary`` (the seven figures,
        summarised on large chains), ``all`` (also the full versions the summaries leave out) or
        ``none`` (no PNG; :mod:`resim.report.outputs`); ``report=False`` leaves out report.html
        (and, with ``none``, figures/). ``progress(phase, done, total)`` is called as the tables,
        figures and report are written; run.json records each phase's seconds (``phase_seconds``)
        and, given ``started`` (a ``time.perf_counter()`` reading from when the run's work began),
        ``wall_seconds`` from then to the last file written.

        The whole run is written aside and moved into place in one step, run.json last
        with every file's size and SHA-256 (:func:`resim.core.files.save_folder`), so ``folder`` holds
        the earlier run or this one, never a mix. Files of an earlier run are replaced: ``resim
        run`` refuses such a folder unless ``--overwrite`` (:func:`resim.core.files.claim_folder`)."""
        tables = {"summary.csv": self.summary, "replications.csv": self.replications,
                  "timeseries.csv": self.timeseries, "costs.csv": self.costs,
                  "orchestrations.csv": self.orchestrations, "ripple.csv": self.ripple,
                  "levers.csv": self.levers,
                  "events.csv": self.events, "inventory.csv": self.inventory,
                  "comparison.csv": self.comparison.table,
                  "differences.csv": self.comparison.differences, "annual.csv": self.annual,
                  "event_impact.csv": self.event_impact}

        def write(stage: Path) -> None:
            began = time.perf_counter()
            for done, (name, table) in enumerate(tables.items()):
                if progress:
                    progress("tables", done, len(tables))
                write_csv(stage / name, table)
            if progress:
                progress("tables", len(tables), len(tables))
            seconds = {"tables": time.perf_counter() - began}
            if self.scenario is not None and (report or figures != "none"):
                seconds.update(view("results.outputs")(self, stage, figures, report, progress))
            # Recorded as the files are finished, so run.json (written next) holds them.
            self.info.setdefault("phase_seconds", {}).update({k: round(v, 3) for k, v in seconds.items()})
            if started is not None:
                self.info["wall_seconds"] = round(time.perf_counter() - started, 3)

        return save_folder(folder, write, names=(*RUN_FILES, *LARGE_CHAIN_FILES), manifest="run.json",
                           info=self.info)

    def _repr_html_(self) -> str:
        return view("results.html")(self)

    def __repr__(self) -> str:
        strategies = ", ".join(self.info.get("strategies", []))
        return (f"Results({self.info.get('scenario_name')!r}: {self.info.get('replications')} "
                f"replications of {strategies})")


def _recurring_note(events: pd.DataFrame, replications: int) -> str | None:
    """A note for runs where a disruption recurs within a replication: without
    ``metrics.reference``, the recovery time counts from the horizon's first onset, so it says
    little of any one event."""
    if not len(events) or not replications:
        return None
    counts = events.groupby(["replication", "id"]).size()
    recurring = sorted(set(counts[counts > 1].index.get_level_values("id")))
    if not recurring:
        return None
    named = ", ".join(recurring[:3]) + (f" and {len(recurring) - 3} more" if len(recurring) > 3 else "")
    return (f"{named} recur{'s' if len(recurring) == 1 else ''} within a replication "
            f"({len(events) / replications:.1f} events a replication on average): recovery times count from the "
            f"horizon's first onset (metrics.reference times them from one disruption); event_impact.csv gives "
            f"each disruption's units short and days disrupted per event")
