"""Risk assessment (resilience process R1): which nodes and which disruptions threaten the chain.

Two views, each checked by the other:

* **Nodes** — the time-to-survive / time-to-recover stress test (:mod:`resim.risk_lp`): for each
  node, how long the rest of the network can meet demand without it (TTS, by linear programming)
  against how long it takes to recover (TTR: the mean duration of the catalogue disruptions that hit
  it, or ``default_ttr_days``). The same outages are then simulated, paired with an undisrupted run
  (common random numbers), and nodes where the LP and the simulation disagree are flagged: the LP
  sees capacity and stock but not lead times, policies or allocation.
* **Catalogue** — each disruption of the scenario simulated on its own (a random one is made to
  happen, at its drawn or a fixed day), against the undisrupted run: its impact in units and in
  profit lost (extra cost plus revenue not earned within the horizon), times its yearly
  probability, gives the expected yearly loss; the ranked register and the
  likelihood-impact matrix show which events response strategies (R2) must answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from resim.files import save_figure, write_atomic
from resim.format.events import CapacityLoss, NaturalDisaster, SupplierFailure
from resim.risk_lp import stress_test
from resim.runner import run, shared_cluster
from resim.scenario import Scenario
from resim.stats import t_interval

__all__ = ["RiskReport", "assess_risk", "node_ttr"]

Progress = Callable[[int, int], None]


def node_ttr(scenario: Scenario, default_ttr_days: float = 30.0) -> dict[str, float]:
    """Days each node takes to recover: the longest mean duration of the catalogue disruptions
    that stop it (a permanent failure: the horizon), or ``default_ttr_days``."""
    from resim.disruptions import footprint_nodes

    ttr: dict[str, float] = {}
    for event in scenario.disruptions:
        if isinstance(event, NaturalDisaster):
            hit = list(footprint_nodes(scenario, event))
        elif isinstance(event, (CapacityLoss, SupplierFailure)):
            hit = list(event.nodes)
        else:
            continue
        if event.duration_days is None:
            days = float(scenario.horizon_days)
        elif isinstance(event, CapacityLoss) and event.mttr_days is not None:
            days = event.mttr_days.mean
        else:
            days = event.duration_days.mean
        days += event.recovery.ramp_days / 2 if event.recovery.profile == "ramp" else 0.0
        for node in hit:
            ttr[node] = max(ttr.get(node, 0.0), days)
    return {n.id: ttr.get(n.id, default_ttr_days) for n in scenario.nodes}


@dataclass
class RiskReport:
    """The node stress test and the ranked risk register, as DataFrames."""

    nodes: pd.DataFrame
    register: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        from resim.display import table_html
        return (table_html(self.nodes, "Nodes: time to survive against time to recover")
                + table_html(self.register, "Risk register"))

    def plot_matrix(self):
        """Likelihood-impact matrix of the catalogue disruptions (a matplotlib Figure)."""
        from resim.figures import risk_matrix
        return risk_matrix(self.register)

    def plot_tts_ttr(self):
        """Time-to-survive against time-to-recover per node (a matplotlib Figure)."""
        from resim.figures import tts_ttr
        return tts_ttr(self.nodes)

    def save(self, folder: str | Path) -> Path:
        """Write risk.csv, nodes.csv and figures/ (risk_matrix.png, tts_ttr.png) to ``folder``."""
        import json

        folder = Path(folder)
        write_atomic(folder / "risk.csv", self.register.to_csv(index=False, float_format="%.6g"))
        write_atomic(folder / "nodes.csv", self.nodes.to_csv(index=False, float_format="%.6g"))
        for name, figure in (("risk_matrix", self.plot_matrix()), ("tts_ttr", self.plot_tts_ttr())):
            save_figure(figure, folder / "figures" / f"{name}.png")
        write_atomic(folder / "risk.json", json.dumps(self.info, indent=2) + "\n")
        return folder


def _outage_day(scenario: Scenario) -> int:
    """A day late enough for a steady baseline and early enough to see recovery."""
    return int(min(max(scenario.metrics.baseline_days + scenario.metrics.window_days, 1),
                   scenario.horizon_days // 3))


def assess_risk(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
                executor: str = "processes", workers: int | None = None, scheduler: str | None = None,
                nodes: Sequence[str] | None = None, simulate_nodes: int = 15,
                default_ttr_days: float = 30.0, progress: Progress | None = None) -> RiskReport:
    """Stress-test nodes (LP, then the ``simulate_nodes`` most exposed also by simulation) and
    rank the catalogue disruptions by expected yearly loss."""
    replications = min(scenario.replications, 20) if replications is None else replications
    seed = scenario.seed if seed is None else seed
    ttr = node_ttr(scenario, default_ttr_days)
    table = stress_test(scenario, nodes, ttr)
    day = _outage_day(scenario)
    quiet = scenario.replace(disruptions=[], strategies=[], **{"metrics.reference": None})
    options = dict(replications=replications, seed=seed, executor=executor, workers=workers)
    chosen = list(table.node[: max(simulate_nodes, 0)])
    total = 1 + len(chosen) + len(scenario.disruptions)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    with shared_cluster(executor, workers, scheduler) as options["scheduler"]:  # one cluster for every run
        base = run(quiet, **options).replications
        tick()
        simulated = {}
        for node in chosen:
            outage = {"id": "outage", "type": "supplier_failure", "nodes": [node], "onset_day": day,
                      "duration_days": max(int(round(ttr[node])), 1)}
            simulated[node] = _impact(run(quiet.replace(disruptions=[outage]), **options).replications, base)
            tick()
        table = _with_simulation(table, simulated, scenario)
        register = []
        for event in scenario.disruptions:
            variant = quiet.replace(disruptions=_alone(scenario, event.id, day))
            impact = _impact(run(variant, **options).replications, base)
            probability = event.annual_probability if event.annual_probability is not None else 1.0
            register.append({"disruption": event.id, "type": event.type, "probability_per_year": probability,
                             **impact, "expected_loss_per_year": probability * impact["impact_loss"]})
            tick()
    register = pd.DataFrame(register, columns=_REGISTER_COLUMNS)
    if len(register):
        register = register.sort_values(["expected_loss_per_year", "disruption"],
                                        ascending=[False, True], ignore_index=True)
        top = register.expected_loss_per_year.max()
        register["high_risk"] = (register.expected_loss_per_year >= 0.5 * top) & (top > 0)
    info = {"scenario": scenario.source, "scenario_sha256": scenario.sha256, "seed": seed,
            "replications": replications, "outage_day": day, "default_ttr_days": default_ttr_days}
    return RiskReport(table, register, info)


_REGISTER_COLUMNS = ["disruption", "type", "probability_per_year", "impact_units", "impact_units_low",
                     "impact_units_high", "impact_loss", "impact_loss_low", "impact_loss_high",
                     "expected_loss_per_year", "high_risk"]


def _alone(scenario: Scenario, event_id: str, day: int) -> list[dict]:
    """The disruption ``event_id`` with its follow-ups, made to happen (at ``day`` when random)."""
    by_id = {d.id: d for d in scenario.disruptions}
    chosen, current = [], event_id
    while current is not None and current not in [c["id"] for c in chosen]:
        data = by_id[current].model_dump(by_alias=True, exclude_unset=True, mode="json")
        if current == event_id and data.pop("annual_probability", None) is not None:
            data["onset_day"] = day
        chosen.append(data)
        current = by_id[current].then
    return chosen


def _impact(replications: pd.DataFrame, base: pd.DataFrame) -> dict[str, float]:
    """Extra units not delivered on time, and profit lost (extra cost plus revenue not earned),
    paired by replication."""
    units = _unmet(replications) - _unmet(base)
    cost = base["profit"].to_numpy() - replications["profit"].to_numpy()
    u_mean, _, u_low, u_high, _ = t_interval(units)
    c_mean, _, c_low, c_high, _ = t_interval(cost)
    return {"impact_units": u_mean, "impact_units_low": u_low, "impact_units_high": u_high,
            "impact_loss": c_mean, "impact_loss_low": c_low, "impact_loss_high": c_high}


def _unmet(replications: pd.DataFrame) -> np.ndarray:
    # Without a disruption t0 is 0, so shortfall_units covers the whole horizon in both runs.
    return replications["shortfall_units"].to_numpy()


def _with_simulation(table: pd.DataFrame, simulated: dict[str, dict], scenario: Scenario) -> pd.DataFrame:
    table = table.copy()
    sim = pd.DataFrame.from_dict(simulated, orient="index")
    for column in ("impact_units", "impact_units_low", "impact_units_high"):
        table["simulated_" + column.removeprefix("impact_")] = table.node.map(
            sim[column] if column in sim else {})
    daily = sum(d.daily.mean for d in scenario.demand)
    tolerance = np.maximum(0.1 * daily * table.ttr_days, 1.0)
    low, high = table.simulated_units_low, table.simulated_units_high
    table["lp_and_simulation_disagree"] = table.simulated_units.notna() & (
        (table.lost_units < low.fillna(table.simulated_units) - tolerance)
        | (table.lost_units > high.fillna(table.simulated_units) + tolerance))
    return table
