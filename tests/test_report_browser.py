"""The compare report in a real browser (headless system Chromium): it loads offline, nothing
overflows its container or hides part of a table sideways on a laptop (1366 px) or a phone (390 px),
folded details opened, every chart label and text renders at 11 px or more, the verdict is the first thing on the page; a screenshot is written for the docs
(out/screenshots/compare-report.png; docs/images holds the copy they show)."""

from __future__ import annotations

from pathlib import Path

import simvalue
from simvalue import compare
from simvalue.reports.compare import write_report
from tests.browser import SCREENSHOTS, offline, readable_at

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def test_compare_report_loads_offline_without_overflow(browser, tmp_path):
    comparison = compare(SCENARIOS / "change_enablement.yaml", SCENARIOS / "variants" / "automate_approvals.yaml",
                         replications=2, seed=1)
    path = write_report(comparison, tmp_path / "report.html")
    for width in (1366, 390):
        page = browser.new_page(viewport={"width": width, "height": 1000})
        refused = offline(page)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert refused == [], f"the report asked the network for {refused}"
        assert page.locator(".charts > svg").count() >= 4 and page.locator("img").count() == 0
        assert readable_at(page, width) == []
        first = page.locator("section.verdict").first
        assert first.is_visible() and first.bounding_box()["y"] < (250 if width > 800 else 600)  # the answer on top
        assert "What changes, largest first" in first.inner_text()
        if width == 1366:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "compare-report.png"), full_page=False)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert readable_at(page, width) == []  # the folded tables too: cards on a phone, nothing cut
        page.close()


def test_the_levers_sections_read_on_a_laptop_and_a_phone(browser, tmp_path):
    # The phone desk over a short week: who gives up waiting, and the engineers' time split side by side.
    from tests.test_compare_levers import VARIANT, _short
    path = write_report(compare(_short(), VARIANT), tmp_path / "levers.html")
    for width in (1366, 390):
        page = browser.new_page(viewport={"width": width, "height": 1000})
        refused = offline(page)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert refused == [] and readable_at(page, width) == []
        assert page.get_by_text("engineers who help the desk").first.is_visible()
        page.close()


def test_calibration_report_loads_offline_without_overflow(browser, tmp_path):
    # A small known log (tests/test_calibrate.py's scenario): the report, with its long scenario text.
    from simvalue.eventlog import read_log
    from simvalue.eventlog.calibrate import calibrate
    from simvalue.eventlog.holdout import parse_split
    from simvalue.eventlog.write import event_log, write_csv
    from simvalue.reports.calibration import render_calibration_report
    from tests.test_calibrate import KNOWN
    path = tmp_path / "known.csv"
    log = event_log(simvalue.simulate(simvalue.load_scenario(KNOWN)))
    write_csv(log[log["lifecycle:transition"] == "complete"], path)
    result = calibrate(read_log(path, case="case:concept:name", activity="concept:name", timestamp="time:timestamp"),
                       parse_split("random:0.3"), seed=1, what_if=False)
    report = tmp_path / "report.html"
    report.write_text(render_calibration_report(result), encoding="utf-8")
    for width in (1366, 390):
        page = browser.new_page(viewport={"width": width, "height": 1000})
        refused = offline(page)
        page.goto(report.as_uri())
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # the YAML too
        assert refused == [] and readable_at(page, width) == []
        page.close()
