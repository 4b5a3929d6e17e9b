"""Business-case and ranking reports: the money first, numbers for people, escaped names, and the CLI's --report."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from simvalue.cli import main
from simvalue.decisions.ranking import Ranking
from simvalue.readable import money
from simvalue.reports.business import business_case_page, ranking_page

from .browser import offline, readable_at
from .test_plausibility import BALANCED, DOMINATED, make_case

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "change_enablement.yaml"
BACKLOG = ROOT / "scenarios" / "backlog"


def visible(page: str) -> str:
    """The page with each inline chart reduced to its texts (path data and ids are not for reading)."""
    return re.sub(r"<svg.*?</svg>", lambda chart: " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", chart.group(0))),
                  page, flags=re.S)


def assert_money_before_breakdown(page: str) -> None:
    text = visible(page)
    money, breakdown, trust = (text.index(h) for h in (">The money<", ">Where the benefit comes from<",
                                                        ">How far to trust it<"))
    assert money < breakdown < trust
    assert text.index("Investment") < breakdown and text.index("Net present value (NPV)") < breakdown


def assert_readable(page: str) -> None:
    text = visible(page)
    assert not re.search(r"\de[+-]\d", text), "scientific notation in the report"
    assert "nan" not in text.lower().replace("nano", "")
    assert "http://" not in text and "https://" not in text and "<script" not in text  # self-contained


def test_business_case_page_opens_with_the_money_and_names_the_improvement():
    page = business_case_page(make_case(**BALANCED), "desk", "Fixes take half the time.")
    assert "<h1>Business case: faster fixes</h1>" in page and "what-if comparison" not in page
    assert_money_before_breakdown(page)
    assert_readable(page)
    text = visible(page)
    assert "95% interval" in text and "Payback" in text and "Return on investment (ROI)" in text
    assert "Team hours freed, at cost" in text  # kept apart from cash and ">capacity<" in text and ">cash<" in text
    assert 'class="flag"' not in page and 'class="ok"' in page
    assert page.count("<svg") == 1 and "data:image/png" not in page  # the tornado, inline SVG


def test_flag_is_visible_when_cost_of_delay_dominates():
    page = business_case_page(make_case(**DOMINATED), "desk")
    flag = page.index('class="flag"')
    assert flag < page.index(">Where the benefit comes from<")  # right under the money table
    assert "91% of the benefit is cost of delay avoided" in page


def test_intervals_follow_the_confidence_used():
    page = business_case_page(make_case(delay=[1_000, 1_500, 1_200], penalties=[4_000, 4_200, 3_900],
                                        freed=[8_000, 7_000, 9_000]), "desk", confidence=0.9)
    assert "90% interval" in page and "95% interval" not in page


def test_names_are_escaped():
    case = make_case(**BALANCED)
    hostile = "<img src=x onerror=alert(1)>"
    page = business_case_page(replace(case, variant=hostile, currency="<b>"), "<script>x</script>", hostile)
    assert hostile not in page and "<script>x" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_business_case_cli_writes_the_report(tmp_path, capsys):
    report = tmp_path / "case.html"
    code, out, _ = run_cli(["business-case", str(BASE), str(BACKLOG / "hire_platform_engineer.yaml"), "-r", "2",
                            "--seed", "1", "--report", str(report)], capsys)
    assert code == 0 and f"wrote report {report}" in out
    page = report.read_text(encoding="utf-8")
    assert "<h1>Business case: Hire a platform engineer</h1>" in page
    assert "One more engineer on builds" in page  # the variant's own description, not its base's
    assert_money_before_breakdown(page)
    assert_readable(page)


def test_rank_cli_writes_the_report(tmp_path, capsys):
    report = tmp_path / "rank.html"
    candidates = [str(BACKLOG / "cab_twice_weekly.yaml"), str(BACKLOG / "automate_standard_deploys.yaml")]
    code, out, _ = run_cli(["rank", str(BASE), *candidates, "-r", "2", "--seed", "1", "--report", str(report)],
                           capsys)
    assert code == 0 and f"wrote report {report}" in out
    page = report.read_text(encoding="utf-8")
    text = visible(page)
    ranking = text.index(">Ranking by net present value<")
    assert ranking < text.index(">Each candidate's business case<") < text.index(">The money<")
    assert text.count("<details>") == 2 and "share of benefit from cost of delay" in text
    assert "NPV without cost of delay" in text and "read with care" in text
    assert "rests on cost of delay" in text  # the second CAB slot's return is nearly all cost of delay
    assert page.count("<svg") == 2 + 2 and "data:image/png" not in page  # NPV, cost of delay, a tornado each
    assert_money_before_breakdown(text[text.index("<details>"):])
    assert_readable(page)


@pytest.mark.parametrize("command", ["business-case", "rank"])
def test_bad_report_path_exits_2_with_one_line_before_any_work(tmp_path, capsys, command):
    variant = str(BACKLOG / "cab_twice_weekly.yaml")
    code, _, err = run_cli([command, str(BASE), variant, "--report", str(tmp_path)], capsys)
    assert code == 2 and err == f"simvalue: error: --report {tmp_path}: is a folder; give a file name\n"
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    code, _, err = run_cli([command, str(BASE), variant, "--report", str(blocker / "r.html")], capsys)
    assert code == 2 and err.count("\n") == 1 and f"{blocker} is a file, not a folder" in err


def test_rank_help_lists_report(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["rank", "--help"])
    assert exit_info.value.code == 0
    assert "--report FILE" in capsys.readouterr().out


def test_ranking_page_pairs_rows_with_their_cases_even_when_names_repeat():
    low = replace(make_case(**BALANCED), variant="same <name>")
    high = replace(make_case(**DOMINATED), variant="same <name>")
    table = pd.DataFrame({"rank": [1, 2], "candidate": ["same <name>"] * 2,
                          "npv": [high.figure("npv")[0], low.figure("npv")[0]],
                          "npv_low": [high.figure("npv")[1], low.figure("npv")[1]],
                          "npv_high": [high.figure("npv")[2], low.figure("npv")[2]],
                          "probability_best": [1.0, 0.0], "ttv_change": [-0.5, -0.1]})
    page = ranking_page(Ranking("EUR", 12, 0.08, (low, high), table), "desk", ["the low one", "the high one"])
    first, second = page.index("<summary>1. same &lt;name&gt;"), page.index("<summary>2. same &lt;name&gt;")
    assert first < page.index("the high one") < second < page.index("the low one")
    assert "(rests on cost of delay)" in page[first:second]
    assert page[second:page.index("</summary>", second)].endswith(f"NPV EUR {money(low.figure('npv')[0])}")
    assert_readable(page)


def hand_ranking() -> Ranking:
    """Two hand-built cases under long names, ranked, with no simulation."""
    cases = (replace(make_case(**BALANCED), variant="Automate the long tail of standard-change deployments "
                     "on the pipeline"), replace(make_case(**DOMINATED), variant="Add a second weekly CAB slot"))
    table = pd.DataFrame({"rank": [1, 2], "candidate": [cases[1].variant, cases[0].variant],
                          **{column: [cases[1].figure("npv")[i], cases[0].figure("npv")[i]]
                             for i, column in enumerate(("npv", "npv_low", "npv_high"))},
                          "probability_best": [1.0, 0.0], "ttv_change": [-0.44, -0.06]})
    return Ranking("EUR", 12, 0.08, cases, table)


def test_pages_read_at_laptop_and_phone_width_money_first(browser, tmp_path):
    # Every folded case opened: no sideways overflow, no table cut at the screen's edge (the money table once
    # showed labels without figures at 390 px), chart labels and text at 11 px or more, the money on top.
    pages = {"case.html": business_case_page(make_case(**DOMINATED), "change enablement"),
             "rank.html": ranking_page(hand_ranking(), "change enablement")}
    for name, html in pages.items():
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        for width in (1366, 390):
            page = browser.new_page(viewport={"width": width, "height": 1000})
            refused = offline(page)
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            assert refused == [], f"{name} asked the network for {refused}"
            assert readable_at(page, width) == [], name
            assert page.locator(".charts > svg").count() >= 1 and page.locator("img").count() == 0
            first_table = page.locator("table").first
            assert first_table.bounding_box()["y"] < (400 if width > 800 else 900)  # the money (or the ranking) on top
            if name == "case.html":
                npv = page.locator("table.money tr.total td").nth(1)
                assert npv.is_visible() and npv.inner_text() == money(make_case(**DOMINATED).figure("npv")[0])
                box = npv.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the figure itself on screen
            page.close()
