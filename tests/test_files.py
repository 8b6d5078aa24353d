"""Results folders on a real file system: an earlier run is never replaced unasked (issue 18,
item 1), and every file is as readable as the umask says (item 2)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from resim.cli.main import main
from resim.core.files import FolderInUse, claim_folder, save_figure, write_atomic
from resim.experiment.results import RUN_FILES
from tests.folders import folder_bytes

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

QUICKSTART = str(Path(__file__).parents[1] / "scenarios" / "quickstart.yaml")
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _run(folder: Path, replications: int, *extra: str) -> int:
    return main(["run", QUICKSTART, "-o", str(folder), "--replications", str(replications),
                 "--executor", "serial", *extra])


def test_a_second_run_into_a_results_folder_is_refused_unless_overwrite(tmp_path, capsys):
    folder = tmp_path / "qs"
    assert _run(folder, 3) == 0
    first = folder_bytes(folder)
    assert set(first) == set(RUN_FILES)  # RUN_FILES names exactly what a run writes
    capsys.readouterr()

    assert _run(folder, 2) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds an earlier run" in err[0] and "--overwrite" in err[0], err
    assert folder_bytes(folder) == first  # byte for byte: nothing written, nothing removed

    assert _run(folder, 2, "--resume") == 2  # a finished run has nothing to resume
    assert folder_bytes(folder) == first

    assert _run(folder, 2, "--overwrite") == 0
    second = folder_bytes(folder)
    assert set(second) == set(RUN_FILES)
    assert b'"replications": 2' in second["run.json"] and b'"replications": 3' in first["run.json"]


def test_a_folder_with_other_files_only_is_not_an_earlier_run(tmp_path):
    folder = tmp_path / "qs"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    assert _run(folder, 2) == 0
    assert (folder / "notes.txt").read_text() == "mine\n" and (folder / "run.json").is_file()


def test_resume_continues_an_interrupted_run_in_its_folder(tmp_path):
    folder = tmp_path / "qs"
    assert _run(folder, 2) == 0
    (folder / ".checkpoint").mkdir()  # as an interrupted --overwrite run leaves it
    assert _run(folder, 2) == 2
    assert _run(folder, 2, "--resume") == 0


def test_criticality_refuses_its_earlier_output_unless_overwrite(tmp_path, capsys):
    folder = tmp_path / "crit"
    assert main(["criticality", QUICKSTART, "-o", str(folder)]) == 0
    first = folder_bytes(folder)
    capsys.readouterr()
    assert main(["criticality", QUICKSTART, "-o", str(folder)]) == 2
    assert "resim criticality: " in capsys.readouterr().err
    assert folder_bytes(folder) == first
    assert main(["criticality", QUICKSTART, "-o", str(folder), "--overwrite"]) == 0


def test_claim_folder_names_what_it_found(tmp_path):
    assert claim_folder(tmp_path, ["a.csv", "figures/b.png"]) == []
    write_atomic(tmp_path / "figures" / "b.png", "x")
    with pytest.raises(FolderInUse, match="figures/b.png"):
        claim_folder(tmp_path, ["a.csv", "figures/b.png"])
    assert claim_folder(tmp_path, ["a.csv", "figures/b.png"], overwrite=True) == [tmp_path / "figures" / "b.png"]


@posix_only
def test_every_file_of_a_results_folder_is_0644_under_umask_022(tmp_path, umask_022):
    folder = tmp_path / "qs"
    assert _run(folder, 2) == 0
    modes = {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in folder.rglob("*") if p.is_file()}
    assert set(modes) == set(RUN_FILES)
    assert {name: oct(mode) for name, mode in modes.items() if mode != 0o644} == {}
    assert not [p for p in folder.rglob("*.tmp")]  # no temporary file left behind


@posix_only
def test_write_atomic_and_save_figure_follow_the_umask(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure()
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "a.csv", "x\n")
        save_figure(figure, tmp_path / "a.png")
    finally:
        os.umask(old)
        plt.close(figure)
    assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "a.png").stat().st_mode) == 0o640
    assert (tmp_path / "a.csv").read_bytes() == b"x\n"
