"""The web app end to end in headless Chromium: `simvalue app scenarios --port N`, a capacity changed, a
run, its verdict read off the page, a bad value's message beside its field, a save; nothing fetched
from outside 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser import SCREENSHOTS, offline, readable_at

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"simvalue app stopped at start: {server.stdout.read()}")
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"simvalue app did not answer {url} within {seconds:.0f} s")


@contextlib.contextmanager
def serving_app(folder: Path):
    """`simvalue app scenarios --port N` in ``folder`` on a copy of the bundled scenarios (saves land there),
    stopped on leaving."""
    shutil.copytree(SCENARIOS, folder / "scenarios")
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen([sys.executable, "-m", "simvalue", "app", "scenarios", "--port", str(port)],
                              cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


@pytest.fixture
def app_url(tmp_path: Path):
    """The app on a copy of the bundled scenarios in tmp_path, stopped at the end of the test."""
    with serving_app(tmp_path) as url:
        yield url


def test_change_a_capacity_run_and_read_the_verdict(browser, app_url, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    refused = offline(page)
    try:
        page.goto(app_url)
        page.get_by_text("change enablement", exact=True).click()
        page.wait_for_selector("text=Offered load (before simulating)")
        assert "normal_change.cab" in page.inner_text("#overview")

        capacity = page.locator('input[name="teams.platform.capacity"]')
        capacity.fill("4")
        page.wait_for_function("document.querySelector('#yaml').value.includes('teams.platform.capacity: 4')")
        page.locator('input[name="replications"]').fill("2")
        for field, value in (("investment", "50000"), ("running_cost", "1000"), ("lead_time", "2")):
            page.locator(f'input[name="economics.{field}"]').fill(value)  # a business case among the results
        page.wait_for_function("document.querySelector('#yaml').value.includes('lead_time: 2')")
        page.click("#run")
        verdict = page.wait_for_selector("#verdict", timeout=60_000).inner_text()
        assert "what if" in verdict and "Team platform is freed" in verdict
        assert "Against the baseline: set teams.platform.capacity to 4" in verdict
        assert "Business case: what if" in page.inner_text("#results")
        # The charts are inline SVG with their text as text (the report's, chart_style.svg): every label measured.
        page.wait_for_function("document.querySelectorAll('#charts svg').length >= 2")
        page.click("summary:has-text('Every headline figure')")  # every table of the results shown
        page.evaluate("window.scrollTo(0, 0)")  # the run box is sticky: a full-page screenshot shows it at the top
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "app.png"), full_page=True)
        assert readable_at(page, 1400) == []
        # A phone: the same page, results included, at 390 px: nothing sticks out or hides sideways, no chart
        # label or page text under 11 px, the charts fit the screen and each table row is a card.
        page.set_viewport_size({"width": 390, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / "app-390.png"), full_page=True)
        problems = readable_at(page, 390)
        assert problems == [], "\n".join(problems)
        widths = page.eval_on_selector_all("#charts svg", "els => els.map(e => e.getBoundingClientRect().right)")
        assert max(widths) <= 390, widths
        shown = page.eval_on_selector_all(".wide tbody tr", "rows => rows.filter(r => r.getClientRects().length)"
                                          ".map(r => getComputedStyle(r).display)")
        assert len(shown) >= 10 and set(shown) == {"block"}, shown
        page.set_viewport_size({"width": 1400, "height": 1000})

        page.locator('input[name="teams.qa.capacity"]').fill("-1")
        beside = page.locator("#check-error").inner_text()
        assert beside == "teams.qa.capacity: input should be greater than or equal to 1, got -1"
        assert page.locator(".control:has(input[name='teams.qa.capacity']) .field-error").inner_text() == beside
        page.locator('input[name="teams.qa.capacity"]').fill("1")
        page.wait_for_selector("text=The variant is valid")

        page.locator('input[name="name"]').fill("Platform of four")
        page.locator('input[name="name"]').press("Enter")
        page.wait_for_function("document.querySelector('#yaml').value.includes('name: Platform of four')")
        page.click("#save")
        page.wait_for_selector("text=Saved as")
        saved = tmp_path / "scenarios" / "variants" / "platform_of_four.yaml"
        assert "teams.platform.capacity: 4" in saved.read_text()
        page.click("#save")
        page.wait_for_selector("text=exists already")

        timing = 'input[name="streams.normal_change.steps.cab.gate.timing"]'
        page.locator(f'.gate:has({timing}) input[value=auto]').check()  # the CAB's "1w" is no check's delay
        page.wait_for_selector("text=simulated: an automated check, no delay")
        assert page.locator(timing).input_value() == ""
        assert refused == []
    finally:
        page.close()
