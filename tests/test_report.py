"""The HTML report and the compare command."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import yaml

from simvalue import compare
from simvalue.cli import main
from simvalue.reports.compare import render_html

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def test_report_is_self_contained_and_escapes_names(change_scenario):
    hostile = copy.deepcopy(change_scenario)
    hostile["name"] = "<script>alert(1)</script>"
    comparison = compare(hostile, {"name": "A & <b>B</b>", "set": {"teams.desk.capacity": 3}}, replications=2)
    page = render_html(comparison)
    assert "<script>" not in page and "&lt;script&gt;" in page and "A &amp; &lt;b&gt;B&lt;/b&gt;" in page
    assert page.count('<svg ') >= 4 and "<img" not in page   # charts: inline SVG, their text as text
    assert "http://" not in page and "https://" not in page
    for section in ("At a glance", "Details"):
        assert f"<h2>{section}</h2>" in page
    for folded in ("Every headline figure", "Bottlenecks", "The scenarios", "Appendix: distribution tests",
                   "Run settings"):
        assert f"<summary>{folded}" in page
    assert "set teams.desk.capacity to 3" in page


def test_report_leads_with_the_verdict_in_numbers_for_people(tmp_path):
    comparison = compare(SCENARIOS / "change_enablement.yaml", SCENARIOS / "variants" / "automate_approvals.yaml",
                         replications=3, seed=1)
    page = render_html(comparison)
    verdict = page.index('class="verdict"')
    assert verdict < page.index("<h2>At a glance</h2>") < page.index("<h2>Details</h2>")
    assert page.index("What changes, largest first") < page.index("<h2>At a glance</h2>")
    # the main effect leads: normal changes are cut by about 89%
    lead = page[verdict:page.index("</p>", verdict)]
    assert "cuts the mean time-to-value of normal_change by" in lead
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    labels = [label for chart in charts for label in re.findall(r"<text[^>]*>([^<]*)</text>", chart)]
    assert len(charts) >= 4 and "SLA 14 d" in labels
    words = re.sub(r"<svg.*?</svg>", "", page, flags=re.S) + "\n".join(labels)  # text and labels, no drawing
    assert not re.search(r"\de[+-]\d", words)                        # no scientific notation
    assert "rises from 73% to 73%" not in words and "(-0%" not in words


def test_compare_command_prints_table_and_writes_report(tmp_path, capsys):
    report = tmp_path / "out" / "report.html"
    args = ["compare", str(SCENARIOS / "change_enablement.yaml"), str(SCENARIOS / "variants" / "automate_approvals.yaml"),
            "-r", "2", "--seed", "1", "--report", str(report), "--out", str(tmp_path / "cmp")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "95% interval" in out and "What changes, largest first:" in out
    assert "Mean time-to-value of normal_change falls" in out
    assert report.read_text().startswith("<!DOCTYPE html>")
    written = {p.name for p in (tmp_path / "cmp").iterdir()}
    assert {"comparison.csv", "tests.csv", "utilisation.png", "cfd.png", "ttv_normal_change.png"} <= written


def test_compare_with_set_on_the_command_line(tmp_path, capsys, change_scenario):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(change_scenario))
    assert main(["compare", str(base), "--set", "teams.desk.capacity=3", "-r", "2"]) == 0
    assert "teams.desk.capacity=3" in capsys.readouterr().out


def test_unknown_path_in_set_exits_2_naming_nearest(tmp_path, capsys, change_scenario):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(change_scenario))
    assert main(["compare", str(base), "--set", "teams.desks.capacity=3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"simvalue: error: {base} with --set/--scale: set.teams.desks.capacity: no field 'desks' "
                          "in teams; did you mean 'desk'")


def test_compare_without_variants_is_an_error(tmp_path, capsys, change_scenario):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(change_scenario))
    assert main(["compare", str(base)]) == 2
    assert "needs a VARIANT" in capsys.readouterr().err


def test_run_with_set(tmp_path, capsys, change_scenario):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(change_scenario))
    assert main(["run", str(base), "--set", "teams.desk.capacity=5", "-r", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("changes (teams.desk.capacity=5): 1 replications")
    assert [line.split()[1] for line in out.splitlines() if line.startswith("desk ")] == ["5"]


def test_compare_report_gains_a_business_case_section_when_economics_are_given(tmp_path):
    report = tmp_path / "report.html"
    args = ["compare", str(SCENARIOS / "change_enablement.yaml"),
            str(SCENARIOS / "backlog" / "hire_platform_engineer.yaml"), "-r", "2", "--report", str(report)]
    assert main(args) == 0
    page = report.read_text()
    assert "<h2>Business case</h2>" in page and "Hire a platform engineer" in page and "EUR" in page


def test_compare_report_has_no_business_case_without_economics(change_scenario):
    page = render_html(compare(change_scenario, {"name": "v", "set": {"teams.desk.capacity": 3}}, replications=2))
    assert "Business case" not in page


def test_write_report_from_python(tmp_path, change_scenario):
    from simvalue import write_report
    comparison = compare(change_scenario, {"name": "v", "set": {"teams.desk.capacity": 3}}, replications=2)
    path = write_report(comparison, tmp_path / "sub" / "r.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_run_prints_sla_attainment_and_per_priority_figures(capsys):
    assert main(["run", str(SCENARIOS / "change_enablement.yaml"), "-r", "2", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "SLA  attainment" in out and "P1 4 h, P2 8 h, P3 3 d, P4 5 d elapsed" in out
    header = next(line for line in out.splitlines() if line.startswith("type") and "priority" in line)
    assert header.split() == ["type", "priority", "mean", "p85", "SLA", "attainment"]
    assert any(line.startswith("incident") and " P1 " in line for line in out.splitlines())
