"""A self-contained HTML report of a comparison that leads with the answer.

First a verdict per variant (verdict.py: what changes for whom, by how much, how sure, what it
costs), then the charts, then the details folded away (every figure, bottlenecks, the scenarios,
distribution tests, run settings). Numbers are spelled for people (readable.py). Every
user-supplied name passes through ``html.escape``; charts are inline SVG with their text as text
(charts/style.py), so the single file works offline, can be mailed and reads on a phone.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..charts.style import svg
from ..decisions.comparison import Comparison
from ..decisions.economics import case_from_runs, has_costs
from .html_page import CARDS_CSS, CHARTS_CSS, NARROW_CSS, row_kinds, table
from ..decisions.plausibility import plausibility
from ..scenario import Scenario
from ..scenario.variants import describe_edits
from .. import readable
from .business_text import case_rows
from .levers_text import abandonment_rows, abandonment_sentences, time_split_rows
from ..results.steady import steady_state, steady_text
from .text import headline_rows
from ..decisions.verdict import Verdict, verdicts
from ..version import __version__

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1000px;margin:2em auto;color:#222;padding:0 1em;
line-height:1.45}
h1{font-size:1.7em;margin-bottom:0.2em}.sub{color:#555;margin-top:0}
.verdict{border-left:5px solid #2a9d8f;background:#f6fbfa;padding:0.6em 1.2em;margin:1.2em 0}
.verdict p.lead{font-size:1.1em}.verdict li{margin:0.35em 0}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.9em;max-width:100%}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
img{max-width:100%;height:auto;display:block;margin:0.6em 0}
details{margin:0.6em 0}summary{cursor:pointer;font-weight:600;padding:0.3em 0}
.muted{color:#666;font-size:0.9em}
.flag{border-left:5px solid #c0392b;background:#fdf0ee;padding:0.5em 1em}
td.text,th.text{text-align:left}
""" + NARROW_CSS + CARDS_CSS + CHARTS_CSS


def render_html(comparison: Comparison, extra_sections: list[str] | None = None, money: dict | None = None) -> str:
    """The report as one HTML string: the verdict per variant first, then charts that read at a glance,
    then the details, folded (``money``: variant name -> business case, quoted in the verdict)."""
    base = comparison.baseline
    names = [run.scenario.name for run in comparison.variants]
    title = names[0] if len(names) == 1 else f"{len(names)} variants"
    parts = [f"<h1>{_e(title)}: what it changes</h1>",
             f'<p class="sub">Against the baseline <b>{_e(base.scenario.name)}</b>; {_runs(comparison)}.</p>']
    for verdict in verdicts(comparison, money):
        parts.append(_verdict(verdict))
    parts += [f'<p class="flag">{_e(note)}</p>' for note in steady_notes(comparison)]
    parts += lever_sections(comparison)
    parts += extra_sections or []
    parts += ["<h2>At a glance</h2>", '<div class="charts">', *(_figure(fig) for fig in _figures(comparison)),
              "</div>"]
    parts += ["<h2>Details</h2>",
              _folded("Every headline figure, variant by variant", _headline_tables(comparison)),
              _folded("Bottlenecks: the step with the largest share of waiting", _table(_bottlenecks(comparison))),
              _folded("The scenarios", "\n".join([describe_scenario(base.scenario, baseline=True)]
                                                   + [describe_scenario(r.scenario, spec=s) for r, s in
                                                      zip(comparison.variants, comparison.specs)])),
              _folded("Appendix: distribution tests", _tests(comparison)),
              _folded("Run settings", _settings(comparison))]
    body = "\n".join(parts)
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(title)}: what it changes"
            f"</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")


def lever_sections(comparison: Comparison) -> list[str]:
    """The planner's levers, each only when a side has it: the share who give up waiting per type (a plain
    sentence, then baseline and variant with intervals and the paired change), and the time split of
    people with several skills on both sides. None for a pair with no patience and no shared people."""
    sections = []
    abandonment = comparison.abandonment()
    if len(abandonment):
        headers, rows = abandonment_rows(abandonment, comparison.confidence)
        sentences = "".join(f"<li>{_e(sentence)}</li>" for sentence in abandonment_sentences(abandonment))
        sections.append(f"<h2>Who gives up waiting</h2><ul>{sentences}</ul>"
                        '<p class="muted">The share of each type\'s items that gave up waiting (callers who hung '
                        f"up; a caller who rings back and is answered is not counted). {_e(change_note(comparison))}"
                        "</p>" + table(headers, rows))
    split = comparison.time_split()
    if len(split):
        headers, rows = time_split_rows(split)
        words = [len(headers) - 2, len(headers) - 1]  # the two splits: words that wrap, left-aligned
        sections.append(f"<h2>People with several skills</h2>"
                        '<p class="muted">How each group spends its hours on duty, mean over replications: its own '
                        f"team's work, the other teams it helps, idle; {_e(readable.MISSING)} where a side has no "
                        "such group.</p>" + table(headers, rows, text_columns=words))
    return sections


