"""The ``resim`` command line: the only module that prints or exits.

Exit codes: 0 success, 1 failure while running, 2 bad input or usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from resim import __version__
from resim.errors import Problem, ScenarioError

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so no half file remains."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cmd_validate(args: argparse.Namespace) -> int:
    from resim.scenario import load_scenario

    bad = 0
    for path in args.paths:
        try:
            load_scenario(path)
        except ScenarioError as exc:
            _print_problems(exc.problems)
            bad += 1
        else:
            if not args.quiet:
                print(f"{path}: valid")
    if bad:
        print(f"{bad} of {len(args.paths)} files invalid", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    from resim.info import describe
    from resim.scenario import load_scenario

    print(describe(load_scenario(args.path)))
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from resim.jsonschema import scenario_schema

    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if args.output:
        write_atomic(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resim",
        description="Simulate manufacturing value chains under disruption and compare how "
                    "response strategies (MaaS, circular supply, buffers) recover, and at what cost.",
    )
    parser.add_argument("--version", action="version", version=f"resim {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate", help="check scenario files; exit 0 when every file is valid",
        description="Check scenario files. Every problem is printed as FILE:LINE: field.path: "
                    "message; the exit code is 2 when any file is invalid.")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="scenario YAML files")
    validate.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    validate.set_defaults(run=_cmd_validate)

    info = commands.add_parser(
        "info", help="readable summary of a scenario's value chain",
        description="Summarise a scenario: node kinds, supplier tiers, regions, parts, "
                    "single-sourced critical parts and regional concentration.")
    info.add_argument("path", metavar="PATH", help="scenario YAML file")
    info.set_defaults(run=_cmd_info)

    schema = commands.add_parser(
        "schema", help="JSON Schema of the scenario format (for editors)",
        description="Print the JSON Schema of scenario files, e.g. for the YAML language server "
                    "('# yaml-language-server: $schema=resim.schema.json').")
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    schema.set_defaults(run=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by the ``resim`` console script)."""
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except ScenarioError as exc:
        _print_problems(exc.problems)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
