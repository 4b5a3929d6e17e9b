"""The answer of ``simvalue staff`` as terminal text: people per team and shift, then how sure it is."""

from __future__ import annotations

from ..decisions.staffing import StaffingAnswer
from ..readable import figure, money
from .text import table


#: The columns of the answer's table (the terminal's and the app's).
STAFFING_HEADERS = ["team and shift", "busy on duty", "lower bound", "answer", "above bound"]


def staffing_rows(answer: StaffingAnswer) -> list[list[str]]:
    """One row per post: team (and shift), offered load on duty, lower bound, answer, people above the bound."""
    rows = []
    for post, people in zip(answer.posts, answer.headcounts):
        extra = people - post.floor
        rows.append([post.label, figure(post.load), str(post.floor), str(people), f"+{extra}" if extra else ""])
    return rows


def staffing_text(answer: StaffingAnswer, title: str, currency: str = "") -> str:
    """The table, each goal's attainment with its interval in words, and the search's size and time."""
    lines = [title, "", table(STAFFING_HEADERS,
                              staffing_rows(answer)), ""]
    people = sum(answer.headcounts)
    cost = f"; {money(answer.cost, currency)} a week" if answer.costed else ""
    shifts = (" Teams with shifts count each shift's people; the JSON's `teams` gives each team's peak (its "
              "largest shift).") if answer.shifts() else ""
    lines.append(f"{people} people on the posts searched{cost}.{shifts}")
    lines.append("")
    lines += [goal.statement for goal in answer.goals]
    lines.append("")
    lines.append(f"{answer.evaluations} candidates tried with {answer.replications} replications each (seed "
                 f"{answer.seed}, the same for every candidate), confirmed with {answer.confirm_replications} "
                 f"replications on other seeds ({answer.confirm_seed}); {answer.seconds:.1f} s in all.")
    lines += answer.notes
    return "\n".join(lines)
