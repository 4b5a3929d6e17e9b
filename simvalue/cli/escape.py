"""Terminal safety: user text (a scenario name, a field value) is shown, never obeyed by the terminal.

Control characters (ANSI escapes, carriage returns, NUL), bidirectional overrides and invisible
format characters are printed as ``\\x1b``-style escapes; tabs and newlines stay as they are.
"""

from __future__ import annotations

import re
from typing import TextIO

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
                     "\ufff9-\ufffb]")


def escape_controls(text: str) -> str:
    """``text`` with every character a terminal could act on replaced by a visible escape."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class EscapingWriter:
    """A text stream wrapper that escapes what is written to it (everything else is delegated)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(escape_controls(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)
