"""Escalation on a work step (``escalate: {after, priority}``): an item waiting too long in the queue
is raised to a higher priority and moves up the queue. Exact traces on a hand-computable case."""

from __future__ import annotations

import pytest

import simvalue
from simvalue.errors import SimvalueError


def _desk(escalate: dict | None) -> dict:
    step = {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "5h"}
    if escalate is not None:
        step["escalate"] = escalate
    return {"name": "escalation", "horizon": "2.6h", "drain": "2d", "seed": 1, "replications": 1,
            "allow_overload": True, "teams": {"desk": {"capacity": 1}},
            "demand": [{"type": "low", "stream": "s", "priority": "P3", "arrivals": {"every": "1h"}},
                       {"type": "mid", "stream": "s", "priority": "P2", "arrivals": {"every": "2.5h"}},
                       {"type": "top", "stream": "s", "priority": "P1", "arrivals": {"every": "100h"}}],
            "streams": {"s": {"steps": [step]}}}


def _finishes(data: dict) -> dict[tuple[str, float], float]:
    items = simvalue.simulate(simvalue.load_scenario(data)).items
    return {(row.type, row.arrived): row.completed for row in items.itertuples()}


def test_without_escalation_the_higher_priority_goes_first():
    # One person, 5 h each. A (P3) arrives at 1 and works 1 -> 6; B (P3) queues at 2; C (P2) at 2.5.
    # At 6 the P2 goes first (6 -> 11), then B (11 -> 16).
    assert _finishes(_desk(None)) == {("low", 1.0): 6.0, ("low", 2.0): 16.0, ("mid", 2.5): 11.0}


def test_an_item_waiting_past_the_limit_is_raised_and_moves_up():
    # After 2 h in the queue B (at 4) and C (at 4.5) are raised to P1; both P1 now, B joined first: it
    # goes at 6 (-> 11), C at 11 (-> 16). A, started at once, is never escalated.
    results = simvalue.simulate(simvalue.load_scenario(_desk({"after": "2h", "priority": "P1"})))
    finishes = {(row.type, row.arrived): row.completed for row in results.items.itertuples()}
    assert finishes == {("low", 1.0): 6.0, ("low", 2.0): 11.0, ("mid", 2.5): 16.0}
    priorities = results.items.set_index("arrived")["priority"].astype(str).to_dict()
    assert priorities == {1.0: "P3", 2.0: "P1", 2.5: "P1"}   # the raised priority is kept


def test_an_item_started_before_the_limit_is_not_escalated():
    assert _finishes(_desk({"after": "10h", "priority": "P1"})) == _finishes(_desk(None))


@pytest.mark.parametrize("escalate, words, path", [
    ({"after": "2h", "priority": "P9"}, "unknown priority", "steps[fix].escalate.priority"),
    ({"after": "0h", "priority": "P1"}, "", "escalate.after"),
    ({"priority": "P1"}, "", "escalate.after"),
])
def test_bad_escalation_names_the_field(escalate, words, path):
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario(_desk(escalate))
    assert words in str(caught.value) and path in str(caught.value), str(caught.value)


def test_escalation_is_for_work_steps():
    data = _desk(None)
    data["streams"]["s"]["steps"] = [{"name": "wait", "activity": "engage", "escalate": {"after": "1h", "priority": "P1"},
                                      "wait": {"delay": "1h", "reason": "customer"}}]
    with pytest.raises(SimvalueError, match="takes no escalate"):
        simvalue.load_scenario(data)


def test_waiting_work_moves_to_another_team_and_is_recorded_there():
    # One person on the desk, one on tier2. A (1 h) works 1 -> 6 on the desk; B queues at 2 and after
    # 2 h in the queue (at 4) moves to tier2: 4 -> 9, recorded under tier2. C (2.5) moves at 4.5 but
    # tier2 is busy: it waits there until 9 (-> 14). Without escalation B would start at 6.
    data = _desk({"after": "2h", "team": "tier2"})
    data["teams"]["tier2"] = {"capacity": 1}
    results = simvalue.simulate(simvalue.load_scenario(data))
    events = results.events.sort_values("queued")
    assert events["team"].astype(str).tolist() == ["desk", "tier2", "tier2"]
    assert events[["queued", "started", "finished"]].to_numpy().tolist() == [[1, 1, 6], [2, 4, 9], [2.5, 9, 14]]
    assert events["step"].astype(str).tolist() == ["fix"] * 3
    busy = results.teams.groupby("team", observed=True)["busy_hours"].sum()
    assert busy["desk"] == pytest.approx(1.6) and busy["tier2"] == 0.0     # window 0 -> 2.6 h


def test_escalation_needs_one_target_and_a_known_team():
    for escalate, words in (({"after": "1h", "team": "nobody"}, "unknown team 'nobody'"),
                            ({"after": "1h", "team": "desk", "priority": "P1"}, "not both")):
        with pytest.raises(SimvalueError, match=words):
            simvalue.load_scenario(_desk(escalate))
