"""The post-change review as one offline HTML page that leads with the verdict.

First the answer (delivered as forecast or not, with "we said / we got" per measure and the step that
drifted most), then the measures in a table, the time-to-value distributions forecast and real, the
steps' real and simulated times, and folded away what is measured and how. Every name from a file
passes through ``html.escape`` (html_page); charts are inline SVG, so the page works offline.
"""

from __future__ import annotations

import numpy as np

from .. import readable
from ..charts.plots import plot_ecdfs
from ..decisions.review import (ALL_CASES, AS_FORECAST, BETTER, METRIC_WORDS, WORSE, Review, drift_sentence, lead,
                                sentence, spell, spell_change)
from ..version import __version__
from .html_page import charts, escape, figure, page, table

#: The verdict box's colour by outcome, and a mark for each metric's verdict (never colour alone).
_CSS = """
.verdict{border-left:6px solid #2a9d8f;background:#eef8f6;padding:0.5em 1.1em;margin:1em 0}
.verdict.worse{border-color:#c0392b;background:#fdf0ee}.verdict.better{border-color:#1d6fa5;background:#eef4fa}
.verdict p.lead{font-size:1.15em;font-weight:600;margin:0.4em 0;border:none;background:none;padding:0}.verdict li{margin:0.3em 0}
.mark{display:inline-block;min-width:9.5em;font-weight:600}.mark.worse{color:#a93226}.mark.better{color:#1d6fa5}
.mark.as{color:#1e7a6f}
@media (max-width:640px){.mark{display:block;min-width:0}.verdict ul{padding-left:1.1em}}
"""
_MARK = {AS_FORECAST: "as", BETTER: "better", WORSE: "worse"}


def review_page(result: Review, after: str, before: str | None = None) -> str:
    """The whole page: ``after`` and ``before`` name the real logs (file names, shown as given)."""
    title = f"{result.variant}: did it deliver what was forecast?"
    parts = [f"<h1>{escape(title)}</h1>", f'<p class="subtitle">{escape(_subtitle(result, after, before))}</p>',
             _verdict(result), "<h2>Measure by measure</h2>", _measures(result),
             "<h2>Time-to-value: forecast and real</h2>", _charts(result),
             "<h2>Where the real times drifted from the model</h2>", _steps(result),
             _folded("What is measured, and how the verdict is reached", _method(result)),
             _folded("Every measure in a sentence", "<ul>" + "".join(
                 f"<li>{escape(sentence(row, result.change_basis, result.confidence))}</li>"
                 for row in result.table.itertuples()) + "</ul>"),
             _folded("Run settings", _settings(result, after, before))]
    return page(title, "\n".join(parts), _CSS)


def _subtitle(result: Review, after: str, before: str | None) -> str:
    runs = result.comparison.baseline.replications
    forecast = (f"Forecast: {result.scenario} with the change, {runs} paired replications" if runs > 1 else
                f"Forecast: {result.scenario} with the change, a single replication (no forecast interval)")
    real = f"real: {after}" + (f" against {before}" if before else "")
    return f"{forecast}; {real}; {readable.share(result.confidence)} intervals."


def _verdict(result: Review) -> str:
    """The answer: the lead sentence, one line per measure (its verdict, what we said, what we got), the drift."""
    verdicts = set(result.table["verdict"]) if not result.table.empty else set()
    kind = "worse" if WORSE in verdicts else "better" if BETTER in verdicts else ""
    items = []
    for row in result.table.itertuples():
        mark = _MARK.get(row.verdict, "")
        subject = "every case" if row.subject == ALL_CASES else row.subject
        items.append(f'<li><span class="mark {mark}">{escape(row.verdict)}</span> {escape(METRIC_WORDS[row.metric])} '
                     f"of {escape(subject)}: we said {escape(spell_change(row.change_kind, row.forecast_change))}, "
                     f"we got {escape(spell_change(row.change_kind, row.real_change))} "
                     f"({escape(spell(row.metric, row.forecast))} forecast, {escape(spell(row.metric, row.real))} "
                     "real)</li>")
    drift = drift_sentence(result)
    return (f'<section class="verdict {kind}"><p class="lead">{escape(lead(result))}</p><ul>{"".join(items)}</ul>'
            + (f"<p>{escape(drift)}</p>" if drift else "")
            + f'<p class="muted">Real changes are against {escape(result.change_basis)}.</p></section>')


