"""What people look at: figures, the HTML report, notebook display and text summaries. Imports
any stage below it; nothing below imports it. A run's figures are drawn by one module per family
(``recovery_figures``, ``cost_figures``, ``chain_figures``, ``inventory_figures``), reached
through ``results.plot`` (:mod:`resim.report.plots`). The package provides the views of Results,
RiskReport and Scenario (:mod:`resim.core.views`); each view imports its module when first used,
so loading this package costs nothing (matplotlib is loaded by the first figure)."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from resim.core.views import provide


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """``resim.report.<module>.<name>``, imported on the first call."""
    def call(*args: Any) -> Any:
        return getattr(import_module(f"resim.report.{module}"), name)(*args)
    return call


for _view, (_module, _name) in {"results.plot": ("plots", "Plots"), "results.html": ("display", "results_html"),
                                "results.outputs": ("outputs", "write_outputs"), "risk.html": ("display", "risk_html"),
                                "risk.matrix": ("figures", "risk_matrix"), "risk.tts_ttr": ("figures", "tts_ttr"),
                                "scenario.html": ("display", "scenario_html")}.items():
    provide(_view, _lazy(_module, _name))
