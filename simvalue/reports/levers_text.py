"""The planner's levers in a comparison, as rows and sentences: who gives up waiting, and how people with
several skills spend their time, baseline vs variant. The terminal (``levers_text``) and the HTML report
(reports/compare.py) show the same rows, only when a side has patience or shares people."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .. import readable
from .text import table, with_interval

if TYPE_CHECKING:  # PERF: rows take frames; importing this module needs no pandas
    import pandas as pd

#: What the abandonment rows and sentences are about, in words.
ABANDON_TITLE = ("who gives up waiting: share of items abandoned for good (a caller who rings back and is answered "
                 "is not counted)")
#: What the time-split rows are about, in words.
SPLIT_TITLE = "time split of people with several skills (share of their hours, mean over replications)"


def abandonment_rows(frame: pd.DataFrame, confidence: float = 0.95) -> tuple[list[str], list[list[str]]]:
    """Headers and rows (type, [variant,] baseline ± half-width, variant ± half-width, change, interval) of
    ``Comparison.abandonment``; the variant is a column only when there are several, and the interval
    column goes when no row has one (a single replication)."""
    several = frame["variant"].nunique() > 1
    rows = []
    for r in frame.itertuples():
        if r.change == 0 and r.change_low == r.change_high:
            change, interval = "none", ""
        else:
            change = readable.points(r.change)
            interval = ("" if math.isnan(r.change_low) else
                        f"{readable.points(r.change_low).removesuffix(' points')} to {readable.points(r.change_high)}")
        rows.append([str(r.type), *([str(r.variant)] if several else []),
                     with_interval(r.baseline, r.baseline_low, r.baseline_high, fmt=readable.share),
                     with_interval(r.value, r.value_low, r.value_high, fmt=readable.share), change, interval])
    headers = ["type", *(["variant"] if several else []), "baseline", "variant", "change",
               readable.confidence_label(confidence)]
    if not any(row[-1] for row in rows):
        return headers[:-1], [row[:-1] for row in rows]
    return headers, rows


def abandonment_sentences(frame: pd.DataFrame) -> list[str]:
    """One plain sentence per row of ``Comparison.abandonment``: 'call: 21% → 15% give up waiting (−6.3
    points)', prefixed by the variant when there are several."""
    several = frame["variant"].nunique() > 1
    sentences = []
    for r in frame.itertuples():
        prefix = f"[{r.variant}] " if several else ""
        unchanged = r.change == 0 and r.change_low == r.change_high
        size = "unchanged" if unchanged else readable.points(r.change)
        sentences.append(f"{prefix}{r.type}: {readable.share(r.baseline)} → {readable.share(r.value)} give up "
                         f"waiting ({size}).")
    return sentences


def time_split_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Headers and rows (group, team, [variant,] people, baseline's split, variant's split) of
    ``Comparison.time_split``, e.g. '72% network, 9% service_desk, 19% idle'; '—' where a side lacks the group."""
    several = frame["variant"].nunique() > 1
    rows = []
    for (variant, team, group), part in frame.groupby(["variant", "team", "group"], sort=False):
        people = [_people(part[f"people_{side}"]) for side in ("baseline", "variant")]
        count = people[0] if people[0] == people[1] else f"{people[0]} → {people[1]}"
        rows.append([str(group), str(team), *([str(variant)] if several else []), count,
                     _split(part, "baseline"), _split(part, "value")])
    return ["group", "team", *(["variant"] if several else []), "people", "baseline", "variant"], rows


def _people(values: pd.Series) -> str:
    """A group's headcount on one side, or the missing mark where that side has no such group."""
    known = values.dropna()
    return str(int(known.iloc[0])) if len(known) else readable.MISSING


def _split(part: pd.DataFrame, column: str) -> str:
    """'72% network, 9% service_desk, 19% idle' from one side's shares; the missing mark without any."""
    known = part[part[column].notna()]
    if known.empty:
        return readable.MISSING
    return ", ".join(f"{readable.share(value)} {served}" for served, value in zip(known["served"], known[column]))


def levers_text(abandonment: pd.DataFrame, split: pd.DataFrame, confidence: float = 0.95) -> str:
    """The terminal's tables of both levers, each only when it applies; '' when neither does."""
    parts = []
    if len(abandonment):
        parts.append(ABANDON_TITLE + "\n" + table(*abandonment_rows(abandonment, confidence)))
    if len(split):
        parts.append(SPLIT_TITLE + "\n" + table(*time_split_rows(split)))
    return "\n\n".join(parts)
