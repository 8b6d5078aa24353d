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
from resim.report import render_report

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
