"""Discover a stream from an event log: steps from activities, routing from directly-follows counts.

Each event becomes a visit to a step; a step models the gap before its event (completion of the
previous event to completion of this one). The first event of a case is a zero-time step of its
own (``a_X_first``: it marks the arrival). An activity whose next activity, or whose gap, clearly
depends on the activity before it is unfolded by context (second order): one step per frequent
predecessor, ``a_B_after_A``, each still labelled ``B``. Activities below a share of the events are
dropped (their gap merges into the next event's) and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..readable import share
from .names import safe_name
from .staffing import unfold_by_team

#: Activities with less than this share of the events are dropped.
RARE_SHARE = 0.005
#: Unfold an activity when its successors (total variation) or its gaps (KS) differ by context this much.
UNFOLD_DISTANCE = 0.10
UNFOLD_GAP_KS = 0.20
#: The two-sample KS coefficient c(alpha) at alpha = 0.1%: a gap difference must also be beyond chance.
KS_CRITICAL = 1.95
#: A context needs this many events (and 1% of the activity's) to get its own step.
MIN_CONTEXT = 30
FIRST = "^"
#: Name of the successor ``end of case`` in a step unfolded by successor (``a_6_after_1_then_end``).
END = "end"
#: Context of a timer step: the events of an activity whose gap falls in a sharp peak (an auto-close timer).
TIMER = "@timer"
#: A timer: at least this share of an activity's events (and MIN_CONTEXT) within +-TIMER_WIDTH of a value of at
TIMER_SHARE, TIMER_WIDTH, TIMER_MIN_HOURS = 0.10, 0.10, 24.0   # least a day, four times as dense as beside it.


@dataclass
class Step:
    """One discovered step: its identifier, the log's activity, its context and how many events it holds."""

    name: str
    label: str
    context: str | None  # None: every predecessor pooled; FIRST: the case's first event
    events: int = 0
    then: str | None = None  # the next activity ('' at the case's end) when unfolded by successor


@dataclass
class Discovery:
    """Steps, routing and each event's step; what was dropped or unfolded, and why."""

    steps: dict[str, Step]
    entry: dict[str, float]                      # first step -> probability
    routing: dict[str, dict[str, float]]         # step -> {step or 'done': probability}
    counts: dict[str, dict[str, int]]            # the directly-follows counts behind ``routing``
    events: pd.DataFrame                         # one row per kept event: case, activity, prev, step, gap, ...
    dropped: dict[str, float] = field(default_factory=dict)   # activity -> share of events
    unfolded: dict[str, str] = field(default_factory=dict)    # activity -> the evidence, in words


def drop_rare(log: pd.DataFrame, threshold: float = RARE_SHARE) -> tuple[pd.DataFrame, dict[str, float]]:
    """The log without activities under ``threshold`` of the events, and the dropped ones with their shares."""
    shares = log["activity"].value_counts(normalize=True)
    rare = shares[shares < threshold]
    kept = log[~log["activity"].isin(rare.index)].reset_index(drop=True)
    return kept, {str(a): float(s) for a, s in rare.items()}


def event_table(log: pd.DataFrame) -> pd.DataFrame:
    """Per event: case, activity, predecessor (FIRST for the first), successor ('' at the end), gap in hours;
    and its start (hours) and resource when the log has them."""
    case = log["case"].to_numpy()
    activity = log["activity"].astype(str).to_numpy(dtype=object)
    times = log["timestamp"].to_numpy("datetime64[s]").astype(np.int64) / 3600.0
    first = np.r_[True, case[1:] != case[:-1]]
    last = np.r_[case[1:] != case[:-1], True]
    prev = np.where(first, FIRST, np.r_[[FIRST], activity[:-1]])
    nxt = np.where(last, "", np.r_[activity[1:], [""]])
    gap = np.where(first, 0.0, times - np.r_[times[:1], times[:-1]])
    table = pd.DataFrame({"case": case, "activity": activity, "prev": prev, "next": nxt, "gap": gap,
                          "hours": times, "first": first, "last": last, "timestamp": log["timestamp"].to_numpy()})
    if "start" in log.columns:  # hours of the activity's start; NaN when the log has none for it
        table["start"] = log["start"].to_numpy("datetime64[s]").astype(np.int64) / 3600.0
        table.loc[log["start"].isna().to_numpy(), "start"] = np.nan
    if "resource" in log.columns:
        table["resource"] = log["resource"].to_numpy(dtype=object)
    if "team" in log.columns:  # the team of each event (staffing.groups), when calibrating people
        table["team"] = log["team"].to_numpy(dtype=object)
    return table


