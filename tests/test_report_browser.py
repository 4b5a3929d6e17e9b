"""The compare report in a real browser (headless system Chromium): it loads offline, nothing
overflows its container, the verdict is the first thing on the page; a screenshot is written for
the docs (out/screenshots/compare-report.png; docs/images holds the copy they show)."""

from __future__ import annotations

from pathlib import Path

from simvalue import compare
from simvalue.report import write_report
from tests.browser import SCREENSHOTS, offline, overflowing

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def test_compare_report_loads_offline_without_overflow(browser, tmp_path):
    comparison = compare(SCENARIOS / "change_enablement.yaml", SCENARIOS / "variants" / "automate_approvals.yaml",
                         replications=2, seed=1)
    path = write_report(comparison, tmp_path / "report.html")
    for width in (1400, 800):
        page = browser.new_page(viewport={"width": width, "height": 1000})
        refused = offline(page)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert refused == [], f"the report asked the network for {refused}"
        assert overflowing(page) == [], width
        images = page.eval_on_selector_all("img", "els => els.map(e => e.complete && e.naturalWidth > 0)")
        assert images and all(images)
        first = page.locator("section.verdict").first
        assert first.is_visible() and first.bounding_box()["y"] < 250     # the answer is at the top
        assert "What changes, largest first" in first.inner_text()
        if width == 1400:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "compare-report.png"), full_page=False)
        page.close()
