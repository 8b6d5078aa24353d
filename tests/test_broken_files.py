"""The corpus of deliberately broken scenarios in tests/broken/.

Each file's first line says what must be reported: ``# expect: field.path: message fragment``.
The offending line carries the marker ``# <-- error``, so the expected line number comes from
the file itself, independently of the loader's bookkeeping. A file with several problems that
must all be reported in one run has one ``# expect:`` line each at the top, in the order of their
markers in the file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from resim.cli.main import main

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

BROKEN = Path(__file__).parent / "broken"
FILES = sorted(BROKEN.glob("*.yaml"))


def _expectations(path: Path) -> list[tuple[str, str, int | None]]:
    lines = path.read_bytes().split(b"\n")
    headers = [raw.decode("ascii") for raw in lines if raw.startswith(b"# expect: ")]
    marked = [i for i, raw in enumerate(lines, 1) if b"# <-- error" in raw]
    expected = []
    for k, header in enumerate(headers):
        field, fragment = header.removeprefix("# expect: ").split(": ", 1)
        expected.append((field, fragment, marked[k] if k < len(marked) else None))
    return expected


def test_the_corpus_is_large_enough():
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_broken_file_is_reported_at_its_field_and_line(path, capsys):
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr()
    problems = [text for text in out.err.splitlines() if text.startswith(str(path))]
    assert problems, out.err
    expected = _expectations(path)
    assert expected, f"{path} says nothing it expects (# expect: field.path: fragment)"
    for field, fragment, line in expected:
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


def test_a_type_error_and_a_dangling_reference_are_both_reported_in_one_run(tmp_path):
    # lanes[0] has a lead time that is not a distribution and a destination that does not exist:
    # both lines at once, and nothing else (the lane's other checks wait for the types).
    path = BROKEN / "lane_type_error_and_unknown_node.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    to_line = lines.index("    to: no_such_node  # <-- error") + 1
    lead_line = lines.index("    lead_time_days: abc  # <-- error") + 1
    result = subprocess.run([sys.executable, "-m", "resim", "validate", str(path)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{path}:{to_line}: lanes[0].to: unknown node 'no_such_node' (no node has this id)",
        f"{path}:{lead_line}: lanes[0].lead_time_days: cannot read 'abc' as a distribution "
        "(expected e.g. poisson(40), normal(40, 8) or a number)",
        "1 of 1 files invalid",
    ]


def test_python_tags_are_never_executed():
    assert not Path("/tmp/resim-pwned").exists()
    main(["validate", str(BROKEN / "yaml_python_tag.yaml")])
    assert not Path("/tmp/resim-pwned").exists()
