"""Release trains (``release``): exact traces with deterministic arrivals and fixed efforts, the team's
busy time and load, a bulk-service queue's closed forms, errors naming the field, and the bundled example."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import simvalue
from simvalue.cli import main
from simvalue.errors import ScenarioError
from simvalue.rng import stream as rng_stream
from simvalue.results.stats import t_interval
from simvalue.scenario.capacity import offered_loads
from simvalue.theory import release_cadence_mean_wait, release_ready_mean_wait, releases_per_hour

EXAMPLE = Path(__file__).resolve().parent.parent / "scenarios" / "release_train.yaml"


def _scenario(release: dict, every: str = "1h", horizon: str = "4.5h", before: tuple = (), **extra) -> dict:
    """Arrivals every ``every`` (the first one interval in) into the ``before`` steps, then a release ``ship``."""
    steps = [*before, {"name": "ship", "activity": "deliver_and_support", "release": release}]
    data = {"name": "release", "replications": 1, "seed": 1, "horizon": horizon, "drain": "2d",
            "teams": {"dev": {"capacity": 1}, "ops": {"capacity": 1}},
            "demand": [{"type": "t", "stream": "s", "arrivals": {"every": every}}],
            "streams": {"s": {"steps": steps}}}
    data.update(extra)
    return data


def _run(data: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simvalue.simulate(simvalue.load_scenario(data))


def _rows(results, step: str = "ship") -> list[list]:
    """(item, queued, started, finished, work, outcome) of every execution of ``step``, by item then time."""
    events = results.events[results.events["step"] == step].sort_values(["item_id", "finished"])
    return [[r.item_id, r.queued, r.started, r.finished, r.work, str(r.outcome)] for r in events.itertuples()]


def test_a_cadence_takes_every_item_waiting_at_each_departure():
    # Arrivals at 1, 2, 3, 4 h; departures every 2.5 h from 2.5 h; an instant deployment without a team.
    results = _run(_scenario({"every": "2.5h"}))
    assert _rows(results) == [[0, 1, 2.5, 2.5, 0, "completed"], [1, 2, 2.5, 2.5, 0, "completed"],
                              [2, 3, 5, 5, 0, "completed"], [3, 4, 5, 5, 0, "completed"]]


def test_when_ready_departs_as_soon_as_the_batch_is_full():
    # Batches of three: at 3 h (items 0-2) and 6 h (3-5); item 6 (7 h) is still waiting when the run ends.
    results = _run(_scenario({"when_ready": 3}, horizon="7.5h", drain="10h"))
    assert _rows(results) == [[0, 1, 3, 3, 0, "completed"], [1, 2, 3, 3, 0, "completed"],
                              [2, 3, 3, 3, 0, "completed"], [3, 4, 6, 6, 0, "completed"],
                              [4, 5, 6, 6, 0, "completed"], [5, 6, 6, 6, 0, "completed"],
                              [6, 7, 17.5, 17.5, 0, "in_progress"]]


def test_whichever_comes_first_and_an_item_arriving_at_a_departure_goes_with_it():
    # Three ready at 3 h; the timetable's 4 h departure takes item 3, which arrives at that very instant;
    # three more ready at 7 h; the 8 h departure takes item 7. The timetable does not shift.
    results = _run(_scenario({"every": "4h", "when_ready": 3}, horizon="8.5h"))
    started = {row[0]: row[2] for row in _rows(results)}
    assert started == {0: 3, 1: 3, 2: 3, 3: 4, 4: 7, 5: 7, 6: 7, 7: 8}


def test_a_release_due_in_a_freeze_waits_for_its_end():
    # t = 0 is Monday 2024-01-01 00:00. Departures every 3 h; a freeze 05:00-09:00 on that day holds the 6 h
    # departure until 9 h (items arriving up to 9 h go with it); a weekly freeze on Mondays 11:30-12:30 holds
    # the 12 h departure until 12.5 h. The timetable goes on: the next departure is at 15 h.
    freeze = [{"from": "2024-01-01 05:00", "to": "2024-01-01 09:00"}, {"mon": "11:30-12:30"}]
    results = _run(_scenario({"every": "3h", "freeze": freeze}, horizon="13.5h"))
    started = {row[0]: row[2] for row in _rows(results)}
    assert started == {0: 3, 1: 3, 2: 3, **dict.fromkeys(range(3, 9), 9), 9: 12.5, 10: 12.5, 11: 12.5, 12: 15}


def test_a_freeze_of_whole_days_lasts_to_the_end_of_its_last_day():
    # from/to as dates: Tuesday 2 January from midnight (24 h) to the end of Wednesday 3 January (72 h): the
    # departures due at 24 h and 48 h go at 72 h with items 10 h .. 70 h; the 80 h item goes at 96 h.
    results = _run(_scenario({"every": "1d", "freeze": [{"from": "2024-01-02", "to": "2024-01-03"}]},
                             every="10h", horizon="85h"))
    assert sorted(set(results.events.loc[results.events["step"] == "ship", "started"])) == [72, 96]


def _failing_seed(p: float) -> int:
    """A seed whose first batch fails and second goes (the release's own failure stream, in departure order)."""
    for seed in range(1, 200):
        u = rng_stream(seed, 0, "release", "s", "ship", "fail").random(2)
        if u[0] < p <= u[1]:
            return seed
    raise AssertionError("no such seed")


def test_a_failed_batch_goes_back_to_on_fail_as_a_whole_and_counts_as_rework():
    # Arrivals at 1 and 2 h; fix (dev, 1 h each) 1-2 and 2-3; a batch of two at 3 h deployed by ops for
    # 1 h + 2 x 30 min = 2 h, 3-5 h: it fails, both go back to fix (5-6, 6-7), then the second batch 7-9 goes.
    fix = {"name": "fix", "activity": "obtain_build", "team": "dev", "effort": "1h"}
    release = {"when_ready": 2, "team": "ops", "effort": "1h", "per_item": "30min", "fail": 0.5, "on_fail": "fix"}
    results = _run(_scenario(release, horizon="2.5h", before=(fix,), seed=_failing_seed(0.5)))
    assert _rows(results) == [[0, 2, 3, 5, 2, "rejected"], [0, 6, 7, 9, 2, "completed"],
                              [1, 3, 3, 5, 2, "rejected"], [1, 7, 7, 9, 2, "completed"]]
    assert _rows(results, "fix") == [[0, 1, 1, 2, 1, "completed"], [0, 5, 5, 6, 1, "completed"],
                                     [1, 2, 2, 3, 1, "completed"], [1, 5, 6, 7, 1, "completed"]]
    items = results.items.set_index("item_id")
    assert items["reworks"].tolist() == [2, 2]  # fix and ship entered again
    assert items["time_to_value"].tolist() == [8.0, 7.0]
    # The item's work is its own fix work and every deployment of its batches: 1 + 2 + 1 + 2.
    assert items["work_time"].tolist() == [6.0, 6.0]


def test_one_person_deploys_a_batch_and_is_busy_once_for_it():
    # Four items, two batches of two, each 1 h + 2 x 30 min on one person of ops: busy 4 h, not 8 h.
    release = {"when_ready": 2, "team": "ops", "effort": "1h", "per_item": "30min"}
    results = _run(_scenario(release, horizon="12h"))
    assert _rows(results)[:2] == [[0, 1, 2, 4, 2, "completed"], [1, 2, 2, 4, 2, "completed"]]
    ops = results.teams.set_index("team").loc["ops"]
    busy = 5 * 2.0  # eleven arrivals: five batches of two deployed by 12 h (the fifth 10-12 h)
    assert ops["busy_hours"] == pytest.approx(busy)
    assert ops["mean_queue_length"] == 0.0  # waiting for the train is not waiting for the team
    assert results.events.loc[results.events["step"] == "ship", "team"].eq("ops").all()


def test_deployments_of_one_team_queue_for_its_person():
    # Batches of one every hour, each deployed for 1.5 h by the one person of ops: 1-2.5, 2.5-4, 4-5.5.
    results = _run(_scenario({"when_ready": 1, "team": "ops", "effort": "1.5h"}, horizon="3.5h"))
    assert [row[1:4] for row in _rows(results)] == [[1, 1, 2.5], [2, 2.5, 4], [3, 4, 5.5]]


def test_without_a_team_the_deployment_is_automated_work():
    results = _run(_scenario({"when_ready": 2, "effort": "1h", "per_item": "15min"}, horizon="2.5h"))
    assert _rows(results) == [[0, 1, 2, 3.5, 1.5, "completed"], [1, 2, 2, 3.5, 1.5, "completed"]]
    assert results.events.loc[results.events["step"] == "ship", "automated"].all()
    assert results.items["automated_steps"].tolist() == [1, 1]


def test_the_offered_load_counts_releases_per_hour_and_items_per_hour():
    release = {"every": "10h", "team": "ops", "effort": "2h", "per_item": "30min"}
    data = _scenario(release, every="exponential(mean=2h)")
    data["demand"][0]["arrivals"] = {"rate": "0.5/h"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # team dev is unused here
        load = next(l for l in offered_loads(simvalue.load_scenario(data)) if l.name == "ops")
    assert load.offered == pytest.approx(-np.expm1(-5.0) / 10 * 2 + 0.5 * 0.5)
    assert load.source.startswith("streams.s.steps[ship]")


def test_releases_per_hour_closed_forms():
    assert releases_per_hour(2.0, None, 4) == 0.5
    assert releases_per_hour(1.0, 10.0, None) == pytest.approx((1 - np.exp(-10)) / 10)
    # Both: E[ceil(K / N)] / T; with N = 1 every arrival is a release.
    assert releases_per_hour(3.0, 5.0, 1) == pytest.approx(3.0)
    k = np.arange(200)
    pmf = np.exp(k * np.log(4.0) - 4.0 - np.array([np.sum(np.log(np.arange(1, x + 1))) for x in k]))
    assert releases_per_hour(0.5, 8.0, 3) == pytest.approx(float(np.sum(pmf * np.ceil(k / 3))) / 8)


def _mean_waits(data: dict, replications: int) -> np.ndarray:
    data = {**data, "replications": replications, "seed": 5}
    events = _run(data).events
    done = events[(events["step"] == "ship") & (events["outcome"] == "completed")]
    return done.groupby("replication", observed=True)["wait"].mean().to_numpy()


@pytest.mark.parametrize("release, theory", [
    ({"when_ready": 5}, release_ready_mean_wait(1.0, 5)),  # (N - 1) / (2 lambda) = 2 h
    ({"every": "10h"}, release_cadence_mean_wait(10.0)),  # T / 2 = 5 h
])
def test_a_release_train_is_a_bulk_service_queue(release, theory):
    """Poisson arrivals at 1/h, instant deployment: the mean wait per item matches the closed form within the
    99% Student-t interval of 8 replications' means (each of about 2,000 items). The interval is the tolerance:
    it comes from the run's own spread, not a hand-picked margin."""
    data = _scenario(release, horizon="2000h", warmup="20h")
    data["demand"][0]["arrivals"] = {"rate": "1/h"}
    mean, low, high = t_interval(_mean_waits(data, 8), confidence=0.99)
    assert low <= theory <= high, (mean, low, high, theory)
    assert high - low < 0.1 * theory  # the check has teeth: the interval is narrow


@pytest.mark.parametrize("release, path, message", [
    ({"team": "ops"}, r"steps\[ship\]\.release", "needs 'every'"),
    ({"every": "1w", "fail": 0.1}, r"steps\[ship\]\.release", "'fail' needs 'on_fail'"),
    ({"when_ready": 3, "first": "2d"}, r"steps\[ship\]\.release", "'first' goes with 'every'"),
    ({"every": "1w", "fail": 0.1, "on_fail": "biuld"}, r"steps\[ship\]\.release\.on_fail", "unknown step 'biuld'"),
    ({"every": "1w", "team": "opz"}, r"steps\[ship\]\.release\.team", "unknown team 'opz'.*did you mean 'ops'"),
    ({"every": "1w", "when_ready": 0}, r"steps\[ship\]\.release\.when_ready", "greater than or equal to 1"),
    ({"every": "1w", "freeze": [{"from": "2026-12-18", "to": "soon"}]}, r"release\.freeze",
     r"\[0\]\.to: expected a date such as '2026-12-18'"),
    ({"every": "1w", "freeze": [{"from": "2026-12-18", "to": "2026-12-01"}]}, r"release\.freeze",
     r"\[0\]: 'to' \(2026-12-01\) must come after 'from'"),
    ({"every": "1w", "freeze": [{"from": "2026-12-18"}]}, r"release\.freeze", "exactly the keys from and to"),
    ({"every": "1w", "freeze": [{"fri": "12:00-25:00"}]}, r"release\.freeze", r"\[0\]: .*expected times from 00:00"),
    ({"every": "1w", "freeze": [{"friday-ish": "12:00-18:00"}]}, r"release\.freeze", r"\[0\]: friday-ish: unknown day"),
    ({"every": "1w", "freeze": {"fri": "12:00-18:00"}}, r"release\.freeze", "expected a list of windows"),
    ({"every": "1w", "freeze": [{"mon-sun": "00:00-24:00"}]}, r"release\.freeze", "whole week"),
])
def test_errors_name_the_field_and_what_was_expected(release, path, message):
    with pytest.raises(ScenarioError, match=f"{path}.*{message}"):
        simvalue.load_scenario(_scenario(release))


def test_a_release_step_takes_no_team_or_effort_of_its_own():
    data = _scenario({"every": "1w"})
    data["streams"]["s"]["steps"][0]["team"] = "ops"
    with pytest.raises(ScenarioError, match=r"steps\[ship\]: a release step takes no team \(a release names"):
        simvalue.load_scenario(data)


def test_the_cli_refuses_a_release_without_a_trigger_with_exit_2(tmp_path, capsys):
    import yaml
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_scenario({"team": "ops"})))
    assert main(["check", str(path)]) == 2
    assert "bad.yaml: streams.s.steps[ship].release" in capsys.readouterr().err


