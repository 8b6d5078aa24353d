"""CSV-backed tables: rows, nested columns, flow cells, line numbers and the folder boundary."""

from __future__ import annotations

import os

import pytest

from resim.core.errors import ScenarioError
from resim.scenario.safeyaml import load_yaml_file
from resim.scenario.tables import expand_csv_tables


def load(tmp_path, yaml_text: str, **csvs: str):
    for name, text in csvs.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    return expand_csv_tables(load_yaml_file(path), path)


def test_rows_become_mappings_with_nested_fields_flow_cells_and_lines(tmp_path):
    located = load(tmp_path, "name: x\nnodes: {csv: nodes.csv}\n", nodes=(
        "id,kind,policy.type,policy.level,inventory\n"
        "a,plant,base_stock,40,\n"
        "\n"
        'b,dc,,,"[{part: P, initial: 3}]"\n'))
    assert located.data["nodes"] == [
        {"id": "a", "kind": "plant", "policy": {"type": "base_stock", "level": "40"}},
        {"id": "b", "kind": "dc", "inventory": [{"part": "P", "initial": 3}]},
    ]
    shown = os.path.join(str(tmp_path), "nodes.csv")
    assert located.where(("nodes", 0, "policy", "level")) == (shown, 2)
    assert located.where(("nodes", 1, "inventory", 0, "part")) == (shown, 4)
    assert located.where(("name",)) == (str(tmp_path / "s.yaml"), 1)


def test_quoted_cells_spanning_lines_keep_the_row_start_line(tmp_path):
    located = load(tmp_path, "lanes: {csv: l.csv}\n", l='from,note\na,"two\nlines"\nb,x\n')
    assert [r["from"] for r in located.data["lanes"]] == ["a", "b"]
    assert located.where(("lanes", 1))[1] == 4


@pytest.mark.parametrize("name", ["../outside.csv", "/etc/passwd", "sub/../../x.csv"])
def test_paths_may_not_leave_the_scenario_folder(tmp_path, name):
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, f"name: x\nnodes: {{csv: '{name}'}}\n")
    [problem] = info.value.problems
    assert (problem.line, problem.path) == (2, "nodes.csv")
    assert "leaves the scenario's folder" in problem.message


def test_a_symlink_pointing_outside_is_refused(tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("id\na\n")
    inner = tmp_path / "scenario"
    inner.mkdir()
    (inner / "nodes.csv").symlink_to(outside)
    with pytest.raises(ScenarioError, match="leaves the scenario's folder"):
        load(inner, "nodes: {csv: nodes.csv}\n")


def test_missing_files_and_bad_rows_are_all_reported(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, "nodes: {csv: nodes.csv}\nlanes: {csv: gone.csv}\n",
             nodes="id,inventory\na,\"[1, 2\"\nb,c,d\n")
    found = sorted(str(p) for p in info.value.problems)
    shown = os.path.join(str(tmp_path), "nodes.csv")
    assert any(f.startswith(f"{tmp_path / 's.yaml'}:2: lanes.csv: cannot read gone.csv") for f in found)
    assert any(f.startswith(f"{shown}:2: nodes[0].inventory: ") for f in found)
    assert any(f == f"{shown}:3: nodes[1]: 3 cells (the header has 2 columns)" for f in found)


def test_repeated_columns_are_refused(tmp_path):
    with pytest.raises(ScenarioError, match="repeated column 'id'"):
        load(tmp_path, "nodes: {csv: n.csv}\n", n="id,id\na,b\n")
