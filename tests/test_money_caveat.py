"""Money with its caveat: wherever an NPV or ROI is shown, cost of delay's share and the NPV without it
are shown too; a ranking leads with one sentence (what to do, by how much, how sure, what it rests on)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from simvalue.reports.business_text import business_case_text, case_rows
from simvalue.cli import main
from simvalue.decisions.comparison import compare
from simvalue.decisions.economics import DOMINANT_SHARE
from simvalue.decisions.plausibility import plausibility
from simvalue.decisions.ranking import lead_sentence
from simvalue.decisions.verdict import case_sentence, rests_on

from .test_business_report import hand_ranking
from .test_plausibility import BALANCED, DOMINATED, make_case

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "change_enablement.yaml"
BACKLOG = ROOT / "scenarios" / "backlog"


def test_one_threshold_decides_what_rests_on_cost_of_delay():
    dominated, balanced = make_case(**DOMINATED), make_case(**BALANCED)
    assert dominated.cost_of_delay_share > DOMINANT_SHARE > balanced.cost_of_delay_share
    assert dominated.rests_on_cost_of_delay and not balanced.rests_on_cost_of_delay
    for case in (dominated, balanced):  # the pages' flag and the case agree, and so do their NPVs
        check = plausibility(case)
        assert ("rests on cost of delay" in check.labels) == case.rests_on_cost_of_delay
        assert check.cost_of_delay_share == case.cost_of_delay_share
        assert case.npv_without_cost_of_delay().mean() == pytest.approx(check.npv_at("without cost of delay"),
                                                                          rel=1e-12)


def test_a_case_resting_on_cost_of_delay_says_so_with_the_npv_without_it():
    case = make_case(**DOMINATED)
    without = case.npv_without_cost_of_delay().mean()
    assert without < 0 < case.figure("npv")[0]
    sentence = case_sentence(case)
    assert sentence.startswith("Over 12 months the business case's NPV is EUR ")
    assert "95% interval" in sentence and "positive in 100% of the simulated periods" in sentence
    assert re.search(r"9\d% of its benefit is cost of delay — without it the NPV is negative \(EUR \u2212", sentence)
    assert rests_on(make_case(**BALANCED)).startswith("cost of delay is 8% of its benefit (without it the NPV is EUR ")


def test_terminal_and_app_case_tables_show_the_share_and_the_npv_without_cost_of_delay():
    case = make_case(**DOMINATED)
    _, rows = case_rows(case)
    figures = {row[0]: row[1] for row in rows}
    assert figures["share of the benefit that is cost of delay"] == "91%"
    assert figures["net present value without cost of delay"].startswith("\u2212")  # a minus sign
    text = business_case_text(case)
    assert text.index("of its benefit is cost of delay") < text.index("figure")  # the sentence before the table
    assert "Read with care:" in text and "without them the NPV is EUR \u2212" in text


def test_the_app_verdict_and_case_table_carry_the_caveat():
    from simvalue.app.runs import outcome_of
    outcome = outcome_of(compare(BASE, BACKLOG / "cab_twice_weekly.yaml", replications=2, seed=1))
    assert "of its benefit is cost of delay — without it the NPV is" in outcome.verdicts[0].summary
    table = outcome.cases[0]
    assert "share of the benefit that is cost of delay" in [row[0] for row in table.rows]
    assert "net present value without cost of delay" in [row[0] for row in table.rows]
    assert "Read with care:" in table.note and "cost of delay" in table.note


def test_rank_leads_with_a_sentence_and_names_cost_of_delay_in_terminal_csv_and_page(tmp_path, capsys):
    report, out = tmp_path / "rank.html", tmp_path / "out"
    candidates = [str(BACKLOG / "cab_twice_weekly.yaml"), str(BACKLOG / "automate_standard_deploys.yaml")]
    assert main(["rank", str(BASE), *candidates, "-r", "2", "--seed", "1", "--out", str(out),
                 "--report", str(report)]) == 0
    printed = capsys.readouterr().out
    first = printed.split("\n\n")[0].replace("\n", " ")
    assert first.startswith("Do “Add a second weekly CAB slot” first: NPV EUR ")
    assert "95% interval" in first and "the best in 100% of the simulated periods" in first
    assert "of its benefit is cost of delay — without it the NPV is" in first
    assert printed.index("Do “") < printed.index("candidate")  # the sentence before the table
    assert "CoD share" in printed and "NPV without CoD" in printed
    care = printed[printed.index("Read with care:"):]
    assert "Add a second weekly CAB slot: 9" in care and "cost of delay avoided" in care

    csv = pd.read_csv(out / "ranking.csv")
    assert list(csv.columns[-2:]) == ["cost_of_delay_share", "npv_without_cost_of_delay"]
    assert {"npv", "roi", "probability_best", "wsjf"} <= set(csv.columns)  # the old columns keep their names
    top = csv.iloc[0]
    assert top["cost_of_delay_share"] > DOMINANT_SHARE and top["npv_without_cost_of_delay"] < top["npv"]

    page = report.read_text(encoding="utf-8")
    lead = page.index('<p class="lead">Do “Add a second weekly CAB slot” first')
    assert lead < page.index("<table") and lead < page.index(">Ranking by net present value<")


def test_a_ranking_whose_best_loses_money_says_do_none():
    ranking = hand_ranking()
    sentence = lead_sentence(ranking)
    assert sentence.startswith("Do “Add a second weekly CAB slot” first") and "the best in 100%" in sentence
    losing = make_case(delay=[100, 120], penalties=[0, 0], freed=[0, 0])
    from dataclasses import replace
    lone = replace(ranking, cases=(losing,), table=pd.DataFrame({
        "rank": [1], "candidate": [losing.variant], "npv": [losing.figure("npv")[0]], "probability_best": [1.0]}))
    words = lead_sentence(lone)
    assert words.startswith("Do none of the 1 candidates yet: even the best, “faster fixes”, has NPV EUR \u2212")
    assert "positive in 0% of the simulated periods" in words and "the best in" not in words


def test_rank_from_one_replication_claims_no_interval_nor_chance_of_being_best(tmp_path, capsys):
    report = tmp_path / "rank.html"
    candidates = [str(BACKLOG / "cab_twice_weekly.yaml"), str(BACKLOG / "automate_standard_deploys.yaml")]
    assert main(["rank", str(BASE), *candidates, "-r", "1", "--seed", "1", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    printed = " ".join(out.split())
    assert "(from a single replication, so no interval); with one replication, no chance of being the best" \
           in printed
    assert "95% CI" not in printed and "[–" not in printed
    header, rule, first = out.split("\n\n")[2].splitlines()[:3]  # sentence, context, then the table
    for column in ("P(best)", "P(NPV>0)"):  # right-aligned under their headers: no 0% or 100% from one run
        start = header.index(column)
        assert first[start:start + len(column)].strip() == "–"
    page = report.read_text(encoding="utf-8")
    assert "from a single replication, so no interval" in page and ">100%<" not in page.split("<details>")[0]


def test_a_lead_sentence_spells_each_amount_as_its_table_does():
    # The sentence once rounded to three significant digits (EUR 274,000) beside a table's 274,088.
    from simvalue.reports.business import business_case_page, ranking_page
    case = make_case(**DOMINATED)
    sentence = case_sentence(case)
    said = re.search(r"NPV is EUR (\S+) \(95% interval (\S+) to (\S+)\).*the NPV is negative \(EUR (\S+)\)\.$",
                     sentence).groups()
    _, rows = case_rows(case)  # the terminal's and the app's table
    figures = {row[0]: row[1:] for row in rows}
    assert said == (figures["net present value"][0], *figures["net present value"][1].split(" to "),
                    figures["net present value without cost of delay"][0])
    page = business_case_page(case, "change enablement")
    assert re.search(r">Net present value \(NPV\) at 8.0% a year</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>",
                     page).groups() == (said[0], f"{said[1]} to {said[2]}")
    assert f"without them the NPV is EUR {said[3]}." in plausibility(case).flags[0]  # the flag under the table

    ranking = hand_ranking()
    lead = re.search(r"NPV EUR (\S+) over 12 months \(95% interval (\S+) to (\S+)\).*negative \(EUR (\S+)\)\.$",
                     lead_sentence(ranking)).groups()
    row = re.search(r"<tbody><tr>(.*?)</tr>", ranking_page(ranking, "change enablement")).group(1)
    cells = dict(re.findall(r'data-label="([^"]+)">([^<]*)</td>', row))
    assert lead == (cells["NPV (EUR)"], *cells["95% interval"].split(" to "), cells["NPV without cost of delay (EUR)"])
