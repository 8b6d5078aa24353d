"""The scenario format reference and the command-line help, generated from the code.

:func:`format_reference` writes ``docs/reference.md`` from the pydantic models of
:mod:`resim.scenario.format` (types, defaults, descriptions, validators) and the JSON Schema of
:func:`resim.scenario.jsonschema.scenario_schema` (bounds, enum values, CSV tables), which
:mod:`resim.cli.reference_fields` puts in words; :func:`cli_help` renders
the ``--help`` text of every command from the argparse parser of :mod:`resim.cli.parser`, and
:func:`fill_generated` puts it into the ``<!-- generated: resim ... --help -->`` blocks of
``docs/cli.md``. ``tests/test_docs.py`` fails when the committed files differ from what these
functions produce; regenerate both with::

    .venv/bin/python -m resim.cli.reference

Field descriptions come from ``Field(description=...)`` in :mod:`resim.scenario.format`; the
prose the models do not hold (notes on fields, validators in words, the fixed paragraphs) is in
:mod:`resim.cli.reference_text`.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path
from typing import Literal, Sequence, get_origin

from pydantic import BaseModel

from resim.cli.reference_fields import (_cell, _common_base, _constraints, _csv_allowed, _discriminator_value,
                                        _dist_notes, _field_annotation, _first_sentence, _flow, _narrowed, _nested,
                                        _never_negative, _note, _rule, _type, _union_name, _validators)
from resim.cli.reference_text import ACTION_NOTES, CHECKS, DISTRIBUTIONS, INTRO, SECTION_NOTES, TYPE_NOTES
from resim.core import dist_models
from resim.scenario import taxonomy
from resim.scenario.format import common
from resim.scenario.jsonschema import scenario_schema
from resim.scenario import Scenario

__all__ = ["format_reference", "cli_help", "fill_generated", "missing_blocks", "write_docs", "main",
           "DOCS", "REGENERATE"]

#: The docs folder of a source checkout (the package is installed editable).
DOCS = Path(__file__).resolve().parents[2] / "docs"
#: The command that rewrites the generated docs.
REGENERATE = ".venv/bin/python -m resim.cli.reference"

# -- the reference ----------------------------------------------------------------------------------


class _Reference:
    def __init__(self) -> None:
        schema = scenario_schema()
        self.defs: dict[str, dict] = schema["$defs"]
        self.defs["Scenario"] = schema
        self.out: list[str] = []
        self.toc: list[tuple[int, str, str, bool]] = []

    def heading(self, level: int, title: str, anchor: str, *, listed: bool = False) -> None:
        self.out += [f'<a id="{anchor}"></a>', "", f"{'#' * level} {title}", ""]
        self.toc.append((level, title, anchor, listed or level <= 3))

    def table(self, cls: type[BaseModel], names: Sequence[str], schema_cls: type[BaseModel]) -> None:
        """The fields ``names`` of ``cls``, with the JSON Schema of ``schema_cls`` (``cls`` itself, or
        for the shared base of a union, which has no schema of its own, its first member)."""
        props = self.defs[schema_cls.__name__]["properties"]
        self.out += ["| field | type | default | constraints | description |",
                     "| --- | --- | --- | --- | --- |"]
        for name in names:
            info = cls.model_fields[name]
            key = info.alias or name
            prop = props[key]
            kind = _type(_field_annotation(info))
            if _csv_allowed(prop):
                kind += " or `{csv: FILE}`"
            if info.is_required():
                default = "**required**"
            else:
                value = info.get_default(call_default_factory=True)
                if value is None:
                    default = "*unset*"
                elif isinstance(value, BaseModel) and _flow(value) == "{}":
                    default = "*its defaults*"
                else:
                    default = f"`{_flow(value)}`"
            constraints = ", ".join(c for c in [_constraints(prop), *_narrowed(_field_annotation(info))] if c)
            description = info.description or _note(cls, name)
            if name == "type" and get_origin(info.annotation) is Literal and not description:
                description = "selects this type"
            self.out.append(f"| `{key}` | {_cell(kind)} | {_cell(default)} | "
                            f"{_cell(constraints)} | {_cell(description)} |")
        self.out.append("")

    def rules(self, cls: type[BaseModel]) -> None:
        found = _validators(cls)
        if found:
            label = "Rule" if len(found) == 1 else "Rules"
            self.out += [f"**{label}:** " + " ".join(_rule(cls, name) for name in found), ""]

    def model(self, cls: type[BaseModel], path: str, level: int, *, title: str | None = None,
              intro: str = "", names: Sequence[str] | None = None, anchor: str | None = None) -> None:
        self.heading(level, title or f"`{path}` — {cls.__name__}", anchor or cls.__name__.lower())
        text = intro or _first_sentence(cls.__doc__) or TYPE_NOTES.get(cls.__name__, "")
        if text:
            self.out += [text, ""]
        names = list(cls.model_fields) if names is None else list(names)
        self.rules(cls)
        if names:
            self.table(cls, names, cls)
        self.extras(cls)
        self.children(cls, names, path, level + 1)

    def children(self, cls: type[BaseModel], names: Sequence[str], path: str, level: int) -> None:
        for name in names:
            info = cls.model_fields[name]
            key = info.alias or name
            for kind, what, is_list in _nested(_field_annotation(info)):
                sub = f"{path}.{key}" if path else key
                sub += "[]" if is_list else ""
                if kind == "model":
                    self.model(what, sub, level)
                else:
                    self.union(what, sub, level)

    def union(self, members: Sequence[type[BaseModel]], path: str, level: int) -> None:
        singular, plural, anchor = _union_name(members)
        base = _common_base(members)
        self.heading(level, f"`{path}` — {plural}", anchor, listed=True)
        self.out += [f"Each {singular} names its `type`, which decides the other fields it takes:", "",
                     "| type | what it is |", "| --- | --- |"]
        for member in members:
            value = _discriminator_value(member)
            what = _first_sentence(member.__doc__) or TYPE_NOTES.get(member.__name__, "")
            self.out.append(f"| [`{value}`](#{member.__name__.lower()}) | {_cell(what)} |")
        self.out.append("")
        shared = [n for n in base.model_fields if n != "type"]
        if shared:
            self.out += [f"Fields of every {singular}:", ""]
            self.rules(base)
            self.table(base, shared, members[0])
        self.extras(base)
        self.children(base, shared, path, level + 1)
        for member in members:
            own = [n for n in member.model_fields
                   if n not in base.model_fields or n in vars(member).get("__annotations__", {})]
            own.sort(key=lambda n: n != "type")  # the discriminator first
            value = _discriminator_value(member)
            intro = _first_sentence(member.__doc__) or TYPE_NOTES.get(member.__name__, "")
            if shared:
                intro += f" Also takes the [fields of every {singular}](#{anchor})."
            self.model(member, path, level + 1, names=own, intro=intro.strip(),
                       title=f"`type: {value}` — {member.__name__}")

    def extras(self, cls: type[BaseModel]) -> None:
        name = cls.__name__
        if name == "Strategy":
            from resim.scenario.format.strategies import ActionKind

            self.out += ["Actions (see [strategies.md](strategies.md)):", "",
                         "| action | what it does |", "| --- | --- |"]
            self.out += [f"| `{a}` | {_cell(ACTION_NOTES.get(a, ''))} |" for a in ActionKind] + [""]
        elif name in SECTION_NOTES:
            self.out += [SECTION_NOTES[name], ""]

    def top(self) -> None:
        names = list(Scenario.model_fields)
        self.heading(2, "Top level", "top-level")
        self.out += ["A scenario file is a mapping of these fields.", ""]
        self.rules(Scenario)
        self.table(Scenario, names, Scenario)
        self.children(Scenario, names, "", 2)

    def distributions(self) -> None:
        self.heading(2, "Distributions", "distributions")
        self.out += [*DISTRIBUTIONS, *_never_negative(),
                     "| name | compact form | mapping form | parameters | what it is |",
                     "| --- | --- | --- | --- | --- |"]
        notes = _dist_notes()
        for name, model in dist_models.BY_NAME.items():
            params = [p for p in model.model_fields if p != "dist"]
            compact = "—" if name == "discrete" else f"`{name}({', '.join(params)})`"
            mapping = "`{dist: " + name + "".join(f", {p}: …" for p in params) + "}`"
            self.out.append(f"| `{name}` | {compact} | {_cell(mapping)} | "
                            f"{_cell(notes.get(name, ''))} | {_cell(_first_sentence(model.__doc__))} |")
        self.out.append("")

    def value_types(self) -> None:
        self.heading(2, "Value types", "value-types")
        self.out += [
            "| type | written as | example |", "| --- | --- | --- |",
            f"| id | a letter, then letters, digits, `_`, `.` or `-`; at most 64 characters "
            f"(`{_cell(common._ID.pattern)}`) | `motor_cn` |",
            f"| country | ISO 3166 alpha-2, two capital letters (`{common._COUNTRY.pattern}`) | `DE`, `TW` |",
            f"| region | lower_case name (`{common._REGION.pattern}`) | `east_asia` |",
            "| lane reference | a lane's `id`, or `FROM->TO` | `pcba_my->controller_hu` |",
            "| process path | `group/process[/variant]`: see [process paths](#process-paths) | "
            "`cutting/milling/5-axis` |",
            "| certification | one of the [certifications](#certifications) | `ISO 9001` |",
            "| list (or `a; b`) | a YAML list, or one text with items separated by `;` (as in a "
            "CSV cell) | `[a, b]`, `a; b` |",
            "| `{csv: FILE}` | the list read from a CSV file beside the scenario; header cells are "
            "dotted field paths (see [format.md](format.md#tables-from-csv-files)) | "
            "`{csv: nodes.csv}` |", ""]
        self.heading(3, "Process paths", "process-paths")
        self.out += ["A path names a group of DIN 8580 (and `other`), a process of that group and "
                     "optionally a free-text variant. Case and spaces are normalised (`Cutting/Laser "
                     "cutting` reads as `cutting/laser_cutting`). A MaaS offering of "
                     "`cutting/milling/5-axis` matches a need for `cutting/milling`.", "",
                     "| group | processes |", "| --- | --- |"]
        self.out += [f"| `{group}` | {', '.join(f'`{p}`' for p in processes)} |"
                     for group, processes in taxonomy.PROCESSES.items()] + [""]
        self.heading(3, "Certifications", "certifications")
        self.out += ["Case and spacing are ignored (`iso9001` reads as `ISO 9001`): "
                     + ", ".join(f"`{c}`" for c in taxonomy.CERTIFICATIONS) + ".", ""]

    def checks(self) -> None:
        self.heading(2, "Checks across sections", "checks-across-sections")
        self.out += CHECKS

    def render(self) -> str:
        self.top()
        self.distributions()
        self.value_types()
        self.checks()
        contents, depth = [], 0
        for level, title, anchor, listed in self.toc:
            if listed:  # indented under the last listed heading above it
                depth = min(level - 2, depth + 1) if contents else 0
                contents.append(f"{'  ' * depth}- [{title}](#{anchor})")
        head = [
            "# Scenario format reference", "",
            f"<!-- Generated by resim/cli/reference.py from the models in resim/scenario/format/ and "
            f"resim.scenario.jsonschema. Do not edit: run {REGENERATE} -->", "",
            *INTRO,
            "## Contents", "", *contents, ""]
        return "\n".join(head + self.out).rstrip() + "\n"


def format_reference() -> str:
    """docs/reference.md: every section and field of the scenario format, as Markdown."""
    return _Reference().render()


# -- the command-line help ----------------------------------------------------------------------------

HELP_WIDTH = 92


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help at a fixed width, with options shown as ``-o, --output DIR`` on every
    Python version, so that the generated docs do not depend on the terminal or the interpreter."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, HELP_WIDTH)

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        metavar = self._format_args(action, self._get_default_metavar_for_optional(action))
        return f"{', '.join(action.option_strings)} {metavar}"


def _help_of(parser: argparse.ArgumentParser) -> str:
    parser.formatter_class = _HelpFormatter
    if hasattr(parser, "color"):  # Python 3.14 colours help on terminals
        parser.color = False
    return parser.format_help().rstrip() + "\n"


def cli_help() -> dict[str, str]:
    """The ``--help`` text of ``resim`` and of each of its commands, keyed ``resim CMD --help``."""
    from resim.cli.parser import build_parser  # the parser only: nothing here prints or exits

    parser = build_parser()
    blocks = {"resim --help": _help_of(parser)}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                blocks[f"resim {name} --help"] = _help_of(sub)
    return blocks


_BLOCK = re.compile(r"(<!-- generated: (?P<key>[^>]+?) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def fill_generated(text: str, blocks: dict[str, str]) -> str:
    """``text`` with the body of each ``<!-- generated: KEY -->`` … ``<!-- end generated -->``
    block replaced by ``blocks[KEY]`` as a fenced code block. Raises KeyError for an unknown KEY."""
    def replace(match: re.Match) -> str:
        key = match.group("key")
        if key not in blocks:
            raise KeyError(f"docs/cli.md has a generated block for {key!r}, which is not a "
                           f"command (known: {', '.join(blocks)})")
        return f"{match.group(1)}```text\n{blocks[key]}```\n{match.group(4)}"

    return _BLOCK.sub(replace, text)


def missing_blocks(text: str, blocks: dict[str, str]) -> list[str]:
    """Keys of ``blocks`` that ``text`` has no generated block for."""
    present = {m.group("key") for m in _BLOCK.finditer(text)}
    return [key for key in blocks if key not in present]


def _diff(old: str, new: str, name: str) -> str:
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"{name} (committed)",
                                      f"{name} (generated)", lineterm="", n=1))
    return "\n".join(lines[:60] + (["..."] if len(lines) > 60 else []))


def write_docs(docs: Path = DOCS, *, check: bool = False) -> list[str]:
    """Rewrite docs/reference.md and the generated blocks of docs/cli.md (or, with ``check``,
    only compare). Returns the problems: files that changed (or would), and commands without a
    block in docs/cli.md."""
    from resim.core.files import write_atomic

    problems = []
    reference = docs / "reference.md"
    generated = format_reference()
    current = reference.read_text(encoding="utf-8") if reference.exists() else ""
    if current != generated:
        problems.append(f"{reference} is out of date" if check else f"{reference} rewritten")
        if not check:
            write_atomic(reference, generated)
    cli = docs / "cli.md"
    blocks = cli_help()
    text = cli.read_text(encoding="utf-8") if cli.exists() else ""
    filled = fill_generated(text, blocks)
    if filled != text:
        problems.append(f"{cli}: generated blocks out of date" if check else f"{cli} blocks rewritten")
        if not check:
            write_atomic(cli, filled)
    for key in missing_blocks(text, blocks):
        problems.append(f"{cli} has no block for '{key}': add a section with "
                        f"<!-- generated: {key} --> and <!-- end generated --> and run {REGENERATE}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m resim.cli.reference [--check] [--docs DIR]``: regenerate the docs (exit 1 when a
    command has no block in docs/cli.md, or with ``--check`` when anything is out of date)."""
    parser = argparse.ArgumentParser(prog="python -m resim.cli.reference", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="only compare; change nothing")
    parser.add_argument("--docs", type=Path, default=DOCS, help=f"docs folder (default {DOCS})")
    args = parser.parse_args(argv)
    problems = write_docs(args.docs, check=args.check)
    for problem in problems:
        print(problem)
    failed = [p for p in problems if args.check or "has no block" in p]
    if not problems:
        print(f"{args.docs}/reference.md and {args.docs}/cli.md are up to date")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
