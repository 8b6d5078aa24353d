"""The ``resim`` command line: reads the arguments (:mod:`resim.cli.parser`), runs the command
(:mod:`resim.cli.commands`) and turns what went wrong into an exit code. Only :mod:`resim.cli`
prints or exits.

Exit codes: 0 success, 1 failure while running, 2 bad input or usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Sequence

from resim.cli.commands import COMMANDS, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, _print_problems
from resim.cli.parser import build_parser
from resim.core.files import FolderBusy
from resim.core.errors import ScenarioError, WorkersLost

__all__ = ["main"]


def _resume_hint(args: argparse.Namespace) -> str:
    return "; finished replications are kept: add --resume to continue" if args.command == "run" else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by the ``resim`` console script)."""
    args = build_parser().parse_args(argv)
    run = COMMANDS[args.command]
    if hasattr(signal, "SIGXFSZ"):  # over a file-size limit a write raises OSError instead of killing us
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        return run(args)
    except ScenarioError as exc:
        _print_problems(exc.problems)
        return EXIT_BAD_INPUT
    except FolderBusy as exc:
        print(f"resim {args.command}: {exc}; wait for it to finish or choose another folder with -o", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"interrupted{_resume_hint(args)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except WorkersLost as exc:
        print(f"resim {args.command}: {exc}{_resume_hint(args)}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # an output that cannot be written: existing file, read-only, disk full, size limit
        where = f"cannot write {exc.filename}: " if exc.filename else "cannot write: "
        print(f"resim {args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
