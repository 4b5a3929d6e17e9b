"""One exception tree for simvalue: every error names the place, the value and what was expected."""

from __future__ import annotations

import difflib


class SimvalueError(Exception):
    """Base of every error simvalue raises on purpose; the CLI turns it into one line and exit 2."""


class ScenarioError(SimvalueError):
    """A scenario or variant file is wrong: names the file, the field path, what was expected and got."""

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None) -> None:
        self.file = file
        self.path = path
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = ": ".join(part for part in (self.file, self.path) if part)
        return f"{where}: {self.detail}" if where else self.detail

    def located(self, file: str | None) -> "ScenarioError":
        """Return the same error with the file name filled in (keeps an existing one)."""
        if self.file or not file:
            return self
        return type(self)(self.detail, file=file, path=self.path)


class UnstableScenarioError(ScenarioError):
    """Offered load reaches a team's or gate's capacity. No longer raised by loading (issue 21: an overloaded
    team is simulated, with a ScenarioWarning, and its growing backlog reported); kept for code that catches it."""


class SimulationError(SimvalueError):
    """The run itself could not be completed as asked (for example an invalid replication count)."""


def unknown(kind: str, name: str, known: list[str]) -> str:
    """Message for an unknown name, with the closest known names."""
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown {kind} {name!r}{hint} (known: {', '.join(known) or 'none'})"
