"""What people look at: figures, the HTML report, notebook display and text summaries. Imports
any stage below it; nothing below imports it. A run's figures are drawn by one module per family
(``recovery_figures``, ``cost_figures``, ``chain_figures``, ``inventory_figures``), reached
through ``results.plot`` (:mod:`resim.report.plots`). The package provides the views of Results,
RiskReport and Scenario (:mod:`resim.core.views`); each view imports its module when first used,
so loading this package costs nothing."""

from __future__ import annotations

from resim.core.views import provide


def _results_plot(results):
    from resim.report.plots import Plots
    return Plots(results)


def _results_html(results) -> str:
    from resim.report.display import results_html
    return results_html(results)


def _results_report(results, scenario, figures) -> str:
    from resim.report.html import render_report
    return render_report(results, scenario, figures)


def _risk_html(report) -> str:
    from resim.report.display import risk_html
    return risk_html(report)


def _risk_matrix(register):
    from resim.report.figures import risk_matrix
    return risk_matrix(register)


def _tts_ttr(nodes):
    from resim.report.figures import tts_ttr
    return tts_ttr(nodes)


def _scenario_html(scenario) -> str:
    from resim.report.display import scenario_html
    return scenario_html(scenario)


for _name, _function in {"results.plot": _results_plot, "results.html": _results_html,
                         "results.report": _results_report, "risk.html": _risk_html,
                         "risk.matrix": _risk_matrix, "risk.tts_ttr": _tts_ttr,
                         "scenario.html": _scenario_html}.items():
    provide(_name, _function)
