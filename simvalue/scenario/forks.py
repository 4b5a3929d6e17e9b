"""Which steps of a stream lie on the branches of its forks, and the checks that need the whole stream.

A branch is every step reachable from one of a fork's ``branches`` along ``next`` (every table by
priority), the following step (no ``next``) and diversions (a rejection, a timeout), until a
``next`` naming ``join``. Branches are disjoint and closed: no other step routes into them, they end
only at the join (or ``drop``: a rejection drops the whole item), and they hold no fork of their own.
Each error names the field path to change.
"""

from __future__ import annotations

from ..errors import ScenarioError
from ..steps import JOIN
from ..steps.by_priority import NextByPriority
from .snapshot import open_items
from .model import DONE, DROP, Scenario, Step, Stream


def targets(stream: Stream, position: int) -> list[str]:
    """Every place an item may go from step ``position`` (probabilities aside), in a fixed order."""
    step = stream.steps[position]
    if isinstance(step.next, NextByPriority):
        found = [t for table in step.next.cases.values() for t in table]
    elif step.next is not None:
        found = list(step.next)
    else:
        onward = step.kind.onward(step)
        following = stream.steps[position + 1].name if position + 1 < len(stream.steps) else DONE
        found = list(onward) if onward is not None else [following]
    found += list(step.kind.diversions(step)) + step.kind.branches(step)
    return list(dict.fromkeys(found))


def main_line(stream: Stream) -> set[str]:
    """The steps reached from the stream's first step without entering a branch (no branch's first step)."""
    index = {step.name: i for i, step in enumerate(stream.steps)}
    starts = {b for step in stream.steps if step.fork is not None for b in step.fork.branches}
    seen: set[str] = set()
    todo = [stream.steps[0].name]
    while todo:
        name = todo.pop()
        if name not in seen and name in index and name not in starts:
            seen.add(name)
            todo += targets(stream, index[name])
    return seen


def branch_members(stream: Stream) -> dict[tuple[str, int], list[str]]:
    """(fork step name, branch number) -> the steps on that branch, its first step first; a branch
    stops at the steps of the main line (a branch routing there is refused by check_forks)."""
    index = {step.name: i for i, step in enumerate(stream.steps)}
    main = main_line(stream)
    members: dict[tuple[str, int], list[str]] = {}
    for step in stream.steps:
        for number, first in enumerate(step.fork.branches if step.fork is not None else ()):
            seen: list[str] = []
            todo = [first]
            while todo:
                name = todo.pop()
                if name in seen or name not in index or name in main:
                    continue
                seen.append(name)
                todo += [t for t in reversed(targets(stream, index[name])) if t not in (JOIN, DONE, DROP)]
            members[step.name, number] = seen
    return members


def branch_owners(stream: Stream) -> dict[str, tuple[str, int]]:
    """Step name -> (fork step name, branch number) for every step on a branch of a fork (the first
    branch reaching it, when a faulty stream shares it)."""
    owners: dict[str, tuple[str, int]] = {}
    for owner, names in branch_members(stream).items():
        for name in names:
            owners.setdefault(name, owner)
    return owners


def check_forks(scenario: Scenario, name: str, stream: Stream) -> None:
    """Refuse branches that share steps, are entered from outside, leave other than by the join, never
    reach the join, hold a fork, realise value or raise items; and open items placed on a branch."""
    if not any(step.fork is not None for step in stream.steps):
        if any(JOIN in targets(stream, position) for position in range(len(stream.steps))):
            position = next(p for p in range(len(stream.steps)) if JOIN in targets(stream, p))
            raise ScenarioError("'join' ends a branch of a fork, and this stream has no fork",
                                path=f"streams.{name}.steps[{stream.steps[position].name}].next")
        return
    owners = branch_owners(stream)
    if stream.steps[0].name in owners:
        raise ScenarioError("items enter a stream at its first step, which cannot be on a branch of a fork; list "
                            "the fork (or a step before it) first", path=f"streams.{name}.steps[{stream.steps[0].name}]")
    for step in stream.steps:
        if step.name in owners and step.fork is not None:
            raise ScenarioError(f"a fork inside a branch of fork {owners[step.name][0]!r} (nested forks) is not "
                                "supported; list its branches in the outer fork",
                                path=f"streams.{name}.steps[{step.name}].fork")
    _check_shared(name, stream, owners)
    order = sorted(range(len(stream.steps)), key=lambda p: stream.steps[p].name not in owners)  # branches first
    for position in order:
        step = stream.steps[position]
        _check_step(stream, position, step, f"streams.{name}.steps[{step.name}]", owners)
    if stream.value_at in owners:
        raise ScenarioError(f"value cannot be realised on a branch of fork {owners[stream.value_at][0]!r}: "
                            "name the fork or a later step", path=f"streams.{name}.value_at")
    _check_initial(scenario, name, owners)


