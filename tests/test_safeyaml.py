"""Safe YAML reading: limits checked before building, standard tags only, lines remembered."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from resim.core.errors import ScenarioError
from resim.scenario.safeyaml import MAX_DEPTH, decode_text, load_yaml_file, parse_yaml_text


def messages(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_yaml_text(text, "f.yaml")
    return [str(p) for p in info.value.problems]


def test_values_and_the_lines_they_came_from():
    located = parse_yaml_text("name: x\nnodes:\n  - id: a\n    kind: plant\n  - id: b\n", "f.yaml")
    assert located.data == {"name": "x", "nodes": [{"id": "a", "kind": "plant"}, {"id": "b"}]}
    assert located.where(("name",)) == ("f.yaml", 1)
    assert located.where(("nodes", 0, "kind")) == ("f.yaml", 4)
    assert located.where(("nodes", 1)) == ("f.yaml", 5)
    # A path below a located one falls back to its nearest located ancestor.
    assert located.where(("nodes", 1, "makes", 3)) == ("f.yaml", 5)


def test_timestamps_stay_text_and_merge_keys_work():
    data = parse_yaml_text("when: 2024-01-02\nbase: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\n", "f").data
    assert data["when"] == "2024-01-02"
    assert data["use"] == {"x": 1, "y": 3}


def test_billion_laughs_is_refused_quickly():
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    start = time.perf_counter()
    found = messages("\n".join(levels) + "\n")
    assert time.perf_counter() - start < 5
    assert any("yaml: alias expansion" in m for m in found)


def test_an_alias_inside_itself_is_refused():
    assert any("refers to itself" in m for m in messages("a: &x [1, *x]\n"))


def test_nesting_beyond_the_limit_is_refused():
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    assert any("nest" in m for m in messages(f"a: {deep}\n"))


def test_tags_other_than_the_standard_ones_are_refused_with_their_line():
    found = messages("a: 1\nb: !!python/object/apply:os.system [ls]\nc: !custom 3\n")
    assert any(m.startswith("f.yaml:2: b: the tag tag:yaml.org,2002:python/object/apply:os.system") for m in found)
    assert any(m.startswith("f.yaml:3: c: the tag !custom is not allowed") for m in found)


def test_duplicate_keys_are_all_reported():
    found = messages("a: 1\nb: 2\na: 3\nb: 4\n")
    assert found == ["f.yaml:3: a: duplicate key 'a' (each key once per mapping)",
                     "f.yaml:4: b: duplicate key 'b' (each key once per mapping)"]


def test_syntax_errors_name_their_line():
    assert messages("a: [1, 2\nb: 3\n")[0].startswith("f.yaml:")
    assert "expected valid YAML" in messages("a:\n\t- 1\n")[0]


def test_several_documents_are_refused():
    assert messages("a: 1\n---\nb: 2\n") == ["f.yaml:3: yaml: more than one YAML document (expected exactly one)"]


def test_binary_and_non_utf8_input_is_refused_with_the_line():
    with pytest.raises(ScenarioError, match=r"f:2: \(file\): binary data"):
        decode_text(b"a: 1\nb: \x00\x01", "f")
    with pytest.raises(ScenarioError, match=r"f:3: \(file\): not valid UTF-8 \(byte 0xe9"):
        decode_text(b"a: 1\nb: 2\nc: caf\xe9\n", "f")
    assert decode_text("\ufeffa: é".encode("utf-8"), "f") == "a: é"


def test_files_over_the_size_limit_are_refused_without_reading(tmp_path, monkeypatch):
    import resim.scenario.safeyaml as safeyaml

    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 2000 + "\n")
    monkeypatch.setattr(safeyaml, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ScenarioError, match="bytes \\(at most 1,000\\)"):
        load_yaml_file(path)


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_yaml_file(tmp_path / "nope.yaml")


def test_yaml_1_1_surprises_stay_text():
    data = parse_yaml_text("country: NO\nok: yes\nflag: true\nt: 1:30\nn: 12\n", "f").data
    assert data == {"country": "NO", "ok": "yes", "flag": True, "t": "1:30", "n": 12}


def test_libyaml_and_the_pure_python_composer_give_the_same_data_and_lines(monkeypatch):
    # Large files are composed by libyaml when PyYAML has it; the data and the line of every
    # value must be what the pure-Python composer gives (which is used whenever libyaml is not).
    import yaml as pyyaml

    from resim.scenario import safeyaml

    if not hasattr(pyyaml, "CSafeLoader"):
        pytest.skip("this PyYAML has no libyaml: only the pure-Python composer runs")
    for path in sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert safeyaml._compose_fast(text) is not None
        fast = safeyaml.parse_yaml_text(text, str(path))
        with monkeypatch.context() as patch:
            patch.setattr(safeyaml, "_compose_fast", lambda _text: None)
            slow = safeyaml.parse_yaml_text(text, str(path))
        assert (fast.data, fast.locations) == (slow.data, slow.locations)


def test_what_libyaml_would_take_differently_goes_to_the_pure_python_composer():
    from resim.scenario.safeyaml import MAX_DEPTH, _compose_fast

    assert _compose_fast("a: 1\n") is not None
    assert _compose_fast("a: [" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)) is None   # too deep to recurse
    assert _compose_fast("a: \x07\n") is None                                        # a character PyYAML refuses
    assert _compose_fast("a: [1, 2\n") is None                                       # invalid: PyYAML's message
