"""Hostile command lines (issue 19): bounds, damaged inputs, unwritable outputs. Each runs the real
CLI on the real file system and expects one clear line on stderr, no traceback, the right exit code
and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from resim.cli import main

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = str(ROOT / "scenarios" / "quickstart.yaml")


def _run(capsys, argv):
    """Exit code and stderr of ``resim argv`` (argparse's SystemExit turned into its code)."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


# 1. Command-line bounds -----------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["run", QUICKSTART, "--replications", str(10**12)],
    ["sweep", QUICKSTART, "--lhs", str(10**10), "--range", "horizon_days=30:60"],
    ["generate", "--nodes", str(10**8), "-o", "never.yaml"],
    ["run", QUICKSTART, "--horizon", str(10**9)],
    ["providers", "generate", "--n", str(10**10), "-o", "never.csv"],
])
def test_huge_numbers_are_refused_up_front(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, err = _run(capsys, argv)
    assert code == 2
    assert "at most" in err
    assert not list(tmp_path.iterdir())  # nothing run or written


def test_a_grid_of_ten_billion_variants_is_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = ",".join(str(v) for v in range(100, 200))  # 100 values, 5 times: 10**10 variants
    fields = ("horizon_days", "seed", "replications", "nodes[0].capacity_per_day", "demand[0].units_per_day")
    argv = ["sweep", QUICKSTART, "--executor", "serial"] + [a for f in fields for a in ("--param", f"{f}={values}")]
    code, err = _run(capsys, argv)
    assert code == 2 and "variants" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_variants_times_replications_is_bounded(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = _run(capsys, ["sweep", QUICKSTART, "--lhs", "1000", "--range", "horizon_days=30:60",
                              "--replications", "100000", "--executor", "serial"])
    assert code == 2 and "replications" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())
