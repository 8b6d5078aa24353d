"""Risk assessment (resilience process R1): which nodes and which disruptions threaten the chain.

Two views, each checked by the other:

* **Nodes** — the time-to-survive / time-to-recover stress test (:mod:`resim.assess.risk_lp`): for each
  node, how long the rest of the network can meet demand without it (TTS, by linear programming;
  unbounded when it never runs short) against how long it takes to recover (TTR, see
  :func:`node_ttr`). The same outages are then simulated, paired with an undisrupted run (common
  random numbers), and compared with the LP on one quantity: the units short from the outage day
  to the outage day + TTR, the period the LP's loss is about. Nodes where they disagree beyond a
  tolerance are flagged: the LP sees capacity and stock but not lead times, policies or
  allocation. What the simulation still loses after that window is reported beside it.
* **Catalogue** — each disruption of the scenario simulated on its own (a random one is made to
  happen, at its drawn or a fixed day), against the undisrupted run: its impact in units and in
  profit lost (extra cost plus revenue not earned within the horizon), each with a 95 % interval;
  an interval containing 0 is no measurable impact, one wholly below 0 a gain. A measured loss
  times its yearly probability gives the expected yearly loss; the ranked register and the
  likelihood-impact matrix show which events response strategies (R2) must answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from resim.core.files import save_figure, save_folder, write_csv
from resim.core.views import view
from resim.scenario.format.events import CapacityLoss, NaturalDisaster, SupplierFailure
from resim.assess.risk_lp import OutageLP, stress_test
from resim.experiment.catalogue import (CONFIDENCE, Runs, default_replications, outage_day, quiet, simulate,
                                        register as catalogue_register)
from resim.experiment.runner import shared_cluster
from resim.scenario import Scenario
from resim.core.stats import t_interval

__all__ = ["RiskReport", "assess_risk", "node_ttr", "suggest_strategies", "RISK_FILES"]

RISK_FILES = ("risk.csv", "nodes.csv", "risk.json", "figures/risk_matrix.png", "figures/tts_ttr.png")
"""Every file :meth:`RiskReport.save` writes, relative to its folder."""

Progress = Callable[[int, int], None]


def node_ttr(scenario: Scenario, default_ttr_days: float = 30.0) -> dict[str, float]:
    """Days each node takes to recover (TTR), from the scenario's disruption catalogue.

    For every disruption that stops nodes (a natural disaster: the nodes in its footprint; a
    capacity loss or supplier failure: its ``nodes``; other types stop no node), the days it
    keeps a node down are:

    * the horizon, for a permanent supplier failure (no ``duration_days``);
    * the mean of ``mttr_days``, for a capacity loss with breakdowns (one repair);
    * the mean of ``duration_days`` otherwise;

    plus half of ``ramp_days`` for a ``ramp`` recovery: output climbs linearly from nothing to
    full over the ramp, so it loses as much as half the ramp fully down. A node's TTR is the
    longest of these over the disruptions that hit it, and ``default_ttr_days`` for a node none
    hits. Severity, stock destroyed and the probability of the event do not enter: the stress
    test takes the node out completely, and TTR is how long.
    """
    from resim.sim.disruptions import footprint_nodes

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
        return view("risk.html")(self)

    def headline(self) -> list[str]:
        """What the node stress test found, in a few lines, from the numbers in ``nodes``:
        the nodes exposed by the LP, how many of the simulated ones the simulation agrees on
        (and which disagree, how), and the nodes whose TTS is unbounded."""
        nodes = self.nodes
        exposed = nodes[nodes.exposed.astype(bool)]
        lines = [f"{len(exposed)} of {len(nodes)} nodes cannot ride out their recovery time by the LP "
                 f"(TTS < TTR): {_names(exposed.node)}"]
        checked = nodes[nodes.simulated_units.notna()] if "simulated_units" in nodes else nodes.iloc[:0]
        lines += _simulation_lines(checked) if len(checked) else ["the simulation checked no node"]
        unbounded = nodes[np.isinf(nodes.tts_days.to_numpy(float))]
        if len(unbounded):
            lines.append(f"TTS unbounded for {len(unbounded)} of {len(nodes)} nodes (the rest of the network "
                         f"keeps up without them): {_names(unbounded.node)}")
        return lines

    def register_lines(self) -> list[str]:
        """The risk register as printed by ``resim risk``: every impact says whether it is a
        loss, a gain or not measurable (its 95 % interval contains 0)."""
        if self.register.empty:
            return ["no disruptions in the catalogue"]
        table = pd.DataFrame({
            "disruption": self.register.disruption,
            "events/yr": [f"{v:.3g}" + (" (fixed date)" if str(k).startswith("fixed") else "")
                          for v, k in zip(self.register.events_per_year, self.register.likelihood)],
            "units short": [_units_text(r) for r in self.register.itertuples()],
            "profit effect": [_effect_text(r) for r in self.register.itertuples()],
            "expected loss/yr": self.register.expected_loss_per_year.map(lambda v: f"{v:,.0f}"),
            "high risk": self.register.high_risk.map(lambda v: "yes" if v else ""),
        })
        return [line.rstrip() for line in table.to_string(index=False).splitlines()]

    def plot_matrix(self):
        """Likelihood-impact matrix of the catalogue disruptions (a matplotlib Figure)."""
        return view("risk.matrix")(self.register)

    def plot_tts_ttr(self):
        """Time-to-survive against time-to-recover per node (a matplotlib Figure)."""
        return view("risk.tts_ttr")(self.nodes)

    def save(self, folder: str | Path, *, figures: str = "summary") -> Path:
        """Write risk.csv, nodes.csv, figures/ (risk_matrix.png, tts_ttr.png; not with
        ``figures="none"``: both summarise already, so ``summary`` and ``all`` draw the same) and
        risk.json (last, with every file's size and SHA-256) to ``folder`` in one step
        (:func:`resim.core.files.save_folder`)."""

        def write(stage: Path) -> None:
            write_csv(stage / "risk.csv", self.register)
            write_csv(stage / "nodes.csv", self.nodes)
            if figures == "none":
                return
            for name, figure in (("risk_matrix", self.plot_matrix()), ("tts_ttr", self.plot_tts_ttr())):
                save_figure(figure, stage / "figures" / f"{name}.png")

        return save_folder(folder, write, names=RISK_FILES, manifest="risk.json", info=self.info)


# The disruption types a reactive response answers (resim.sim.strategies: supply cuts, and a
# demand surge with same-tier MaaS); quality events and other demand shocks get no suggestion.
_ANSWERED = {"natural_disaster", "capacity_loss", "supplier_failure", "trade_barrier", "logistics"}


def suggest_strategies(scenario: Scenario, register: pd.DataFrame) -> tuple[list[dict], list[str]]:
    """R1 feeds R2: a strategy to prepare for each disruption the ``register`` flags high risk,
    as ``strategies`` entries of the scenario format, and a note for each flagged disruption
    nothing can be suggested for. Each answers its disruption (``responds_to``) with the reactive
    actions the scenario can supply: same-tier MaaS when it has a provider pool (for a demand
    surge too), circular supply when it has take-back; delays and limits are left at their
    defaults, to be set to the firm's own."""
    suggested, notes = [], []
    by_id = {d.id: d for d in scenario.disruptions}
    taken = {s.id for s in scenario.strategies}
    for ident in register.disruption[register.high_risk.astype(bool)]:
        event = by_id[ident]
        surge = event.type == "demand_shock" and getattr(event, "multiplier", 1.0) > 1
        actions = []
        if scenario.maas.providers and (event.type in _ANSWERED or surge):
            actions.append("maas_same_tier")
        if scenario.circular.take_back and event.type in _ANSWERED:
            actions.append("circular")
        if not actions:
            notes.append(f"{ident}: no response to suggest (a {event.type} with "
                         f"{'no provider pool or take-back' if event.type in _ANSWERED or surge else 'no reactive action that answers it'})")
            continue
        name = f"prepared_{ident}"[:64]
        while name in taken:
            name = f"{name[:60]}_{len(taken)}"
        taken.add(name)
        suggested.append({"id": name, "description": f"prepared by resim risk for {ident}, flagged high risk "
                                                     f"(R1 feeds R2)", "actions": actions, "responds_to": [ident]})
    return suggested, notes


def _simulation_lines(checked: pd.DataFrame) -> list[str]:
    """How the simulated outages compare with the LP over the window, and what they lose after."""
    disagree = checked[checked.lp_and_simulation_disagree.astype(bool)]
    line = (f"the simulation agrees on {len(checked) - len(disagree)} of the {len(checked)} it checked "
            f"(units short from the outage day to outage day + TTR); ")
    if len(disagree):
        line += f"{len(disagree)} disagree: " + ", ".join(
            f"{row.node} (simulated {row.simulated_units:,.0f}, LP {row.lp_window_units:,.0f})"
            for row in disagree.itertuples())
    else:
        line += "none disagree"
    lines = [line]
    later = checked[checked.simulated_units_after > checked.tolerance_units]
    if len(later):
        later = later.sort_values(["simulated_units_after", "node"], ascending=[False, True])
        named = later.node + " " + later.simulated_units_after.map("{:,.0f}".format)
        lines.append(f"the simulated impact outlasts the window for {len(later)} of the {len(checked)} "
                     f"(lead times, refilling and backlogs, which the LP does not model); units short "
                     f"after it: {_names(named, 6)}")
    return lines


def _names(nodes: pd.Series, most: int = 10) -> str:
    names = list(nodes.astype(str))
    if not names:
        return "none"
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


def _units_text(row: Any) -> str:
    if not row.units_measurable:
        return "none measurable"
    return f"{row.impact_units:,.0f}" if row.impact_units > 0 else f"{-row.impact_units:,.0f} fewer"


def _effect_text(row: Any) -> str:
    if row.profit_effect == "loss":
        return f"loss {row.impact_loss:,.0f} ({row.impact_loss_low:,.0f} to {row.impact_loss_high:,.0f})"
    if row.profit_effect == "gain":
        return f"gain {-row.impact_loss:,.0f} ({-row.impact_loss_high:,.0f} to {-row.impact_loss_low:,.0f})"
    return row.profit_effect


def _outage_days(ttr_days: float, day: int, horizon: int) -> tuple[int, int]:
    """Whole days a simulated outage of ``ttr_days`` lasts from ``day``, and the days of it
    inside the horizon (the window the simulation and the LP are compared over)."""
    days = max(int(round(ttr_days)), 1)
    return days, min(days, horizon - day)


def assess_risk(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
                executor: str = "processes", workers: int | None = None, scheduler: str | None = None,
                nodes: Sequence[str] | None = None, simulate_nodes: int = 15,
                default_ttr_days: float = 30.0, progress: Progress | None = None) -> RiskReport:
    """Stress-test nodes (LP, then the ``simulate_nodes`` most exposed also by simulation, over
    the same window) and rank the catalogue disruptions by expected yearly loss."""
    replications = default_replications(scenario) if replications is None else replications
    seed = scenario.seed if seed is None else seed
    ttr = node_ttr(scenario, default_ttr_days)
    lp = OutageLP(scenario)
    table = stress_test(scenario, nodes, ttr, lp=lp)
    day = outage_day(scenario)
    still = quiet(scenario)
    chosen = list(table.node[: max(simulate_nodes, 0)])
    total = 1 + len(chosen) + len(scenario.disruptions)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    with shared_cluster(executor, workers, scheduler) as address:  # one cluster for every run
        options = dict(replications=replications, seed=seed, executor=executor, workers=workers,
                       scheduler=address)
        base = simulate(still, **options)
        tick()
        simulated = {}
        for node in chosen:
            days, window = _outage_days(ttr[node], day, scenario.horizon_days)
            outage = {"id": "outage", "type": "supplier_failure", "nodes": [node], "onset_day": day,
                      "duration_days": days}
            runs = simulate(still.replace(disruptions=[outage]), **options)
            simulated[node] = _node_check(runs, base, day, window) | {
                "lp_window_units": lp.impact_of_outage(node, window)["lost_units"]}
            tick()
        table = _with_simulation(table, simulated, scenario)
        register = catalogue_register(scenario, base, tick=tick, **options)
    info = {"scenario": scenario.source, "scenario_sha256": scenario.sha256, "seed": seed,
            "replications": replications, "outage_day": day, "default_ttr_days": default_ttr_days,
            "confidence": CONFIDENCE}
    return RiskReport(table, register, info)


def _node_check(runs: Runs, base: Runs, day: int, window: int) -> dict[str, float]:
    """A simulated outage from ``day``: the extra units short over its ``window`` days (the
    quantity the LP computes) with their interval, and after it to the end of the horizon."""
    inside = slice(day, day + window)
    units = runs.short[:, inside].sum(axis=1) - base.short[:, inside].sum(axis=1)
    after = runs.short[:, day + window:].sum(axis=1) - base.short[:, day + window:].sum(axis=1)
    mean, _, low, high, _ = t_interval(units, CONFIDENCE)
    return {"window_days": float(window), "simulated_units": mean, "simulated_units_low": low,
            "simulated_units_high": high, "simulated_units_after": float(after.mean())}


_CHECK_COLUMNS = ["window_days", "lp_window_units", "simulated_units", "simulated_units_low",
                  "simulated_units_high", "simulated_units_after"]


def _with_simulation(table: pd.DataFrame, simulated: dict[str, dict], scenario: Scenario) -> pd.DataFrame:
    """The stress-test table with the simulated check of its simulated nodes (empty elsewhere)
    and where the LP and the simulation disagree beyond a tolerance, in which direction."""
    table = table.copy()
    sim = pd.DataFrame.from_dict(simulated, orient="index")
    for column in _CHECK_COLUMNS:
        table[column] = table.node.map(sim[column] if column in sim else {}).astype(float)
    # Tolerance: a tenth of a day's demand per day of the window (at least one unit), for what
    # the LP does not model (day-0 stock against stock on the outage day, whole days, noise).
    daily = sum(d.daily.mean for d in scenario.demand)
    table["tolerance_units"] = np.maximum(0.1 * daily * table.window_days, 1.0).where(
        table.simulated_units.notna())
    low = table.simulated_units_low.fillna(table.simulated_units)
    high = table.simulated_units_high.fillna(table.simulated_units)
    more = table.lp_window_units < low - table.tolerance_units
    less = table.lp_window_units > high + table.tolerance_units
    table["lp_and_simulation_disagree"] = (more | less).astype(bool)
    table["simulation_check"] = np.select(
        [table.simulated_units.isna(), more, less],
        ["not simulated", "simulation loses more", "simulation loses less"], "agrees")
    return table