def steady_notes(comparison: Comparison) -> list[str]:
    """For each run that did not settle (an overloaded team): its growing backlog in words (steady.py)."""
    runs = (comparison.baseline, *comparison.variants)
    return [f"{run.scenario.name}: {text}" for run in runs if (text := steady_text(steady_state(run)))]


def _runs(comparison: Comparison) -> str:
    """'10 paired replications (common random numbers), 95% intervals', or the words for a single one."""
    count = comparison.baseline.replications
    if count < 2:
        return "a single replication (common random numbers), so no intervals"
    return f"{count} paired replications (common random numbers), {readable.share(comparison.confidence)} intervals"


def change_note(comparison: Comparison) -> str:
    """How to read a change column: paired, with its interval, or from a single replication without one."""
    if comparison.baseline.replications < 2:
        return "Change is the variant minus the baseline in a single replication: there is no interval."
    return (f"Change is the variant minus the baseline, paired across replications, with its "
            f"{readable.confidence_label(comparison.confidence)}.")


def _verdict(verdict: Verdict) -> str:
    items = "".join(f"<li>{_e(change.sentence)}</li>" for change in verdict.changes)
    matter = "change that matters" if verdict.more == 1 else "changes that matter"
    more = (f'<p class="muted">and {verdict.more} more {matter}, in the details below.</p>' if verdict.more else "")
    listed = f"<h3>What changes, largest first</h3><ol>{items}</ol>{more}" if verdict.changes else ""
    unchanged = f'<p class="muted">{_e(verdict.unchanged_line)}</p>' if verdict.unchanged else ""
    return (f'<section class="verdict"><h2>{_e(verdict.variant)}</h2><p class="lead">{_e(verdict.summary)}</p>'
            f"{listed}{unchanged}</section>")


def _folded(summary: str, content: str) -> str:
    return f"<details><summary>{_e(summary)}</summary>{content}</details>"


def _headline_tables(comparison: Comparison) -> str:
    """One table per variant (the variant's name is its heading, not a column), in people's numbers."""
    parts = [f'<p class="muted">{_e(change_note(comparison))}</p>']
    for run in comparison.variants:
        name = run.scenario.name
        headers, rows = headline_rows(comparison.table[comparison.table["variant"] == name], comparison.confidence)
        parts += [f"<h3>{_e(name)}</h3>", _table(pd.DataFrame(rows, columns=headers))]
    return "\n".join(parts)


def _bottlenecks(comparison: Comparison) -> pd.DataFrame:
    frame = comparison.bottlenecks()
    return pd.DataFrame({"stream": frame["stream"], "scenario": frame["scenario"], "bottleneck step": frame["step"],
                         "share of waiting": frame["wait_share"].map(readable.share),
                         "mean wait": frame["wait"].map(readable.duration)})


def _tests(comparison: Comparison) -> str:
    tests = comparison.tests
    frame = pd.DataFrame({"variant": tests["variant"], "type": tests["type"],
                          "items (baseline / variant)": [f"{a:,} / {b:,}" for a, b in
                                                         zip(tests["n_baseline"], tests["n_variant"])],
                          "KS distance": tests["ks_statistic"].map(lambda v: f"{v:.3f}"),
                          "KS p-value": tests["ks_pvalue"].map(readable.p_value),
                          "Mann-Whitney p-value": tests["mannwhitney_pvalue"].map(readable.p_value)})
    return ('<p class="muted">Two-sample Kolmogorov–Smirnov and Mann–Whitney tests on pooled time-to-value. Items '
            "within a replication are correlated, so treat p-values as indicative; the paired intervals above "
            "are the evidence.</p>" + _table(frame))


def describe_scenario(scenario: Scenario, baseline: bool = False, spec=None) -> str:
    """A scenario in words: its demand, teams, and (for a variant, from its ``spec``) the edits that made it."""
    role = "Baseline" if baseline else "Variant"
    demand = "; ".join(f"{_e(d.type)} into stream {_e(d.stream)}" for d in scenario.demand)
    teams = ", ".join(f"{_e(name)} ({team.capacity if team.always_on else f'{team.pattern().average_headcount:.3g} on average'})"
                      for name, team in scenario.teams.items())
    lines = [f"<h3>{role}: {_e(scenario.name)}</h3>"]
    if scenario.description:
        lines.append(f"<p>{_e(scenario.description)}</p>")
    horizon, warmup = readable.duration(scenario.horizon), readable.duration(scenario.warmup)
    lines.append(f"<p>Demand: {demand}. Teams (capacity): {teams or 'none'}. Horizon "
                 f"{_e(horizon)} after a {_e(warmup)} warm-up.</p>")
    if spec is not None:
        edits = describe_edits(spec)
        lines.append("<p>Changes from the baseline:</p><ul>" + "".join(f"<li>{_e(e)}</li>" for e in edits)
                     + "</ul>" if edits else "<p>No changes from the baseline.</p>")
    return "\n".join(lines)