def test_the_bundled_example_loads_without_warnings_checks_and_runs(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scenario = simvalue.load_scenario(EXAMPLE)
    assert main(["check", str(EXAMPLE)]) == 0
    assert "release train (release_mgmt)" in capsys.readouterr().out
    results = simvalue.simulate(scenario.model_copy(update={"replications": 1, "horizon": 1500.0}))
    ship = results.events[results.events["step"] == "release"]
    assert (ship["outcome"] == "completed").any()
    # Per-step times: the release's wait is waiting for the train, its work the deployment (3 h + 15 min each).
    step = results.steps().set_index("step").loc["release"]
    assert step["wait"] > 24 and step["work"] > 3
    # Nothing departs in the year-end freeze: 2026-12-18 00:00 to 2027-01-05 00:00 is 1752 h to 2184 h.
    assert not ship["started"].between(1752, 2184, inclusive="left").any()


def test_freezes_are_read_once_and_written_back_as_written(monkeypatch):
    """The freeze windows become typed values at load (calendars/freeze.py); a run parses no text again."""
    import sys

    from simvalue.calendars import spelling
    from simvalue.calendars.freeze import Freeze
    from simvalue.calendars.week import Calendar

    freeze = [{"from": "2024-01-01 05:00", "to": "2024-01-01 09:00"}, {"mon": "11:30-12:30"}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # teams unused here
        scenario = simvalue.load_scenario(_scenario({"every": "3h", "freeze": freeze}, horizon="13.5h"))
    settings = scenario.streams["s"].steps[0].release
    assert isinstance(settings.freeze, Freeze) and len(settings.freeze.spans) == len(settings.freeze.weekly) == 1
    assert scenario.model_dump(mode="json")["streams"]["s"]["steps"][0]["release"]["freeze"] == freeze

    def refuse(*args, **kwargs):
        raise AssertionError(f"text parsed again after the load: {args!r}")
    for module in [m for name, m in sys.modules.items() if name.startswith("simvalue") and m is not None]:
        for name in ("parse_start", "parse_days", "window_minutes", "read_weekdays", "read_window"):
            if getattr(module, name, None) is getattr(spelling, name):
                monkeypatch.setattr(module, name, refuse)
    monkeypatch.setattr(Calendar, "read", refuse)
    monkeypatch.setattr(Freeze, "read", refuse)
    started = set(simvalue.simulate(scenario).events["started"])
    assert {9.0, 12.5} <= started


def test_a_batch_whose_items_are_all_closed_stops_its_deployment_and_frees_the_person():
    # Items at 4 and 8 h (a third at 12 h waits alone); the batch of two departs at 8 h for 6 h of deployment.
    # The closing rule (5.5 h after arrival) closes item 0 at 9.5 h: the deployment goes on for item 1; item 1
    # closes at 13.5 h, the last of its batch: the deployment stops there and ops takes its next work (a chore
    # queued since 10 h). Busy time counts the deployment once, 8 to 13.5 h, then the chore.
    data = _scenario({"when_ready": 2, "team": "ops", "effort": "6h"}, every="4h", horizon="14h")
    data["streams"]["s"]["close_after"] = "5.5h"
    data["demand"].append({"type": "other", "stream": "o", "arrivals": {"every": "10h"}})
    data["streams"]["o"] = {"steps": [{"name": "chore", "activity": "engage", "team": "ops", "effort": "1h"}]}
    results = _run(data)
    assert _rows(results) == [[0, 4, 9.5, 9.5, 0, "closed"], [1, 8, 8, 13.5, 5.5, "closed"],
                              [3, 12, 17.5, 17.5, 0, "closed"]]  # item 2 is the chore
    chore = results.events[results.events["step"] == "chore"].iloc[0]
    assert (chore["queued"], chore["started"], chore["finished"]) == (10, 13.5, 14.5)
    assert results.teams.set_index("team").loc["ops", "busy_hours"] == pytest.approx(5.5 + 0.5)


def test_a_deployment_cut_by_the_drain_limit_is_carried_by_one_item_of_its_batch():
    results = _run(_scenario({"when_ready": 2, "team": "ops", "effort": "100h"}, horizon="2.5h", drain="10h"))
    assert _rows(results) == [[0, 1, 2, 12.5, 10.5, "in_progress"], [1, 2, 12.5, 12.5, 0, "in_progress"]]


def test_adding_a_release_shifts_no_other_draw():
    """Common random numbers: the build efforts per item are the same with and without a release after it."""
    build = {"name": "build", "activity": "obtain_build", "team": "dev", "effort": "exponential(mean=30min)"}
    without = _scenario({"every": "1d"}, every="exponential(mean=1h)", horizon="100h", before=(build,))
    without["streams"]["s"]["steps"] = [build]
    release = {"every": "1d", "team": "ops", "effort": "exponential(mean=1h)", "per_item": "gamma(mean=5min, cv=1)",
               "fail": 0.2, "on_fail": "build"}
    with_release = _scenario(release, every="exponential(mean=1h)", horizon="100h", before=(build,))
    first = {row[0]: row[4] for row in _rows(_run(without), "build")}
    again = {}
    for row in _rows(_run(with_release), "build"):
        again.setdefault(row[0], row[4])  # the first build of each item (a rollback builds again)
    assert len(first) > 50 and first == pytest.approx(again, rel=1e-9)  # work is finished - started: rounding only


def test_a_release_step_may_raise_linked_records():
    data = _scenario({"when_ready": 2}, horizon="4.5h")
    data["streams"]["s"]["steps"][0]["spawn"] = {"type": "note", "p": 1.0}
    data["demand"].append({"type": "note", "stream": "n", "arrivals": {"every": "1000h"}})
    data["streams"]["n"] = {"steps": [{"name": "log", "activity": "engage", "team": "dev", "effort": "1h"}]}
    items = _run(data).items
    # Two batches of two, each item raising one note when its release ends (the first notes take ids 2 and 3).
    assert items["parent_id"].dropna().astype(int).tolist() == [0, 1, 4, 5]


def test_a_release_on_a_branch_of_a_fork_is_refused():
    steps = [{"name": "split", "activity": "plan", "fork": {"branches": ["a", "ship"], "then": "end"}},
             {"name": "a", "activity": "plan", "team": "dev", "effort": "1h", "next": {"join": 1.0}},
             {"name": "ship", "activity": "deliver_and_support", "release": {"every": "1d"}, "next": {"join": 1.0}},
             {"name": "end", "activity": "plan", "team": "dev", "effort": "1h"}]
    data = _scenario({"every": "1d"})
    data["streams"]["s"]["steps"] = steps
    with pytest.raises(ScenarioError, match=r"steps\[ship\]\.release: a release train cannot sit on a branch"):
        simvalue.load_scenario(data)


def test_the_app_offers_a_release_trains_cadence_and_batch_size_and_a_variant_applies_them():
    from simvalue.app.controls import controls_for, overlay_with

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        baseline = simvalue.load_scenario(EXAMPLE)
    every = "streams.normal_change.steps.release.release.every"
    ready = "streams.normal_change.steps.release.release.when_ready"
    offered = {c.key: c.baseline for c in controls_for(baseline) if c.group == "releases"}
    assert offered == {every: "2w", ready: 20}
    assert "set" not in overlay_with({"name": "v"}, baseline, offered)  # the baseline's values make no edit
    overlay = overlay_with({"name": "weekly"}, baseline, {every: "1w", ready: 10})
    assert overlay["set"] == {every: "1w", ready: 10}
    variant = simvalue.load_variant(baseline, overlay)
    release = variant.streams["normal_change"].steps[3].release
    before = baseline.streams["normal_change"].steps[3].release
    assert (release.every, release.when_ready, release.freeze) == (168.0, 10, before.freeze)


def test_a_change_over_time_moves_the_timetable_from_the_next_departure():
    # Departures every 4 h (4, 8); from 9 h every 2 h: the departure due at 12 h goes, then 14 h, 16 h.
    # A train without a cadence that gets one by a change starts it then: every 3 h from 5 h (8 h, 11 h).
    every = "streams.s.steps.ship.release.every"
    data = _scenario({"every": "4h"}, horizon="15.5h", changes=[{"at": "9h", "set": {every: "2h"}}])
    assert sorted(set(_run(data).events["started"])) == [4, 8, 12, 14, 16]
    data = _scenario({"when_ready": 100}, horizon="11.5h", changes=[{"at": "5h", "set": {every: "3h"}}])
    assert sorted(set(_run(data).events["started"])) == [8, 11]


def test_the_bundled_weekly_variant_loads_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        variant = simvalue.load_variant(None, EXAMPLE.parent / "variants" / "weekly_releases.yaml")
    assert variant.streams["normal_change"].steps[3].release.every == 168.0
