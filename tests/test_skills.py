"""People with several skills (``people`` / ``shared_with`` on a team): exact traces of who serves which
item when (own team first, then the longest queue or the highest priority), the time split per group,
the pooled offered-load bound, and bad input refused with its field path."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

import simvalue
from simvalue.cli import main
from simvalue.engine.flow import Replication
from simvalue.engine.plan import compile_plan
from simvalue.errors import SimvalueError
from simvalue.reports.text import group_table
from simvalue.scenario.capacity import offered_loads


def _step(name: str, team: str, effort: str) -> dict:
    return {"steps": [{"name": name, "activity": "deliver_and_support", "team": team, "effort": effort}]}


def _desk_and_network(network: dict, horizon: str = "6.5h") -> dict:
    """A desk of one (calls every hour, 4 h each) and network (faults every 2 h, 1 h each)."""
    return {"name": "skills", "horizon": horizon, "drain": "3d", "seed": 1, "replications": 1,
            "teams": {"desk": {"capacity": 1}, "network": network},
            "demand": [{"type": "call", "stream": "d", "arrivals": {"every": "1h"}},
                       {"type": "fault", "stream": "n", "arrivals": {"every": "2h"}}],
            "streams": {"d": _step("answer", "desk", "4h"), "n": _step("fix", "network", "1h")}}


def _load(data: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overloaded on purpose, unused teams: not what these tests check
        return simvalue.load_scenario(data)


def served(data: dict) -> list[tuple[str, str, float, float]]:
    """(group, team whose item it was, start, end) of every piece of work, in order of start then group."""
    plan = compile_plan(_load(data))
    steps, _ = Replication(plan, 0).run().arrays()
    rows = zip(steps["segment_group"], steps["segment_team"], steps["segment_start"], steps["segment_end"])
    return sorted(((plan.groups[int(g)].name, plan.teams[int(t)], float(s), float(e)) for g, t, s, e in rows),
                  key=lambda row: (row[2], row[0]))


def test_own_team_first_then_the_other_queue_exact_trace():
    # Calls c1..c6 at 1..6 h (4 h each); faults f1..f3 at 2, 4, 6 h (1 h each). The network engineer also
    # serves the desk's queue (shared_with 100% of 1 person).
    # t=1 c1: the desk's own person is free -> desk 1-5 (own team first, though the engineer is free too).
    # t=2 f1 -> engineer 2-3; c2: nobody free -> desk queue [c2].
    # t=3 engineer frees, own queue empty -> c2 3-7; c3 queues. t=4 f2, c4 queue: network [f2], desk [c3, c4].
    # t=5 desk person: c3 5-9. t=6 f3, c6: network [f2, f3], desk [c4, c5, c6].
    # t=7 engineer frees: own queue first although the desk's is longer -> f2 7-8, then f3 8-9.
    # t=9 desk person (its finish was scheduled first) takes c4 9-13; the engineer, own queue empty, c5 9-13.
    # t=13 desk person: c6 13-17.
    trace = served(_desk_and_network({"capacity": 1, "shared_with": {"desk": "100%"}}))
    assert trace == [("desk", "desk", 1, 5), ("network+desk", "network", 2, 3), ("network+desk", "desk", 3, 7),
                     ("desk", "desk", 5, 9), ("network+desk", "network", 7, 8), ("network+desk", "network", 8, 9),
                     ("desk", "desk", 9, 13), ("network+desk", "desk", 9, 13), ("desk", "desk", 13, 17)]


def test_without_skills_nobody_is_shared():
    # The same demand without people: the run has no groups and records no segments.
    data = _desk_and_network({"capacity": 1})
    assert served(data) == [] and compile_plan(_load(data)).groups == ()


def _helper(then: str) -> dict:
    """Teams a and b of one person each; team h's one person also serves a and b (``then`` between them).
    x (team a, P2): every 1 h, 10 h each; y (team b, P1): every 1.5 h, 10 h; z (team h): every 2 h, 3 h."""
    return {"name": "helper", "horizon": "4.5h", "drain": "10d", "seed": 1, "replications": 1,
            "teams": {"a": {"capacity": 1}, "b": {"capacity": 1},
                      "h": {"capacity": 1, "people": [{"name": "helper", "count": 1, "skills": ["a", "b"]}],
                            "serve": "own_first", "then": then}},
            "demand": [{"type": "x", "stream": "sa", "priority": "P2", "arrivals": {"every": "1h"}},
                       {"type": "y", "stream": "sb", "priority": "P1", "arrivals": {"every": "1.5h"}},
                       {"type": "z", "stream": "sh", "arrivals": {"every": "2h"}}],
            "streams": {"sa": _step("do_a", "a", "10h"), "sb": _step("do_b", "b", "10h"), "sh": _step("do_h", "h", "3h")}}


@pytest.mark.parametrize("then, chosen", [("longest_queue", "a"), ("highest_priority", "b")])
def test_the_tie_break_between_other_queues_exact_trace(then, chosen):
    # t=1 x1 -> a's person 1-11; t=1.5 y1 -> b's person 1.5-11.5; t=2 z1 -> helper 2-5, x2 queues at a.
    # t=3 y2 queues at b, x3 at a; t=4 z2 queues at h, x4 at a.
    # t=5 helper frees: own queue first (z2 5-8) though a's queue [x2, x3, x4] is longer.
    # t=8 helper frees, own queue empty: a holds 3 items (P2), b one (P1). The longest queue is a's (x2);
    # the highest priority is b's (y2). Either way 8-18.
    helper = [row for row in served(_helper(then)) if row[0] == "helper"]
    assert helper[:3] == [("helper", "h", 2, 5), ("helper", "h", 5, 8), ("helper", chosen, 8, 18)]


def test_serve_defaults_to_own_first_then_the_longest_queue():
    data = _helper("longest_queue")
    del data["teams"]["h"]["serve"], data["teams"]["h"]["then"]
    assert served(data) == served(_helper("longest_queue"))


def test_time_split_per_group_and_team_utilisation_is_its_own_people():
    # The first trace over the window 0-6.5 h: the engineer worked network 2-3 (1 h) and the desk 3-6.5
    # (3.5 h), idle 2 h of 6.5; the desk's person worked 1-6.5 (5.5 h).
    results = simvalue.simulate(_load(_desk_and_network({"capacity": 1, "shared_with": {"desk": "100%"}})))
    split = results.groups.set_index(["group", "served"])["hours"]
    assert split[("network+desk", "network")] == pytest.approx(1.0)
    assert split[("network+desk", "desk")] == pytest.approx(3.5)
    assert split[("network+desk", "idle")] == pytest.approx(2.0)
    assert split[("desk", "idle")] == pytest.approx(1.0)
    assert results.groups.groupby("group")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    busy = results.teams.set_index("team")["busy_hours"]
    assert busy["network"] == pytest.approx(4.5) and busy["desk"] == pytest.approx(5.5)  # own people's work
    text = group_table(results.groups)
    assert "network+desk" in text and "15% network, 54% desk, 31% idle" in text, text


def test_streamed_runs_give_the_same_time_split():
    data = _desk_and_network({"capacity": 1, "shared_with": {"desk": "100%"}}, horizon="200h")
    data["demand"][0]["arrivals"] = {"rate": "0.3/h"}  # 1.2 + 0.5 Erlangs on 2 people
    scenario = _load(data)
    full = simvalue.simulate(scenario, replications=2)
    summary = simvalue.simulate(scenario, replications=2, record="summary")
    assert summary.groups["hours"].to_numpy() == pytest.approx(full.groups["hours"].to_numpy())
    assert summary.teams["busy_hours"].to_numpy() == pytest.approx(full.teams["busy_hours"].to_numpy())


def test_shared_with_rounds_the_share_of_people_half_up():
    data = _desk_and_network({"capacity": 3, "shared_with": {"desk": "50%"}})
    groups = {(g.name, g.count) for g in compile_plan(_load(data)).groups}
    assert groups == {("desk", 1), ("network+desk", 2), ("network", 1)}  # 1.5 people -> 2


def test_offered_load_counts_helpers_and_the_pooled_bound():
    # desk: 1 call/h x 4 h = 4 Erlangs on 1 person; network: 0.5 faults/h x 1 h = 0.5 Erlang on 3 people,
    # 2 of whom also serve the desk. The desk's queue may use 1 + 2 = 3 people: 4/3, its tightest bound.
    # The network's own queue has 3 people for 0.5 Erlang, but the two teams together have 4.5 Erlangs on
    # 4 people: the pooled bound, 112.5%, is the tighter one for the network.
    data = _desk_and_network({"capacity": 3, "shared_with": {"desk": "50%"}})
    loads = {load.name: load for load in offered_loads(_load(data))}
    assert loads["desk"].utilisation == pytest.approx(4 / 3)
    assert "its people and the helpers who hold its skill" in loads["desk"].note
    assert loads["network"].utilisation == pytest.approx(4.5 / 4)
    assert "desk+network" in loads["network"].note or "network+desk" in loads["network"].note
    # Network lightly loaded, the desk helped by all three: 4 / (1 + 3) for the desk alone, (4 + 0.5) / 4
    # together; the network's own bound is its 0.5 Erlang against the whole pool's share.
    data["demand"][0]["arrivals"] = {"every": "2h"}   # 2 Erlangs on the desk
    loads = {load.name: load for load in offered_loads(_load(data))}
    assert loads["desk"].utilisation == pytest.approx(max(2 / 3, 2.5 / 4))


# -- bad input -------------------------------------------------------------------------------------------------
def _refused(network: dict, match: str, **top) -> None:
    data = _desk_and_network(network) | top
    with pytest.raises(SimvalueError, match=match):
        _load(data)


def test_unknown_team_in_skills_is_refused_with_its_path():
    _refused({"capacity": 2, "people": [{"name": "all", "count": 2, "skills": ["dsek"]}]},
             r"teams\.network\.people\[all\]\.skills: unknown team 'dsek'; did you mean 'desk'")


def test_own_team_in_skills_is_refused():
    _refused({"capacity": 2, "people": [{"name": "all", "count": 2, "skills": ["network"]}]},
             r"teams\.network\.people\[all\]\.skills: 'network' is this group's own team")
    _refused({"capacity": 2, "shared_with": {"network": "50%"}}, r"teams\.network\.shared_with: 'network' is")


def test_counts_that_do_not_add_up_to_capacity_are_refused():
    _refused({"capacity": 3, "people": [{"name": "helpers", "count": 2, "skills": ["desk"]}]},
             r"teams\.network\.people: the groups' counts add up to 2 people, but the team's capacity is 3")


def test_shares_are_checked():
    _refused({"capacity": 3, "shared_with": {"desk": "10%"}}, r"teams\.network\.shared_with\.desk: 10% of 3 people "
                                                              r"is less than one person")
    _refused({"capacity": 3, "shared_with": {"desk": "150%"}}, r"teams\.network\.shared_with\.desk: must be more "
                                                               r"than 0% and at most 100%")
    _refused({"capacity": 3, "shared_with": {"desk": "lots"}}, r"shared_with\.desk: expected a share such as 50%")


def test_people_and_shared_with_together_are_refused():
    _refused({"capacity": 1, "people": [{"name": "all", "count": 1, "skills": ["desk"]}],
              "shared_with": {"desk": "100%"}}, r"teams\.network\.shared_with: give either 'people'")


def test_a_rule_without_people_is_refused():
    _refused({"capacity": 1, "then": "highest_priority"}, r"teams\.network\.then: 'then' is the rule of people")
    _refused({"capacity": 1, "shared_with": {"desk": "100%"}, "then": "shortest"}, r"teams\.network\.then")


def test_fixed_groups_on_shifts_and_preemption_are_refused():
    # Working time is followed (tests/test_scheduled_skills.py); fixed counts on shifts and preemption are not.
    _refused({"shifts": [{"days": "mon-fri", "hours": "08:00-17:00", "capacity": 1}],
              "people": [{"name": "all", "count": 1, "skills": ["desk"]}]},
             r"teams\.network\.people: groups with fixed counts \('people'\) cannot go on a team with shifts.*"
             r"give 'shared_with")
    _refused({"capacity": 1, "shared_with": {"desk": "100%"}, "preempt": "resume"},
             r"teams\.network\.preempt: preemption on team 'network'")
    data = _desk_and_network({"capacity": 1, "shared_with": {"desk": "100%"}})
    data["teams"]["desk"]["preempt"] = "resume"
    with pytest.raises(SimvalueError, match=r"teams\.desk\.preempt: preemption on team 'desk' cannot go with people "
                                            r"who serve several teams' queues \(people of 'network'"):
        _load(data)


def test_a_change_over_time_to_a_pooled_team_is_refused():
    data = _desk_and_network({"capacity": 1, "shared_with": {"desk": "100%"}})
    data["changes"] = [{"at": "3h", "set": {"teams.desk.capacity": 2}}]
    with pytest.raises(SimvalueError, match=r"changes\[0\]\.set: a change over time may not edit a team"):
        _load(data)


def test_the_bundled_operations_centre_example_loads_and_shares_the_engineers():
    # The desk alone would be at 100% (5 Erlangs, 5 people); with two engineers who help it, the pooled
    # bound is 6.6 Erlangs on 8 people, and the engineers' time splits between the two queues.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: the pooled bound keeps it below 85%
        scenario = simvalue.load_scenario(Path(__file__).parent.parent / "scenarios" / "operations_centre.yaml")
    assert {load.name: round(load.utilisation, 3) for load in offered_loads(scenario)} == {
        "service_desk": 0.825, "network": 0.825}
    split = simvalue.simulate(scenario, replications=1).groups.set_index(["group", "served"])["share"]
    assert 0 < split[("network+service_desk", "service_desk")] < 1
    assert ("network", "service_desk") not in split.index   # the specialist serves only network
    assert split.groupby(level=0).sum().to_numpy() == pytest.approx([1.0, 1.0, 1.0])


def test_the_cli_refuses_a_bad_group_with_exit_2_file_and_field_path(tmp_path, capsys):
    path = tmp_path / "skills.yaml"
    path.write_text(yaml.safe_dump(_desk_and_network(
        {"capacity": 3, "people": [{"name": "helpers", "count": 2, "skills": ["desk"]}]}), sort_keys=False))
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"simvalue: error: {path}: teams.network.people: the groups' counts add up to 2 people, but the team's "
        "capacity is 3; list every person of the team in one group (a group without skills serves only its own "
        "team)\n")


def test_no_group_ever_works_more_items_at_once_than_it_has_people():
    # A busy Poisson run of the three-team helper scenario: sweep every group's segments in time order.
    data = _helper("highest_priority") | {"horizon": "300h", "drain": "300h"}
    for kind, rate, effort in (("x", "0.8/h", "exponential(mean=1h)"), ("y", "0.7/h", "exponential(mean=1h)"),
                               ("z", "0.5/h", "exponential(mean=1h)")):
        demand = next(d for d in data["demand"] if d["type"] == kind)
        demand["arrivals"] = {"rate": rate}
        data["streams"][demand["stream"]]["steps"][0]["effort"] = effort
    plan = compile_plan(_load(data))
    steps, items = Replication(plan, 0).run().arrays()
    assert len(steps["segment_group"]) == len(steps["item_id"]) > 500   # one segment per piece of team work
    for index, group in enumerate(plan.groups):
        mine = steps["segment_group"] == index
        moments = sorted([(s, 1) for s in steps["segment_start"][mine]] + [(e, -1) for e in steps["segment_end"][mine]])
        at_once, most = 0, 0
        for _, change in moments:   # an end before a start at the same instant: (t, -1) sorts first
            at_once += change
            most = max(most, at_once)
        assert most == group.count, (group.name, most)


def test_a_closing_rule_frees_the_helper_exact_trace():
    # Calls at 1, 2, 3 h (4 h each) closed 2.5 h after arrival; no faults arrive. t=1 c1 -> the desk's
    # person; t=2 c2 -> the engineer; t=3 c3 queues. t=3.5 c1 closes: its person takes c3 (3.5 h);
    # t=4.5 c2 closes: the engineer is free (nothing waits); t=5.5 c3 closes.
    data = _desk_and_network({"capacity": 1, "shared_with": {"desk": "100%"}}, horizon="3.5h")
    data["demand"][1]["arrivals"] = {"every": "100h"}
    data["streams"]["d"]["close_after"] = "2.5h"
    assert served(data) == [("desk", "desk", 1, 3.5), ("network+desk", "desk", 2, 4.5), ("desk", "desk", 3.5, 5.5)]


def test_run_writes_the_time_split_beside_the_teams(tmp_path, capsys):
    data = _desk_and_network({"capacity": 1, "shared_with": {"desk": "100%"}})
    path = tmp_path / "skills.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["run", str(path), "-r", "1", "--out", str(tmp_path / "out")]) == 0
    assert "time split of people with several skills" in capsys.readouterr().out
    groups = pd.read_parquet(tmp_path / "out" / "groups.parquet")
    assert set(groups["group"]) == {"desk", "network+desk"}
    data["teams"]["network"] = {"capacity": 1}   # the same folder, now without shared people: no stale file
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["run", str(path), "-r", "1", "--out", str(tmp_path / "out")]) == 0
    assert not (tmp_path / "out" / "groups.parquet").exists()


def test_a_change_over_time_that_starts_sharing_people_is_refused():
    data = _desk_and_network({"capacity": 2})
    data["changes"] = [{"at": "5h", "set": {"teams.desk.capacity": 2}},
                       {"at": "3h", "set": {"teams.network.shared_with": {"desk": "50%"}}}]
    with pytest.raises(SimvalueError, match=r"changes\[1\]\.set: a change over time may not .* nor share people"):
        _load(data)
