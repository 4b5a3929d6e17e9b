"""The answer first: what a variant changes for whom, by how much, how sure, and what it costs.

From a comparison's paired table, each variant gets a verdict: a paragraph a director can act on,
the three to five changes that matter (largest first), and one line folding what does not change.
A change *matters* when its interval at the comparison's confidence excludes zero and it is
material: time-to-value moves by at least MATERIAL_TIME of its baseline, SLA attainment by
MATERIAL_SLA, a team's utilisation by MATERIAL_LOAD, and, where items may give up waiting (``patience``),
the share who do by MATERIAL_ABANDON (for a phone line, the planner's first question). Changes are ordered
by relative size (the change over the baseline value), so a time falling by 89% leads an SLA rising 8 points.
The report, the terminal and the app all say it in these words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from .. import readable
from ..results.stats import t_interval
from ..theory import HIGH_LOAD

#: Material changes: a share of the baseline time, points of SLA attainment, points of utilisation.
MATERIAL_TIME, MATERIAL_SLA, MATERIAL_LOAD = 0.05, 0.01, 0.02
#: A material change in the share of items that give up waiting: one point.
MATERIAL_ABANDON = 0.01
#: Most changes listed per variant.
MOST_CHANGES = 5
#: Time-to-value statistics, with their words, in order of preference: one per item type is kept, the
#: first whose change matters (so that a verdict speaks of the mean wherever the mean moves).
TIME_METRICS = {"time_to_value_mean": "mean", "time_to_value_p85": "85th-percentile",
                "time_to_value_p50": "median"}


@dataclass(frozen=True)
class Change:
    """One headline figure of one variant against the baseline, in numbers and in words."""

    kind: str            # "time", "sla", "load" or "abandon"
    subject: str         # the item type or team it is about
    metric: str
    baseline: float
    value: float
    change: float
    low: float
    high: float
    relative: float      # change over the baseline value (time: the paired geometric-mean ratio - 1)
    relative_low: float
    relative_high: float
    significant: bool
    material: bool
    sentence: str
    known: bool = True   # False from a single replication: no interval, so significance is unknown

    @property
    def matters(self) -> bool:
        """Material and significant; from one replication (no interval), material alone."""
        return self.material and (self.significant or not self.known)

    @property
    def size(self) -> float:
        """How large the change is for ordering: its relative size."""
        return abs(self.relative) if math.isfinite(self.relative) else 0.0


@dataclass(frozen=True)
class Verdict:
    """A variant's verdict: ``summary`` (a paragraph), ``changes`` (what matters, largest first) and
    ``unchanged`` (subjects whose figures do not move materially or significantly)."""

    variant: str
    summary: str
    changes: tuple[Change, ...]
    unchanged: tuple[str, ...]
    confidence: float
    replications: int
    more: int = 0  # further changes that matter, beyond the MOST_CHANGES listed
    all_changes: tuple[Change, ...] = field(default=(), repr=False)

    @property
    def unchanged_line(self) -> str:
        if not self.unchanged:
            return ""
        if self.replications < 2:
            return "Less than a material change in this one replication: " + "; ".join(self.unchanged) + "."
        return ("Unchanged (less than a material change, or not distinguishable from no change at "
                f"{readable.share(self.confidence)}): " + "; ".join(self.unchanged) + ".")


def verdicts(comparison, money: dict | None = None) -> list["Verdict"]:
    """One verdict per variant of ``comparison`` (``money``: variant name -> a business case, whose NPV
    and payback then close the summary), with the share who give up waiting where a side has patience."""
    replications = comparison.baseline.replications
    abandonment = comparison.abandonment()
    return [verdict_of(comparison.table[comparison.table["variant"] == run.scenario.name], run.scenario.name,
                       comparison.confidence, replications, (money or {}).get(run.scenario.name),
                       abandonment[abandonment["variant"] == run.scenario.name])
            for run in comparison.variants]


def verdict_of(table: pd.DataFrame, variant: str, confidence: float, replications: int, case=None,
               abandonment: pd.DataFrame | None = None) -> Verdict:
    """The verdict of one variant from its rows of a comparison table (and of ``Comparison.abandonment``:
    each type's share who give up waiting, a change like the others)."""
    changes = _changes(table, confidence) + _abandon_changes(abandonment, confidence)
    ordered = sorted(changes, key=lambda c: -c.size)
    every = tuple(c for c in ordered if c.matters)
    mattering = every[:MOST_CHANGES]
    unchanged = tuple(_unchanged_words(c) for c in changes if not c.matters)
    summary = _summary(variant, mattering, changes, confidence, replications, case)
    return Verdict(variant, summary, mattering, unchanged, confidence, replications, len(every) - len(mattering),
                   tuple(ordered))


def _changes(table: pd.DataFrame, confidence: float) -> list[Change]:
    """The candidate changes: per item type its largest time-to-value change and its SLA attainment,
    per team its utilisation (type and team level only; priorities and steps stay in the details)."""
    rows = table[table["priority"].isna() & table["step"].isna()]
    out: list[Change] = []
    for item_type, group in rows[rows["team"].isna()].groupby("type", sort=False):
        times = sorted((_change("time", str(item_type), r, confidence) for r in group.itertuples()
                        if r.metric in TIME_METRICS and _finite(r)), key=lambda c: list(TIME_METRICS).index(c.metric))
        if times:
            out.append(next((c for c in times if c.matters), times[0]))
        out += [_change("sla", str(item_type), r, confidence) for r in group.itertuples()
                if r.metric == "sla_attainment" and _finite(r)]
    out += [_change("load", str(r.team), r, confidence) for r in rows[rows["team"].notna()].itertuples()
            if r.metric == "utilisation" and _finite(r)]
    return out


def _abandon_changes(abandonment: pd.DataFrame | None, confidence: float) -> list[Change]:
    """Per type that may give up waiting, its abandonment share as a change (levers.abandonment_table rows)."""
    if abandonment is None or abandonment.empty:
        return []
    rows = abandonment.assign(metric="abandonment_share")
    return [_change("abandon", str(r.type), r, confidence) for r in rows.itertuples() if _finite(r)]


def _finite(row) -> bool:
    return math.isfinite(row.baseline) and math.isfinite(row.value)


def _change(kind: str, subject: str, row, confidence: float) -> Change:
    exact = row.change == 0 and row.change_low == row.change_high
    known = exact or (math.isfinite(row.change_low) and math.isfinite(row.change_high))
    significant = known and not exact and not (row.change_low <= 0 <= row.change_high)
    if kind == "time":
        relative, low, high = row.relative, row.relative_low, row.relative_high
        material = abs(relative) >= MATERIAL_TIME
    else:
        scale = row.baseline if row.baseline else math.nan
        relative, low, high = row.change / scale, row.change_low / scale, row.change_high / scale
        material = abs(row.change) >= {"sla": MATERIAL_SLA, "abandon": MATERIAL_ABANDON}.get(kind, MATERIAL_LOAD)
    change = Change(kind, subject, row.metric, row.baseline, row.value, row.change, row.change_low,
                    row.change_high, relative, low, high, significant, material, "", known)
    return Change(**{**change.__dict__, "sentence": _sentence(change, confidence)})


def _what(change: Change) -> str:
    if change.kind == "time":
        return f"{TIME_METRICS[change.metric]} time-to-value of {change.subject}"
    if change.kind == "sla":
        return f"SLA attainment of {change.subject}"
    if change.kind == "abandon":
        return f"abandonment of {change.subject}"
    return f"utilisation of team {change.subject}"


def _sentence(change: Change, confidence: float) -> str:
    """'Mean time-to-value of normal_change falls from 8.6 d to 22.9 h (-89%; 95% interval -89% to -89%).'"""
    what = _what(change) + (" (the share that gives up waiting)" if change.kind == "abandon" else "")
    what = what[0].upper() + what[1:]
    level = readable.confidence_label(confidence)
    if change.change == 0 and change.low == change.high:
        return f"{what} stays at {_spell(change, change.baseline)}."
    verb = "rises" if change.change > 0 else "falls"
    if not change.known:  # one replication: the size alone, no interval words
        if change.change == 0:
            return f"{what} stays at {_spell(change, change.baseline)}."
        size = readable.relative(change.relative) if change.kind == "time" else readable.points(change.change)
        return f"{what} {verb} from {_spell(change, change.baseline)} to {_spell(change, change.value)} ({size})."
    if change.kind == "time":
        size = (f"{readable.relative(change.relative)}; {level} {readable.relative(change.relative_low)} to "
                f"{readable.relative(change.relative_high)}")
    else:
        size = (f"{readable.points(change.change)}; {level} {readable.points(change.low).removesuffix(' points')} "
                f"to {readable.points(change.high)}")
    sure = "" if change.significant else ", not distinguishable from no change"
    return f"{what} {verb} from {_spell(change, change.baseline)} to {_spell(change, change.value)} ({size}){sure}."


def _spell(change: Change, value: float) -> str:
    return readable.duration(value) if change.kind == "time" else readable.share(value)


def _unchanged_words(change: Change) -> str:
    what = _what(change)
    at = _spell(change, change.value)
    return f"{what} ({at})"


def _summary(variant: str, mattering: tuple[Change, ...], changes: list[Change], confidence: float,
             replications: int, case) -> str:
    """The paragraph: the main effect for whom and by how much, the SLA, what it costs, how sure."""
    giving_up = ", no abandonment by a point" if any(c.kind == "abandon" for c in changes) else ""
    if not mattering and replications < 2:
        return (f"{variant} changes nothing material in its single replication: no time-to-value moves by "
                f"{readable.share(MATERIAL_TIME)} or more, no SLA attainment by a point{giving_up}, no team's load "
                f"by {100 * MATERIAL_LOAD:.0f} points. {_sureness(mattering, confidence, replications)}")
    if not mattering:
        return (f"{variant} changes nothing that matters: no time-to-value moves by {readable.share(MATERIAL_TIME)} "
                f"or more, no SLA attainment by a point{giving_up}, no team's load by {100 * MATERIAL_LOAD:.0f} "
                f"points, beyond what {replications} paired replications can tell from noise.")
    parts = []
    times = [c for c in mattering if c.kind == "time"]
    if times:
        words = [f"the {TIME_METRICS[c.metric]} time-to-value of {c.subject} by "
                 f"{readable.relative(abs(c.relative)).lstrip('+')} ({readable.duration(c.baseline)} → "
                 f"{readable.duration(c.value)})" for c in times[:2]]
        verb = "cuts" if times[0].change < 0 else "lengthens"
        if len(times) > 1 and (times[1].change < 0) == (times[0].change < 0):
            second = (words[1].replace(f"the {TIME_METRICS[times[1].metric]} time-to-value of ", "that of ", 1)
                      if times[1].metric == times[0].metric else words[1])
            parts.append(f"{variant} {verb} {words[0]} and {second}")
        elif len(times) > 1:
            parts.append(f"{variant} {verb} {words[0]}, and {'lengthens' if times[1].change > 0 else 'cuts'} {words[1]}")
        else:
            parts.append(f"{variant} {verb} {words[0]}")
    slas = [c for c in mattering if c.kind == "sla"]
    if slas:
        c = slas[0]
        lead = "" if parts else f"{variant}: "
        parts.append(f"{lead}SLA attainment of {c.subject} {'rises' if c.change > 0 else 'falls'} to "
                     f"{readable.share(c.value)} ({readable.points(c.change)})")
    gone = [c for c in mattering if c.kind == "abandon"]
    if gone:  # callers who give up: the phone line's own measure
        c = gone[0]
        lead = "" if parts else f"{variant}: "
        parts.append(f"{lead}abandonment of {c.subject} {'rises' if c.change > 0 else 'falls'} "
                     f"from {readable.share(c.baseline)} to {readable.share(c.value)} ({readable.points(c.change)})")
    sentence = "; ".join(parts) + "." if parts else f"{variant} changes team load only."
    return " ".join([sentence, _cost(changes), _sureness(mattering, confidence, replications), (case_sentence(case) if case is not None else "")]).strip()


def _cost(changes: list[Change]) -> str:
    """What it costs in team load: the largest rise, and any team left near saturation."""
    loads = [c for c in changes if c.kind == "load"]
    if not loads:
        return ""
    rising = sorted((c for c in loads if c.change > 0 and c.significant), key=lambda c: -c.change)
    busy = [c for c in loads if c.value >= HIGH_LOAD]
    if rising and rising[0].change >= MATERIAL_LOAD:
        c = rising[0]
        text = f"It costs load: team {c.subject}'s utilisation rises to {readable.share(c.value)} ({readable.points(c.change)})."
    else:
        top = max(loads, key=lambda c: c.value)
        text = (f"No team works materially harder (busiest: {top.subject} at {readable.share(top.value)}).")
    falling = sorted((c for c in loads if c.matters and c.change < 0), key=lambda c: c.change)
    if falling:
        c = falling[0]
        text += f" Team {c.subject} is freed: utilisation falls to {readable.share(c.value)} ({readable.points(c.change)})."
    if busy:
        text += " Near saturation: " + ", ".join(f"{c.subject} at {readable.share(c.value)}" for c in busy) + "."
    return text


def _sureness(mattering: tuple[Change, ...], confidence: float, replications: int) -> str:
    if replications < 2:
        return ("From a single replication there is no interval: these are the differences of one simulated "
                "period, and noise may make or hide any of them; run more replications to know how sure they are.")
    return (f"Each change named lies outside its {readable.share(confidence)} interval of no change "
            f"({replications} paired replications).")


class CaseLike(Protocol):
    """What the money sentences read of a business case (``economics.BusinessCase``)."""

    variant: str
    currency: str
    months: int
    per_replication: pd.DataFrame

    @property
    def probability_npv_positive(self) -> float: ...
    @property
    def cost_of_delay_share(self) -> float: ...
    @property
    def rests_on_cost_of_delay(self) -> bool: ...
    @property
    def rests_on_freed_hours(self) -> bool: ...
    @property
    def shares(self) -> dict[str, float]: ...
    def npv_without_cost_of_delay(self) -> pd.Series: ...


def rests_on(case: CaseLike) -> str:
    """What a case's return rests on, as a clause ('' when its benefit is not positive): '96% of its
    benefit is cost of delay — without it the NPV is negative (EUR −20,412)'. The threshold is
    ``economics.DOMINANT_SHARE``, read through the case."""
    delay = case.cost_of_delay_share
    if math.isnan(delay):
        return ""
    without = float(case.npv_without_cost_of_delay().mean())
    spelled = readable.money(without, case.currency)
    outcome = f"negative ({spelled})" if without < 0 else spelled
    if case.rests_on_cost_of_delay:
        clause = f"{readable.share(delay)} of its benefit is cost of delay — without it the NPV is {outcome}"
    else:
        clause = f"cost of delay is {readable.share(delay)} of its benefit (without it the NPV is {outcome})"
    if case.rests_on_freed_hours:
        clause += (f"; {readable.share(case.shares['hours_freed_value'])} is team hours freed, capacity still "
                   "paid for")
    return clause


def how_sure(values: pd.Series, confidence: float = 0.95) -> str:
    """'95% interval 1,234,567 to 3,456,789' of per-replication amounts, spelled as the tables spell
    them, or, from one replication, the words saying there is none."""
    _, low, high = t_interval(values, confidence)
    if math.isnan(low):
        return "from a single replication, so no interval"
    if low == high:
        return "the same in every replication"
    return f"{readable.confidence_label(confidence)} {readable.money(low)} to {readable.money(high)}"


def case_sentence(case: CaseLike, confidence: float = 0.95) -> str:
    """'Over 12 months the business case's NPV is EUR 2,834,512 (95% interval ...), positive in 100% of
    the simulated periods; 98% of its benefit is cost of delay — without it the NPV is ...'. Amounts are
    spelled by ``readable.money``, as in the money table, so the sentence and the table agree."""
    npv = case.per_replication["npv"]
    text = (f"Over {case.months} months the business case's NPV is "
            f"{readable.money(float(npv.mean()), case.currency)} ({how_sure(npv, confidence)})")
    if len(npv) > 1:
        text += f", positive in {readable.share(case.probability_npv_positive)} of the simulated periods"
    clause = rests_on(case)
    return text + (f"; {clause}." if clause else ".")


__all__ = ["CaseLike", "Change", "HIGH_LOAD", "MATERIAL_ABANDON", "MATERIAL_LOAD", "MATERIAL_SLA", "MATERIAL_TIME",
           "Verdict", "case_sentence", "how_sure", "rests_on", "verdict_of", "verdicts"]
