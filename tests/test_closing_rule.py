"""A stream's closing rule (``close_after``): exact traces on hand-computable cases.

An item still open ``close_after`` hours after it arrived stops what it is doing and is done: a wait
is left (the time so far is waiting on others), work stops and frees its person for the next item, an
item in a queue leaves it (the queue skips it), work paused off duty is forgotten.
"""

from __future__ import annotations

import pytest

import simvalue
from simvalue.errors import SimvalueError


def _run(data: dict):
    return simvalue.simulate(simvalue.load_scenario({"name": "closing", "replications": 1, "seed": 1,
                                                     "allow_overload": True, "drain": "2d", **data}))


def _one_team(step: dict, close_after: str, every: str, horizon: str, capacity: int = 1, **team) -> dict:
    return {"horizon": horizon, "teams": {"desk": {"capacity": capacity, **team}},
            "demand": [{"type": "t", "stream": "s", "arrivals": {"every": every}}],
            "streams": {"s": {"close_after": close_after, "steps": [step]}}}


def test_work_stops_at_the_limit_and_frees_the_person_for_the_queue():
    # Arrivals at 1 h and 2 h; 10 h of work each; one person; closed 8 h after arrival.
    # Item 0 works 1 -> 9 (closed, 8 h of work); the person takes item 1 at 9, closed at 10 (1 h of work).
    step = {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "10h"}
    results = _run(_one_team(step, "8h", "1h", "2.5h"))
    items = results.items.sort_values("item_id")
    assert items["outcome"].tolist() == ["done", "done"]
    assert items["time_to_value"].tolist() == [8.0, 8.0]
    assert items["work_time"].tolist() == [8.0, 1.0]
    assert items["wait_time"].tolist() == [0.0, 7.0]
    events = results.events.sort_values("item_id")
    assert events["outcome"].astype(str).tolist() == ["closed", "closed"]
    assert events[["queued", "started", "finished", "work"]].to_numpy().tolist() == [[1, 1, 9, 8], [2, 9, 10, 1]]
    assert results.teams["busy_hours"].sum() == pytest.approx(1.5)  # the reporting window ends at 2.5 h


def test_a_wait_is_left_at_the_limit_as_waiting_on_others():
    step = {"name": "customer", "activity": "engage", "wait": {"delay": "10h", "reason": "customer"}}
    results = _run({"horizon": "1.5h", "demand": [{"type": "t", "stream": "s", "arrivals": {"every": "1h"}}],
                    "streams": {"s": {"close_after": "4h", "steps": [step]}}})
    item = results.items.iloc[0]
    assert (item["time_to_value"], item["others_time"], item["work_time"]) == (4.0, 4.0, 0.0)
    event = results.events.iloc[0]
    assert (event["queued"], event["finished"], str(event["outcome"])) == (1.0, 5.0, "closed")


def test_an_item_closed_in_a_queue_is_skipped_when_the_person_is_free():
    # 'long' (no rule) arrives at 5 and holds the one person until 15; 'short' arrives at 6, queues, and is
    # closed at 9 without being worked on. At 15 the person finds the queue empty.
    data = {"horizon": "7h", "teams": {"desk": {"capacity": 1}},
            "demand": [{"type": "long", "stream": "l", "arrivals": {"every": "5h"}},
                       {"type": "short", "stream": "s", "arrivals": {"every": "6h"}}],
            "streams": {"l": {"steps": [{"name": "big", "activity": "obtain_build", "team": "desk", "effort": "10h"}]},
                        "s": {"close_after": "3h", "steps": [
                            {"name": "small", "activity": "obtain_build", "team": "desk", "effort": "1h"}]}}}
    results = _run(data)
    items = results.items.set_index("type")
    assert items.loc["long", "time_to_value"] == 10.0
    assert (items.loc["short", "time_to_value"], items.loc["short", "work_time"]) == (3.0, 0.0)
    short = results.events[results.events["type"] == "short"].iloc[0]
    assert (short["queued"], short["started"], short["finished"], short["work"]) == (6.0, 9.0, 9.0, 0.0)
    assert str(short["outcome"]) == "closed"
    assert results.teams["busy_hours"].sum() == pytest.approx(2.0)  # reporting window 0-7: 5 -> 7


def test_work_paused_off_duty_is_forgotten_when_closed():
    # The desk works 09:00-17:00 every day from Monday 00:00. Arrival at 16:00, 10 h of work: 1 h until
    # 17:00, paused overnight; closed 10 h after arrival (02:00): 1 h of work, 9 h off duty.
    step = {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "10h"}
    data = _one_team(step, "10h", "16h", "17h", calendar={"mon-sun": "09:00-17:00"})
    results = _run(data)
    item = results.items.iloc[0]
    assert (item["time_to_value"], item["work_time"], item["off_hours_time"]) == (10.0, 1.0, 9.0)
    assert str(results.events.iloc[0]["outcome"]) == "closed"


