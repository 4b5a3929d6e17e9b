"""A self-contained HTML report of a comparison: words, findings, tables, embedded figures.

Every user-supplied name passes through ``html.escape``; figures are PNGs inlined as base64,
so the single file can be mailed.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import pandas as pd

from .comparison import Comparison
from .economics import case_from_runs, has_costs
from .scenario import Scenario
from .scenario.variants import describe_edits, variant_of
from .text import comparison_rows
from .units import humanize
from .version import __version__

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:0.5em 0}
.findings li{margin:0.3em 0}.muted{color:#666;font-size:0.9em}
"""


def render_html(comparison: Comparison, extra_sections: list[str] | None = None) -> str:
    """The report as one HTML string."""
    base = comparison.baseline
    parts = [f"<h1>{_e(base.scenario.name)}: what-if comparison</h1>",
             "<h2>Scenarios</h2>", describe_scenario(base.scenario, baseline=True)]
    parts += [describe_scenario(run.scenario) for run in comparison.variants]
    parts.append("<h2>Findings</h2>")
    for run in comparison.variants:
        name = run.scenario.name
        parts += [f"<h3>{_e(name)}</h3>", '<ul class="findings">']
        parts += [f"<li>{_e(sentence)}</li>" for sentence in comparison.findings(name)]
        parts.append("</ul>")
    headers, rows = comparison_rows(comparison.table)
    parts += ["<h2>Headline metrics</h2>", '<p class="muted">Change is variant minus baseline, paired across '
              f"replications, with its {comparison.confidence:.0%} confidence interval.</p>",
              _table(pd.DataFrame(rows, columns=headers)),
              "<h2>Bottlenecks</h2>", _table(comparison.bottlenecks()),
              "<details><summary>Every metric (as in comparison.csv)</summary>", _table(comparison.table), "</details>",
              "<h2>Distribution tests</h2>",
              '<p class="muted">Two-sample Kolmogorov–Smirnov and Mann–Whitney tests on pooled time-to-value. '
              "Items within a replication are correlated, so treat p-values as indicative; the paired "
              "intervals above are the primary evidence.</p>", _table(comparison.tests)]
    parts += ["<h2>Figures</h2>"] + [_figure(fig) for fig in _figures(comparison)]
    parts += extra_sections or []
    parts += ["<h2>Run settings</h2>", _settings(comparison)]
    body = "\n".join(parts)
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(base.scenario.name)}"
            f"</title><style>{_STYLE}</style></head><body>{body}</body></html>")


def describe_scenario(scenario: Scenario, baseline: bool = False) -> str:
    """A scenario in words: its demand, teams, and (for a variant) the edits that made it."""
    role = "Baseline" if baseline else "Variant"
    demand = "; ".join(f"{_e(d.type)} into stream {_e(d.stream)}" for d in scenario.demand)
    teams = ", ".join(f"{_e(name)} ({team.capacity if team.always_on else f'{team.pattern().average_headcount:.3g} on average'})"
                      for name, team in scenario.teams.items())
    lines = [f"<h3>{role}: {_e(scenario.name)}</h3>"]
    if scenario.description:
        lines.append(f"<p>{_e(scenario.description)}</p>")
    lines.append(f"<p>Demand: {demand}. Teams (capacity): {teams or 'none'}. Horizon "
                 f"{_e(humanize(scenario.horizon))} after a {_e(humanize(scenario.warmup))} warm-up.</p>")
    spec = variant_of(scenario)
    if spec is not None:
        edits = describe_edits(spec)
        lines.append("<p>Changes from the baseline:</p><ul>" + "".join(f"<li>{_e(e)}</li>" for e in edits)
                     + "</ul>" if edits else "<p>No changes from the baseline.</p>")
    return "\n".join(lines)


def _figures(comparison: Comparison) -> list:
    base = comparison.baseline
    figures = [comparison.plot_ttv(t, log=True) for t in base.items["type"].cat.categories
               if base.items["type"].eq(t).any()]
    figures += [comparison.plot_value_stream(stream) for stream in base.scenario.streams
                if base.events["stream"].eq(stream).any()]
    return figures + [comparison.plot_utilisation(), comparison.plot_cfd()]


def _figure(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{encoded}">'


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="", escape=True, border=0)


def _settings(comparison: Comparison) -> str:
    base = comparison.baseline
    rows = {"replications": base.replications, "seed": base.seed, "confidence": f"{comparison.confidence:.0%}",
            "common random numbers": "yes" if all(v.seed == base.seed for v in comparison.variants) else "no",
            "simvalue version": __version__}
    return "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(str(v))}</td></tr>" for k, v in rows.items()) + "</table>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def economics_sections(comparison: Comparison, months: int = 12, discount_rate: float = 0.08) -> list[str]:
    """A business-case section when the baseline has costs and a variant has economics; else none."""
    if not has_costs(comparison.baseline.scenario):
        return []
    runs = [run for run in comparison.variants
            if variant_of(run.scenario) is not None and variant_of(run.scenario).economics is not None]
    if not runs:
        return []
    return [business_case_html([case_from_runs(comparison.baseline, run, months, discount_rate) for run in runs])]


def business_case_html(cases: list) -> str:
    """Business cases as a table per variant: cash, value and capacity apart, with intervals."""
    parts = ["<h2>Business case</h2>"]
    for case in cases:
        economics = case.economics
        parts += [f"<h3>{_e(case.variant)}</h3>",
                  f"<p>Over {case.months} months at a yearly discount rate of {case.discount_rate:.1%}; amounts in "
                  f"{_e(case.currency)}. Investment {economics.investment:,.0f}, running cost "
                  f"{economics.running_cost:,.0f} a month, benefit from month {economics.lead_time:g}. "
                  f"Scaling: {_e(case.scaling)}. Probability that NPV is positive: "
                  f"{case.probability_npv_positive:.0%}.</p>", _table(case.summary)]
    parts.append('<p class="muted">Hours freed are capacity the teams keep (still paid for), not cash; '
                 "SLA penalties avoided and running costs are cash; cost of delay avoided is value.</p>")
    return "\n".join(parts)


def write_report(comparison: Comparison, path: str | Path, months: int = 12, discount_rate: float = 0.08) -> Path:
    """Write the comparison's self-contained HTML report (with a business case when the scenario has
    costs and a variant has economics) and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(comparison, economics_sections(comparison, months, discount_rate)),
                      encoding="utf-8")
    return target