def _figures(comparison: Comparison) -> list:
    """Time-to-value per type (with SLA lines), team load, then each stream's steps in flow order."""
    base = comparison.baseline
    figures = [comparison.plot_ttv(t) for t in base.items["type"].cat.categories if base.items["type"].eq(t).any()]
    figures.append(comparison.plot_utilisation())
    figures += [comparison.plot_value_stream(stream) for stream in base.scenario.streams
                if base.events["stream"].eq(stream).any()]
    return figures + [comparison.plot_cfd()]


def _figure(fig) -> str:
    """A chart as inline SVG, named by its title."""
    title = fig.texts[0].get_text() if fig.texts else (fig.axes[0].get_title() if fig.axes else "figure")
    return svg(fig, title or "figure")


def _table(frame: pd.DataFrame) -> str:
    """A frame of words and formatted figures as a table that turns into cards on a phone (html_page.table)."""
    rows = [[readable.MISSING if pd.isna(value) else value for value in row] for row in frame.itertuples(index=False)]
    return table([str(column) for column in frame.columns], rows, row_classes=row_kinds(rows))


def _settings(comparison: Comparison) -> str:
    base = comparison.baseline
    level = readable.share(comparison.confidence) if base.replications > 1 else "none (a single replication)"
    rows = {"replications": base.replications, "seed": base.seed, "confidence": level,
            "common random numbers": "yes" if all(v.seed == base.seed for v in comparison.variants) else "no",
            "simvalue version": __version__}
    return "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(str(v))}</td></tr>" for k, v in rows.items()) + "</table>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def economics_cases(comparison: Comparison, months: int = 12, discount_rate: float = 0.08) -> dict:
    """Variant name -> business case, for the variants with economics when the baseline has costs."""
    if not has_costs(comparison.baseline.scenario):
        return {}
    return {run.scenario.name: case_from_runs(comparison.baseline, run, months, discount_rate, spec.economics)
            for run, spec in zip(comparison.variants, comparison.specs)
            if spec is not None and spec.economics is not None}


def economics_sections(comparison: Comparison, months: int = 12, discount_rate: float = 0.08) -> list[str]:
    """A business-case section when the baseline has costs and a variant has economics; else none."""
    cases = economics_cases(comparison, months, discount_rate)
    return [business_case_html(list(cases.values()), comparison.confidence)] if cases else []


def business_case_html(cases: list, confidence: float = 0.95) -> str:
    """Business cases as a table per variant: cash, value and capacity apart, with intervals, cost of
    delay's share and the NPV without it, and a flag where the return rests mostly on one assumption."""
    parts = ["<h2>Business case</h2>"]
    for case in cases:
        economics = case.economics
        headers, rows = case_rows(case, confidence)
        parts += [f"<h3>{_e(case.variant)}</h3>",
                  f"<p>Over {case.months} months at a yearly discount rate of {readable.share(case.discount_rate, 1)}; "
                  f"amounts in {_e(case.currency)}. Investment {readable.money(economics.investment)}, running cost "
                  f"{readable.money(economics.running_cost)} a month, benefit from month {economics.lead_time:g}. "
                  f"Scaling: {_e(case.scaling)}.</p>", _table(pd.DataFrame(rows, columns=headers))]
        parts += [f'<p class="flag"><b>Read with care.</b> {_e(flag)}</p>'
                  for flag in plausibility(case, confidence=confidence).flags]
    parts.append('<p class="muted">Hours freed are capacity the teams keep (still paid for), not cash; '
                 "SLA penalties avoided and running costs are cash; cost of delay avoided is value.</p>")
    return "\n".join(parts)


def write_report(comparison: Comparison, path: str | Path, months: int = 12, discount_rate: float = 0.08) -> Path:
    """Write the comparison's self-contained HTML report (with a business case when the scenario has
    costs and a variant has economics) and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    cases = economics_cases(comparison, months, discount_rate)
    sections = [business_case_html(list(cases.values()), comparison.confidence)] if cases else []
    target.write_text(render_html(comparison, sections, cases), encoding="utf-8")
    return target
