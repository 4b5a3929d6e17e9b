"""Exact traces on hand-computable scenarios (fixed arrivals and efforts)."""

from __future__ import annotations

import numpy as np

import pytest

from simvalue import load_scenario, simulate

pytestmark = pytest.mark.filterwarnings("ignore:.*allow_overload")


def trace(scenario: dict) -> list[tuple]:
    results = simulate(load_scenario(scenario), replications=1, seed=0)
    events = results.events.sort_values(["started", "finished", "item_id"])
    return [(int(e.item_id), e.step, e.queued, e.started, e.finished, e.outcome) for e in events.itertuples()]


def test_single_server_fifo_trace():
    # Arrivals at 1, 2, 3 h (every 1h; the one at 4h is past the horizon); 1.5 h of work each.
    scenario = {
        "name": "fifo", "horizon": "4h", "allow_overload": True,
        "teams": {"desk": {"capacity": 1}},
        "demand": [{"type": "t", "stream": "s", "arrivals": {"every": "1h"}}],
        "streams": {"s": {"steps": [{"name": "work", "activity": "engage", "team": "desk", "effort": "90min"}]}},
    }
    assert trace(scenario) == [
        (0, "work", 1.0, 1.0, 2.5, "completed"),
        (1, "work", 2.0, 2.5, 4.0, "completed"),
        (2, "work", 3.0, 4.0, 5.5, "completed"),
    ]
    items = simulate(load_scenario(scenario), replications=1).items
    assert items["time_to_value"].tolist() == [1.5, 2.0, 2.5]
    assert items["wait_time"].tolist() == [0.0, 0.5, 1.0]
    assert items["work_time"].tolist() == [1.5, 1.5, 1.5]


def test_priority_jumps_the_queue_but_does_not_preempt():
    # Low priority arrives at 1, 2, 3 h; high at 2.5 h. One person, 2.5 h per item.
    scenario = {
        "name": "priority", "horizon": "3.5h", "allow_overload": True, "drain": "1d",
        "teams": {"desk": {"capacity": 1}},
        "demand": [
            {"type": "low", "stream": "s", "arrivals": {"every": "1h"}, "priority": "P3"},
            {"type": "high", "stream": "s", "arrivals": {"every": "2.5h"}, "priority": "P1"},
        ],
        "streams": {"s": {"steps": [{"name": "work", "activity": "engage", "team": "desk", "effort": "2.5h"}]}},
    }
    assert trace(scenario) == [
        (0, "work", 1.0, 1.0, 3.5, "completed"),
        (2, "work", 2.5, 3.5, 6.0, "completed"),
        (1, "work", 2.0, 6.0, 8.5, "completed"),
        (3, "work", 3.0, 8.5, 11.0, "completed"),
    ]


def test_cab_then_deploy_trace_and_value_at():
    # Arrivals at 3, 6, 9 h; the CAB meets at 10 h and every 10 h; deploy 1 h by one person,
    # then a 2 h review after value is realised.
    scenario = {
        "name": "cab", "horizon": "10h",
        "teams": {"ops": {"capacity": 1}, "mgr": {"capacity": 1}},
        "demand": [{"type": "change", "stream": "c", "arrivals": {"every": "3h"}}],
        "streams": {"c": {"value_at": "deploy", "steps": [
            {"name": "cab", "activity": "design_and_transition", "gate": {"kind": "cab", "meets": "10h"}},
            {"name": "deploy", "activity": "design_and_transition", "team": "ops", "effort": "1h"},
            {"name": "review", "activity": "improve", "team": "mgr", "effort": "2h"},
        ]}},
    }
    assert trace(scenario) == [
        (0, "cab", 3.0, 10.0, 10.0, "approved"),
        (1, "cab", 6.0, 10.0, 10.0, "approved"),
        (2, "cab", 9.0, 10.0, 10.0, "approved"),
        (0, "deploy", 10.0, 10.0, 11.0, "completed"),
        (1, "deploy", 10.0, 11.0, 12.0, "completed"),
        (0, "review", 11.0, 11.0, 13.0, "completed"),
        (2, "deploy", 10.0, 12.0, 13.0, "completed"),
        (1, "review", 12.0, 13.0, 15.0, "completed"),
        (2, "review", 13.0, 15.0, 17.0, "completed"),
    ]
    items = simulate(load_scenario(scenario), replications=1).items
    assert items["time_to_value"].tolist() == [8.0, 6.0, 4.0]
    assert items["completed"].tolist() == [13.0, 15.0, 17.0]
    assert (items["work_time"] + items["wait_time"]).tolist() == [8.0, 6.0, 4.0]
    assert items["handoffs"].tolist() == [1, 1, 1]


def test_cab_capacity_defers_the_rest_to_the_next_meeting():
    scenario = {
        "name": "cab capacity", "horizon": "10h", "allow_overload": True,
        "demand": [{"type": "change", "stream": "c", "arrivals": {"every": "3h"}}],
        "streams": {"c": {"steps": [{"name": "cab", "activity": "design_and_transition",
                                     "gate": {"kind": "cab", "meets": "10h", "capacity": 2}}]}},
    }
    assert [(i, start) for i, _, _, start, _, _ in trace(scenario)] == [(0, 10.0), (1, 10.0), (2, 20.0)]


def test_warmup_items_are_simulated_but_not_reported():
    scenario = {
        "name": "warm", "horizon": "3h", "warmup": "2h", "allow_overload": True,
        "teams": {"desk": {"capacity": 1}},
        "demand": [{"type": "t", "stream": "s", "arrivals": {"every": "1h"}}],
        "streams": {"s": {"steps": [{"name": "work", "activity": "engage", "team": "desk", "effort": "90min"}]}},
    }
    results = simulate(load_scenario(scenario), replications=1)
    # Arrivals at 1..4 h; those at 1 h is in the warm-up but still delays the others.
    assert results.items["arrived"].tolist() == [2.0, 3.0, 4.0]
    assert results.items["wait_time"].tolist() == [0.5, 1.0, 1.5]
    assert set(results.events["item_id"]) == {1, 2, 3}


def test_automation_share_one_holds_no_team():
    scenario = {
        "name": "auto", "horizon": "3h",
        "teams": {"desk": {"capacity": 1}},
        "demand": [{"type": "t", "stream": "s", "arrivals": {"every": "1h"}}],
        "streams": {"s": {"steps": [{"name": "work", "activity": "engage", "team": "desk", "effort": "5h",
                                     "automation": {"share": 1.0, "effort": "6min"}}]}},
    }
    results = simulate(load_scenario(scenario), replications=1)
    assert np.allclose(results.items["time_to_value"], 0.1)
    assert results.events["automated"].all() and results.events["team"].isna().all()
    assert results.items["automated_steps"].tolist() == [1, 1]
    assert results.teams["busy_hours"].tolist() == [0.0]


def test_rejected_items_are_dropped_with_no_value():
    scenario = {
        "name": "reject", "horizon": "3h",
        "demand": [{"type": "t", "stream": "s", "arrivals": {"every": "1h"}}],
        "streams": {"s": {"value_at": "check", "steps": [
            {"name": "check", "activity": "design_and_transition",
             "gate": {"kind": "auto", "delay": "1min", "approve": 0.0}}]}},
    }
    items = simulate(load_scenario(scenario), replications=1).items
    assert items["outcome"].tolist() == ["rejected", "rejected"]
    assert items["time_to_value"].isna().all()
