"""The command line: the only part of simvalue that prints, exits or shows progress.

Every SimvalueError becomes one line on stderr and exit code 2; files are written whole or not
at all.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

from ..errors import SimvalueError
from .escape import EscapingWriter, escape_controls
from .parser import build_parser

EXIT_OK, EXIT_USAGE = 0, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simvalue`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    stdout = sys.stdout
    sys.stdout = EscapingWriter(stdout)  # names and values from files are shown, never obeyed
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return _handle(args)
    finally:
        sys.stdout = stdout


def _handle(args) -> int:
    """Run the command; every expected failure becomes one line on stderr and its exit code."""
    try:
        return args.handler(args)
    except SimvalueError as exc:
        _error(str(exc))
    except OSError as exc:  # a file that cannot be read or written: bad input, one line
        _error(f"{exc.filename or ''}: {exc.strerror or exc}")
    except MemoryError:
        _error("out of memory: use fewer replications or a shorter horizon; nothing was written")
    except KeyboardInterrupt:
        print("simvalue: interrupted", file=sys.stderr)
        return 130
    return EXIT_USAGE


def _error(message: str) -> None:
    print(f"simvalue: error: {escape_controls(message)}", file=sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"simvalue: warning: {escape_controls(str(message))}", file=sys.stderr)


__all__ = ["build_parser", "main"]
