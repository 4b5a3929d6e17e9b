"""One replication has no interval: the terminal, the report, the app and the verdict say so and use no
interval or significance words (no '– to –', no 'outside the 95% interval')."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simvalue.cli import main
from simvalue.decisions.comparison import compare
from simvalue.reports.compare import render_html
from simvalue.decisions.verdict import verdicts

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "change_enablement.yaml"
VARIANT = ROOT / "scenarios" / "backlog" / "cab_twice_weekly.yaml"

#: Words that claim an interval or significance a single replication cannot give.
CLAIMS = ("– to –", "outside", "95% interval", "95% CI", "distinguishable", "significan", "nan")


@pytest.fixture(scope="module")
def single():
    return compare(BASE, VARIANT, replications=1, seed=3)


def claims(text: str) -> list[str]:
    text = re.sub(r'"data:image/png;base64,[^"]*"', '""', text)   # images (also rasterized parts of an SVG)
    return [word for word in CLAIMS if word in text]


def test_compare_with_one_replication_says_there_is_no_interval(tmp_path, capsys):
    report = tmp_path / "report.html"
    assert main(["compare", str(BASE), str(VARIANT), "-r", "1", "--seed", "3", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert claims(out) == []
    assert "a single replication (so no intervals)" in out
    assert "From a single replication there is no interval" in " ".join(out.split())  # wrapped at 100
    assert "What changes, largest first:" in out and "(-4" in out  # changes listed by their size alone
    header = next(line for line in out.splitlines() if line.startswith("subject"))
    assert header.split()[-1] == "change"  # no interval column
    page = report.read_text(encoding="utf-8")
    assert claims(page.split("Appendix: distribution tests")[0]) == []
    assert "a single replication (common random numbers), so no intervals" in page


def test_the_verdict_and_its_money_from_one_replication_claim_no_interval(single):
    verdict = verdicts(single)[0]
    assert verdict.changes and all(not change.known for change in verdict.changes)
    assert claims(verdict.summary) == [] and claims(verdict.unchanged_line) == []
    assert all(claims(change.sentence) == [] for change in verdict.changes)
    from simvalue.reports.compare import economics_cases
    with_money = verdicts(single, economics_cases(single))[0]
    assert "(from a single replication, so no interval)" in with_money.summary
    assert claims(with_money.summary) == []


def test_the_app_shows_no_interval_from_one_replication(single):
    from simvalue.app.runs import outcome_of
    outcome = outcome_of(single)
    words = " ".join([outcome.verdicts[0].summary, *(c.sentence for c in outcome.verdicts[0].changes)]
                     + [cell for table in (*outcome.headline, *outcome.cases) for row in table.rows for cell in row]
                     + [h for table in (*outcome.headline, *outcome.cases) for h in table.headers]
                     + [table.note for table in outcome.headline])
    assert claims(words) == []
    assert "there is no interval" in outcome.headline[0].note


def test_two_replications_keep_their_intervals():
    verdict = verdicts(compare(BASE, VARIANT, replications=2, seed=3))[0]
    assert "interval of no change (2 paired replications)" in verdict.summary
    assert all(change.known for change in verdict.all_changes)


def test_the_report_from_one_replication_renders_without_claims(single):
    page = render_html(single)
    assert claims(page.split("Appendix: distribution tests")[0]) == []
