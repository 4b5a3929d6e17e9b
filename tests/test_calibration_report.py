"""The calibration report: the verdict first, people's units, no scientific notation, the YAML folded away,
weekly arrivals over the same calendar weeks, and a page that fits a 390 px phone with legible chart labels."""

from __future__ import annotations

import dataclasses
from pathlib import Path
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

import simvalue
from simvalue.eventlog import read_log
from simvalue.eventlog.calibrate import calibrate
from simvalue.eventlog.holdout import Split
from simvalue.eventlog.write import event_log, write_csv
from simvalue.readable import duration
from simvalue.reports.calibration_charts import weekly_arrivals
from simvalue.reports.calibration import render_calibration_report
from tests.browser import offline, overflowing
from tests.test_calibrate import KNOWN

#: A number in scientific notation (1e+03, 2.5E-7), as a reader would see it.
ROOT = Path(__file__).resolve().parent.parent
SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE][+-]?\d")


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    """KNOWN (tests/test_calibrate.py) simulated, its complete events calibrated with 30% held back at random."""
    log = event_log(simvalue.simulate(simvalue.load_scenario(KNOWN)))
    path = tmp_path_factory.mktemp("known") / "known.csv"
    write_csv(log[log["lifecycle:transition"] == "complete"], path)
    frame = read_log(path, case="case:concept:name", activity="concept:name", timestamp="time:timestamp")
    return calibrate(frame, Split("random", 0.3), seed=1)


@pytest.fixture(scope="module")
def page(calibration) -> str:
    return render_calibration_report(calibration)


class _Text(HTMLParser):
    """The text a reader sees: no style sheet, and (with ``skip_yaml``) not the folded scenario."""

    def __init__(self, skip_yaml: bool) -> None:
        super().__init__()
        self.skip_yaml, self.depth, self.hidden, self.parts = skip_yaml, 0, 0, []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("style", "pre") and (tag == "style" or self.skip_yaml):
            self.hidden += 1

    def handle_endtag(self, tag) -> None:
        if tag in ("style", "pre") and (tag == "style" or self.skip_yaml):
            self.hidden -= 1

    def handle_data(self, data) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str, skip_yaml: bool = True) -> str:
    parser = _Text(skip_yaml)
    parser.feed(html)
    return " ".join(parser.parts)


def test_the_verdict_comes_before_every_table_and_chart(calibration, page):
    v = calibration.validation
    verdict = re.search(r'<section class="(ok|flag)">(.*?)</section>', page, re.S)
    assert verdict and verdict.start() < page.index("<table") < page.index("<svg")
    words = visible_text(verdict.group(2))
    met = v["targets"]["cycle_time"]
    assert ("target (at most 10%) met" in words) == met and ("not met" in words) == (not met)
    assert duration(v["figures"]["wasserstein_h"]) in words and "replay floor" in words
    assert (verdict.group(1) == "ok") == all(v["targets"].values())


def test_the_yaml_is_folded_away_and_escaped(calibration, page):
    folded = re.search(r"<details>\s*<summary>The calibrated scenario \(YAML\)</summary>(.*?)</details>", page, re.S)
    assert folded, "the scenario's YAML is not in a closed <details>"
    assert "<pre>" in folded.group(1) and "streams:" in folded.group(1)
    assert calibration.yaml_text not in page.replace(folded.group(1), "")   # once, and only there


def test_no_scientific_notation_where_a_person_reads(page):
    text = visible_text(page)
    assert "e+0" not in text and not SCIENTIFIC.search(text), SCIENTIFIC.search(text)


def test_times_are_in_human_units(calibration, page):
    v = calibration.validation
    figures = page[page.index("<h2>Cycle time"):page.index("</table>", page.index("<h2>Cycle time"))]
    for key in ("mean", "p50", "p85", "p95"):
        for sample in ("real_figures", "figures", "floor"):
            assert duration(v[sample][key]) in figures
    assert f"{v['real_figures']['mean']:.1f}<" not in figures      # no bare hours
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", figures)
    spelled = [c for c in cells if re.fullmatch(r"-?[\d.,]+\u00a0(min|h|d|w)", c)]
    assert len(spelled) == 12 + 2, cells     # four figures of three samples, and two distances


def test_the_split_and_the_what_if_read_in_words(calibration, page):
    assert "Where the simulated cycle time goes" in page
    assert duration(calibration.validation["split"]["waiting on others"]) in page
    assert "One person more or fewer" in page and "staffing cannot move" in page   # KNOWN has no team


