"""review(): did a change deliver what was forecast? The variant's forecast against the real log after the change.

The forecast is ``compare(scenario, variant)`` (common random numbers): per metric, the variant's
estimate with its Student-t interval across replications, and the change from the baseline. The real
side is the after-log, with percentile-bootstrap intervals over its cases (decisions/observed.py). A metric is
*as forecast* when the two intervals overlap, else *better* or *worse than forecast*. The real change
is measured against a before-log when one is given, else against the baseline's forecast. Where the
forecast missed, the steps are ranked by how far their real times drifted from the variant's.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import readable
from ..errors import SimvalueError
from ..results.frames import Results
from ..results.stats import RESAMPLES, percentile_interval, relative_change, t_interval
from .observed import (TIME_METRICS, attainment, case_table, gap_table, throughput, time_figures,
                       weekly_counts, whole_weeks)
from .comparison import Comparison, ScenarioLike, compare
from .forecast import item_targets, per_replication, simulated_gaps

#: The metrics a review compares; lower is better for the times, higher for the others.
METRICS = (*TIME_METRICS, "sla_attainment", "throughput")
LOWER_IS_BETTER = frozenset(TIME_METRICS)
#: The subject of a review of every case together (a log whose types map to none of the scenario's).
ALL_CASES = "all cases"
AS_FORECAST, BETTER, WORSE, UNMEASURED = "as forecast", "better than forecast", "worse than forecast", "not measured"


class ReviewError(SimvalueError):
    """A review that cannot be made as asked (no cases of the scenario's types, an empty log)."""


@dataclass(frozen=True)
class Review:
    """A forecast checked against what happened.

    ``table``: one row per subject (a demand type, or ``all cases``) and metric: ``forecast`` with
    ``forecast_low``/``forecast_high``, ``real`` with ``real_low``/``real_high``, ``verdict``, ``baseline``
    (the baseline's forecast), ``forecast_change`` and ``real_change`` with their intervals (relative for
    times and throughput, a difference of shares for SLA attainment: ``change_kind``), ``cases``.
    ``steps``: per logged activity, the real and the variant's simulated mean time before its completion,
    their difference and its weight per case (``contribution``), largest first.
    """

    scenario: str
    variant: str
    table: pd.DataFrame = field(repr=False)
    steps: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...]
    comparison: Comparison = field(repr=False)
    #: What the real change is measured against: "the before-log" or "the baseline's forecast".
    change_basis: str = "the baseline's forecast"
    resamples: int = RESAMPLES
    seed: int = 0
    confidence: float = 0.95
    #: Per subject, time-to-value samples in hours by source (the real logs, the two forecasts), for charts.
    cycle_times: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def missed(self) -> pd.DataFrame:
        """The rows whose real value lies outside the forecast (better or worse)."""
        return self.table[self.table["verdict"].isin([BETTER, WORSE])]


def review(scenario: ScenarioLike, variant: ScenarioLike, after: pd.DataFrame, before: pd.DataFrame | None = None,
           replications: int | None = None, seed: int | None = None, resamples: int = RESAMPLES,
           confidence: float = 0.95, progress: Callable[[str, int, int], None] | None = None,
           max_events: float | None = None) -> Review:
    """Forecast ``variant`` against ``scenario`` and check it against the real ``after`` log (a frame from
    ``eventlog.read_log``); ``before``, the log before the change, makes the real change after vs before.
    The bootstrap draws ``resamples`` resamples with seeds from ``seed`` (reproducible)."""
    if after.empty:
        raise ReviewError("the after-log holds no events")
    comparison = compare(scenario, variant, replications=replications, seed=seed, confidence=confidence,
                         progress=progress, max_events=max_events)
    base, run = comparison.baseline, comparison.variants[0]
    seed = base.seed if seed is None else seed
    types = tuple(str(t) for t in base.items["type"].cat.categories)
    after_cases, notes = _typed(case_table(after), types, "after-log")
    before_cases = _typed(case_table(before), types, "before-log")[0] if before is not None else None
    subjects = _subjects(after_cases, types)
    rows = []
    for subject in subjects:
        rows += _subject_rows(subject, base, run, after_cases, before_cases, resamples, seed, confidence)
    table = pd.DataFrame(rows)
    steps = drift(after, run, resamples, seed, confidence)
    notes += _measure_notes(run.scenario, subjects, after_cases, "start" in after.columns)
    samples = {subject: _samples(subject, base, run, after_cases, before_cases) for subject in subjects}
    return Review(base.scenario.name, run.scenario.name, table, steps, tuple(notes), comparison,
                  "the before-log" if before is not None else "the baseline's forecast", resamples, seed, confidence,
                  samples)


