"""Names for what a log holds (activities, groups, types, priorities) that the scenario format accepts.

A scenario name starts with a letter or ``_`` and holds letters, digits, ``_`` and ``-``: a log's
ids may be anything (``19019``, ``true``, ``2012-05-03``, an e-mail address, 2,000 characters).
"""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")
#: The most characters of a name taken from the log (longer ones end in a short digest of the whole).
NAME_LENGTH = 48


def safe_name(text: str) -> str:
    """Letters, digits, ``_`` and ``-`` of ``text``, the rest as ``_`` ('Wait - User' -> 'Wait_-_User');
    shortened with a digest past NAME_LENGTH. May start with a digit: a part of a name, not a whole one."""
    name = _UNSAFE.sub("_", str(text).strip()) or "blank"
    if len(name) > NAME_LENGTH:
        name = name[:NAME_LENGTH - 9] + "_" + hashlib.sha1(str(text).encode()).hexdigest()[:8]
    return name


def scenario_name(text: str, prefix: str = "t") -> str:
    """A whole scenario name for a log's value: ``safe_name``, with ``prefix_`` when it would not start
    with a letter or ``_`` ('19019' -> 't_19019', '-' -> 't_-')."""
    name = safe_name(text)
    return name if name[0].isalpha() or name[0] == "_" else f"{prefix}_{name}"


__all__ = ["NAME_LENGTH", "safe_name", "scenario_name"]
