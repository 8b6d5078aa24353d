"""CSV-backed tables: ``nodes: {csv: nodes.csv}`` in a scenario reads rows from a file beside it.

Analysts keep networks in spreadsheets, so any list in a scenario may come from a CSV file. Each
row becomes a mapping; a dotted header (``policy.level``) makes a nested field; an empty cell leaves
the field unset; a cell starting with ``[`` or ``{`` is read as YAML flow (``[{part: A, ...}]``);
every other cell is text, converted by validation like a YAML value. Paths are relative to the
scenario file and may not leave its folder.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from pathlib import Path as FsPath
from typing import Any

from resim.core.errors import Problem, ScenarioError, format_path
from resim.scenario.safeyaml import Budget, Located, decode_text, file_kind, parse_yaml_text

__all__ = ["expand_csv_tables", "MAX_CSV_BYTES", "MAX_TABLE_ROWS"]

MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_TABLE_ROWS = 1_000_000

Path = tuple[str | int, ...]


def expand_csv_tables(located: Located, scenario_path: str | os.PathLike) -> Located:
    """Replace every ``{csv: FILE}`` mapping in ``located`` by the rows of FILE, with their lines.

    Raises ScenarioError listing every unreadable or misplaced table.
    """
    folder = FsPath(scenario_path).resolve().parent
    shown_folder = os.path.dirname(located.where(())[0])
    locations = dict(located.locations)
    problems: list[Problem] = []
    budget = Budget()  # all YAML cells of all tables together

    def expand(value: Any, path: Path) -> Any:
        if isinstance(value, dict) and set(value) == {"csv"}:
            try:
                return _read_table(value["csv"], folder, shown_folder, path, locations, budget)
            except ScenarioError as exc:
                problems.extend(_relocate(exc, located, path))
                return []
        if isinstance(value, dict):
            return {k: expand(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [expand(v, path + (i,)) for i, v in enumerate(value)]
        return value

    data = expand(located.data, ())
    if problems:
        raise ScenarioError(sorted(set(problems)))
    return Located(data, locations)


def _relocate(error: ScenarioError, located: Located, path: Path) -> list[Problem]:
    """Problems without a CSV line of their own point at the ``csv:`` entry in the scenario."""
    file, line = located.where(path + ("csv",))
    return [p if p.line else Problem(file, line, p.path, p.message) for p in error.problems]


def _fail(path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem("", 0, format_path(path + ("csv",)), message)])


def _read_table(name: Any, folder: FsPath, shown_folder: str, path: Path,
                locations: dict[Path, tuple[str, int]], budget: Budget) -> list[dict]:
    if not isinstance(name, str) or not name.strip():
        raise _fail(path, f"got {name!r} (expected the name of a CSV file beside the scenario)")
    target = (folder / name).resolve()
    if os.path.isabs(name) or not target.is_relative_to(folder):
        raise _fail(path, f"{name!r}: the path leaves the scenario's folder (expected a file in {folder})")
    display = os.path.join(shown_folder, name)
    try:
        info = target.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _fail(path, f"{name} is not a regular file ({file_kind(info.st_mode)}; "
                        "expected a CSV file)")
        size = info.st_size
        if size > MAX_CSV_BYTES:
            raise _fail(path, f"{name} is {size:,} bytes (at most {MAX_CSV_BYTES:,})")
        # O_NONBLOCK: should the path turn into a FIFO after the check, opening it does not hang.
        with os.fdopen(os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as stream:
            raw = stream.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        raise _fail(path, f"cannot read {name} ({exc.strerror or exc})") from None
    text = decode_text(raw, display)
    return _rows(text, display, path, locations, budget)


def _rows(text: str, display: str, path: Path, locations: dict[Path, tuple[str, int]],
          budget: Budget) -> list[dict]:
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ScenarioError([Problem(display, 1, format_path(path), f"unreadable CSV header ({exc})")]) from None
    if not header or not any(h.strip() for h in header):
        raise ScenarioError([Problem(display, 1, format_path(path), "no header row (expected column names)")])
    columns = [h.strip() for h in header]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated or "" in columns:
        what = f"repeated column {repeated[0]!r}" if repeated else "an empty column name"
        raise ScenarioError([Problem(display, 1, format_path(path), f"{what} (expected distinct names)")])
    keyed = [tuple(column.split(".")) for column in columns]  # dotted paths, split once
    if any("" in keys for keys in keyed):
        bad = next(c for c, keys in zip(columns, keyed) if "" in keys)
        raise ScenarioError([Problem(display, 1, format_path(path),
                                     f"column {bad!r} has an empty part (expected names like 'policy.level')")])
    whole = set(keyed)
    for column, keys in zip(columns, keyed):
        prefix = next((keys[:n] for n in range(1, len(keys)) if keys[:n] in whole), None)
        if prefix:
            raise ScenarioError([Problem(
                display, 1, format_path(path),
                f"column {'.'.join(prefix)!r} is a value and also has the nested column {column!r} "
                "(expected either the one value or its nested fields)")])
    rows: list[dict] = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(display, start, format_path(path + (len(rows),)), f"unreadable row ({exc})"))
            break
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        index = len(rows)
        row_path = path + (index,)
        if index >= MAX_TABLE_ROWS:
            problems.append(Problem(display, line, format_path(row_path),
                                    f"more than {MAX_TABLE_ROWS:,} rows (at most {MAX_TABLE_ROWS:,} per table)"))
            break
        if len(cells) > len(columns):
            problems.append(Problem(display, line, format_path(row_path),
                                    f"{len(cells)} cells (the header has {len(columns)} columns)"))
        locations[row_path] = (display, line)  # every field of the row is on this line
        row: dict = {}
        for keys, cell in zip(keyed, cells):
            cell = cell.strip()
            if not cell:
                continue
            value = cell if cell[0] not in "[{" else _cell_value(
                cell, display, line, row_path + keys, problems, budget)
            if len(keys) == 1:
                row[keys[0]] = value
            else:
                _set(row, keys, value)
        rows.append(row)
    if problems:
        raise ScenarioError(problems)
    return rows


_PLAIN_LIST = re.compile(r"^\[([^\[\]{}\"'&*!|>%@`#:]*)\]$")


_YAML_WORDS = {"true", "false", "null", "~", "yes", "no", "on", "off"}


def _plain_item(text: str) -> Any:
    """A plain scalar of a flow list, read as YAML 1.2 core would: a number, else text."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _cell_value(cell: str, display: str, line: int, path: Path, problems: list[Problem],
                budget: Budget) -> Any:
    """A cell written as a flow list or mapping (``[...]``, ``{...}``), read as YAML would."""
    plain = _PLAIN_LIST.match(cell)
    if plain:  # the common "[400, 300, 50]": no need for the YAML parser
        items = [item.strip() for item in plain.group(1).split(",")] if plain.group(1).strip() else []
        if not any(item.lower() in _YAML_WORDS or not item for item in items):
            return [_plain_item(item) for item in items]
    try:
        return parse_yaml_text(cell, display, budget).data
    except ScenarioError as exc:
        problems.extend(Problem(display, line, format_path(path), p.message) for p in exc.problems)
        return cell


def _set(row: dict, keys: tuple[str, ...], value: Any) -> None:
    for key in keys[:-1]:
        row = row.setdefault(key, {})
    row[keys[-1]] = value