def _samples(subject: str, base: Results, run: Results, after: pd.DataFrame, before: pd.DataFrame | None
             ) -> dict[str, np.ndarray]:
    """Time-to-value in hours of one subject: the after-log's cases, the variant's and the baseline's items that
    realised value, and the before-log's cases when there is one."""
    def simulated(results: Results) -> np.ndarray:
        items = results.items[results.items["outcome"].astype(str) == "done"]
        if subject != ALL_CASES:
            items = items[items["type"].astype(str) == subject]
        return items["time_to_value"].to_numpy(dtype=float)

    def real(cases: pd.DataFrame) -> np.ndarray:
        return (cases if subject == ALL_CASES else cases[cases["type"] == subject])["hours"].to_numpy(dtype=float)
    out = {"real, after the change": real(after), "forecast of the change": simulated(run),
           "forecast without it": simulated(base)}
    if before is not None:
        out["real, before the change"] = real(before)
    return out


def _typed(cases: pd.DataFrame, types: tuple[str, ...], name: str) -> tuple[pd.DataFrame, list[str]]:
    """The cases with ``type`` mapped to the scenario's demand types (same name, or same name once spaces and
    punctuation are underscores); a log without types whose scenario has one type: that type."""
    if cases["type"].isna().all():
        cases["type"] = pd.Series(types[0] if len(types) == 1 else None, index=cases.index, dtype=object)
        return cases, [] if len(types) == 1 else [f"the {name} names no types: every case is reviewed together"]
    key = {_key(t): t for t in types}
    mapped = [key.get(_key(value)) if value is not None else None for value in cases["type"]]
    unknown = sorted({str(v) for v, m in zip(cases["type"], mapped) if m is None and v is not None})
    cases["type"] = pd.Series(mapped, index=cases.index, dtype=object)
    notes = [f"the {name}'s types {', '.join(unknown[:5])} match no type of the scenario: their cases count "
             "only among all cases"] if unknown else []
    return cases, notes


def _key(value: object) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(value).strip().lower())


def _subjects(cases: pd.DataFrame, types: tuple[str, ...]) -> list[str]:
    """The demand types the log has cases of, with ``all cases`` first when there are several (or none)."""
    present = [t for t in types if (cases["type"] == t).any()]
    if len(present) == 1 and cases["type"].notna().all():
        return present
    return [ALL_CASES, *present]


def _subject_rows(subject: str, base: Results, run: Results, after: pd.DataFrame, before: pd.DataFrame | None,
                  resamples: int, seed: int, confidence: float) -> list[dict]:
    """The review's rows of one subject: each metric's forecast, real value, verdict and changes."""
    item_type = None if subject == ALL_CASES else subject
    forecast = per_replication(run, item_type).pivot(index="replication", columns="metric", values="value")
    baseline = per_replication(base, item_type).pivot(index="replication", columns="metric", values="value")
    real = _real_draws(after, item_type, run.scenario, resamples, seed)
    prior = _real_draws(before, item_type, run.scenario, resamples, seed + 1) if before is not None else {}
    rows = []
    for metric in METRICS:
        if metric not in forecast or metric not in real:
            continue
        estimate, draws = real[metric]
        value, low, high = t_interval(forecast[metric].to_numpy(), confidence)
        real_low, real_high = percentile_interval(draws, confidence)
        kind = "points" if metric == "sla_attainment" else "relative"
        said = _forecast_change(baseline[metric].to_numpy(), forecast[metric].to_numpy(), kind, confidence)
        got = (_real_change(draws, prior[metric], estimate, kind, confidence) if metric in prior else
               _against_forecast(estimate, real_low, real_high, float(np.nanmean(baseline[metric])), kind))
        rows.append({"subject": subject, "metric": metric, "forecast": value, "forecast_low": low,
                     "forecast_high": high, "real": float(estimate), "real_low": float(real_low),
                     "real_high": float(real_high),
                     "verdict": judge(metric, value, low, high, float(estimate), float(real_low), float(real_high)),
                     "baseline": float(np.nanmean(baseline[metric])), "change_kind": kind,
                     "forecast_change": said[0], "forecast_change_low": said[1], "forecast_change_high": said[2],
                     "real_change": got[0], "real_change_low": got[1], "real_change_high": got[2],
                     "cases": int(real["cases"][0])})
    return rows