def _measures(result: Review) -> str:
    """The table: each measure's forecast and real value with their intervals, the changes, the verdict."""
    rows = []
    for row in result.table.itertuples():
        subject = "every case" if row.subject == ALL_CASES else row.subject
        rows.append([f"{METRIC_WORDS[row.metric]} of {subject}", _with_interval(row.metric, row.forecast,
                     row.forecast_low, row.forecast_high), _with_interval(row.metric, row.real, row.real_low,
                                                                          row.real_high),
                     spell_change(row.change_kind, row.forecast_change), spell_change(row.change_kind, row.real_change),
                     row.verdict, f"{row.cases:,}"])
    headers = ["measure", "forecast", "real", "we said", "we got", "verdict", "cases"]
    return table(headers, rows, text_columns=(0, 1, 2, 5)) + (
        f'<p class="muted">Intervals at {readable.share(result.confidence)}: the forecast\'s across replications '
        f"(Student t), the real one a bootstrap of {result.resamples:,} resamples of the log's cases (of its weeks, "
        f"for throughput). "
        f"We said: the forecast's change from the baseline; we got: the real change against {result.change_basis}.</p>")


def _with_interval(metric: str, value: float, low: float, high: float) -> str:
    if np.isnan(low):
        return spell(metric, value)
    return f"{spell(metric, value)} ({spell(metric, low)} to {spell(metric, high)})"


def _charts(result: Review) -> str:
    """One chart of time-to-value per subject: real after (and before), the forecasts with and without the change."""
    scenario = result.comparison.variants[0].scenario
    drawn = []
    for subject, samples in result.cycle_times.items():
        target = scenario.sla_target(subject, None) if subject in scenario.sla else None
        targets = [(f"SLA {readable.duration(target, space=' ')}", float(target))] if isinstance(target, (int, float)) \
            else []
        name = "every case" if subject == ALL_CASES else subject
        drawn.append(figure(plot_ecdfs(samples, f"Time-to-value of {name}", targets), f"Time-to-value of {name}"))
    return charts(*drawn) if drawn else '<p class="muted">No cases to chart.</p>'


def _steps(result: Review) -> str:
    """Per activity: real and simulated mean time before its completion, the difference and its weight per case."""
    steps = result.steps
    if steps.empty:
        return ('<p class="muted">No activity of the log is a step of the scenario (steps are matched by their '
                "label, or name).</p>")
    rows = [[row.activity, row.steps, _with_interval("time", row.real_mean, row.real_low, row.real_high),
             readable.duration(row.simulated_mean), _signed(row.difference),
             f"{readable.number(row.real_per_case)} / {readable.number(row.simulated_per_case)}",
             _signed(row.contribution)] for row in steps.itertuples()]
    headers = ["activity", "steps", "real", "simulated", "difference", "per case (real / simulated)",
               "hours a case"]
    return (f'<p class="muted">The time from a case\'s previous completion to each completion of the activity, in '
            f"the after-log and in the forecast of the change; largest effect on a case's time-to-value first.</p>"
            + table(headers, rows, text_columns=(0, 1)))


def _signed(hours: float) -> str:
    """A difference of durations with its sign: ``+1.06 h``, ``−6.6 min``."""
    if np.isnan(hours):
        return readable.MISSING
    return ("+" if hours > 0 else readable.MINUS if hours < 0 else "") + readable.duration(abs(hours))


def _method(result: Review) -> str:
    notes = "".join(f"<li>{escape(note)}</li>" for note in result.notes)
    return (f"<ul>{notes}</ul><p>A measure is <b>as forecast</b> when the real interval overlaps the forecast's "
            "(with a single replication: when it holds the forecast); otherwise it is better or worse than "
            "forecast, by the measure's good direction (shorter times, higher attainment, more cases a week). "
            "Overlapping intervals do not prove the forecast right: they say the log cannot tell the two apart. "
            "See docs/review.md.</p>")


def _folded(summary: str, content: str) -> str:
    return f"<details><summary>{escape(summary)}</summary>{content}</details>"


def _settings(result: Review, after: str, before: str | None) -> str:
    base = result.comparison.baseline
    rows = [["scenario", result.scenario], ["variant", result.variant], ["replications", base.replications],
            ["seed", base.seed], ["bootstrap resamples", f"{result.resamples:,} (seed {result.seed})"],
            ["after-log", after], ["before-log", before or "none"], ["simvalue version", __version__]]
    return table(["setting", "value"], rows, text_columns=(0, 1))
