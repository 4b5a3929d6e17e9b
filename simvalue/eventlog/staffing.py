"""Steps done by the people of a log: which team, how long the work takes, and what came before it.

Used when the log names resources (``--resource``), a group column (``--team``) or starts. Each
event belongs to a **team**: the log's group (``--team``), else the resources who mostly do the
same activity (named after it), else, with starts only, the activity itself. Groups with under
MIN_TEAM_SHARE of the events are pooled as ``other_teams``. Each step's gap (previous completion
to this completion) is split in two:

- the **work**: start to complete in the team's working hours, where the log has starts; without
  them, from the later of the case's previous event and the same person's previous completion that
  day to this completion: a person who completes one item after another was working on this one
  since the last (start-time estimation as in Chapela-Campa and Dumas, "Enhancing business process
  simulation models with extraneous activity delays", 2023, and Martin et al. 2016);
- the time **before** it: the rest of the gap, measured in the team's working hours. In the model
  it is a wait in those hours (others working office hours), and the simulation adds the team's own
  queueing; queue_sizing.py then takes the simulated queueing back out of the wait, so the split
  between queueing and waiting on others rests on the team's headcount and efforts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import fit
from .names import scenario_name

#: A group with less than this share of the events is pooled with the other small ones.
MIN_TEAM_SHARE = 0.02
#: The name of the pool of small groups.
OTHER = "other_teams"
#: Two teams whose mixes of activities overlap more than they differ (total variation below this) are one.
SAME_WORK = 0.5
#: A step is unfolded by team when at least two teams each hold this share (and MIN_EVENTS) of its events.
UNFOLD_SHARE, MIN_EVENTS = 0.05, 30
#: A person may put work down for an interruption or two (a P2 before the P3 in hand) and so hold up to IN_HAND
#: items at once, but is not interrupted on most items: a resource with more than IN_HAND in hand at once in more
#: than OVERLAP_SHARE of its events, or with more than one in more than INTERRUPTED of them, is not one person;
IN_HAND, OVERLAP_SHARE, INTERRUPTED = 3, 0.05, 0.5
#: ... and when this share of its work starts the moment the case is ready, it is a wait on others.
AT_ONCE = 0.99
#: A person sleeps: a resource whose quietest SLEEP_HOURS of the day (the same clock hours every day) hold
#: significantly more than AWAKE_SHARE of its events (one-sided binomial test at AWAKE_LEVEL: a few late evenings
#: or a log's clock shift do not count) works round the clock: a system, a shared account or others' time (a
#: customer, a vendor) recorded as a resource, not one person.
SLEEP_HOURS, AWAKE_SHARE, AWAKE_LEVEL = 6, 0.02, 0.001
#: Efforts of a step need this many observations; with fewer, the team's are pooled.
MIN_EFFORTS = 20


def staffed(log: pd.DataFrame) -> bool:
    """Whether the log names the people who work (resources) or when work starts."""
    return any(c in log.columns and log[c].notna().any() for c in ("resource", "start"))


def shared_ids(log: pd.DataFrame) -> tuple[set[str], set[str]]:
    """Resources that cannot be one person: with starts, their work overlaps (``overlapping``). Returned in two
    sets: those whose work always starts the moment the case is ready (a wait on others recorded as a resource: nobody is waited for, so no
    capacity), and the rest (a team or a shared account: a team of its own, sized by its overlaps), with those
    that work round the clock (``round_the_clock``), which completions alone show."""
    if "resource" not in log.columns:
        return set(), set()
    waits, teams = set(), round_the_clock(log["resource"], log["timestamp"].dt.hour.to_numpy())
    if "start" not in log.columns:
        return waits, teams
    rows = log.dropna(subset=["start", "resource"])
    previous = log["timestamp"].groupby(log["case"]).shift(1)
    for who, mine in rows.groupby("resource"):
        begin = mine["start"].to_numpy("datetime64[s]").astype(np.int64)
        end = mine["timestamp"].to_numpy("datetime64[s]").astype(np.int64)
        at_once = starts_at_once(mine, previous)
        if at_once and np.mean((end - begin) / 3600.0 < fit.ZERO) >= AT_ONCE:
            waits.add(str(who))  # takes no time and starts at once: a marker, nobody's work
            continue
        if not overlapping(begin, end):
            continue
        if at_once:
            waits.add(str(who))
        else:
            teams.add(str(who))
    return waits, teams - waits


def round_the_clock(resources: pd.Series, hour_of_day: np.ndarray) -> set[str]:
    """Resources that work round the clock (see AWAKE_SHARE), from each event's clock hour: nobody is on duty
    24 hours a day, so such an id is a system, a shared account or others' time (a customer, a vendor): a team
    of its own, never merged with people by their work, whose time with an item is its whole gap (nobody
    waits for it: ``system_team``)."""
    from scipy import stats
    known = resources.notna().to_numpy()
    out = set()
    frame = pd.DataFrame({"who": resources.to_numpy(dtype=object)[known], "hour": np.asarray(hour_of_day)[known]})
    for who, rows in frame.groupby("who", sort=False)["hour"]:
        counts = np.bincount(rows.to_numpy(dtype=np.int64), minlength=24)
        quiet = min(int(np.take(counts, range(h, h + SLEEP_HOURS), mode="wrap").sum()) for h in range(24))
        if stats.binom.sf(quiet - 1, len(rows), AWAKE_SHARE) < AWAKE_LEVEL:
            out.add(str(who))
    return out


def event_hours(hours: np.ndarray) -> np.ndarray:
    """The clock hour (0-23) of times given in hours since 1970 (naive local time)."""
    return np.mod(np.floor(np.asarray(hours, float)), 24).astype(np.int64)


def starts_at_once(rows: pd.DataFrame, previous: pd.Series) -> bool:
    """Whether AT_ONCE of ``rows``' starts (with a previous event in the case) fall the moment the case was
    ready (``previous``: the case's previous completion, per row of the log): nobody was waited for."""
    waited = (rows["start"] - previous.loc[rows.index]).dt.total_seconds().to_numpy() / 3600.0
    waited = waited[~np.isnan(waited)]
    return bool(len(waited)) and bool(np.mean(waited < fit.ZERO) >= AT_ONCE)


def waiting_activities(log: pd.DataFrame) -> set[str]:
    """With starts and no names, the activities whose work always starts the moment the case is ready: waits on
    others (a customer, a vendor) recorded with a start, not a team's work, which someone sometimes waits for."""
    if "start" not in log.columns:
        return set()
    previous = log["timestamp"].groupby(log["case"]).shift(1)
    rows = log.dropna(subset=["start"])
    return {str(activity) for activity, mine in rows.groupby("activity") if starts_at_once(mine, previous)}


def systems_at_once(log: pd.DataFrame) -> pd.Series:
    """With starts and no names: the events of an activity that started the moment the case was ready, where
    those work round the clock and the activity's other events do not (a portal's automation beside a team on
    office hours): a system of their own, not the team's queue (``<activity>_at_once``). Per row of the log."""
    out = pd.Series(False, index=log.index)
    if "start" not in log.columns:
        return out
    previous = log["timestamp"].groupby(log["case"]).shift(1)
    waited = (log["start"] - previous).dt.total_seconds() / 3600.0
    hour = log["timestamp"].dt.hour.to_numpy()
    for _, rows in log.dropna(subset=["start"]).groupby("activity", sort=False):
        at_once = rows.index[(waited.loc[rows.index] < fit.ZERO).to_numpy()]
        others = rows.index.difference(at_once)
        if len(at_once) < MIN_EVENTS or len(others) < MIN_EVENTS:
            continue
        label = pd.Series("x", index=rows.index)
        if (round_the_clock(label.loc[at_once], hour[log.index.get_indexer(at_once)])
                and not round_the_clock(label.loc[others], hour[log.index.get_indexer(others)])):
            out.loc[at_once] = True
    return out


def team_name(text: str) -> str:
    """A scenario name for a group of the log, whatever its ids look like ('19019' -> 't_19019')."""
    return scenario_name(text, "t")


def overlapping(begin: np.ndarray, end: np.ndarray) -> bool:
    """Whether one resource's work intervals overlap too often for one person (see IN_HAND)."""
    busy = np.searchsorted(np.sort(begin), begin, "right") - np.searchsorted(np.sort(end), begin, "right")
    if not len(busy):
        return False
    return bool(np.mean(busy > IN_HAND) > OVERLAP_SHARE or np.mean(busy > 1) > INTERRUPTED)


def groups(log: pd.DataFrame) -> pd.Series:
    """Each event's team name (NaN where nobody is named): see the module's docstring."""
    waits, shared = shared_ids(log)
    if "group" in log.columns and log["group"].notna().any():
        raw = log["group"]
    elif "resource" in log.columns and log["resource"].notna().any():
        people = log.dropna(subset=["resource"])
        people = people[~people["resource"].isin(waits | shared)]
        main = teams_by_work(people["resource"], people["activity"])
        raw = log["resource"].map(main).where(~log["resource"].isin(shared), log["resource"])
    else:
        raw = log["activity"].where(~log["activity"].astype(str).isin(waiting_activities(log)))
        systems = systems_at_once(log)
        raw = raw.where(~systems, log["activity"].astype(str) + "_at_once")
    if waits:
        raw = raw.where(~log["resource"].isin(waits))
    names = raw.map(lambda v: v if pd.isna(v) else team_name(v))
    shares = names.value_counts(normalize=True)
    small = set(shares.index[shares < MIN_TEAM_SHARE]) - {team_name(who) for who in shared}  # no person's pool
    return names.where(~names.isin(small), OTHER)


def teams_by_work(resources: pd.Series, activities: pd.Series) -> pd.Series:
    """Each person's team: people who mostly do the same activity start as one team (named after it); then the
    two teams whose mixes of activities differ least are merged while they overlap more than they differ
    (total variation distance under SAME_WORK): a desk whose people each do triage, fixes and confirmations in
    slightly different shares is one team, however each one's commonest activity falls. A merged team is named
    after its commonest activity."""
    counts = pd.crosstab(resources.astype(str), activities.astype(str))
    team = counts.idxmax(axis=1)
    while team.nunique() > 1:
        totals = counts.groupby(team).sum()
        mixes = totals.div(totals.sum(axis=1), axis=0).to_numpy()
        names = list(totals.index)
        distance, a, b = min((0.5 * float(np.abs(mixes[i] - mixes[j]).sum()), names[i], names[j])
                             for i in range(len(names)) for j in range(i + 1, len(names)))
        if distance >= SAME_WORK:
            break
        merged = team.isin([a, b])
        team[merged] = str(counts[merged].sum().idxmax())
    return team


def unfold_by_team(events: pd.DataFrame) -> dict[str, str]:
    """Split a step done by several teams into one step per team (``<step>_by_<team>``); events of a
    team with few of them go to the step's main team. Renames ``events``' steps in place; returns
    step -> the evidence in words. First events and timers are left alone."""
    out: dict[str, str] = {}
    # The team each event's person belongs to, kept before the few events of other teams on a step are given
    # to its main team: headcounts and members count a team's own people, not those who help it now and then.
    events["people_team"] = events["team"]
    steps = events["step"].astype(str)
    eligible = ~events["first"].to_numpy() & ~steps.str.endswith("_timer").to_numpy() & events["team"].notna().to_numpy()
    for step, rows in events[eligible].groupby("step", sort=True):
        counts = rows["team"].value_counts()
        frequent = [t for t, n in counts.items() if n >= max(MIN_EVENTS, UNFOLD_SHARE * len(rows))]
        if len(frequent) < 2:
            continue
        team = rows["team"].where(rows["team"].isin(frequent), frequent[0])
        events.loc[rows.index, "step"] = [f"{step}_by_{t}" for t in team]
        events.loc[rows.index, "team"] = team.to_numpy()
        out[str(step)] = f"done by {len(frequent)} teams: " + ", ".join(f"{t} {counts[t]}" for t in frequent[:6])
    return out


def team_of_steps(events: pd.DataFrame) -> dict[str, str]:
    """Step -> the team doing most of its events (steps nobody is named for are left out)."""
    rows = events.dropna(subset=["team"])
    if rows.empty:
        return {}
    counts = rows.groupby(["step", "team"]).size().sort_values(ascending=False, kind="stable").reset_index()
    return {str(s): str(t) for s, t in counts.drop_duplicates("step")[["step", "team"]].itertuples(index=False)}


def work_and_before(events: pd.DataFrame, masks: dict, team_of: dict[str, str], origin: float,
                    holidays: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per event: its work and the time before it, both in its team's working hours (NaN work where the
    log cannot tell: no start and no earlier completion of the same person that day), and whether the case
    was ready for it (its previous event) while the team was on duty."""
    end, gap = events["hours"].to_numpy(float), events["gap"].to_numpy(float)
    previous = end - gap
    start = _starts(events, previous)
    work, before = np.full(len(events), np.nan), np.zeros(len(events))
    ready_on = np.ones(len(events), dtype=bool)
    team = events["step"].map(team_of).to_numpy(dtype=object)
    for name in pd.unique(team[pd.notna(team)]):
        mine = team == name
        mask = masks.get(name, masks[None])
        ready_on[mine] = mask[np.mod(np.floor(previous[mine] - origin).astype(np.int64), 168)]
        known = mine & ~np.isnan(start)
        work[known] = fit.working_hours_between(start[known], end[known], mask, origin, holidays)
        before[known] = fit.working_hours_between(previous[known], start[known], mask, origin, holidays)
        unknown = mine & np.isnan(start)
        before[unknown] = fit.working_hours_between(previous[unknown], end[unknown], mask, origin, holidays)
    first = events["first"].to_numpy()
    before[first] = 0.0
    return work, before, ready_on


def _starts(events: pd.DataFrame, previous: np.ndarray) -> np.ndarray:
    """When each event's work began: the log's start (not before the previous event), else the later of
    the case's previous event and the same person's previous completion on the same day (for a resource that
    works round the clock, the case's previous event); else NaN."""
    end = events["hours"].to_numpy(float)
    start = np.full(len(events), np.nan)
    if "start" in events.columns:
        logged = events["start"].to_numpy(float)
        start = np.where(np.isnan(logged), np.nan, np.clip(logged, np.minimum(previous, end), end))
        first = events["first"].to_numpy()
        start[first] = np.where(np.isnan(logged[first]), end[first], np.minimum(logged[first], end[first]))
    if "resource" not in events.columns:
        return start
    who = events["resource"]
    order = np.lexsort((end, who.fillna("").to_numpy(dtype=str)))
    same = np.r_[False, (who.to_numpy(dtype=object)[order][1:] == who.to_numpy(dtype=object)[order][:-1])
                 & who.notna().to_numpy()[order][1:]]
    day = np.floor(end[order] / 24.0)
    same &= np.r_[False, day[1:] == day[:-1]]
    before = np.full(len(events), np.nan)
    before[order[1:]] = np.where(same[1:], end[order][:-1], np.nan)
    estimate = np.where(np.isnan(before), np.nan, np.maximum(before, previous))
    systems = who.isin(round_the_clock(who, event_hours(end))).to_numpy()
    estimate = np.where(systems, previous, estimate)  # round the clock: nobody waits for it, its time is the gap
    estimate = np.where(events["first"].to_numpy(), end, estimate)
    return np.where(np.isnan(start), estimate, start)


def effort_of(work: np.ndarray, pooled: np.ndarray) -> tuple[fit.Fit, np.ndarray]:
    """The step's effort fitted to its known work (its team's, when it has too few), and the sample used."""
    known = work[~np.isnan(work)]
    source = "its own"
    if len(known) < MIN_EFFORTS:
        known, source = pooled[~np.isnan(pooled)], "its team's (too few of its own)"
    if len(known) == 0:
        return fit.Fit("1min", 1 / 60, "no work observed: one minute"), np.array([1 / 60])
    fitted = fit.fit_duration(known)
    return fit.Fit(fitted.spelling, fitted.mean, f"work of {len(known)} events ({source}): {fitted.note}"), known


def weekly_people(rows: pd.DataFrame) -> tuple[int, float]:
    """Distinct people of a team and the median of those active per week (weeks with any of its events);
    (0, 0) when the log names nobody, or names a team or shared account (its work overlaps: ``overlapping``)."""
    if "resource" not in rows.columns:
        return 0, 0.0
    named = rows.dropna(subset=["resource"])
    if "start" in named.columns:
        timed = named.dropna(subset=["start"])
        shared = [who for who, mine in timed.groupby("resource")
                  if overlapping(mine["start"].to_numpy(float), mine["hours"].to_numpy(float))]
        if timed["resource"].isin(shared).mean() > 0.5 if len(timed) else False:
            return 0, 0.0
    if named.empty:
        return 0, 0.0
    week = np.floor((named["hours"].to_numpy(float) - 96.0) / 168.0)  # the epoch was a Thursday: weeks from Monday
    weekly = pd.DataFrame({"week": week, "who": named["resource"].to_numpy()}).drop_duplicates().groupby("week").size()
    return int(named["resource"].nunique()), float(weekly.median())


def concurrency_on_duty(rows: pd.DataFrame, quantile: float = 0.99) -> int:
    """People busy at once, from start-to-complete intervals: the ``quantile`` of the count seen at each start."""
    if "start" not in rows.columns:
        return 1
    timed = rows.dropna(subset=["start"])
    if timed.empty:
        return 1
    begin, end = timed["start"].to_numpy(float), timed["hours"].to_numpy(float)
    busy = np.searchsorted(np.sort(begin), begin, "right") - np.searchsorted(np.sort(end), begin, "right")
    return max(1, int(np.ceil(np.quantile(busy, quantile))))


__all__ = ["MIN_TEAM_SHARE", "OTHER", "event_hours", "round_the_clock", "shared_ids", "systems_at_once", "starts_at_once", "waiting_activities", "concurrency_on_duty", "effort_of", "groups", "staffed", "team_name",
           "team_of_steps", "unfold_by_team", "weekly_people", "work_and_before"]
