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

Large chains get figures that summarise instead of enumerating: beyond :data:`INVENTORY_PANELS`
critical parts the inventory figure shows the parts whose stock fell deepest, beyond
:data:`NETWORK_NODES` nodes the network figure groups nodes by stage and region
(:mod:`resim.report.chain_summary`). ``figures(level)`` says which figures a results folder gets:
``summary`` those seven, ``all`` also the full versions of what a summary left out
(``inventory_all``, ``network_all``), ``none`` no figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from resim.sim.disruptions import hit_nodes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from resim.experiment.results import Results

__all__ = ["Plots", "INVENTORY_PANELS", "NETWORK_NODES", "FIGURE_LEVELS"]

#: Panels of the inventory figure: beyond, the worst parts only (four rows of three stay legible).
INVENTORY_PANELS = 12
#: Nodes of the network figure: beyond, groups of stage and region (node labels would overlap).
NETWORK_NODES = 60
#: What ``figures(level)`` accepts: no figure, the summaries, or the summaries and the full versions.
FIGURE_LEVELS = ("none", "summary", "all")


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

    def inventory(self, limit: int | None = INVENTORY_PANELS):
        """Units of each critical component on hand over time, per strategy: beyond ``limit``
        parts (None: no limit) the ``limit`` whose stock fell deepest."""
        from resim.report.inventory_figures import critical_inventory

        return critical_inventory(self.results.inventory, events=self.results.events, limit=limit)

    def network(self, strategy: str | None = None, replication: int = 0, *, grouped: bool | None = None):
        """The value chain, disrupted nodes marked, a strategy's providers and reman flows overlaid
        (default: the recommended strategy); ``grouped`` draws groups of stage and region instead
        of nodes (default: beyond :data:`NETWORK_NODES` nodes)."""
        from resim.report.chain_figures import value_chain_map
        from resim.report.chain_summary import value_chain_groups

        r = self.results
        scenario = r.scenario
        strategy = strategy or r.info.get("recommended")
        disrupted = self.disrupted(replication)
        if not (self.chain_is_large() if grouped is None else grouped):
            return value_chain_map(scenario, r.orchestrations, strategy, replication, disrupted)
        title = (f"Value chain as {strategy} re-orchestrated it (replication {replication})" if strategy
                 else "Value chain")
        return value_chain_groups(scenario, self.chain(strategy, replication), disrupted, title=title)

    def chain(self, strategy: str | None = None, replication: int = 0):
        """The value chain as a NetworkX graph, as ``strategy`` re-orchestrated it in ``replication``
        (default: the recommended strategy; :func:`resim.sim.actions.orchestrated_chain`)."""
        from resim.sim.actions import orchestrated_chain

        r = self.results
        strategy = strategy or r.info.get("recommended")
        if strategy is None:
            return r.scenario.value_chain()
        return orchestrated_chain(r.scenario, r.orchestrations, strategy, replication)

    def disrupted(self, replication: int = 0) -> list[str]:
        """Ids of the nodes hit by the disruptions that started in ``replication``."""
        r = self.results
        started = set(r.events[r.events.replication == replication].id)
        return sorted({n for d in r.scenario.disruptions if d.id in started for n in hit_nodes(r.scenario, d)})

    def figures(self, level: str = "summary") -> list[tuple[str, str, Callable[[], "Figure"]]]:
        """(file name, caption, a function drawing it) of every figure of ``level`` (one of
        :data:`FIGURE_LEVELS`), in the report's order; drawn one at a time, as the caller asks."""
        if level not in FIGURE_LEVELS:
            raise ValueError(f"figures must be one of {', '.join(FIGURE_LEVELS)}, not {level!r}")
        return [] if level == "none" else list(self._figures(level == "all"))

    def _figures(self, everything: bool) -> Iterator[tuple[str, str, Callable[[], "Figure"]]]:
        parts = self.results.inventory.part.nunique() if len(self.results.inventory) else 0
        nodes = len(self.results.scenario.nodes) if self.results.scenario is not None else 0
        yield "recovery", ("Service over time: 7-day fill rate per strategy, 5-95 % band across replications; "
                           "below, the day by which half the replications recovered (Kaplan–Meier median)"), \
            self.recovery
        yield "recovered", ("Share of replications recovered by each day after the onset (Kaplan–Meier; "
                            "not recovered by the horizon counts as censored)"), self.recovery_share
        yield "pareto", ("Restricted mean time to recover against mean profit: the Pareto front and the "
                         "recommended strategy"), self.pareto
        yield "costs", ("What each response adds or saves relative to doing nothing: mean paired difference "
                        "from none per cost component and lost revenue; the marker is the change in profit loss"), \
            self.costs
        if self.chain_is_large():
            yield "network", (f"The value chain as the recommended strategy re-orchestrated it, its {nodes:,} nodes "
                              f"grouped by stage and region; network.graphml holds every node and lane"), self.network
        else:
            yield "network", "The value chain as the recommended strategy re-orchestrated it", self.network
        yield "gantt", "Orchestration timeline: agreements, onboarding, provider output, reman streams", self.gantt
        if parts > INVENTORY_PANELS:
            yield "inventory", (f"Critical components on hand across the chain: the {INVENTORY_PANELS} of {parts:,} "
                                f"whose stock fell deepest (inventory.csv holds them all)"), self.inventory
        else:
            yield "inventory", "Critical components on hand across the chain", self.inventory
        if everything and self.chain_is_large():
            yield "network_all", f"Every one of the {nodes:,} nodes of the value chain", \
                lambda: self.network(grouped=False)
        if everything and parts > INVENTORY_PANELS:
            yield "inventory_all", f"Every one of the {parts:,} critical components on hand", \
                lambda: self.inventory(limit=None)

    def all(self, level: str = "summary") -> dict:
        """Every figure of ``level`` (:meth:`figures`) with its caption, by file name."""
        return {name: (caption, draw()) for name, caption, draw in self.figures(level)}

    def chain_is_large(self) -> bool:
        """Whether the network figure groups the chain (more than :data:`NETWORK_NODES` nodes)."""
        scenario = self.results.scenario
        return scenario is not None and len(scenario.nodes) > NETWORK_NODES

    def _currency(self) -> str:
        scenario = self.results.scenario
        return scenario.currency if scenario is not None else "currency"

    def _metrics(self):
        from resim.scenario.format.strategies import Metrics

        scenario = self.results.scenario
        return scenario.metrics if scenario is not None else Metrics()
