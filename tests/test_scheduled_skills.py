"""People with several skills on teams with working time (engine/scheduled_skills.py): exact traces of a
network engineer on office hours who helps a desk on shifts (pause and finish at 17:00, a night arrival,
holidays), shares per shift, a 24/7 calendar that changes nothing, and a record check that no group ever
has more people busy than on duty."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import simvalue
from simvalue.engine.flow import Replication
from simvalue.engine.plan import compile_plan

NIGHTS = {"days": "mon-sun", "hours": "22:00-06:00", "capacity": 1}
DAYS = {"days": "mon-fri", "hours": "08:00-18:00", "capacity": 1}


def _step(team: str, effort: str) -> dict:
    return {"steps": [{"name": "answer", "activity": "deliver_and_support", "team": team, "effort": effort}]}


def _scenario(desk: dict, network: dict, every: str, effort: str, horizon: str, start: str = "2024-01-01 00:00",
              calls: int = 1, **top) -> dict:
    """A desk and a network team whose engineers help it; ``calls`` call types arriving together every ``every``."""
    return {"name": "scheduled skills", "start": start, "horizon": horizon, "drain": "1w", "seed": 1,
            "replications": 1, "teams": {"desk": desk, "network": network},
            "demand": [{"type": f"call{k}", "stream": "d", "arrivals": {"every": every}} for k in range(calls)],
            "streams": {"d": _step("desk", effort)}} | top


def _load(data: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unused teams, overload: not what these tests check
        return simvalue.load_scenario(data)


def served(data: dict) -> list[tuple[str, str, float, float]]:
    """(group, team whose item it was, start, end) of every piece of work, by start then group."""
    plan = compile_plan(_load(data))
    steps, _ = Replication(plan, 0).run().arrays()
    rows = zip(steps["segment_group"], steps["segment_team"], steps["segment_start"], steps["segment_end"])
    return sorted(((plan.groups[int(g)].name, plan.teams[int(t)], round(float(s), 9), round(float(e), 9))
                   for g, t, s, e in rows), key=lambda row: (row[2], row[0]))


def _engineer(rule: str = "pause", **extra) -> dict:
    return {"capacity": 1, "calendar": {"mon-fri": "08:00-17:00"}, "shared_with": {"desk": "100%"},
            "at_shift_end": rule} | extra


@pytest.mark.parametrize("rule", ["pause", "finish"])
def test_the_engineer_stops_helping_at_17(rule):
    # t = 0 is Monday 14:00; calls at 15:00 and 16:00 (t = 1, 2), 3 h each. The desk (one person on duty
    # around the clock, in two shifts) takes c1 1-4; the engineer helps with c2 from 2. At 17:00 (t = 3)
    # the engineer goes off duty: pause stops c2 (2 h left), which the desk's person resumes when free at
    # 4 (4-6); finish lets the engineer stay until 5 as overtime.
    desk = {"shifts": [{"days": "mon-sun", "hours": "08:00-20:00", "capacity": 1},
                       {"days": "mon-sun", "hours": "20:00-08:00", "capacity": 1}]}
    data = _scenario(desk, _engineer(rule), "1h", "3h", "2.5h", start="2024-01-01 14:00")
    expected = {"pause": [("desk", "desk", 1, 4), ("network+desk", "desk", 2, 3), ("desk", "desk", 4, 6)],
                "finish": [("desk", "desk", 1, 4), ("network+desk", "desk", 2, 5)]}[rule]
    assert served(data) == expected
    items = simvalue.simulate(_load(data)).items.sort_values("arrived")
    assert items["time_to_value"].tolist() == ([3.0, 4.0] if rule == "pause" else [3.0, 3.0])


def test_a_call_at_night_waits_for_the_desks_night_shift_not_for_the_engineer():
    # Monday 19:00 (t = 19): the day shift left at 18:00 and the engineer at 17:00; the night shift starts
    # at 22:00, not the engineer's morning at 08:00 (t = 32).
    data = _scenario({"shifts": [DAYS, NIGHTS]}, _engineer(), "19h", "1h", "20h")
    assert served(data) == [("desk", "desk", 22, 23)]


def test_a_paused_desk_call_goes_to_the_first_person_back():
    # Monday 03:00 (t = 3), 4 h: the night shift works it 3-6 and stops at 06:00 with 1 h left; at 08:00
    # the day shift and the engineer start together and the desk's own person resumes it (8-9).
    data = _scenario({"shifts": [DAYS, NIGHTS]}, _engineer(), "3h", "4h", "4h")
    assert served(data) == [("desk", "desk", 3, 6), ("desk", "desk", 8, 9)]


@pytest.mark.parametrize("where", ["none", "team", "top"])
def test_holidays_take_the_engineer_off_duty(where):
    # Two calls at once on Tuesday 09:00 (t = 33), 2 h each, desk on weekday days only. Normally the desk
    # and the engineer take one each; on the engineer's own holiday the second waits for the desk (35-37);
    # on a holiday for every team both wait until Wednesday 08:00 (t = 56).
    network = _engineer(**({"holidays": ["2024-01-02"]} if where == "team" else {}))
    top = {"holidays": ["2024-01-02"]} if where == "top" else {}
    data = _scenario({"shifts": [DAYS]}, network, "33h", "2h", "34h", calls=2, **top)
    assert served(data) == {"none": [("desk", "desk", 33, 35), ("network+desk", "desk", 33, 35)],
                            "team": [("desk", "desk", 33, 35), ("desk", "desk", 35, 37)],
                            "top": [("desk", "desk", 56, 58), ("network+desk", "desk", 56, 58)]}[where]


def test_a_share_on_shifts_counts_the_people_on_each_shift():
    # shared_with 50% on a desk of 3 by day and 1 by night: round-half-up(1.5) = 2 by day, round-half-up(0.5)
    # = 1 by night also serve network's queue; the rest (1 by day, 0 by night) only the desk's.
    desk = {"shifts": [{"days": "mon-sun", "hours": "08:00-20:00", "capacity": 3},
                       {"days": "mon-sun", "hours": "20:00-08:00", "capacity": 1}],
            "shared_with": {"network": "50%"}}
    data = _scenario(desk, {"capacity": 1}, "5h", "1h", "24h")
    data["demand"].append({"type": "fault", "stream": "n", "arrivals": {"every": "7h"}})
    data["streams"]["n"] = _step("network", "2h")
    plan = compile_plan(_load(data))
    counts = {g.name: (g.count, g.by_headcount) for g in plan.groups}
    assert counts == {"desk+network": (2, ((0, 0), (1, 1), (3, 2))), "desk": (1, ((0, 0), (1, 0), (3, 1))),
                      "network": (1, ())}
    groups = simvalue.simulate(_load(data)).groups
    on_duty = groups.groupby("group")["hours"].sum()  # served + idle: person-hours on duty in the 24 h
    assert on_duty.to_dict() == pytest.approx({"desk+network": 2 * 12 + 1 * 12, "desk": 12, "network": 24})


def test_a_round_the_clock_calendar_changes_nothing():
    # The bundled 24/7 pool, and the same with every team on a mon-sun 00:00-24:00 calendar (followed by
    # the scheduled pool): the same items, to the last digit, with the same seed.
    data = yaml.safe_load((Path(__file__).parent.parent / "scenarios" / "operations_centre.yaml").read_text())
    data |= {"horizon": "1w", "warmup": "1d", "replications": 2}
    timed = yaml.safe_load(yaml.safe_dump(data, sort_keys=False))
    for team in timed["teams"].values():
        team["calendar"] = {"mon-sun": "00:00-24:00"}
    plain, scheduled = (simvalue.simulate(_load(d)) for d in (data, timed))
    assert compile_plan(_load(timed)).groups[0].by_headcount  # the scheduled pool did run
    pd.testing.assert_frame_equal(plain.items, scheduled.items)
    pd.testing.assert_frame_equal(plain.groups, scheduled.groups)


def test_no_group_ever_has_more_people_busy_than_on_duty():
    # Poisson calls and faults, a desk on three shifts sharing 50% with network, engineers on office hours
    # helping the desk, a holiday: at every start of a piece of work and every change of headcount, the
    # pieces in progress of each group are at most its people on duty (pause rule: nobody works off duty).
    desk = {"shifts": [{"days": "mon-fri", "hours": "07:00-15:00", "capacity": 3},
                       {"days": "mon-fri", "hours": "15:00-23:00", "capacity": 2},
                       {"days": "sat-sun", "hours": "09:00-17:00", "capacity": 1}],
            "shared_with": {"network": "50%"}}
    network = {"capacity": 2, "calendar": {"mon-fri": "08:00-17:00"}, "shared_with": {"desk": "50%"}}
    data = _scenario(desk, network, "1h", "1h", "3w", holidays=["2024-01-03"])
    data["demand"] = [{"type": "call", "stream": "d", "arrivals": {"rate": "1.5/h"}},
                      {"type": "fault", "stream": "n", "arrivals": {"rate": "0.3/h"}}]
    data["streams"] = {"d": {"steps": [{"name": "answer", "activity": "deliver_and_support", "team": "desk",
                                        "effort": "exponential(mean=40min)"}]},
                       "n": {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "network",
                                        "effort": "exponential(mean=2h)"}]}}
    plan = compile_plan(_load(data))
    steps, _ = Replication(plan, 0).run().arrays()
    group, start, end = (steps[f"segment_{k}"] for k in ("group", "start", "end"))
    assert len(group) > 500
    for index, spec in enumerate(plan.groups):
        schedule = plan.schedules[spec.team]
        mine = group == index
        s, e = start[mine], end[mine]
        instants = np.concatenate([s, [t for t, _ in schedule.changes(0.0, float(e.max()))]])
        for t in instants:
            busy = int(np.count_nonzero((s <= t) & (t < e)))
            assert busy <= spec.people_at(schedule.headcount_at(float(t))), (spec.name, t)


def test_a_paused_item_closed_by_its_stream_is_not_resumed():
    # Monday 17:00 (t = 17), 2 h: the desk works it 17-18 and stops at 18:00 with 1 h left; the stream closes
    # it 3 h after arrival (20:00), while paused: nobody resumes it at 08:00.
    data = _scenario({"shifts": [DAYS]}, _engineer(), "17h", "2h", "18h")
    data["streams"]["d"]["close_after"] = "3h"
    assert served(data) == [("desk", "desk", 17, 18)]
    items = simvalue.simulate(_load(data)).items
    assert items["completed"].tolist() == [20.0] and items["work_time"].tolist() == [1.0]  # closing: done at 20
