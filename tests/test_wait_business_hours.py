"""A wait on others that runs in a team's working hours only (``clock: business_hours``): exact traces.

Hand-computed: the scenario starts on Friday 2024-01-05 16:00; the desk works Monday to Friday
09:00-17:00. One item arrives a week later (Friday 16:00) and waits 2 working hours: one on Friday
(16:00-17:00), one on Monday (09:00-10:00), so the wait ends Monday 10:00, 66 h after it began: 2 h
waiting on others and 64 h standing still off duty.
"""

from __future__ import annotations

import copy
import warnings

import pytest

import simvalue
from simvalue.errors import ScenarioError

BASE = {"name": "t", "horizon": "169h", "drain": "3w", "replications": 1, "start": "2024-01-05 16:00",
        "teams": {"desk": {"capacity": 1, "calendar": {"mon-fri": "09:00-17:00"}}},
        "demand": [{"type": "case", "stream": "s", "arrivals": {"every": "1w"}}],
        "streams": {"s": {"steps": [
            {"name": "w", "activity": "engage",
             "wait": {"delay": "2h", "reason": "customer", "clock": "business_hours", "calendar": "desk"}},
            {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "1h"}]}}}


def _run(data: dict):
    with warnings.catch_warnings():  # "few items per replication": expected in a one-item trace
        warnings.simplefilter("ignore", simvalue.ScenarioWarning)
        return simvalue.simulate(simvalue.load_scenario(data), seed=1)


def test_a_business_hours_wait_stands_still_off_duty_and_counts_it_as_off_hours():
    results = _run(BASE)
    rows = results.events[["step", "queued", "started", "finished"]].to_numpy().tolist()
    assert rows == [["w", 168.0, 168.0, 234.0], ["fix", 234.0, 234.0, 235.0]]
    item = results.items.iloc[0]
    assert (item["time_to_value"], item["work_time"], item["others_time"], item["off_hours_time"]) == (
        67.0, 1.0, 2.0, 64.0)


def test_the_timeout_stays_on_the_clock_and_splits_what_passed():
    data = copy.deepcopy(BASE)
    data["streams"]["s"]["steps"][0]["wait"].update(timeout="24h", on_timeout="done")
    results = _run(data)
    wait = results.events.iloc[0]
    assert (wait["finished"], wait["outcome"]) == (192.0, "timed_out")  # Friday 16:00 + 24 h on the clock
    item = results.items.iloc[0]
    assert (item["others_time"], item["off_hours_time"]) == (1.0, 23.0)  # Friday 16:00-17:00 on duty


def test_an_elapsed_wait_is_unchanged():
    data = copy.deepcopy(BASE)
    data["streams"]["s"]["steps"][0]["wait"] = {"delay": "2h", "reason": "customer"}
    rows = _run(data).events[["step", "started", "finished"]].to_numpy().tolist()
    assert rows == [["w", 168.0, 170.0], ["fix", 233.0, 234.0]]  # the desk opens Monday 09:00 (233 h)


@pytest.mark.parametrize(("wait", "message"), [
    ({"clock": "business_hours"}, "needs calendar"),
    ({"calendar": "desk"}, "only read with clock: business_hours"),
    ({"clock": "business_hours", "calendar": "nobody"}, r"wait\.calendar.*unknown team 'nobody'"),
])
def test_a_business_hours_wait_names_a_team(wait, message):
    data = copy.deepcopy(BASE)
    data["streams"]["s"]["steps"][0]["wait"] = {"delay": "2h", "reason": "customer", **wait}
    with pytest.raises(ScenarioError, match=message):
        simvalue.load_scenario(data)
