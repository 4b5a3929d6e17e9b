"""Business-case and ranking reports for a finance reader: the money first, then where it comes from, then how far to trust it.

A page names the improvement and leads with one sentence (``verdict.case_sentence``; for a
ranking ``ranking.lead_sentence``: what to do, by how much, how sure, what it rests on), then the
money table (investment, running cost, benefit, net benefit, ROI, payback, NPV with intervals),
breaks the benefit into cash, value and capacity,
and ends with the plausibility section (``plausibility.py``): the share resting on cost of delay,
NPV without it, a tornado over the economic assumptions and flags. Intervals are recomputed here
from the per-replication figures at the ``confidence`` the page states.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..decisions.economics import DOMINANT_SHARE, MONTH_HOURS, BusinessCase
from .html_page import charts, escape, figure, page, table
from ..decisions.plausibility import SPREAD, Plausibility, plausibility, plot_cost_of_delay
from ..decisions.ranking import Ranking, lead_sentence
from ..readable import confidence_label, money, number, relative, share
from ..results.stats import t_interval
from ..decisions.verdict import case_sentence

#: Benefit components: column, label, kind of money, what it means for a finance reader.
COMPONENTS = (
    ("cost_of_delay_avoided", "Cost of delay avoided", "value",
     "what the business says faster delivery is worth (the scenario's cost of delay rates); not cash"),
    ("sla_penalties_avoided", "SLA penalties avoided", "cash", "breach penalties no longer paid"),
    ("hours_freed_value", "Team hours freed, at cost", "capacity",
     "capacity the teams keep and are still paid for; cash only if it goes to other paid work"),
)


def business_case_page(case: BusinessCase, baseline: str, description: str = "", confidence: float = 0.95,
                       spread: float = SPREAD) -> str:
    """One improvement's business case as a self-contained HTML page."""
    check = plausibility(case, spread, confidence)
    title = f"Business case: {case.variant}"
    body = [f"<h1>{escape(title)}</h1>", f'<p class="lead">{escape(case_sentence(case, confidence))}</p>',
            _subtitle(case, baseline, description),
            *_case_sections(case, check, confidence, heading="h2"), _method(case, confidence, spread, "h2")]
    return page(title, "\n".join(body))


def ranking_page(ranking: Ranking, baseline: str, descriptions: Sequence[str] = (), confidence: float = 0.95,
                 spread: float = SPREAD) -> str:
    """The ranked backlog with plausibility columns and flags, the NPV chart, then each candidate's case.

    ``descriptions`` follow ``ranking.cases`` (the order the candidates were given)."""
    about = dict(zip([id(case) for case in ranking.cases], descriptions))
    cases = ranking.in_rank_order()
    checks = [plausibility(case, spread, confidence) for case in cases]
    title = f"Improvement backlog of {baseline}: ranked business cases"
    label = confidence_label(confidence)
    body = [f"<h1>{escape(title)}</h1>", f'<p class="lead">{escape(lead_sentence(ranking, confidence))}</p>',
            f'<p class="subtitle">{len(cases)} candidates against the baseline “{escape(baseline)}”, over '
            f"{ranking.months} months at a yearly discount rate of {share(ranking.discount_rate, 1)}; amounts in "
            f"{escape(ranking.currency)}, each with its {escape(label)} across replications.</p>",
            "<h2>Ranking by net present value</h2>", _ranked_table(ranking, cases, checks, confidence),
            _ranking_flags(cases, checks),
            _ranking_charts(ranking, checks, confidence),
            "<h2>Each candidate's business case</h2>",
            '<p class="muted">Open a candidate to read its money table, benefit breakdown and plausibility '
            "section.</p>"]
    for rank, (case, check) in enumerate(zip(cases, checks), start=1):
        summary = f"{rank}. {case.variant}: NPV {money(check.npv, case.currency)}"
        summary += f" ({'; '.join(check.labels)})" if check.labels else ""
        body += [f"<details><summary>{escape(summary)}</summary>",
                 _subtitle(case, baseline, about.get(id(case), "")),
                 *_case_sections(case, check, confidence, heading="h3"), "</details>"]
    body.append(_method(cases[0], confidence, spread, "h2"))
    return page(title, "\n".join(body))


def _subtitle(case: BusinessCase, baseline: str, description: str) -> str:
    words = (f"Against the baseline “{escape(baseline)}”, over {case.months} months at a yearly discount rate "
             f"of {share(case.discount_rate, 1)}; amounts in {escape(case.currency)}.")
    about = f"<p>{escape(description)}</p>" if description else ""
    return f'<p class="subtitle">{words}</p>{about}'


