"""The layers of resim's stages (issue 20): import-linter's contracts in pyproject.toml hold, and
they break when a stage imports one above it, even inside a function."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")


def _lint(package_parent: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([LINT, "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=package_parent,
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def lint():
    if LINT is None:
        pytest.fail("lint-imports is missing: it comes with the test extra (pip install -e '.[test]')")
    return _lint


def test_the_stages_import_downward_only(lint):
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_an_upward_import_inside_a_function_breaks_the_layers(lint, tmp_path):
    copy = tmp_path / "resim"
    shutil.copytree(ROOT / "resim", copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "core" / "stats.py", "a", encoding="utf-8") as module:
        module.write("\n\ndef _upward():\n    from resim.report.figures import risk_matrix\n    return risk_matrix\n")
    result = lint(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "resim.core is not allowed to import resim.report" in result.stdout
    assert "resim.core.stats -> resim.report.figures" in result.stdout


_HEAVY = ("numpy", "networkx", "pandas", "scipy", "simpy", "matplotlib")


def _loaded_after(code: str) -> set[str]:
    """The heavy packages a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport sys\nprint()\nprint(' '.join(sorted(m for m in {_HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=120).stdout
    return set(out.splitlines()[-1].split()) if out.strip() else set()


def test_importing_resim_and_the_command_line_help_load_no_heavy_package():
    # They start in a fraction of a second because the API's names are imported when first used.
    assert _loaded_after("import resim") == set()
    assert _loaded_after("import contextlib, io\nfrom resim.cli.main import main\n"
                         "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
                         "    main(['--help'])") == set()
    assert _loaded_after("import resim\nresim.run") == {"numpy", "networkx", "pandas", "scipy", "simpy"}


def test_validating_a_scenario_loads_no_numpy_networkx_pandas_scipy_simpy_or_matplotlib():
    # Half of what `resim validate` spent was importing NumPy and NetworkX: the distributions
    # import NumPy where they draw, and the checks walk the chain in dicts and ask networkx only
    # to name a cycle, once the standard library's graphlib has found there is one.
    assert _loaded_after("from resim.cli.main import main\n"
                         "assert main(['validate', 'scenarios/quickstart.yaml']) == 0") == set()