def _check_shared(name: str, stream: Stream, owners: dict[str, tuple[str, int]]) -> None:
    """A step on two branches (of one fork or two) would run twice at once: refuse it."""
    for (fork, number), names in branch_members(stream).items():
        for step in names:
            if owners[step] != (fork, number):
                first = stream.steps[[s.name for s in stream.steps].index(fork)].fork.branches[number]
                raise ScenarioError(f"step {step!r} is on two branches ({owners[step][0]!r} branch "
                                    f"{owners[step][1] + 1} and {fork!r} branch {number + 1}, from {first!r}); a "
                                    "step belongs to one branch: end each branch with next: {join: 1}",
                                    path=f"streams.{name}.steps[{step}]")


def _check_step(stream: Stream, position: int, step: Step, path: str, owners: dict[str, tuple[str, int]]) -> None:
    own = owners.get(step.name)
    routes = targets(stream, position)
    if own is None:
        if JOIN in routes:
            raise ScenarioError("'join' ends a branch of a fork; this step is on no branch", path=f"{path}.next")
        for target in routes:
            if target in owners and (step.fork is None or target not in step.fork.branches):
                raise ScenarioError(f"step {target!r} is on a branch of fork {owners[target][0]!r}; only that "
                                    "branch may route to it", path=path)
        if step.fork is not None:
            _check_then(step, path, owners)
            _check_reaches_join(stream, step, path)
        return
    if step.spawn is not None:
        raise ScenarioError(f"a step on a branch of fork {own[0]!r} cannot raise items (spawn); move the spawn to "
                            "the fork or a later step", path=f"{path}.spawn")
    if step.release is not None:
        raise ScenarioError(f"a release train cannot sit on a branch of fork {own[0]!r} (its batches gather items, "
                            "a branch is one item's part); put the release after the fork's join", path=f"{path}.release")
    for target in routes:
        if target == DONE:
            raise ScenarioError(f"a branch of fork {own[0]!r} ends at the join: route to 'join', not 'done'",
                                path=path)
        if target not in (JOIN, DROP) and owners.get(target) != own:
            raise ScenarioError(f"step {target!r} is not on the same branch of fork {own[0]!r}; a branch stays on "
                                "its own steps until 'join'", path=path)


def _check_then(fork: Step, path: str, owners: dict[str, tuple[str, int]]) -> None:
    """After the join the item itself goes on: never onto a branch's step, which only a branch may run."""
    owner = owners.get(fork.fork.then)
    if owner is not None:
        raise ScenarioError(f"step {fork.fork.then!r} is on branch {owner[1] + 1} of fork {owner[0]!r}; after the "
                            "join the item goes on to a step of no branch (or 'done')", path=f"{path}.fork.then")


def _check_reaches_join(stream: Stream, fork: Step, path: str) -> None:
    """Every branch must be able to reach the join (a branch that only drops could never join)."""
    index = {step.name: i for i, step in enumerate(stream.steps)}
    for number, first in enumerate(fork.fork.branches):
        seen, todo = set(), [first]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            routes = targets(stream, index[name])
            if JOIN in routes:
                break
            todo += [t for t in routes if t in index]
        else:
            raise ScenarioError(f"branch {first!r} never reaches the join: give its last step next: {{join: 1}}",
                                path=f"{path}.fork.branches[{number}]")


def _check_initial(scenario: Scenario, name: str, owners: dict[str, tuple[str, int]]) -> None:
    """Open items start on the fork or elsewhere, never on a branch (their other branches would be missing)."""
    if scenario.initial is None:
        return
    streams = {d.type: d.stream for d in scenario.demand}
    for entry in open_items(scenario):
        owner = owners.get(entry.step) if streams.get(entry.type) == name else None
        if owner is not None:
            raise ScenarioError(f"open items cannot start on step {entry.step!r}, a branch of fork {owner[0]!r}; "
                                "place them on the fork", path=f"initial[{entry.type}].step")
