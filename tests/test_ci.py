"""The README's test command on a machine without Chromium: the browser tests skip and say why,
unless RESIM_REQUIRE_BROWSER=1 (as .ci/run sets it) makes that a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

ROOT = Path(__file__).parents[1]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def without_chromium(tmp_path: Path, **extra: str) -> subprocess.Popen:
    # PATH keeps only directories holding none of the browsers; pytest runs under this very interpreter.
    path = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not any((Path(d) / name).exists() for name in BROWSERS)]
    env = {k: v for k, v in os.environ.items() if k != "RESIM_REQUIRE_BROWSER"}
    env.update(PATH=os.pathsep.join(path), COLUMNS="400", **extra)
    return subprocess.Popen([sys.executable, "-m", "pytest", "-ra", "-p", "no:cacheprovider", "-n", "0",
                             "--basetemp", str(tmp_path), "-k", "opens_in_a_real_browser or every_figure_is_written_as_png",
                             str(ROOT / "tests" / "test_report.py")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_without_chromium_the_browser_tests_skip_unless_required(tmp_path):
    # Both runs at once: each simulates the quickstart before reaching the browser.
    lenient = without_chromium(tmp_path / "lenient")
    strict = without_chromium(tmp_path / "strict", RESIM_REQUIRE_BROWSER="1")
    out, _ = lenient.communicate(timeout=600)
    strict_out, _ = strict.communicate(timeout=600)

    assert lenient.returncode == 0, out[-3000:]
    assert "SKIPPED" in out and "no Chromium on this machine (install Debian's chromium, or run .ci/browser as root); " \
        "set RESIM_REQUIRE_BROWSER=1 to make this a failure" in out, out[-3000:]
    assert " passed" in out and "failed" not in out

    assert strict.returncode != 0, strict_out[-3000:]
    assert "FAILED" in strict_out and "RESIM_REQUIRE_BROWSER is set, so this is a failure" in strict_out, strict_out[-3000:]
