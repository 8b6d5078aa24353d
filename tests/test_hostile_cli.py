"""Hostile command lines (issue 19): bounds, damaged inputs, unwritable outputs. Each runs the real
CLI on the real file system and expects one clear line on stderr, no traceback, the right exit code
and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from resim.cli.main import main

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

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


# 2. Damaged inputs: compare, --resume ---------------------------------------------------------

def _results_folder(path: Path, summary: str, run_json: str = "{}") -> Path:
    path.mkdir(parents=True)
    (path / "run.json").write_text(run_json, encoding="utf-8")
    (path / "summary.csv").write_text(summary, encoding="utf-8")
    return path


@pytest.mark.parametrize("summary,run_json,said", [
    ("x,y\n1,2\n", "{}", "no column"),
    ("", "{}", "summary.csv"),
    ('strategy,metric,estimate,ci_low,ci_high\n"unclosed', "{}", "summary.csv"),
    ("strategy,metric,estimate,ci_low,ci_high\n", "[", "run.json"),
])
def test_compare_a_damaged_results_folder(capsys, tmp_path, summary, run_json, said):
    folder = _results_folder(tmp_path / "a", summary, run_json)
    code, err = _run(capsys, ["compare", str(folder)])
    assert code == 2 and said in err and len(err.strip().splitlines()) == 1


def test_compare_a_folder_that_is_not_a_results_folder(capsys, tmp_path):
    code, err = _run(capsys, ["compare", str(tmp_path)])
    assert code == 2 and "not a results folder" in err and len(err.strip().splitlines()) == 1


def _interrupted_run(capsys, monkeypatch, output: Path) -> Path:
    """A real run of the quickstart interrupted after its first finished replication."""
    from resim.experiment import journal

    record = journal.Journal.record

    def record_then_interrupt(self, outcome):
        record(self, outcome)
        raise KeyboardInterrupt

    monkeypatch.setattr(journal.Journal, "record", record_then_interrupt)
    code, _ = _run(capsys, ["run", QUICKSTART, "-o", str(output), "--replications", "2", "--executor", "serial"])
    monkeypatch.setattr(journal.Journal, "record", record)
    assert code == 130
    lines = output / ".checkpoint" / "replications.jsonl"
    assert lines.read_text(encoding="utf-8").count("\n") == 1
    return lines


@pytest.mark.parametrize("damage", ['[1, 2, 3]\n', '{"strategy": "none"}\n', '"text"\n', "wrong-shape",
                                    "wrong-record"])
def test_resume_from_a_damaged_checkpoint(capsys, tmp_path, monkeypatch, damage):
    output = tmp_path / "out"
    lines = _interrupted_run(capsys, monkeypatch, output)
    if damage == "wrong-shape":
        damage = lines.read_text(encoding="utf-8").replace('"metrics": {', '"metrics": [{', 1).replace(
            '}, "costs"', '}], "costs"', 1)
    elif damage == "wrong-record":  # a ripple row without its disruption column
        damage = lines.read_text(encoding="utf-8").replace('"disruption": ', '"disrupted": ', 1)
        assert '"disrupted": ' in damage
    lines.write_text(damage, encoding="utf-8")
    code, err = _run(capsys, ["run", QUICKSTART, "-o", str(output), "--resume", "--executor", "serial",
                              "--replications", "2"])
    assert code == 2 and "checkpoint" in err and "damaged" in err and "--overwrite" in err
    assert len(err.strip().splitlines()) == 1
    assert not (output / "summary.csv").exists()


def test_resume_from_a_damaged_spec(capsys, tmp_path, monkeypatch):
    output = tmp_path / "out"
    _interrupted_run(capsys, monkeypatch, output)
    (output / ".checkpoint" / "spec.json").write_text("[", encoding="utf-8")
    code, err = _run(capsys, ["run", QUICKSTART, "-o", str(output), "--resume", "--executor", "serial",
                              "--replications", "2"])
    assert code == 2 and "damaged" in err and len(err.strip().splitlines()) == 1


def test_resume_from_a_whole_checkpoint_still_works(capsys, tmp_path, monkeypatch):
    output = tmp_path / "out"
    _interrupted_run(capsys, monkeypatch, output)
    code, err = _run(capsys, ["run", QUICKSTART, "-o", str(output), "--resume", "--executor", "serial",
                              "--replications", "2"])
    assert code == 0, err
    assert (output / "summary.csv").is_file()


# 3. Outputs that cannot be written --------------------------------------------------------------

def _unwritable(kind: str, tmp_path: Path) -> Path:
    if kind == "existing file":
        target = tmp_path / "taken"
        target.write_text("mine\n", encoding="utf-8")
        return target
    (tmp_path / "file").write_text("mine\n", encoding="utf-8")
    return tmp_path / "file" / "out"


@pytest.mark.parametrize("kind", ["existing file", "folder under a file"])
@pytest.mark.parametrize("command", [["criticality", QUICKSTART], ["compare-out"]])
def test_output_that_cannot_be_written(capsys, tmp_path, kind, command):
    target = _unwritable(kind, tmp_path)
    if command == ["compare-out"]:
        folder = _results_folder(tmp_path / "a", "strategy,metric,estimate,ci_low,ci_high\nnone,profit,1,0,2\n")
        command = ["compare", str(folder)]
    code, err = _run(capsys, [*command, "-o", str(target)])
    assert code == 1 and "cannot write" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / ("taken" if kind == "existing file" else "file")).read_text(encoding="utf-8") == "mine\n"


@pytest.mark.skipif(hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0,
                    reason="root ignores permissions, so a read-only folder is writable for root "
                           "(the existing-file and folder-under-a-file cases cover root)")
def test_read_only_output_folder(capsys, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, err = _run(capsys, ["criticality", QUICKSTART, "-o", str(folder)])
    finally:
        folder.chmod(0o755)
    assert code == 1 and "cannot write" in err and len(err.strip().splitlines()) == 1
    assert not list(folder.iterdir())


# 4. A checkpoint that is a symbolic link ---------------------------------------------------------

@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_a_checkpoint_symlink_out_of_the_folder_is_refused(capsys, tmp_path, resume):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    output = tmp_path / "out"
    output.mkdir()
    (output / ".checkpoint").symlink_to(elsewhere, target_is_directory=True)
    code, err = _run(capsys, ["run", QUICKSTART, "-o", str(output), "--replications", "2", "--executor", "serial",
                              *resume])
    assert code == 2 and "symbolic link" in err and len(err.strip().splitlines()) == 1
    assert not list(elsewhere.iterdir())
    assert not (output / "summary.csv").exists()
