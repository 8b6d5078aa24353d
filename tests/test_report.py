"""The results folder's figures and report.html, opened in a real (headless) Chromium."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import resim
from resim.report.html import render_report

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

QUICKSTART = Path(__file__).parents[1] / "scenarios" / "quickstart.yaml"
FIGURES = {"recovery", "recovered", "pareto", "costs", "network", "gantt", "inventory"}


NO_BROWSER = ("no Chromium on this machine (install Debian's chromium, or run .ci/browser as root); "
              "set RESIM_REQUIRE_BROWSER=1 to make this a failure")


def chromium() -> str:
    """The browser's path; without one, skip the test that asked (fail it when RESIM_REQUIRE_BROWSER=1, as in CI)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0].rpartition("::")[2]  # names it in the summary
    if os.environ.get("RESIM_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"{test}: " + NO_BROWSER.replace("set RESIM_REQUIRE_BROWSER=1 to make this a failure",
                                                     "RESIM_REQUIRE_BROWSER is set, so this is a failure"),
                    pytrace=False)
    pytest.skip(f"{test}: {NO_BROWSER}")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    scenario = resim.load_scenario(QUICKSTART)
    results = resim.run(scenario, replications=2, strategies=["none", "maas_upstream", "circular"],
                        executor="serial")
    return results, results.save(tmp_path_factory.mktemp("run") / "quickstart")


def browse(*flags: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           "--virtual-time-budget=10000", *flags, url],
                          capture_output=True, text=True, timeout=120)


def test_every_figure_is_written_as_png(folder):
    _, path = folder
    written = {p.stem for p in (path / "figures").glob("*.png")}
    assert written == FIGURES
    for name in FIGURES:
        data = (path / "figures" / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_the_report_is_self_contained(folder):
    results, path = folder
    page = (path / "report.html").read_text(encoding="utf-8")
    # Nothing is fetched: no external scripts, styles or images.
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert page.count('src="data:image/png;base64,') == len(FIGURES)
    assert f"Recommended: {results.info['recommended']}" in page
    assert results.info["scenario_sha256"] in page
    # The advice states its criterion; notes and warnings appear beside it, e.g. the small run's.
    assert f"criterion: {results.info['criterion']}" in page
    for line in [*results.info["notes"], *results.info["warnings"]]:
        assert line.replace("'", "&#x27;") in page
    assert any(w.startswith("only 2 replications") for w in results.info["warnings"])
    # Censored recovery times are named as such in the key table.
    assert "median time to recover (Kaplan-Meier)" in page and "censored" in page


def test_the_report_opens_in_a_real_browser_with_every_image_decoded(folder):
    _, path = folder
    shown = browse("--dump-dom", url=(path / "report.html").as_uri())
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert 'data-images-ok="true"' in shown.stdout
    assert shown.stdout.count("<img") == len(FIGURES)


def test_the_report_prints(folder, tmp_path):
    _, path = folder
    pdf = tmp_path / "report.pdf"
    printed = browse(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url=(path / "report.html").as_uri())
    assert printed.returncode == 0, printed.stderr[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000


def _orchestrations_section(page: str) -> str:
    return page[page.index("<h2>Orchestrations"):page.index("<h2>Why service dropped")]


def test_the_orchestration_table_prints_numbers_as_people_read_them(folder):
    results, path = folder
    section = _orchestrations_section((path / "report.html").read_text(encoding="utf-8"))
    chosen = results.orchestrations[(results.orchestrations.replication == 0)
                                    & (results.orchestrations.kind != "evaluation")]
    assert len(chosen)                                   # quickstart: maas_upstream and circular act
    cells = [c.replace("<wbr>", "") for c in re.findall(r"<td[^>]*>(.*?)</td>", section)]
    for row in chosen.itertuples():
        assert f"{round(row.units_per_day):,}" in cells          # 35, not 35.0
        assert f"{row.start:,.0f}–{row.end:,.0f}" in cells
        assert f"{row.unit_cost:,.2f}" in cells
        assert row.note in " ".join(cells).replace("&#x27;", "'")
    assert not [c for c in cells if re.fullmatch(r"-?\d+\.0", c) or "e+" in c]


def test_the_tables_fit_the_printed_page(folder, tmp_path):
    """Under the print style sheet at the width of an A4 page with margins (720 CSS px), no
    table is wider than the page: the orchestration notes wrap instead."""
    _, path = folder
    page = (path / "report.html").read_text(encoding="utf-8").replace("@media print", "@media all")
    probe = """<script>window.addEventListener('load', function () {
      var width = document.documentElement.clientWidth;
      var wide = Array.prototype.filter.call(document.querySelectorAll('table'),
        function (t) { return t.getBoundingClientRect().right > width + 0.5; });
      document.body.setAttribute('data-wide-tables', String(wide.length));
      document.body.setAttribute('data-width', String(width)); });</script></body>"""
    copy = tmp_path / "report.html"
    copy.write_text(page.replace("</body>", probe), encoding="utf-8")
    shown = browse("--window-size=720,1000", "--dump-dom", url=copy.as_uri())
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert re.search(r'data-width="7[01]\d"', shown.stdout)             # the page width took effect
    assert 'data-wide-tables="0"' in shown.stdout


def test_why_service_dropped_explains_a_replication_that_fell_short(folder):
    results, _ = folder
    recommended = results.info["recommended"]
    reps = results.replications
    mine = reps[reps.strategy == recommended]
    worst = mine.loc[mine.shortfall_units.idxmax()]
    assert worst.shortfall_units > 0
    page = render_report(results, results.scenario, {})
    assert (f"Why service dropped (replication {worst.replication} of {recommended}: its largest shortfall, "
            f"{worst.shortfall_units:,.0f} units)") in page
    # When the recommended strategy never fell short, the report explains none's worst replication.
    held = reps.assign(shortfall_units=reps.shortfall_units.where(reps.strategy != recommended, 0.0))
    none = held[held.strategy == "none"]
    worst = none.loc[none.shortfall_units.idxmax()]
    page = render_report(dataclasses.replace(results, replications=held), results.scenario, {})
    heading = re.search(r"<h2>Why service dropped \(([^<]*)\)</h2>(.*?)<h2>", page, re.S)
    assert heading.group(1) == (f"replication {worst.replication} of none: {recommended} never fell short, so "
                                f"this is the largest shortfall of none, {worst.shortfall_units:,.0f} units")
    ripple = results.ripple[(results.ripple.strategy == "none") & (results.ripple.replication == worst.replication)]
    assert heading.group(2).count("<tr>") == len(ripple) + 1              # its rows and the header
    # and when nobody fell short, it says so
    page = render_report(dataclasses.replace(results, replications=reps.assign(shortfall_units=0.0)),
                         results.scenario, {})
    assert "Service never fell short" in page
