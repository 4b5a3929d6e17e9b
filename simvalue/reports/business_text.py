"""Business cases and rankings for the terminal and the app: money with what it rests on.

Cash, value (cost of delay) and capacity (hours freed, still paid for) stay apart; every case and
ranking shows the share of its benefit that is cost of delay and the NPV without it, and opens with
the sentence of ``verdict.case_sentence`` / ``ranking.lead_sentence``.
"""

from __future__ import annotations

import math
import textwrap

from .. import readable
from .text import table


#: Business-case figures in reading order: (figure, label, kind) with kind money, hours, ratio or month.
CASE_LINES = [
    ("cash", None, None),
    ("sla_penalties_avoided", "SLA penalties avoided / month", "money"),
    ("running_cost", "running cost / month", "money"),
    ("value", None, None),
    ("cost_of_delay_avoided", "cost of delay avoided / month", "money"),
    ("capacity (hours freed but still paid for)", None, None),
    ("hours_freed", "team hours freed / month", "hours"),
    ("hours_freed_value", "value of those hours / month", "money"),
    ("totals", None, None),
    ("benefit", "benefit / month (value + cash + capacity)", "money"),
    ("net_benefit", "net benefit over the period", "money"),
    ("roi", "return on investment", "ratio"),
    ("payback_month", "payback month (replications that pay back)", "month"),
    ("npv", "net present value", "money"),
]


def _money(value: float) -> str:
    return readable.money(value)


def _case_value(kind: str, value: float) -> str:
    if math.isnan(value):
        return readable.MISSING
    return {"money": readable.money, "hours": lambda v: f"{v:,.1f} h", "ratio": readable.share,
            "month": lambda v: f"{v:.1f}"}[kind](value)


def _case_figures(case, bracket: bool) -> list[list[str]]:
    """Label, estimate and interval of each business-case figure (section headings with empty cells),
    then what the return rests on: cost of delay's share and the NPV without it."""
    from ..results.stats import t_interval
    summary = case.summary.set_index("figure")
    rows = []
    for name, label, kind in CASE_LINES:
        if label is None:
            rows.append([name.upper() if bracket else name, "", ""])
            continue
        estimate, low, high = summary.loc[name, ["estimate", "ci_low", "ci_high"]]
        rows.append([f"  {label}" if bracket else label, _case_value(kind, estimate),
                     _case_interval(kind, low, high, bracket)])
    without = t_interval(case.npv_without_cost_of_delay())
    rows += [[f"{'  ' if bracket else ''}share of the benefit that is cost of delay",
              readable.share(case.cost_of_delay_share), ""],
             [f"{'  ' if bracket else ''}net present value without cost of delay",
              _case_value("money", without[0]), _case_interval("money", without[1], without[2], bracket)]]
    return rows


def _case_interval(kind: str, low: float, high: float, bracket: bool) -> str:
    if math.isnan(low):
        return ""
    return f"[{_case_value(kind, low)}, {_case_value(kind, high)}]" if bracket else \
        f"{_case_value(kind, low)} to {_case_value(kind, high)}"


def _interval_header(case, confidence: float) -> str:
    """The interval column's header, or none from a single replication (there is no interval)."""
    return readable.confidence_label(confidence) if len(case.per_replication) > 1 else ""


def _probability(case, value: float) -> str:
    """A share of replications, or '–' from a single one (0% or 100% would claim a certainty)."""
    return readable.share(value) if len(case.per_replication) > 1 else readable.MISSING


def case_rows(case, confidence: float = 0.95) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a business case: cash, value and capacity apart, spelled for people, then
    cost of delay's share of the benefit and the NPV without it."""
    rows = _case_figures(case, bracket=False)
    rows.append(["probability of payback within the period", _probability(case, case.probability_payback), ""])
    rows.append(["probability NPV > 0", _probability(case, case.probability_npv_positive), ""])
    return ["figure", "estimate", _interval_header(case, confidence)], rows


