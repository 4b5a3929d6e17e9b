"""Shared staff (``team: [a, b]`` on a work step): an item goes to the first team with a person free,
else to the shortest queue; each execution is recorded under the team that did it. Exact traces, the
offered load split, and bad input."""

from __future__ import annotations

import pytest

import simvalue
from simvalue.errors import SimvalueError
from simvalue.scenario.capacity import offered_loads


def _shared(teams, every="1h", horizon="3.5h", capacities=(1, 1)) -> dict:
    return {"name": "shared", "horizon": horizon, "drain": "2d", "seed": 1, "replications": 1,
            "allow_overload": True,
            "teams": {"a": {"capacity": capacities[0]}, "b": {"capacity": capacities[1]}},
            "demand": [{"type": "t", "stream": "s", "arrivals": {"every": every}}],
            "streams": {"s": {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": teams,
                                         "effort": "5h"}]}}}


def test_first_free_then_the_shortest_queue_and_each_team_recorded():
    # Arrivals at 1, 2, 3; 5 h of work each. 1 -> a (free): 1 -> 6. 2 -> b (a busy): 2 -> 7.
    # 3 -> nobody free, both queues empty for one person each: the first listed, a: 6 -> 11.
    results = simvalue.simulate(simvalue.load_scenario(_shared(["a", "b"])))
    events = results.events.sort_values("queued")
    assert events["team"].astype(str).tolist() == ["a", "b", "a"]
    assert events[["queued", "started", "finished"]].to_numpy().tolist() == [[1, 1, 6], [2, 2, 7], [3, 6, 11]]
    assert events["step"].astype(str).tolist() == ["fix"] * 3          # one step, whoever did it
    busy = results.teams.groupby("team", observed=True)["busy_hours"].sum()
    assert busy["a"] == pytest.approx(2.5) and busy["b"] == pytest.approx(1.5)   # window 0 -> 3.5


def test_the_order_listed_is_the_order_tried():
    events = simvalue.simulate(simvalue.load_scenario(_shared(["b", "a"]))).events.sort_values("queued")
    assert events["team"].astype(str).tolist() == ["b", "a", "b"]


def test_offered_load_splits_by_people_on_duty():
    scenario = simvalue.load_scenario(_shared(["a", "b"], every="2h", capacities=(1, 3)))
    loads = {load.name: load.offered for load in offered_loads(scenario)}
    # 0.5 items/h x 5 h = 2.5 Erlangs, a quarter to a (1 of 4 people), three quarters to b
    assert loads["a"] == pytest.approx(2.5 / 4) and loads["b"] == pytest.approx(2.5 * 3 / 4)


def test_a_single_team_step_is_unchanged():
    plain = simvalue.simulate(simvalue.load_scenario(_shared("a")))
    assert plain.events["team"].astype(str).tolist() == ["a", "a", "a"]


@pytest.mark.parametrize("teams, words", [(["a", "zz"], "unknown team 'zz'"), (["a", "a"], "listed twice"),
                                          (["a"], "at least 2")])
def test_bad_team_lists_name_the_field(teams, words):
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario(_shared(teams))
    assert words in str(caught.value) and "steps[fix].team" in str(caught.value), str(caught.value)


def test_escalation_on_a_shared_step_is_refused_not_ignored():
    data = _shared(["a", "b"])
    data["demand"][0]["priority"] = {"P1": 0.5, "P2": 0.5}
    data["streams"]["s"]["steps"][0]["escalate"] = {"after": "1h", "priority": "P1"}
    with pytest.raises(SimvalueError, match=r"steps\[fix\]\.escalate: escalation on a step several teams share"):
        simvalue.load_scenario(data)
