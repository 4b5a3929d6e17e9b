"""Warnings raised while the app loads, validates or runs, collected for the page instead of the terminal.

``warnings.catch_warnings`` swaps process-wide state, so only one capture is taken at a time (a
lock). A validation that finds a run capturing goes on without capturing rather than wait for
the run (its warnings then join the run's, or go to the terminal as the CLI's would).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()


@contextmanager
def captured(wait: bool = False) -> Iterator[list[str]]:
    """Collect the messages of warnings raised inside the block (each once, in order) into the list
    yielded, filled when the block ends. ``wait``: wait for another capture to end (runs do)."""
    notes: list[str] = []
    if not _LOCK.acquire(blocking=wait):
        yield notes
        return
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield notes
        notes.extend(dict.fromkeys(str(w.message) for w in caught))
    finally:
        _LOCK.release()
