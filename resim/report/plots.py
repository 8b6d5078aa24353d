"""The figures of a run, as ``results.plot.<name>()``: each a matplotlib Figure.

Planners compare response strategies from them (R2). Each is drawn by a function of the report
layer that takes tables of :class:`resim.experiment.results.Results` (pandas DataFrames) and
returns a ``matplotlib.figure.Figure`` built with the object-oriented API (no pyplot state, no
I/O), in the style of :mod:`resim.report.figures`: Okabe-Ito colours, a strategy the same colour
in every figure, units on every axis, a title naming what the figure answers, uncertainty shown
where the tables carry it. Artists that tests and callers may look up carry a ``gid``; each
module lists its own.

| methods | drawn in |
| --- | --- |
| ``recovery()``, ``recovery_share()`` | :mod:`resim.report.recovery_figures` |
| ``pareto()``, ``costs()`` | :mod:`resim.report.cost_figures` |
| ``gantt()``, ``network()`` | :mod:`resim.report.chain_figures` |
| ``inventory()`` | :mod:`resim.report.inventory_figures` |

Their shared parts (strategy colours, amounts, the strip of disruption windows) are in
:mod:`resim.report.figure_helpers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resim.sim.disruptions import hit_nodes

if TYPE_CHECKING:
    from resim.experiment.results import Results

__all__ = ["Plots"]


class Plots:
    """Figures of a run, each a matplotlib Figure (the modules are listed in :mod:`resim.report.plots`)."""

    def __init__(self, results: "Results"):
        self.results = results

    def recovery(self):
        """Rolling fill rate per strategy with 5-95 % bands, disruptions, and the Kaplan–Meier
        median recovery day of each strategy under the day axis."""
        from resim.report.recovery_figures import recovery_timeline

        r, metrics = self.results, self._metrics()
        return recovery_timeline(r.timeseries, r.replications, r.events, metrics.failure_level,
                                 metrics.recovery_level, confidence=metrics.confidence)

    def recovery_share(self):
        """Share of replications recovered by each day after the onset (Kaplan–Meier), per strategy."""
        from resim.report.recovery_figures import recovery_share

        return recovery_share(self.results.replications)

    def pareto(self):
        """Restricted mean time to recover against mean profit per strategy, the Pareto front and
        the recommendation."""
        from resim.report.cost_figures import pareto

        return pareto(self.results.comparison.table, self.results.summary, currency=self._currency())

    def costs(self):
        """What each response adds or saves against ``none``, per cost component and lost revenue
        (paired in the same replications); each strategy's cost by component without ``none``."""
        from resim.report.cost_figures import cost_breakdown

        r = self.results
        return cost_breakdown(r.replications, r.comparison.differences, summary=r.summary, currency=self._currency())

    def gantt(self, replication: int = 0):
        """Agreements, onboarding, provider output and reman streams over time."""
        from resim.report.chain_figures import orchestration_gantt

        r = self.results
        return orchestration_gantt(r.orchestrations, replication, events=r.events, horizon=r.info.get("horizon_days"))

    def inventory(self):
        """Units of each critical component on hand over time, per strategy."""
        from resim.report.inventory_figures import critical_inventory

        return critical_inventory(self.results.inventory, events=self.results.events)

    def network(self, strategy: str | None = None, replication: int = 0):
        """The value chain, disrupted nodes marked, a strategy's providers and reman flows overlaid
        (default: the recommended strategy)."""
        from resim.report.chain_figures import value_chain_map

        r = self.results
        scenario = r.scenario
        strategy = strategy or r.info.get("recommended")
        started = set(r.events[r.events.replication == replication].id)
        disrupted = sorted({n for d in scenario.disruptions if d.id in started for n in hit_nodes(scenario, d)})
        return value_chain_map(scenario, r.orchestrations, strategy, replication, disrupted)

    def all(self) -> dict:
        """Every figure with its caption, by file name."""
        return {
            "recovery": ("Service over time: 7-day fill rate per strategy, 5-95 % band across replications; "
                         "below, the day by which half the replications recovered (Kaplan–Meier median)",
                         self.recovery()),
            "recovered": ("Share of replications recovered by each day after the onset (Kaplan–Meier; "
                          "not recovered by the horizon counts as censored)", self.recovery_share()),
            "pareto": ("Restricted mean time to recover against mean profit: the Pareto front and the "
                       "recommended strategy", self.pareto()),
            "costs": ("What each response adds or saves relative to doing nothing: mean paired difference "
                      "from none per cost component and lost revenue; the marker is the change in profit loss",
                      self.costs()),
            "network": ("The value chain as the recommended strategy re-orchestrated it", self.network()),
            "gantt": ("Orchestration timeline: agreements, onboarding, provider output, reman streams", self.gantt()),
            "inventory": ("Critical components on hand across the chain", self.inventory()),
        }

    def _currency(self) -> str:
        scenario = self.results.scenario
        return scenario.currency if scenario is not None else "currency"

    def _metrics(self):
        from resim.scenario.format.strategies import Metrics

        scenario = self.results.scenario
        return scenario.metrics if scenario is not None else Metrics()