def _case_sections(case: BusinessCase, check: Plausibility, confidence: float, heading: str) -> list[str]:
    """Money table, flags, benefit breakdown and plausibility section of one case."""
    return [f"<{heading}>The money</{heading}>", _money_table(case, confidence), _flags(check),
            f"<{heading}>Where the benefit comes from</{heading}>", _breakdown(case, confidence),
            f"<{heading}>How far to trust it</{heading}>", *_plausibility_parts(case, check, confidence)]


def _interval(values, confidence: float, spell) -> tuple[str, str]:
    estimate, low, high = t_interval(values, confidence)
    if math.isnan(low) or low == high:
        return spell(estimate), ""
    return spell(estimate), f"{spell(low)} to {spell(high)}"


def _money_table(case: BusinessCase, confidence: float) -> str:
    per, economics = case.per_replication, case.economics
    live = _live_from(economics.lead_time)
    rows = [["Investment", money(economics.investment), "", "one-off, paid at the start (month 0)"],
            ["Running cost per month", money(economics.running_cost), "", f"paid {live}"],
            ["Benefit per month", *_interval(per["benefit"], confidence, money),
             f"earned {live}; broken down below"],
            [f"Net benefit over {case.months} months", *_interval(per["net_benefit"], confidence, money),
             "benefit less running cost, less the investment"],
            ["Return on investment (ROI)", *_interval(per["roi"], confidence, share),
             "net benefit / (investment + running costs)"],
            ["Payback", _payback(per["payback_month"], case.months), "",
             "first month whose cumulative cash flow is not negative"],
            [f"Net present value (NPV) at {share(case.discount_rate, 1)} a year",
             *_interval(per["npv"], confidence, money),
             f"positive in {share(case.probability_npv_positive)} of the simulated periods"]]
    return table(["", "estimate", confidence_label(confidence), "what it is"], rows, css="money",
                 text_columns=(3,), row_classes=[""] * 6 + ["total"])


def _live_from(lead_time: float) -> str:
    if lead_time == 0:
        return "from the first month"
    months = "1 month" if lead_time == 1 else f"{number(lead_time)} months"
    return f"once live, after a lead time of {months}"


def _payback(months, period: int) -> str:
    """Mean payback month over the replications that pay back, and how many do."""
    reached = months.dropna()
    if reached.empty:
        return f"not within {period} months"
    when = "at once" if reached.mean() == 0 else f"month\u00a0{number(float(reached.mean()))}"  # no-break space
    return when if len(reached) == len(months) else f"{when} (in {share(len(reached) / len(months))} of runs)"


def _breakdown(case: BusinessCase, confidence: float) -> str:
    per = case.per_replication
    benefit = float(per["benefit"].mean())
    rows = []
    for column, label, kind, meaning in COMPONENTS:
        part = float(per[column].mean())
        rows.append([label, *_interval(per[column], confidence, money),
                     share(part / benefit) if benefit > 0 else "–", kind, meaning])
    rows.append(["Benefit per month", *_interval(per["benefit"], confidence, money),
                 "100%" if benefit > 0 else "–", "", "the sum of the three"])
    hours = float(per["hours_freed"].mean())
    note = (f'<p class="muted">Team hours freed: {escape(number(hours))} hours a month, valued at each team\'s '
            "cost per hour. Only the SLA penalties avoided are cash in hand; the other two are value and "
            "capacity.</p>")
    return table(["component", f"per month ({case.currency})", confidence_label(confidence), "share of benefit", "kind",
                  "what it means"], rows, text_columns=(4, 5), row_classes=[""] * 3 + ["total"]) + note


def _flags(check: Plausibility) -> str:
    if not check.flags:
        return ('<div class="ok"><p>No single assumption carries this return: less than '
                f"{share(DOMINANT_SHARE)} of the benefit comes from any one component, and no assumption moved "
                "by the stated amount turns the NPV negative.</p></div>")
    sentences = "".join(f"<p>{escape(sentence)}</p>" for sentence in check.flags)
    return f'<div class="flag"><p><b>Read with care.</b></p>{sentences}</div>'