def _real_draws(cases: pd.DataFrame, item_type: str | None, scenario, resamples: int, seed: int) -> dict:
    """Metric -> (estimate, bootstrap draws) of a log's cases of ``item_type`` (every case when None)."""
    mask = (cases["type"] == item_type).to_numpy() if item_type is not None else np.ones(len(cases), bool)
    mine = cases[mask]
    out: dict = {"cases": (len(mine), None)}
    if mine.empty:
        return out
    estimate, draws = time_figures(mine["hours"].to_numpy(), resamples, seed)
    out.update({metric: (estimate[i], draws[:, i]) for i, metric in enumerate(TIME_METRICS)})
    targets = item_targets(scenario, mine["type"], mine["priority"])
    if np.isfinite(targets).any():
        out["sla_attainment"] = attainment(mine["hours"].to_numpy(), targets, resamples, seed)
    counts = weekly_counts(cases, mask)
    if counts.size:
        out["throughput"] = throughput(counts, resamples, seed)
    return out


def judge(metric: str, forecast: float, low: float, high: float, real: float, real_low: float,
          real_high: float) -> str:
    """``as forecast`` when the real interval overlaps the forecast's (or holds the forecast, with one
    replication and so no forecast interval); else better or worse, by the metric's good direction."""
    if math.isnan(real) or math.isnan(forecast):
        return UNMEASURED
    if math.isnan(low):
        low = high = forecast
    if real_low <= high and low <= real_high:
        return AS_FORECAST
    above = real_low > high
    return BETTER if above != (metric in LOWER_IS_BETTER) else WORSE


def _forecast_change(baseline: np.ndarray, variant: np.ndarray, kind: str, confidence: float
                     ) -> tuple[float, float, float]:
    """Variant against baseline, paired by replication: relative (``stats.relative_change``) or in points."""
    if kind == "points":
        return t_interval(variant - baseline, confidence)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return relative_change(baseline, variant, confidence)


def _real_change(after: np.ndarray, before: tuple, estimate: float, kind: str, confidence: float
                 ) -> tuple[float, float, float]:
    """After against before, both bootstrapped (independent resamples): relative or in points."""
    before_estimate, before_draws = before
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (estimate - before_estimate) if kind == "points" else estimate / before_estimate - 1
        draws = after - before_draws if kind == "points" else after / before_draws - 1
    low, high = percentile_interval(draws, confidence)
    return float(change), float(low), float(high)


def _against_forecast(estimate: float, low: float, high: float, baseline: float, kind: str
                      ) -> tuple[float, float, float]:
    """The real value against the baseline's forecast (taken as known): relative or in points."""
    if kind == "points":
        return estimate - baseline, low - baseline, high - baseline
    if not baseline > 0:
        return math.nan, math.nan, math.nan
    return estimate / baseline - 1, low / baseline - 1, high / baseline - 1


def drift(after: pd.DataFrame, run: Results, resamples: int = RESAMPLES, seed: int = 0,
          confidence: float = 0.95) -> pd.DataFrame:
    """Per activity of the after-log that some step of the variant logs (by label, or name): the real and the
    simulated mean time before its completion, ``difference`` (real − simulated) and ``contribution``, the
    hours per case it moves the cycle time (real mean × real per case − simulated × simulated per case),
    ordered by the size of the contribution."""
    real = gap_table(after, resamples, seed, confidence)
    table = real.merge(simulated_gaps(run), on="activity", how="inner")
    table["difference"] = table["real_mean"] - table["simulated_mean"]
    table["contribution"] = (table["real_mean"] * table["real_per_case"]
                             - table["simulated_mean"] * table["simulated_per_case"])
    order = table["contribution"].abs().sort_values(ascending=False, kind="stable").index
    return table.loc[order].reset_index(drop=True)


