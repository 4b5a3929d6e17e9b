"""Read YAML from files and the command line within bounds: no hang, no deep recursion, no alias bomb.

PyYAML's parser is iterative (a state stack), but its composer and constructor recurse once per
nesting level, and aliases are shared nodes that later code (``rejoin_calls``, ``copy.deepcopy``,
pydantic) expands into copies. :class:`LimitedLoader` therefore checks every parser event before
the composer sees it: nesting depth, and the number of nodes the document would have once every
alias is expanded. The limits live in :mod:`simvalue.limits`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (AliasEvent, CollectionEndEvent, CollectionStartEvent, DocumentEndEvent,
                         Event, ScalarEvent)

from ..errors import ScenarioError
from ..limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES


def read_text(path: Path, limit: int = MAX_YAML_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes; ScenarioError naming it otherwise.

    Opens without blocking (a FIFO would wait for a writer) and checks the opened file itself, so a
    device, FIFO or oversized file is refused before anything is read, even if swapped in late.
    """
    file = str(path)
    if not path.is_file():
        raise ScenarioError("file not found" if not path.exists() else "not a file", file=file)
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError("not a file", file=file)
        if info.st_size > limit:
            raise ScenarioError(_too_big(info.st_size, limit), file=file)
        data = stream.read(limit + 1)
    if len(data) > limit:  # the file grew after fstat
        raise ScenarioError(_too_big(len(data), limit), file=file)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not a UTF-8 text file ({exc.reason})", file=file) from None


def _too_big(size: int, limit: int) -> str:
    return f"file is {size:,} bytes, more than the limit of {limit:,} (scenario and variant files are a few kB)"


class EventBudget:
    """Checks parser events one by one: nesting depth, aliases to open anchors, expanded node count.

    Each anchored node's expanded size and height are recorded when it ends; an alias counts as
    that many nodes at that height, so nine levels of nine aliases count as 9^9 nodes up front.
    Refusals are :class:`ScenarioError` with the event's line and column (the caller adds the file).
    """

    def __init__(self, max_depth: int = MAX_YAML_DEPTH, max_nodes: int = MAX_YAML_NODES) -> None:
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.nodes = 0
        self._aliased = False
        # Open collections: [anchor, node count when it started, height of its deepest child].
        self._open: list[list[Any]] = []
        self._anchors: dict[str, tuple[int, int]] = {}  # anchor -> (expanded nodes, height)

    def see(self, event: Event) -> None:
        """Account for one event; raise ScenarioError when it breaks a limit."""
        if isinstance(event, CollectionStartEvent):
            self._count(1, event)
            if len(self._open) >= self.max_depth:
                raise _refusal(_too_deep(self.max_depth), event.start_mark)
            self._open.append([event.anchor, self.nodes - 1, 0])
        elif isinstance(event, CollectionEndEvent):
            anchor, start, child_height = self._open.pop()
            self._ended(anchor, self.nodes - start, child_height + 1)
        elif isinstance(event, ScalarEvent):
            self._count(1, event)
            self._ended(event.anchor, 1, 0)
        elif isinstance(event, AliasEvent):
            self._alias(event)
        elif isinstance(event, DocumentEndEvent):
            self._anchors.clear()  # anchors are per document, as in the composer

    def _alias(self, event: AliasEvent) -> None:
        if any(anchor == event.anchor for anchor, _, _ in self._open):
            raise _refusal(f"recursive alias *{event.anchor} (it refers to a collection that contains it)",
                           event.start_mark)
        # An unknown anchor counts as one node; the composer then reports it as undefined.
        size, height = self._anchors.get(event.anchor, (1, 0))
        self._aliased = True
        if len(self._open) + height > self.max_depth:
            raise _refusal(f"aliases would nest YAML more than {self.max_depth} levels deep", event.start_mark)
        self._count(size, event)
        if self._open:
            self._open[-1][2] = max(self._open[-1][2], height)

    def _ended(self, anchor: str | None, size: int, height: int) -> None:
        if anchor is not None:
            self._anchors[anchor] = (size, height)
        if self._open:
            self._open[-1][2] = max(self._open[-1][2], height)

    def _count(self, size: int, event: Event) -> None:
        self.nodes += size
        if self.nodes > self.max_nodes:
            what = "aliases would expand to" if self._aliased else "the document has"
            raise _refusal(f"{what} more than {self.max_nodes:,} nodes", event.start_mark)


def _too_deep(limit: int) -> str:
    return f"YAML nested more than {limit} levels deep (mappings and lists)"


def _refusal(message: str, mark: yaml.Mark) -> ScenarioError:
    return ScenarioError(message, path=f"line {mark.line + 1}, column {mark.column + 1}")


class LimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` whose composer sees only events that passed an :class:`EventBudget`.

    A scalar its constructor cannot convert (``!!int abc``, ``2001-02-30``, an integer of 5,000
    digits) becomes a ``ConstructorError`` with its line and column instead of a bare ValueError.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.budget = EventBudget()

    def fetch_flow_collection_start(self, TokenClass: type) -> None:
        # PERF: the scanner looks up to 1,024 characters ahead for a possible key, at a cost that
        # grows with flow nesting (0.3 s for 100,000 "[" in a row, the "100,000 nested lists" case
        # in tests/test_yaml_limits.py); refusing deep "[" and "{" here keeps it at milliseconds.
        if self.flow_level >= self.budget.max_depth:
            raise _refusal(_too_deep(self.budget.max_depth), self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def get_event(self) -> Event:
        event = super().get_event()
        self.budget.see(event)
        return event

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            shown = node.value if isinstance(node.value, str) else node.id
            shown = shown if len(shown) <= 40 else shown[:40] + "..."
            kind = node.tag.rsplit(":", 1)[-1]
            problem = str(exc).split(";")[0]
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {shown!r} as {kind}: {problem}", node.start_mark) from None


def load(text: str, loader: type[LimitedLoader] = LimitedLoader) -> Any:
    """The one YAML document in ``text``, built by ``loader`` within the limits.

    Raises ScenarioError (with line and column, without a file) past a limit, and
    ``yaml.YAMLError`` for malformed YAML, which callers report in their own words.
    """
    if len(text) > MAX_YAML_BYTES:
        raise ScenarioError(f"YAML text of {len(text):,} characters is longer than the limit of {MAX_YAML_BYTES:,}")
    instance = loader(text)
    try:
        return instance.get_single_data()
    except (RecursionError, MemoryError) as exc:  # a safety net: the budget should stop both first
        raise ScenarioError(f"YAML too deeply nested or too large to read ({type(exc).__name__})") from None
    finally:
        instance.dispose()
