"""The example notebooks: each matches the cells of ``notebooks/build.py``, is committed with its
outputs, and runs from top to bottom without error in a fresh kernel of this very interpreter.

Each notebook runs on a copy in a temporary folder (with ``scenarios/`` beside it, as in the
repository), so the committed notebooks are never rewritten by the tests.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

import ipykernel  # noqa: F401  (the kernel the notebooks run on)
import nbclient
import nbformat

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 600      # seconds per cell


@pytest.fixture(scope="module")
def build():
    """notebooks/build.py as a module (it runs nothing on import)."""
    spec = importlib.util.spec_from_file_location("notebooks_build", ROOT / "notebooks" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_notebook_of_the_build_script_is_committed(build):
    assert [p.stem for p in NOTEBOOKS] == sorted(build.NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_the_build_script_and_has_outputs(path, build):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert [(c.cell_type, c.source) for c in nb.cells] == build.NOTEBOOKS[path.stem], (
        f"{path.name} differs from notebooks/build.py: edit the cells there and run it")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "committed without outputs"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert nb.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_error(path, build, tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    shutil.copy(path, folder / path.name)
    nb = nbformat.read(folder / path.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)", id="which-python"))
    with build.python_kernel() as kernel:
        client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel,
                                         resources={"metadata": {"path": str(folder)}})
        client.execute()       # raises CellExecutionError, naming the cell, on the first error
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    printed = "".join(o.text for o in nb.cells[-1].outputs if o.output_type == "stream").strip()
    assert os.path.realpath(printed) == os.path.realpath(sys.executable), "the kernel is another Python"
