"""The review page in a real browser (headless system Chromium): it loads offline, the verdict is the first thing
on the page, nothing overflows its container or hides a table sideways at 1366 and 390 px (folded details
opened too), and every chart label and text renders at 11 px or more."""

from __future__ import annotations

from simvalue.decisions.review import review
from simvalue.eventlog import read_log
from simvalue.reports.review import review_page
from tests.browser import SCREENSHOTS, offline, readable_at
from tests.review_logs import COLUMNS, desk  # noqa: F401 (a fixture)


def test_review_page_loads_offline_verdict_first_and_legible(browser, desk):
    after = read_log(desk["after"], **COLUMNS, type="case:type")
    before = read_log(desk["before"], **COLUMNS, type="case:type")
    result = review(desk["scenario"], desk["overpromise"], after, before, replications=2, seed=1, resamples=300)
    path = desk["folder"] / "review.html"
    path.write_text(review_page(result, after="after.csv", before="before.csv"), encoding="utf-8")
    for width in (1366, 390):
        page = browser.new_page(viewport={"width": width, "height": 1000})
        refused = offline(page)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert refused == [], f"the page asked the network for {refused}"
        assert page.locator(".charts > svg").count() == 1 and page.locator("img").count() == 0
        assert readable_at(page, width) == []
        verdict = page.locator("section.verdict").first
        assert verdict.is_visible() and verdict.bounding_box()["y"] < (250 if width > 800 else 600)
        assert "worse than forecast" in verdict.inner_text() and "we said" in verdict.inner_text()
        if width == 1366:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "review-report.png"), full_page=False)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert readable_at(page, width) == []
        page.close()