def _measure_notes(scenario, subjects: list[str], cases: pd.DataFrame, starts: bool) -> list[str]:
    """What each side measures, in words, for the page and the terminal."""
    begin = "its first start" if starts else "its first event"
    notes = [f"A real case's time-to-value is the time from {begin} to its last completion; the forecast's is "
             "the time-to-value of simulated items that realised value.",
             "Throughput counts cases completed per week in the whole weeks from the log's first case to its last "
             "(its interval resamples weeks); the forecast counts items realising value per week of its horizon."]
    clocks = [t for t in subjects if t in scenario.sla and (scenario.sla_clock(t).clock != "elapsed"
                                                            or scenario.sla_clock(t).pause_on)]
    if any(t in scenario.sla for t in subjects) or (ALL_CASES in subjects and scenario.sla):
        notes.append("SLA attainment is measured on elapsed time on both sides: a case's time-to-value against "
                     "its type's target" + (" (and priority's)" if "priority" in cases and cases["priority"].notna()
                                            .any() else "") + "; cases without a target are left out.")
    if whole_weeks(cases) < 1:
        notes.append("The after-log spans less than a whole week of arrivals: throughput is not measured.")
    if clocks:
        notes.append(f"The scenario's SLA of {', '.join(clocks)} counts business hours or pauses on waits, which "
                     "a log's timestamps alone cannot show: both sides are measured on elapsed time instead.")
    return notes


#: How each metric is named in a sentence.
METRIC_WORDS = {"time_to_value_mean": "mean time-to-value", "time_to_value_p50": "median time-to-value",
                "time_to_value_p85": "85th-percentile time-to-value", "sla_attainment": "SLA attainment",
                "throughput": "throughput"}


def spell(metric: str, value: float) -> str:
    """A metric's value for people: a duration, a share, or cases a week."""
    if metric == "sla_attainment":
        return readable.share(value)
    if metric == "throughput":
        return f"{readable.number(value)} a week"
    return readable.duration(value)


def spell_change(kind: str, value: float) -> str:
    """A change for people: relative (``−33%``) or in points of a share."""
    return readable.points(value) if kind == "points" else readable.relative(value)


def sentence(row, basis: str, confidence: float = 0.95) -> str:
    """'Mean time-to-value of ticket: we said −33% (6.1 h → 4.08 h), we got −33% (4.07 h) against the
    before-log: as forecast.' with each side's interval."""
    level = readable.share(confidence)
    said = (f"we said {spell_change(row.change_kind, row.forecast_change)} ({spell(row.metric, row.baseline)} → "
            f"{spell(row.metric, row.forecast)}, {level} interval {spell(row.metric, row.forecast_low)} to "
            f"{spell(row.metric, row.forecast_high)})")
    got = (f"we got {spell_change(row.change_kind, row.real_change)} ({spell(row.metric, row.real)}, "
           f"{spell(row.metric, row.real_low)} to {spell(row.metric, row.real_high)}) against {basis}")
    what = METRIC_WORDS[row.metric]
    subject = "every case" if row.subject == ALL_CASES else row.subject
    return f"{what[0].upper()}{what[1:]} of {subject}: {said}; {got}: {row.verdict}."


def lead(result: Review) -> str:
    """The answer in one or two sentences: delivered as forecast or not, and the headline figure."""
    table = result.table
    if table.empty:
        return "Nothing could be measured: the after-log has no cases of the scenario's types."
    worse, better = (table["verdict"] == WORSE).sum(), (table["verdict"] == BETTER).sum()
    measured = (table["verdict"] != UNMEASURED).sum()
    headline = table.iloc[0]
    said, got = (spell_change(headline.change_kind, headline.forecast_change),
                 spell_change(headline.change_kind, headline.real_change))
    figure = f"{METRIC_WORDS[headline.metric]}: we said {said}, we got {got}"
    if not worse and not better:
        return f"The change delivered what was forecast on all {measured} measures ({figure})."
    parts = [f"worse than forecast on {worse}" if worse else "", f"better than forecast on {better}" if better else ""]
    answer = " and ".join(p for p in parts if p)
    opening = "The change fell short of the forecast" if worse else "The change did better than forecast"
    return f"{opening}: {answer} of {measured} measures ({figure})."


def drift_sentence(result: Review) -> str | None:
    """Where the forecast missed, the step whose real times drifted most from the variant's model; else None."""
    if result.missed.empty or result.steps.empty:
        return None
    top = result.steps.iloc[0]
    direction = "longer" if top.difference > 0 else "shorter"
    return (f"The step whose real times drifted most from the model is {top.activity} ({top.steps}): "
            f"{readable.duration(top.real_mean)} before its completion against {readable.duration(top.simulated_mean)} "
            f"simulated, {readable.duration(abs(top.difference))} {direction}, "
            f"{readable.duration(abs(top.contribution))} a case {'more' if top.contribution > 0 else 'less'} in all.")


def sentences(result: Review) -> list[str]:
    """One sentence per subject and metric, in the table's order."""
    return [sentence(row, result.change_basis, result.confidence) for row in result.table.itertuples()]