def _plausibility_parts(case: BusinessCase, check: Plausibility, confidence: float) -> list[str]:
    lead = (f"{share(check.cost_of_delay_share)} of the benefit rests on cost of delay"
            if not math.isnan(check.cost_of_delay_share) else "The benefit is not positive, so no share of it")
    rows = [[row.case, money(row.npv), _range(row.npv_low, row.npv_high, money), share(row.roi),
             share(row.probability_npv_positive)] for row in check.cases.itertuples()]
    tornado = [[row.assumption, row.down, money(row.npv_down), row.up, money(row.npv_up),
                money(row.swing)] for row in check.tornado.itertuples()]
    npv = f"NPV ({case.currency})"
    return [f"<p>{escape(lead)}: rates the business sets, which no invoice confirms. The rows below take it "
            "away step by step; the last keeps only cash.</p>",
            table(["benefit counted", npv, confidence_label(confidence), "ROI", "share of runs with NPV > 0"], rows,
                  text_columns=(0,)),
            "<p>Each economic assumption moved down and up on its own, the others as given, NPV recomputed from "
            "the same simulation runs:</p>",
            charts(figure(check.plot_tornado(), f"Tornado chart of the NPV of {case.variant}")),
            table(["assumption", "moved down", npv, "moved up", npv, f"swing ({case.currency})"], tornado,
                  text_columns=(0,))]


def _ranking_charts(ranking: Ranking, checks: list[Plausibility], confidence: float) -> str:
    """NPV of each candidate with its interval at the page's confidence, and its NPV as the cost of delay
    is halved and taken away; both in rank order (``checks`` follow ``ranking.in_rank_order()``)."""
    return charts(figure(ranking.plot_npv(confidence), "NPV of each candidate with its interval"),
                  figure(plot_cost_of_delay(checks),
                         "NPV of each candidate with cost of delay as simulated, halved and without it"))


def _range(low: float, high: float, spell) -> str:
    return "" if math.isnan(low) or low == high else f"{spell(low)} to {spell(high)}"


def _ranked_table(ranking: Ranking, cases: list[BusinessCase], checks: list[Plausibility],
                  confidence: float) -> str:
    rows = []
    for row, case, check in zip(ranking.table.itertuples(), cases, checks):
        npv, interval = _interval(case.per_replication["npv"], confidence, money)
        best = share(row.probability_best) if len(case.per_replication) > 1 else "–"  # one replication: none
        rows.append([str(row.rank), case.variant, npv, interval, best,
                     share(float(case.per_replication["roi"].mean())),
                     _payback(case.per_replication["payback_month"], case.months), relative(row.ttv_change),
                     share(check.cost_of_delay_share), money(check.npv_at("without cost of delay")),
                     "; ".join(check.labels) or "–"])
    headers = ["#", "candidate", f"NPV ({ranking.currency})", confidence_label(confidence), "P(best)", "ROI",
               "payback", "time-to-value change", "share of benefit from cost of delay",
               f"NPV without cost of delay ({ranking.currency})", "read with care"]
    notes = ('<p class="muted">P(best): the share of simulated periods in which the candidate has the highest '
             "NPV (all face the same demand). Payback: the first month whose cumulative cash flow is not negative. "
             "Time-to-value change: relative change of the mean time from request to value, all items. The last "
             "three columns are from the plausibility section of each case below.</p>")
    return table(headers, rows, text_columns=(1, 10)) + notes


def _ranking_flags(cases: list[BusinessCase], checks: list[Plausibility]) -> str:
    flagged = [(case, check) for case, check in zip(cases, checks) if check.flags]
    if not flagged:
        return ""
    items = "".join(f"<p><b>{escape(case.variant)}:</b> {escape(' '.join(check.flags))}</p>"
                    for case, check in flagged)
    return f'<div class="flag"><p><b>Read with care.</b></p>{items}</div>'


def _method(case: BusinessCase, confidence: float, spread: float, heading: str) -> str:
    replications = len(case.per_replication)
    window = case.simulated_months
    items = [
        f"{replications} simulated periods (replications) of baseline and improvement, paired: each faces the "
        "same demand in both (common random numbers). Estimates are means over them; each interval is the "
        f"{confidence_label(confidence)} (Student t) across them.",
        f"Each run's reporting window of {number(window * MONTH_HOURS)} hours ({number(window)} months) is "
        "scaled to one month of 730.5 hours.",
        "Cash flows: the investment at month 0; benefit less running cost each month from the end of the lead "
        "time; NPV discounts month m by (1 + yearly rate)^(m / 12).",
        f"Tornado: each assumption moved by {share(spread)} down and up (the lead time by at least a month and "
        "the discount rate by at least two points, neither below zero), one at a time.",
        f"A case is flagged when more than {share(DOMINANT_SHARE)} of its benefit comes from cost of delay or "
        "from freed hours, or when one assumption so moved turns a positive NPV negative.",
        "Formulas: docs/economics.md."]
    return (f"<{heading}>How the figures are made</{heading}><ul>"
            + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")


__all__ = ["business_case_page", "ranking_page"]
