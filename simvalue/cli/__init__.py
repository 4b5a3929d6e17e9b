"""The command line: the only part of simvalue that prints, exits or shows progress.

Every SimvalueError becomes one line on stderr and exit code 2; files are written whole or not
at all.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

from ..errors import SimvalueError
from .parser import build_parser

EXIT_OK, EXIT_USAGE = 0, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simvalue`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return args.handler(args)
        except SimvalueError as exc:
            print(f"simvalue: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:  # a file that cannot be read or written: bad input, one line
            print(f"simvalue: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("simvalue: interrupted", file=sys.stderr)
            return 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"simvalue: warning: {message}", file=sys.stderr)


__all__ = ["build_parser", "main"]
