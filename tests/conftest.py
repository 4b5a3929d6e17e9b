"""Shared fixtures."""

from __future__ import annotations

import os

# One BLAS thread per process: the suite's matrix exponentials (tests/test_service_hours_validation.py)
# slow down 30-100x when OpenBLAS threads fight over two cores with the test workers.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import copy  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any

import pytest


@pytest.fixture
def change_scenario() -> dict[str, Any]:
    """A small change stream with a weekly CAB, rework and automation (stable, fast)."""
    return copy.deepcopy({
        "name": "changes",
        "horizon": "60d",
        "warmup": "7d",
        "replications": 3,
        "seed": 11,
        "teams": {"platform": {"capacity": 2}, "desk": {"capacity": 2}},
        "demand": [
            {"type": "change", "stream": "change", "arrivals": {"every": "gamma(mean=4h, cv=0.7)"}},
            {"type": "incident", "stream": "incident", "arrivals": {"rate": "6/d"},
             "priority": {"P1": 0.2, "P2": 0.8}},
        ],
        "streams": {
            "change": {"value_at": "deploy", "steps": [
                {"name": "assess", "activity": "plan", "team": "platform", "effort": "1h"},
                {"name": "approve", "activity": "design_and_transition",
                 "gate": {"kind": "cab", "meets": "1w", "approve": 0.8, "on_reject": "assess"}},
                {"name": "build", "activity": "obtain_build", "team": "platform",
                 "effort": "gamma(mean=2h, cv=0.8)", "automation": {"share": 0.3, "effort": "10min"}},
                {"name": "deploy", "activity": "design_and_transition", "team": "platform", "effort": "30min"},
                {"name": "review", "activity": "improve", "team": "desk", "effort": "15min"},
            ]},
            "incident": {"steps": [
                {"name": "triage", "activity": "engage", "team": "desk", "effort": "lognormal(mean=20min, sd=10min)"},
                {"name": "resolve", "activity": "deliver_and_support", "team": "desk",
                 "effort": "exponential(mean=2h)", "next": {"triage": 0.1, "done": 0.9}},
            ]},
        },
    })


#: The real public ITSM log shipped with the project (data/README.md: source, licence, checksum).
BPI_LOG = Path(__file__).resolve().parents[1] / "data" / "bpi_2013_incidents.csv.gz"


@pytest.fixture
def bpi_log() -> Path:
    """The BPI Challenge 2013 incident log in the repository (data/), whole and gzipped."""
    assert BPI_LOG.is_file(), f"the BPI 2013 log belongs in the repository at {BPI_LOG}"
    return BPI_LOG


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium via Playwright (tests/browser.py), shared by the session's browser tests."""
    from playwright.sync_api import sync_playwright

    from tests.browser import chromium_executable
    executable = chromium_executable()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()