def discover(log: pd.DataFrame, threshold: float = RARE_SHARE) -> Discovery:
    """Steps and routing of the log (the cases to calibrate from)."""
    kept, dropped = drop_rare(log, threshold)
    events = event_table(kept)
    unfolded, contexts = _unfold(events)
    events["step"] = _assign(events, contexts)
    evidence, successor_of = _split_by_successor(events)
    unfolded.update(evidence)
    for activity, (low, high, evidence) in find_timers(events).items():
        inside = (events["activity"] == activity).to_numpy() & (events["gap"] >= low).to_numpy() & (
            events["gap"] <= high).to_numpy() & ~events["first"].to_numpy()
        events.loc[inside, "step"] = f"a_{safe_name(activity)}_timer"
        unfolded[f"{activity} (timer)"] = evidence
    if "team" in events.columns:
        unfolded.update({f"{step} (team)": words for step, words in unfold_by_team(events).items()})
    steps = _steps(events, contexts, successor_of)
    entry = probabilities({str(k): int(v) for k, v in events.loc[events["first"], "step"].value_counts().items()})
    routing, counts = _routing(events)
    return Discovery(steps, entry, routing, counts, events, dropped, unfolded)


def _unfold(events: pd.DataFrame) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Activities whose successors or gaps depend on the predecessor, and their frequent contexts.

    Routing: the mean total variation between each frequent context's successors and the pooled ones.
    Gaps: each frequent context against the activity's other events (two-sample KS, at least
    UNFOLD_GAP_KS and beyond chance at 0.1%); one context that differs is enough, however few of the
    activity's events it holds (a wait recorded as its own event makes the gap after it long).
    """
    unfolded, contexts = {}, {}
    later = events[~events["first"]]
    for activity, rows in later.groupby("activity", sort=True):
        counts = rows["prev"].value_counts()
        frequent = [p for p, n in counts.items() if n >= max(MIN_CONTEXT, 0.01 * len(rows))]
        if len(frequent) < 2:
            continue
        pooled_next = rows["next"].value_counts(normalize=True)
        prev, gaps = rows["prev"].to_numpy(), rows["gap"].to_numpy()
        routing_distance, gap_distance, differs = 0.0, 0.0, ""
        for context in frequent:
            part = rows[prev == context]
            weight = len(part) / len(rows)
            own = part["next"].value_counts(normalize=True).reindex(pooled_next.index, fill_value=0.0)
            routing_distance += weight * 0.5 * float(np.abs(own - pooled_next).sum())
            inside, rest = np.sort(gaps[prev == context]), np.sort(gaps[prev != context])
            if len(rest) >= MIN_CONTEXT:
                distance = _ks(inside, rest)
                chance = KS_CRITICAL * np.sqrt((len(inside) + len(rest)) / (len(inside) * len(rest)))
                if distance >= max(UNFOLD_GAP_KS, chance) and distance > gap_distance:
                    gap_distance, differs = distance, str(context)
        if routing_distance >= UNFOLD_DISTANCE or differs:
            contexts[str(activity)] = set(map(str, frequent))
            gap_words = (f"the gap before it after {differs} differs from its other gaps (KS {gap_distance:.2f})"
                         if differs else "its gaps do not differ by predecessor")
            unfolded[str(activity)] = (f"next activity differs by predecessor (mean total variation "
                                       f"{routing_distance:.2f}); {gap_words}")
    return unfolded, contexts


def _split_by_successor(events: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """Split a step whose gap depends on what follows it (a semi-Markov sojourn that depends on the next
    state: a customer who answers quickly is asked again, one who takes long is closed) into one step per
    frequent successor, ``<step>_then_<next>``; rare successors stay in ``<step>``. Renames ``events``' steps
    in place; returns step -> the evidence in words, and each new step -> its successor."""
    unfolded, successor_of = {}, {}
    later = events[~events["first"].to_numpy()]
    for step, rows in later.groupby("step", sort=True):
        nxt, gaps = rows["next"].to_numpy(dtype=object), rows["gap"].to_numpy()
        counts = rows["next"].value_counts()
        frequent = [n for n, k in counts.items() if k >= max(MIN_CONTEXT, 0.01 * len(rows))]
        if len(frequent) < 2:
            continue
        strongest, which = 0.0, None
        for successor in frequent:
            inside, rest = np.sort(gaps[nxt == successor]), np.sort(gaps[nxt != successor])
            if len(rest) < MIN_CONTEXT:
                continue
            distance = _ks(inside, rest)
            chance = KS_CRITICAL * np.sqrt((len(inside) + len(rest)) / (len(inside) * len(rest)))
            if distance >= max(UNFOLD_GAP_KS, chance) and distance > strongest:
                strongest, which = distance, successor
        if which is None:
            continue
        index = rows.index[np.isin(nxt, frequent)]
        names = {n: f"{step}_then_{safe_name(n) if n else END}" for n in frequent}
        events.loc[index, "step"] = [names[n] for n in nxt[np.isin(nxt, frequent)]]
        successor_of.update({name: str(n) for n, name in names.items()})
        unfolded[f"{step} (successor)"] = (f"the gap before it depends on what follows: before "
                                           f"{repr(which) if which else 'the case end'} it differs from the others "
                                           f"(KS {strongest:.2f})")
    return unfolded, successor_of


def find_timers(events: pd.DataFrame) -> dict[str, tuple[float, float, str]]:
    """Activities whose gaps have a sharp peak of a day or more (a near-fixed delay such as an auto-close):
    activity -> (low, high, evidence). The peak is the densest window of +-TIMER_WIDTH around a gap; it must
    hold TIMER_SHARE of the activity's events and four times the events of the windows beside it."""
    out = {}
    later = events[~events["first"]]
    for activity, gaps in later.groupby("activity", sort=True)["gap"]:
        values = np.sort(gaps.to_numpy())
        long = values[values >= TIMER_MIN_HOURS]
        if len(long) < MIN_CONTEXT:
            continue
        upper = np.searchsorted(values, long * (1 + TIMER_WIDTH) ** 2, "right")
        lower = np.searchsorted(values, long, "left")
        centre = long[int(np.argmax(upper - lower))] * (1 + TIMER_WIDTH)
        low, high = centre * (1 - TIMER_WIDTH), centre * (1 + TIMER_WIDTH)
        count = int(np.searchsorted(values, high, "right") - np.searchsorted(values, low, "left"))
        beside = (np.searchsorted(values, low, "left") - np.searchsorted(values, centre * (1 - 3 * TIMER_WIDTH), "left")
                  + np.searchsorted(values, centre * (1 + 3 * TIMER_WIDTH), "right")
                  - np.searchsorted(values, high, "right")) / 2
        if count >= max(MIN_CONTEXT, TIMER_SHARE * len(values)) and count >= 4 * max(beside, 1):
            out[str(activity)] = (float(low), float(high), (
                f"{count} of its {len(values)} gaps ({share(count / len(values))}) lie within {share(TIMER_WIDTH)} of "
                f"{centre / 24:.2f} days, against {beside:.0f} in each window of that width beside them: a timer"))
    return out


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic of sorted samples."""
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, "right") / len(a) - np.searchsorted(b, grid, "right") / len(b))))


def step_name(activity: str, prev: str, contexts: dict[str, set[str]]) -> str:
    """The step an event of ``activity`` after ``prev`` visits."""
    if prev == FIRST:
        return f"a_{safe_name(activity)}_first"
    if prev in contexts.get(activity, ()):
        return f"a_{safe_name(activity)}_after_{safe_name(prev)}"
    return f"a_{safe_name(activity)}"


def _assign(events: pd.DataFrame, contexts: dict[str, set[str]]) -> np.ndarray:
    pairs = events[["activity", "prev"]].drop_duplicates()
    names = {(a, p): step_name(a, p, contexts) for a, p in pairs.itertuples(index=False)}
    return np.array([names[k] for k in zip(events["activity"], events["prev"])], dtype=object)


def _steps(events: pd.DataFrame, contexts: dict[str, set[str]], successor_of: dict[str, str]) -> dict[str, Step]:
    """Steps in a readable order: first events, then by activity frequency, contexts before the pool."""
    steps: dict[str, Step] = {}
    order = events.groupby("step").agg(activity=("activity", "first"), prev=("prev", "first"), n=("step", "size"))
    rank = events["activity"].value_counts()
    order["rank"] = order["activity"].map(lambda a: -rank[a])
    order["is_first"] = order.index.str.endswith("_first")
    for name, row in order.sort_values(["is_first", "rank", "n"], ascending=[False, True, False]).iterrows():
        prev = row["prev"]
        context = (FIRST if name.endswith("_first") else TIMER if name.endswith("_timer") else
                   prev if prev in contexts.get(row["activity"], ()) else None)
        steps[str(name)] = Step(str(name), str(row["activity"]), context, int(row["n"]), successor_of.get(str(name)))
    return steps


def _routing(events: pd.DataFrame) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, int]]]:
    """Directly-follows counts from each step to the next event's step, or 'done' after a case's last event."""
    step = events["step"].to_numpy(dtype=object)
    target = np.where(events["last"].to_numpy(), "done", np.r_[step[1:], ["done"]])
    table = pd.crosstab(pd.Series(step, name="step"), pd.Series(target, name="target"))
    routing, counts = {}, {}
    for name, row in table.iterrows():
        row = row[row > 0]
        counts[str(name)] = {str(k): int(v) for k, v in row.items()}
        routing[str(name)] = probabilities(counts[str(name)])
    return routing, counts


def probabilities(counts: dict[str, int], digits: int = 6) -> dict[str, float]:
    """Counts as probabilities rounded to ``digits``, summing to 1 exactly (the largest takes the rest)."""
    total = sum(counts.values())
    rounded = {k: round(v / total, digits) for k, v in counts.items()}
    largest = max(rounded, key=rounded.get)
    rounded[largest] = round(1.0 - sum(v for k, v in rounded.items() if k != largest), digits)
    return {k: v for k, v in rounded.items() if v > 0}


__all__ = ["Discovery", "FIRST", "RARE_SHARE", "Step", "TIMER", "discover", "drop_rare", "event_table", "find_timers",
           "probabilities", "safe_name", "step_name"]
