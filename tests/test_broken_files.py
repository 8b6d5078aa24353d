"""The corpus of deliberately broken scenarios in tests/broken/.

Each file's first line says what must be reported: ``# expect: field.path: message fragment``.
The offending line carries the marker ``# <-- error``, so the expected line number comes from
the file itself, independently of the loader's bookkeeping.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from resim.cli import main

BROKEN = Path(__file__).parent / "broken"
FILES = sorted(BROKEN.glob("*.yaml"))


def _expectation(path: Path) -> tuple[str, str, int | None]:
    header = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    field, fragment = header.removeprefix("# expect: ").split(": ", 1)
    marked = [i for i, raw in enumerate(path.read_bytes().split(b"\n"), 1) if b"# <-- error" in raw]
    return field, fragment, marked[0] if marked else None


def test_the_corpus_is_large_enough():
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_broken_file_is_reported_at_its_field_and_line(path, capsys):
    field, fragment, line = _expectation(path)
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr()
    problems = [text for text in out.err.splitlines() if text.startswith(str(path))]
    assert problems, out.err
    where = f"{path}:{line}: " if line else f"{path}"
    matching = [p for p in problems if p.startswith(where) and f" {field}: " in p and fragment in p]
    assert matching, f"expected {where}... {field}: ...{fragment}... in:\n" + "\n".join(problems)
    assert "Traceback" not in out.err + out.out


def test_validate_over_the_whole_corpus_in_one_process_never_shows_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "resim", "validate", *map(str, FILES)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    reported = {line.split(":", 1)[0] for line in result.stderr.splitlines() if ":" in line}
    assert {str(f) for f in FILES} <= reported
    assert result.stderr.rstrip().endswith(f"{len(FILES)} of {len(FILES)} files invalid")


def test_python_tags_are_never_executed():
    assert not Path("/tmp/resim-pwned").exists()
    main(["validate", str(BROKEN / "yaml_python_tag.yaml")])
    assert not Path("/tmp/resim-pwned").exists()
