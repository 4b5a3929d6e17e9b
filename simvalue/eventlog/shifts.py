"""A team's rotas from its people's own hours, and the shifts that staff it.

A desk with four people by day, one at night and one at weekends is not six people round the clock: its
queue at night is one person's. With the log's people named, each person's own on-duty hours of the week
are found from when they complete or start work: the hours in which they do so in at least a quarter as
many weeks as in their most regular hour, with gaps shorter than a night's sleep closed. People whose hours
lie mostly within the same ones (SAME_HOURS) keep one **rota**; a rota's hours are its people's together, and its headcount
the people of it active in a typical week (the median over the team's weeks, as for a team). A team with
one rota keeps a capacity and a calendar; with several (a day desk and a night cover), it is written with
``shifts``: the rotas' headcounts added up hour by hour, one shift per run of equal headcount on days that
share the same pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .staffing import MIN_EVENTS, SLEEP_HOURS

#: A person keeps a rota when at least this share of their hours (or of the rota's, if fewer) are the rota's: a
#: person seen on fewer hours of the same day shift is of it; a night cover is not.
SAME_HOURS = 0.5
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Rota:
    """People of a team who keep the same hours: those hours of the week and how many are on in a week."""

    members: tuple[str, ...]
    hours: np.ndarray          # 168 booleans, Monday 00:00 first
    people: int                # of them active in a typical week (median of the team's weeks)


def rotas(rows: pd.DataFrame) -> list[Rota]:
    """The team's people grouped by their own hours of the week (SAME_HOURS), the busiest person's first; people
    with under MIN_EVENTS events cannot show their hours and keep the first rota. None when nobody has enough."""
    named = rows.dropna(subset=["resource"])
    times, who = [named["hours"].to_numpy(float)], [named["resource"].astype(str).to_numpy(dtype=object)]
    if "start" in named.columns:
        timed = named.dropna(subset=["start"])
        times.append(timed["start"].to_numpy(float))
        who.append(timed["resource"].astype(str).to_numpy(dtype=object))
    hours, people = np.concatenate(times), np.concatenate(who)
    week, slot = _slots(hours)
    groups: list[tuple[list[str], np.ndarray]] = []
    counts = named["resource"].astype(str).value_counts()
    for person in counts.index[counts >= MIN_EVENTS]:
        on = own_hours(week[people == person], slot[people == person])
        for members, union in groups:
            if (on & union).sum() >= SAME_HOURS * min(on.sum(), union.sum()):
                members.append(person)
                union |= on
                break
        else:
            groups.append(([person], on.copy()))
    if not groups:
        return []
    # People with too few events to show their hours keep the rota of the team's busiest people.
    groups[0][0].extend(counts.index[counts < MIN_EVENTS])
    weeks = np.unique(week)
    out = []
    for members, union in groups:
        mine = np.isin(people, members)
        active = pd.DataFrame({"week": week[mine], "who": people[mine]}).drop_duplicates()
        typical = float(active.groupby("week").size().reindex(weeks, fill_value=0).median())
        out.append(Rota(tuple(members), union, max(1, int(np.floor(typical + 0.5)))))
    return out


def own_hours(week: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """One person's on-duty hours of the week from the (week, hour of the week) of their events: the hours in a
    quarter as many weeks as their most regular one, gaps shorter than a night's sleep closed."""
    pairs = np.unique(np.c_[week, slot], axis=0)
    regular = np.bincount(pairs[:, 1], minlength=168).astype(float)
    return close_gaps(regular >= 0.25 * regular.max())


def close_gaps(on: np.ndarray, longest: int = SLEEP_HOURS - 1) -> np.ndarray:
    """On-duty hours of the week with every gap shorter than a night's sleep filled: a quiet hour inside a
    working day (or night) is still on duty. The week wraps round (Sunday night runs into Monday)."""
    hours = np.flatnonzero(on)
    out = on.copy()
    if hours.size < 2:
        return out
    for a, b in zip(hours, np.r_[hours[1:], hours[0] + 168]):
        if 1 < b - a <= longest + 1:
            out[np.arange(a + 1, b) % 168] = True
    return out


def headcounts(groups: list[Rota]) -> np.ndarray:
    """People on duty per hour of the week: each rota's people in its hours, added up."""
    total = np.zeros(168, dtype=int)
    for rota in groups:
        total += rota.people * rota.hours.astype(int)
    return total


def shifts_of(counts: np.ndarray) -> list[dict[str, Any]]:
    """Scenario shifts for a weekly headcount: days with the same 24-hour pattern share their shifts, one per run
    of equal headcount (ending at midnight; the next day's shift carries on)."""
    out: list[dict[str, Any]] = []
    days: dict[tuple[int, ...], list[int]] = {}
    for day in range(7):
        days.setdefault(tuple(int(c) for c in counts[day * 24:(day + 1) * 24]), []).append(day)
    for pattern, group in sorted(days.items(), key=lambda kv: kv[1][0]):
        start = 0
        for hour in range(1, 25):
            if hour == 24 or pattern[hour] != pattern[start]:
                if pattern[start] > 0:
                    out.append({"days": spell_days(group), "hours": f"{start:02d}:00-{hour:02d}:00",
                                "capacity": pattern[start]})
                start = hour
    return out


def spell_days(days: list[int]) -> str:
    """Weekdays (0 = Monday) as the scenario spells them: runs of three or more as ranges ('mon-fri'), the rest
    by commas ('sat,sun')."""
    parts, run = [], [days[0]]
    for day in [*days[1:], None]:
        if day is not None and day == run[-1] + 1:
            run.append(day)
            continue
        parts.append(f"{_DAYS[run[0]]}-{_DAYS[run[-1]]}" if len(run) >= 3 else ",".join(_DAYS[d] for d in run))
        if day is not None:
            run = [day]
    return ",".join(parts)


def described(groups: list[Rota]) -> str:
    """The rotas in words, for the scenario's comments and the report: '4 people mon-fri 08:00-18:00 (a, b, ...)'."""
    from .fit import calendar_of
    words = []
    for rota in groups:
        hours = "; ".join(f"{day} {windows if isinstance(windows, str) else ', '.join(windows)}"
                          for day, windows in calendar_of(rota.hours).items())
        names = ", ".join(rota.members[:3]) + (" ..." if len(rota.members) > 3 else "")
        words.append(f"{rota.people} on {hours} ({names})")
    return " | ".join(words)


def _slots(hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each time's week (from a Monday) and hour of the week, for hours since 1970 (a Thursday)."""
    whole = np.floor(np.asarray(hours, float) - 96.0).astype(np.int64)
    return np.floor_divide(whole, 168), np.mod(whole, 168)


__all__ = ["SAME_HOURS", "Rota", "close_gaps", "described", "headcounts", "own_hours", "rotas", "shifts_of",
           "spell_days"]