def test_keys_the_calibration_may_add_are_shown(calibration):
    """Teams, and a what-if with the queueing change against its paired interval, render when present."""
    v = dict(calibration.validation)
    v["what_if"] = {"team": "service_desk", "capacity": 4, "utilisation": 0.9, "base": 30.0, "base_queueing": 5.5,
                    "changes": {-1: 45.0, 1: "too few rows"}, "queueing": {-1: (8.0, 2.5, 1.0)}, "moves": True}
    v["teams"] = [{"name": "service_desk", "people": 4, "named": 6, "hours_per_week": 45.0, "utilisation": 0.82}]
    page = render_calibration_report(dataclasses.replace(calibration, validation=v))
    text = visible_text(page)
    assert "busiest team is service desk (busy 90% of its working hours)" in text and "+50%" in text
    assert "not simulated: too few rows" in text and duration(5.5) in text
    assert "+45% ± 18.2%" in text and duration(8.0) in text     # queueing 5.5 h -> 8 h, half-width 1 h
    assert "the expected way, beyond the paired 95% interval" in text
    teams = text[text.index("Teams"):]
    assert "service desk 4 6 45 h 82%" in " ".join(teams.split())
    v["what_if"] = dict(v["what_if"], note="the team is idle most of the time")
    page = render_calibration_report(dataclasses.replace(calibration, validation=v))
    assert "The team is idle most of the time." in visible_text(page)


def test_without_held_back_cases_the_page_says_so(calibration):
    page = render_calibration_report(dataclasses.replace(calibration, validation=None))
    assert "nothing was validated" in page and "The calibrated scenario (YAML)" in page


def test_weekly_arrivals_count_the_same_calendar_weeks():
    """Held back: one case a day at noon, Wednesday 3 January to Saturday 10 February 2024; simulated: two
    replications of four a day from Monday 8 January to March. The weeks both cover from end to end are
    Monday 8 to Sunday 4 February; the simulated count is per replication and scaled to the 50% held back."""
    held = pd.Series(pd.date_range("2024-01-03 12:00", "2024-02-10 12:00", freq="D"))
    day = pd.date_range("2024-01-08", "2024-03-31", freq="D")
    simulated = pd.Series(day.repeat(4) + pd.to_timedelta([1, 5, 9, 13] * len(day), unit="h")).pipe(
        lambda s: pd.concat([s, s]))
    weeks = weekly_arrivals(held, simulated, replications=2, held_share=0.5)
    assert list(weeks.index) == list(pd.date_range("2024-01-08", periods=4, freq="7D"))
    assert weeks["held back"].tolist() == [7.0] * 4 and weeks["simulated"].tolist() == [14.0] * 4


def test_weekly_arrivals_without_a_common_week_are_empty():
    held = pd.Series(pd.date_range("2024-01-01", periods=30, freq="D"))
    assert weekly_arrivals(held, held + pd.Timedelta(days=60), replications=1).empty


def test_the_page_fits_a_phone_and_its_chart_labels_read(browser, page, tmp_path):
    path = tmp_path / "calibration.html"
    path.write_text(page, encoding="utf-8")
    view = browser.new_page(viewport={"width": 390, "height": 900})
    refused = offline(view)
    view.goto(path.as_uri())
    assert refused == []
    assert view.evaluate("document.documentElement.scrollWidth") <= 390
    assert overflowing(view) == []
    sizes = view.eval_on_selector_all("svg text", """els => els.filter(e => e.textContent.trim()).map(e => {
        const m = e.getScreenCTM();
        return parseFloat(getComputedStyle(e).fontSize) * Math.hypot(m.a, m.b);
    })""")
    assert len(sizes) > 20 and min(sizes) >= 11, sorted(sizes)[:5]
    first = view.locator("section").first
    assert first.bounding_box()["y"] < 400 and "replay floor" in first.inner_text()
    view.close()


def test_the_teams_table_has_headcounts_working_hours_and_load():
    """holdout.team_table on the bundled service desk: hand-counted hours on duty per week."""
    from simvalue.eventlog.holdout import team_table
    scenario = simvalue.load_scenario(ROOT / "scenarios" / "service_desk.yaml")
    results = simvalue.simulate(scenario, replications=1, seed=1)
    teams = {t["name"]: t for t in team_table(scenario, results)}
    assert list(teams) == list(scenario.teams)
    assert teams["network"]["people"] == 2 and teams["network"]["hours_per_week"] == 45    # mon-fri 08-17
    assert teams["applications"]["hours_per_week"] == 40                                   # lunch off
    assert teams["service_desk"]["hours_per_week"] == 168 and teams["service_desk"]["people"] == 4  # shifts round the clock
    load = results.teams.groupby("team", observed=True)["utilisation"].mean()
    assert all(t["utilisation"] == load[name] and t["named"] == 0 for name, t in teams.items())


def test_simulated_arrivals_count_every_item_not_only_those_done(calibration):
    v = calibration.validation
    assert len(v["arrived"]) >= len(v["simulated"]) > 0      # items still open at the end arrived too


def test_the_exports_arrival_event_is_compared_only_where_the_log_has_one(calibration, tmp_path):
    from simvalue.eventlog.write import ARRIVAL
    assert ARRIVAL in calibration.validation["activities"].index       # KNOWN's exported log has arrivals
    log = event_log(simvalue.simulate(simvalue.load_scenario(KNOWN)))
    path = tmp_path / "no_arrivals.csv"
    write_csv(log[(log["lifecycle:transition"] == "complete") & (log["concept:name"] != ARRIVAL)], path)
    frame = read_log(path, case="case:concept:name", activity="concept:name", timestamp="time:timestamp")
    without = calibrate(frame, Split("random", 0.3), seed=1, what_if=False)
    assert ARRIVAL not in without.validation["activities"].index
