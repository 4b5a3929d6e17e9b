"""The answer of ``simvalue staff`` as terminal text: people per team and shift, then how sure it is."""

from __future__ import annotations

from ..decisions.staffing import StaffingAnswer
from ..readable import figure, money
from .text import table


def staffing_rows(answer: StaffingAnswer) -> list[list[str]]:
    """One row per post: team, shift (or "all hours"), offered load on duty, lower bound, answer, change."""
    rows = []
    for post, people in zip(answer.posts, answer.headcounts):
        extra = people - post.floor
        rows.append([post.team, post.shift_label or "whole team", figure(post.load), str(post.floor), str(people),
                     f"+{extra}" if extra else ""])
    return rows


def staffing_text(answer: StaffingAnswer, title: str, currency: str = "") -> str:
    """The table, each goal's attainment with its interval in words, and the search's size and time."""
    lines = [title, "", table(["team", "shift", "busy on duty", "lower bound", "answer", "above bound"],
                              staffing_rows(answer)), ""]
    people = sum(answer.headcounts)
    cost = f"; {money(answer.cost, currency)} a week" if answer.costed else ""
    lines.append(f"{people} people on the posts searched{cost}. Teams with shifts count each shift's people; "
                 "the JSON's `teams` gives each team's peak (its largest shift).")
    lines.append("")
    lines += [goal.statement for goal in answer.goals]
    lines.append("")
    lines.append(f"{answer.evaluations} candidates tried with {answer.replications} replications each (seed "
                 f"{answer.seed}, the same for every candidate), confirmed with {answer.confirm_replications} "
                 f"replications on other seeds ({answer.confirm_seed}); {answer.seconds:.1f} s in all.")
    lines += answer.notes
    return "\n".join(lines)
