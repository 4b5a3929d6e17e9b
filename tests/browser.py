"""Headless Chromium for the browser tests: Debian's system Chromium driven by Playwright.

Playwright downloads no browser here: it launches the system Chromium through ``executable_path``
(``SIMVALUE_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the PATH). `make test`
installs Debian's ``chromium`` with apt-get when it is missing and the user is root; otherwise a
browser test fails with one line saying how to install it. Browser tests are never skipped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

INSTALL_HINT = ("browser tests need Chromium: run `apt-get update && apt-get install -y chromium` as root "
                "(make test does this when it runs as root), or set SIMVALUE_CHROMIUM to a Chromium binary")
#: Where the tests write their screenshots (out/ is not tracked; docs/images holds the copies the docs show).
SCREENSHOTS = Path(__file__).resolve().parent.parent / "out" / "screenshots"


def chromium_executable() -> str:
    """The system Chromium's path, or a failed test naming how to install it."""
    for candidate in (os.environ.get("SIMVALUE_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (shutil.which(candidate) or Path(candidate).is_file()):
            return shutil.which(candidate) or candidate
    pytest.fail(INSTALL_HINT, pytrace=False)


def offline(page) -> list[str]:
    """Refuse every request that is not a file or data URL; returns the list the refused ones go to
    (a report that works offline asks for nothing)."""
    refused: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:", "http://127.0.0.1", "http://localhost", "ws://127.0.0.1")):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()
    page.route("**/*", route)
    return refused


OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width + 1) out.push('page scrolls sideways: ' +
      document.documentElement.scrollWidth + ' > ' + width);
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let parent = el.parentElement;
    while (parent && getComputedStyle(parent).overflowX === 'visible' && parent !== document.body) parent = parent.parentElement;
    const limit = parent ? parent.getBoundingClientRect() : document.body.getBoundingClientRect();
    if (getComputedStyle(parent || document.body).overflowX !== 'visible') continue;
    if (box.right > limit.right + 1 || box.left < limit.left - 1) out.push(el.tagName + ' ' + (el.className || '') +
        ' overflows its container by ' + Math.round(Math.max(box.right - limit.right, limit.left - box.left)) + ' px');
  }
  return out.slice(0, 10);
}"""


def overflowing(page) -> list[str]:
    """Elements sticking out of their container (elements inside a scrolling box are allowed)."""
    return page.evaluate(OVERFLOW_SCRIPT)


LABELS_SCRIPT = """() => Array.from(document.querySelectorAll('svg text')).flatMap(t => {
  const m = t.getScreenCTM();
  if (!m || !t.getClientRects().length || !t.textContent.trim()) return [];
  const box = t.getBoundingClientRect(), chart = t.ownerSVGElement.getBoundingClientRect();
  const cut = box.left < chart.left - 1 || box.right > chart.right + 1 || box.top < chart.top - 1 ||
      box.bottom > chart.bottom + 1;
  return [[t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b), cut]];
})"""


def small_labels(page, smallest: float = 11.0) -> list[str]:
    """Chart texts (inline SVG) rendered under ``smallest`` CSS px, the chart's scaling and the text's own
    transform included, or cut off at the chart's edge: none is the goal. Fails when no chart has text."""
    labels = page.evaluate(LABELS_SCRIPT)
    assert labels, "no chart text on the page: charts must be inline SVG with text as text"
    return [f"{text!r} {'cut off' if cut else f'at {size:.1f} px'}" for text, size, cut in labels
            if size < smallest - 0.05 or cut]


HIDDEN_SCRIPT = """() => Array.from(document.querySelectorAll('body *')).filter(el => {
  const style = getComputedStyle(el);
  return ['auto', 'scroll', 'hidden'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
}).map(el => el.tagName + ' ' + (el.className || '') + ' hides ' + (el.scrollWidth - el.clientWidth) +
    ' px sideways: ' + el.innerText.trim().slice(0, 40))"""

SMALL_TEXT_SCRIPT = """(smallest) => Array.from(document.querySelectorAll('body *')).filter(el => !el.closest('svg') &&
  el.getClientRects().length && Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()) &&
  parseFloat(getComputedStyle(el).fontSize) < smallest - 0.05).map(el =>
  el.tagName + ' ' + el.textContent.trim().slice(0, 40) + ' at ' + getComputedStyle(el).fontSize)"""


def hidden_sideways(page) -> list[str]:
    """Boxes whose content is wider than they show (a table cut off, or only reachable by scrolling
    sideways, as a narrow screen's money table once was): none is the goal."""
    return page.evaluate(HIDDEN_SCRIPT)


def small_text(page, smallest: float = 11.0) -> list[str]:
    """Page text (outside charts) rendered under ``smallest`` CSS px."""
    return page.evaluate(SMALL_TEXT_SCRIPT, smallest)


def readable_at(page, width: int) -> list[str]:
    """Everything tests/browser.py checks on a page at one width: no sideways overflow of the page or of a
    box, no chart label or page text under 11 px, no chart label cut off; each problem named."""
    return [f"{width} px: {problem}" for problem in
            overflowing(page) + hidden_sideways(page) + small_labels(page) + small_text(page)]