def read_with_care(cases) -> str:
    """'Read with care:' and, per case whose return rests mostly on one assumption (cost of delay,
    freed hours, ...), the sentences of its plausibility flags; '' when none does."""
    from ..decisions.plausibility import plausibility  # PERF: only money commands load matplotlib
    lines = []
    for case in cases:
        flags = plausibility(case).flags
        if flags:
            lines.append(textwrap.fill(f"{case.variant}: {' '.join(flags)}", 100, initial_indent="  ",
                                       subsequent_indent="    ", break_on_hyphens=False))
    return "Read with care:\n" + "\n".join(lines) if lines else ""


def business_case_text(case) -> str:
    """A business case: its sentence first (NPV, how sure, what it rests on), then the table with cash,
    value and capacity kept apart, then the flags of what the return rests on."""
    from ..decisions.verdict import case_sentence
    economics = case.economics
    head = [textwrap.fill(f"{case.variant}. {case_sentence(case)}", 100, break_on_hyphens=False), "",
            f"Business case: {case.variant}, over {case.months} months at {readable.share(case.discount_rate, 1)} "
            f"a year (amounts in {case.currency})",
            f"Scaling: {case.scaling}.",
            f"Investment {_money(economics.investment)}; running cost {_money(economics.running_cost)} a month; "
            f"benefit starts after {economics.lead_time:g} month(s)."]
    rows = _case_figures(case, bracket=True)
    rows.append(["  probability of payback within the period", _probability(case, case.probability_payback), ""])
    rows.append(["  probability NPV > 0", _probability(case, case.probability_npv_positive), ""])
    header = "95% CI" if len(case.per_replication) > 1 else ""
    care = read_with_care([case])
    return ("\n".join(head) + "\n\n" + table(["figure", "estimate", header], rows)
            + (f"\n\n{care}" if care else ""))


def ranking_text(ranking, context: str = "") -> str:
    """The ranked backlog: its sentence first (what to do, by how much, how sure, what it rests on),
    then NPV with interval, chance of being best, ROI, payback, TTV change, WSJF, cost of delay's share
    of the benefit and the NPV without it, then the flags of what each return rests on (``context``: a
    line between the sentence and the table saying what was ranked)."""
    from ..decisions.ranking import lead_sentence
    several = len(ranking.cases[0].per_replication) > 1  # one replication: no probabilities
    rows = [[str(r.rank), r.candidate, _money(r.npv) + ("" if math.isnan(r.npv_low) else
                                                       f" [{_money(r.npv_low)}, {_money(r.npv_high)}]"),
             *(readable.share(p) if several else readable.MISSING
               for p in (r.probability_best, r.probability_npv_positive)),
             _case_value("ratio", r.roi),
             _case_value("month", r.payback_month) + ("" if r.probability_payback == 1 else
                                                       f" ({readable.share(r.probability_payback)})"),
             "-" if math.isnan(r.ttv_change) else f"{r.ttv_change:+.0%}",
             "-" if math.isnan(r.wsjf) else f"{r.wsjf:,.0f}",
             readable.share(r.cost_of_delay_share), _money(r.npv_without_cost_of_delay)]
            for r in ranking.table.itertuples()]
    interval = " [95% CI]" if ranking.table["npv_low"].notna().any() else ""
    text = table(["#", "candidate", f"NPV ({ranking.currency}){interval}", "P(best)", "P(NPV>0)", "ROI",
                  "payback month (P)", "TTV change", "WSJF", "CoD share", "NPV without CoD"], rows)
    care = read_with_care(ranking.in_rank_order())
    legend = "CoD share: the share of the benefit that is cost of delay (value the business asserts, not cash)."
    sentence = textwrap.fill(lead_sentence(ranking), 100, break_on_hyphens=False)
    return "\n\n".join(part for part in (sentence, context, text, legend, care) if part)


__all__ = ["CASE_LINES", "business_case_text", "case_rows", "ranking_text", "read_with_care"]
