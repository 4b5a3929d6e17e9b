"""Parallel branches (``fork``): exact traces with fixed efforts, the accounting of work and wait, a
closed form for exponential branches, the offered load, and errors naming the field."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import simvalue
from simvalue.errors import ScenarioError
from simvalue.scenario import ScenarioWarning
from simvalue.scenario.capacity import offered_loads, step_visits
from simvalue.results.stats import t_interval

ACTIVITY = "design_and_transition"


def _fork(join="all", efforts=("2h", "5h"), every="1h", horizon="1.5h", capacity=1, **extra) -> dict:
    """Arrivals every ``every``; a fork into one branch per effort (team t<i> each), then 1 h of build."""
    names = [f"b{i}" for i in range(len(efforts))]
    steps = [{"name": "approvals", "activity": ACTIVITY, "fork": {"branches": names, "join": join, "then": "build"}}]
    steps += [{"name": n, "activity": ACTIVITY, "team": f"t{i}", "effort": e, "next": {"join": 1.0}}
              for i, (n, e) in enumerate(zip(names, efforts))]
    steps += [{"name": "build", "activity": "obtain_build", "team": "dev", "effort": "1h"}]
    return {"name": "fork", "replications": 1, "seed": 1, "horizon": horizon, "drain": "2d", "allow_overload": True,
            "teams": {**{f"t{i}": {"capacity": capacity} for i in range(len(efforts))}, "dev": {"capacity": capacity}},
            "demand": [{"type": "t", "stream": "s", "arrivals": {"every": every}}],
            "streams": {"s": {"steps": steps}}, **extra}


def _run(data: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simvalue.simulate(simvalue.load_scenario(data))


def _rows(results, item_id: int = 0) -> list[list]:
    events = results.events[results.events["item_id"] == item_id].sort_values(["finished", "step"])
    return [[str(r.step), r.queued, r.started, r.finished, r.work, str(r.outcome)] for r in events.itertuples()]


def _item(results, item_id: int = 0):
    return results.items.set_index("item_id").loc[item_id]


def test_join_all_waits_for_the_last_branch():
    # One item at 1 h: branches of 2 h and 5 h on idle teams; the join at 6 h; build 6 -> 7.
    results = _run(_fork("all"))
    assert _rows(results) == [["b0", 1, 1, 3, 2, "completed"], ["approvals", 3, 3, 6, 0, "completed"],
                              ["b1", 1, 1, 6, 5, "completed"], ["build", 6, 6, 7, 1, "completed"]]
    item = _item(results)
    # Work: every branch's (2 + 5) and the build; wait: the last branch's (none), so 8 + 0 = 6 + 2 off the path.
    assert (item["time_to_value"], item["work_time"], item["wait_time"]) == (6.0, 8.0, 0.0)


def test_the_wait_over_a_fork_is_the_last_branchs_wait():
    # A second item at 2 h queues on both branch teams: b0 3 -> 5, b1 6 -> 11 (4 h in the queue); join at 11.
    results = _run(_fork("all", horizon="2.5h"))
    assert _rows(results, 1) == [["b0", 2, 3, 5, 2, "completed"], ["approvals", 5, 5, 11, 0, "completed"],
                                 ["b1", 2, 6, 11, 5, "completed"], ["build", 11, 11, 12, 1, "completed"]]
    item = _item(results, 1)
    assert (item["time_to_value"], item["work_time"], item["wait_time"]) == (10.0, 8.0, 4.0)


def test_join_any_goes_on_with_the_first_and_frees_the_other_branchs_person():
    # The 5 h branch is cancelled at 3 h with 2 h of work; its person takes the next item of t1's queue then.
    data = _fork("any")
    data["demand"].append({"type": "other", "stream": "o", "arrivals": {"every": "1.5h"}})
    data["streams"]["o"] = {"steps": [{"name": "chore", "activity": ACTIVITY, "team": "t1", "effort": "1h"}]}
    data["horizon"] = "2h"
    results = _run(data)
    assert _rows(results) == [["approvals", 3, 3, 3, 0, "completed"], ["b0", 1, 1, 3, 2, "completed"],
                              ["b1", 1, 1, 3, 2, "cancelled"], ["build", 3, 3, 4, 1, "completed"]]
    item = _item(results)
    assert (item["time_to_value"], item["work_time"], item["wait_time"]) == (3.0, 5.0, 0.0)
    chore = results.events[results.events["type"] == "other"].iloc[0]
    assert (chore["queued"], chore["started"], chore["finished"]) == (1.5, 3.0, 4.0)
    busy = results.teams.set_index("team")["busy_hours"]
    assert busy["t1"] == pytest.approx(1.0)  # the reporting window ends at 2 h: the cancelled branch 1 -> 2


def test_join_k_of_three_cancels_the_rest():
    # Branches of 2 h, 5 h and 3 h; k = 2: the join at 4 h (1 + 3); the 5 h branch cancelled with 3 h done.
    results = _run(_fork(2, efforts=("2h", "5h", "3h")))
    assert _rows(results) == [["b0", 1, 1, 3, 2, "completed"], ["approvals", 3, 3, 4, 0, "completed"],
                              ["b1", 1, 1, 4, 3, "cancelled"], ["b2", 1, 1, 4, 3, "completed"],
                              ["build", 4, 4, 5, 1, "completed"]]
    item = _item(results)
    assert (item["time_to_value"], item["work_time"], item["wait_time"]) == (4.0, 9.0, 0.0)


def test_a_rejection_on_a_branch_drops_the_item_and_stops_the_others():
    data = _fork("all")
    data["streams"]["s"]["steps"][1] = {"name": "b0", "activity": ACTIVITY, "next": {"join": 1.0},
                                        "gate": {"kind": "auto", "delay": "2h", "approve": 0.0}}
    results = _run(data)
    assert _rows(results) == [["approvals", 3, 3, 3, 0, "rejected"], ["b0", 1, 1, 3, 2, "rejected"],
                              ["b1", 1, 1, 3, 2, "cancelled"]]
    item = _item(results)
    assert (str(item["outcome"]), item["work_time"], item["automated_steps"]) == ("rejected", 4.0, 1)


def test_a_closing_rule_stops_every_branch():
    # Closed 3 h after arrival (at 4 h): b0 has joined at 3 h, b1 is cut with 3 h of work.
    data = _fork("all")
    data["streams"]["s"]["close_after"] = "3h"
    results = _run(data)
    assert _rows(results) == [["b0", 1, 1, 3, 2, "completed"], ["approvals", 3, 3, 4, 0, "closed"],
                              ["b1", 1, 1, 4, 3, "closed"]]
    item = _item(results)
    assert (item["time_to_value"], item["work_time"], item["wait_time"]) == (3.0, 5.0, 0.0)


def test_branches_open_at_the_drain_limit_are_recorded_in_progress():
    results = _run(_fork("all", drain="3h"))  # stops at 4.5 h
    assert _rows(results) == [["b0", 1, 1, 3, 2, "completed"], ["approvals", 1, 4.5, 4.5, 0, "in_progress"],
                              ["b1", 1, 1, 4.5, 3.5, "in_progress"]]
    assert str(_item(results)["outcome"]) == "in_flight"


def test_a_branch_of_several_steps_and_a_fork_in_a_rework_loop():
    # b0 is two steps; after the build a review sends half the items back through the fork.
    data = _fork("all", every="10h", horizon="200h", capacity=3)
    steps = data["streams"]["s"]["steps"]
    steps[1] = {**steps[1], "next": {"b0_more": 1.0}}
    steps.insert(3, {"name": "b0_more", "activity": ACTIVITY, "team": "t0", "effort": "1h", "next": {"join": 1.0}})
    steps.append({"name": "review", "activity": ACTIVITY, "gate": {"kind": "auto", "approve": 0.5,
                                                                       "on_reject": "approvals"}})
    scenario = simvalue.load_scenario({**data, "allow_overload": False})
    visits = dict(zip([s.name for s in scenario.streams["s"].steps], step_visits(scenario.streams["s"])))
    assert visits == pytest.approx({"approvals": 2, "b0": 2, "b1": 2, "b0_more": 2, "build": 2, "review": 2})
    results = _run(data)
    done = results.items[results.items["outcome"] == "done"]
    executions = results.events[results.events["step"] == "b0_more"].groupby("item_id").size()
    assert (done.set_index("item_id")["reworks"] == 6 * (executions.loc[done["item_id"]] - 1)).all()
    assert (done["work_time"] == 9.0 * executions.loc[done["item_id"]].to_numpy()).all()


def test_exponential_branches_on_idle_teams_match_the_mean_of_the_maximum_and_minimum():
    # E[max(X1, X2)] = 1/mu1 + 1/mu2 - 1/(mu1 + mu2); E[min] = 1/(mu1 + mu2): means 2 h and 5 h.
    for join, expected in (("all", 2 + 5 - 1 / (1 / 2 + 1 / 5)), ("any", 1 / (1 / 2 + 1 / 5))):
        data = _fork(join, efforts=("exponential(mean=2h)", "exponential(mean=5h)"), every="20h",
                     horizon="4000h", capacity=50, replications=8)
        data["streams"]["s"]["steps"].pop()  # no build: time-to-value is the fork's time
        data["streams"]["s"]["steps"][0]["fork"]["then"] = "done"
        results = _run(data)
        means = results.items.groupby("replication")["time_to_value"].mean().to_numpy()
        low, high = t_interval(means, 0.999)[1:]
        assert low <= expected <= high, (join, low, expected, high)


def test_same_seed_same_results():
    data = _fork(2, efforts=("exponential(mean=2h)", "exponential(mean=5h)", "gamma(mean=3h, cv=0.5)"),
                 every="exponential(mean=3h)", horizon="300h", capacity=2, replications=2)
    first, second = _run(data), _run(data)
    assert first.items.equals(second.items) and first.events.equals(second.events)


def test_offered_load_counts_each_branch_once_per_fork_visit():
    scenario = simvalue.load_scenario(_fork("all", every="10h", horizon="100h"))
    loads = {load.name: load.offered for load in offered_loads(scenario)}
    assert loads == pytest.approx({"t0": 0.2, "t1": 0.5, "dev": 0.1})
    assert all(not load.note for load in offered_loads(scenario))


def test_the_load_check_says_a_cancelling_join_is_counted_in_full():
    data = {**_fork("any", every="4h", horizon="100h"), "allow_overload": False}
    with pytest.warns(ScenarioWarning, match=r"teams\.t1\.capacity.*counted as if they ran in full: an upper bound"):
        simvalue.load_scenario(data)


def _with(step_index: int, **fields) -> dict:
    data = _fork("all")
    data["streams"]["s"]["steps"][step_index] = {**data["streams"]["s"]["steps"][step_index], **fields}
    return data


@pytest.mark.parametrize(("data", "match"), [
    (_with(0, fork={"branches": ["b0", "nope"], "then": "build"}),
     r"steps\[approvals\]\.fork\.branches\[1\].*unknown step 'nope'"),
    (_with(0, fork={"branches": ["b0", "b1"], "join": 3, "then": "build"}),
     r"steps\[approvals\]\.fork\.join.*join 3 is more than the 2 branches"),
    (_with(0, fork={"branches": ["b0", "b1"], "then": "nowhere"}), r"fork\.then.*unknown step 'nowhere'"),
    (_with(0, next={"build": 1.0}), r"steps\[approvals\].*a fork takes no next"),
    (_with(1, next={"done": 1.0}), r"steps\[b0\].*ends at the join: route to 'join', not 'done'"),
    (_with(1, next={"b1": 1.0}), r"steps\[b1\].*on two branches"),
    (_with(1, next={"build": 1.0}), r"steps\[b0\].*'build' is not on the same branch"),
    (_with(3, next={"b1": 1.0}), r"steps\[build\].*'b1' is on a branch of fork 'approvals'"),
    (_with(3, next={"join": 1.0}), r"steps\[build\]\.next.*this step is on no branch"),
    (_with(1, fork={"branches": ["b1", "build"], "then": "done"}, team=None, effort=None, next=None),
     r"steps\[b0\]\.fork.*nested forks"),
    (_with(1, next={"b0": 1.0}, team=None, effort=None, gate={"kind": "auto", "approve": 0.5}),
     r"steps\[approvals\]\.fork\.branches\[0\].*never reaches the join"),
    ({**_fork("all"), "streams": {"s": {"steps": _fork("all")["streams"]["s"]["steps"][1:] + [
        _fork("all")["streams"]["s"]["steps"][0]]}}}, r"steps\[b0\].*first step, which cannot be on a branch"),
    ({**_fork("all"), "streams": {"s": {**_fork("all")["streams"]["s"], "value_at": "b1"}}},
     r"streams\.s\.value_at.*value cannot be realised on a branch"),
])
def test_errors_name_the_field(data, match):
    with pytest.raises(ScenarioError, match=match):
        simvalue.load_scenario(data)