def test_items_that_finish_in_time_are_untouched_and_results_repeat():
    step = {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "exponential(mean=2h)"}
    data = _one_team(step, "6h", "exponential(mean=3h)", "2w", capacity=1)
    first, second = _run(data), _run(data)
    assert first.items.equals(second.items) and first.events.equals(second.events)
    items = first.items
    assert items["time_to_value"].max() <= 6.0 + 1e-9
    closed = first.events["outcome"].astype(str) == "closed"
    assert closed.any() and (first.events.loc[~closed, "finished"] - first.events.loc[~closed, "queued"]).max() < 6.0
    without = dict(data, streams={"s": {"steps": [step]}})
    free = _run(without).items.set_index("item_id")["time_to_value"]
    # Same random numbers: items that ended within the limit with the rule end at the same time without it
    # only when no closed item changed the queue before them; at least the first item is the same.
    assert free.iloc[0] == items.set_index("item_id")["time_to_value"].iloc[0]


def test_bad_close_after_names_the_field():
    step = {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "1h"}
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario({"name": "x", **_one_team(step, "0h", "1h", "2h")})
    assert "streams.s.close_after" in str(caught.value)


def test_calibrate_recovers_a_closing_rule_from_a_simulated_log(tmp_path):
    # Customers answer after a heavy-tailed wait; the desk closes what is still open after 10 days.
    from simvalue.eventlog import read_log
    from simvalue.eventlog.calibrate import calibrate
    from simvalue.eventlog.write import event_log, write_csv
    known = {"name": "stale", "horizon": "8w", "drain": "4w", "replications": 1, "seed": 5,
             "demand": [{"type": "case", "stream": "s", "arrivals": {"rate": "60/d"}}],
             "streams": {"s": {"close_after": "10d", "steps": [
                 {"name": "open", "activity": "engage", "label": "open", "wait": {"delay": "0h", "reason": "start"}},
                 {"name": "ask", "activity": "engage", "label": "ask",
                  "wait": {"delay": "lognormal(mean=3d, cv=1.5)", "reason": "customer"}},
                 {"name": "close", "activity": "deliver_and_support", "label": "close",
                  "wait": {"delay": "1h", "reason": "others"}}]}}}
    log = event_log(simvalue.simulate(simvalue.load_scenario(known)))
    path = tmp_path / "stale.csv"
    write_csv(log[log["lifecycle:transition"] == "complete"], path)
    result = calibrate(read_log(path, case="case:concept:name", activity="concept:name",
                                timestamp="time:timestamp"), what_if=False)
    stream = result.scenario["streams"]["case"]
    # The log's cases end at the limit at most (a closed case's last event is its closing), so the limit
    # found is the longest cycle time but two, rounded up to the hour: within an hour of 240 h.
    assert stream["close_after"] in {"239h", "240h", "10d"}
    assert any("closing rule" in finding for finding in result.findings)


def test_an_item_that_finishes_exactly_at_the_limit_finishes_normally():
    # Arrivals at 1 h and 2 h; a 3 h wait, then 5 h of work by one person; closed 8 h after arrival.
    # Item 0 waits 1 -> 4 and works 4 -> 9: it ends at its limit exactly, so it is completed, not closed.
    # Item 1 waits 2 -> 5, queues for the person until 9, works 9 -> 10 and is closed at its limit.
    steps = [{"name": "ask", "activity": "engage", "wait": {"delay": "3h", "reason": "customer"}},
             {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "5h"}]
    data = _one_team(steps[1], "8h", "1h", "2.5h")
    data["streams"]["s"]["steps"] = steps
    results = _run(data)
    events = results.events.sort_values(["item_id", "queued"])
    assert [tuple(row) for row in events[["item_id", "step", "queued", "finished"]].astype(str).to_numpy()] == [
        ("0", "ask", "1.0", "4.0"), ("0", "fix", "4.0", "9.0"), ("1", "ask", "2.0", "5.0"), ("1", "fix", "5.0", "10.0")]
    assert events["outcome"].astype(str).tolist() == ["completed", "completed", "completed", "closed"]
    items = results.items.sort_values("item_id")
    assert items["time_to_value"].tolist() == [8.0, 8.0] and items["work_time"].tolist() == [5.0, 1.0]


def test_an_item_that_starts_late_and_finishes_at_the_limit_finishes_normally():
    # Arrivals at 1 h and 2 h, 4 h of work each, one person, closed 7 h after arrival: item 1 queues
    # until 5 and ends at 9, its limit exactly.
    step = {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "4h"}
    events = _run(_one_team(step, "7h", "1h", "2.5h")).events.sort_values("item_id")
    assert events[["queued", "started", "finished"]].to_numpy().tolist() == [[1, 1, 5], [2, 5, 9]]
    assert events["outcome"].astype(str).tolist() == ["completed", "completed"]
