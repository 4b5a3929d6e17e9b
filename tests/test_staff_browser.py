"""The app's "How many people?" panel in headless Chromium: a goal typed in, the search run, its answer read."""

from __future__ import annotations

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, hidden_sideways, offline, overflowing, small_text
from tests.test_app_browser import serving_app
from tests.test_staffing_theory import mmc_scenario


@pytest.fixture(scope="module")
def staff_app(tmp_path_factory):
    """One app for this module's tests (a server takes seconds to start): (its URL, its folder)."""
    folder = tmp_path_factory.mktemp("staff_app")
    with serving_app(folder) as url:
        yield url, folder


def test_how_many_people_on_one_queue(browser, staff_app):
    """One M/M/c queue (4 calls an hour, 1 h each, 95% within 3.8 h): the panel finds Erlang C's 6 people."""
    data = mmc_scenario(horizon="600h") | {"name": "one queue"}
    app_url, folder = staff_app
    (folder / "scenarios" / "one_queue.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    refused = offline(page)
    try:
        page.goto(app_url)  # the page reads the folder on each visit: the new file is listed
        page.get_by_text("one queue", exact=True).click()
        page.wait_for_selector("#staff-box")
        assert "How many people?" in page.inner_text("#staff")
        page.locator('input[name="staff-goal.call"]').fill("95")
        page.locator('input[name="staff-replications"]').fill("3")
        page.get_by_role("button", name="Find the fewest people").click()
        page.wait_for_selector(".staff-answer", timeout=90_000)
        answer = page.inner_text(".staff-answer")
        assert "6 people on the posts searched" in answer
        assert "call attainment" in answer and "95% CI" in answer and "candidates tried" in answer
        row = page.locator(".staff-answer tbody tr").first.inner_text().split()
        assert row[0] == "desk" and row[2:4] == ["5", "6"]  # lower bound 5 (floor(4) + 1), answer 6
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#staff").screenshot(path=str(SCREENSHOTS / "app-staff.png"))
        for width in (1400, 390):  # no chart here: the page's checks but chart labels' (tests/browser.py)
            page.set_viewport_size({"width": width, "height": 900})
            assert overflowing(page) + hidden_sideways(page) + small_text(page) == [], width
        assert not refused
    finally:
        page.close()


def test_a_search_without_goals_says_so(browser, staff_app):
    app_url, _ = staff_app
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(app_url)
        page.get_by_text("service desk", exact=True).click()
        page.wait_for_selector("#staff-box")
        assert "incident.P2" in page.inner_text("#staff-box")
        page.get_by_role("button", name="Find the fewest people").click()
        # The message is written by the page's poll: wait for its text, not only for its element (under load the
        # element could be read before its text came).
        expect(page.locator("#staff-progress .error")).to_contain_text("give at least one goal", timeout=30_000)
    finally:
        page.close()
