"""Routing and effort by priority (``{by: priority, P1: ..., other: ...}``): a P1 handled differently all
the way through, in exact traces, in routing shares, in the offered load and in bad input."""

from __future__ import annotations

import math

import pytest

import simvalue
from simvalue.errors import SimvalueError
from simvalue.scenario.capacity import offered_loads, stream_visits


def _desk(priority, next_table=None, effort=None, **extra) -> dict:
    triage = {"name": "triage", "activity": "engage", "team": "desk", "effort": effort or "1h",
              "next": next_table or {"resolve": 1.0}}
    return {"name": "by priority", "horizon": extra.pop("horizon", "2.5h"), "seed": 5, "replications": 1,
            "drain": "1w", "allow_overload": True, **extra,
            "teams": {"desk": {"capacity": 5}, "major": {"capacity": 5}},
            "demand": [{"type": "incident", "stream": "s", "priority": priority, "arrivals": {"every": "1h"}}],
            "streams": {"s": {"steps": [
                triage,
                {"name": "resolve", "activity": "deliver_and_support", "team": "desk", "effort": "2h",
                 "next": {"done": 1.0}},
                {"name": "major_incident", "activity": "deliver_and_support", "team": "major", "effort": "30min"}]}}}


TABLE = {"by": "priority", "P1": {"major_incident": 1.0}, "other": {"resolve": 1.0}}
EFFORT = {"by": "priority", "P1": "10min", "other": "1h"}


@pytest.mark.parametrize("priority, path, ttv", [({"P1": 1.0, "P2": 0.0}, ["triage", "major_incident"], 10 / 60 + 0.5),
                                                 ({"P1": 0.0, "P2": 1.0}, ["triage", "resolve"], 3.0)])
def test_a_p1_takes_its_own_path_with_its_own_effort(priority, path, ttv):
    # Arrivals at 1 h and 2 h; nobody queues (5 people). P1: triage 10 min, then the major-incident path
    # (30 min); P2 (other): triage 1 h, then resolve (2 h).
    results = simvalue.simulate(simvalue.load_scenario(_desk(priority, TABLE, EFFORT)))
    first = results.events[results.events["item_id"] == 0]
    assert first["step"].astype(str).tolist() == path
    assert results.items["time_to_value"].tolist() == pytest.approx([ttv, ttv])


def test_items_without_priority_take_other():
    data = _desk("P1", TABLE, EFFORT)
    data["demand"].append({"type": "request", "stream": "s", "arrivals": {"every": "1h"}})   # no priority
    events = simvalue.simulate(simvalue.load_scenario(data)).events
    for item_type, path in (("incident", ["triage", "major_incident"]), ("request", ["triage", "resolve"])):
        first = events[(events["type"] == item_type)]
        first = first[first["item_id"] == first["item_id"].min()]
        assert first["step"].astype(str).tolist() == path, item_type


def test_routing_shares_follow_each_priority_and_the_load_their_mix():
    mix = {"P1": 0.2, "P2": 0.8}
    table = {"by": "priority", "P1": {"major_incident": 0.9, "resolve": 0.1}, "other": {"resolve": 1.0}}
    data = _desk(mix, table, EFFORT, horizon="2000h")
    data["demand"][0]["arrivals"] = {"rate": "2/h"}
    scenario = simvalue.load_scenario(data)
    # Offered load: desk = 2/h x (0.2 x (10 min + 0.1 x 2 h) + 0.8 x (1 h + 2 h)), major = 2/h x 0.2 x 0.9 x 30 min
    loads = {load.name: load.offered for load in offered_loads(scenario)}
    assert loads["desk"] == pytest.approx(2 * (0.2 * (1 / 6 + 0.2) + 0.8 * 3.0))
    assert loads["major"] == pytest.approx(2 * 0.2 * 0.9 * 0.5)
    assert stream_visits(scenario, "s").tolist() == pytest.approx([1.0, 0.2 * 0.1 + 0.8, 0.2 * 0.9])
    events = simvalue.simulate(scenario).events
    items = simvalue.simulate(scenario).items.set_index("item_id")["priority"].astype(str)
    after = events[events["step"] != "triage"].assign(priority=lambda e: e["item_id"].map(items))
    p1 = after[after["priority"] == "P1"]
    share = float((p1["step"] == "major_incident").mean())
    # Binomial share of n P1 items: within 4 standard errors of 0.9.
    assert abs(share - 0.9) <= 4 * math.sqrt(0.9 * 0.1 / len(p1))
    assert set(after.loc[after["priority"] == "P2", "step"].astype(str)) == {"resolve"}


@pytest.mark.parametrize("table, words, path", [
    ({"by": "priority", "P9": {"resolve": 1.0}, "other": {"resolve": 1.0}}, "unknown priority", "next.P9"),
    ({"by": "priority", "P1": {"resolve": 1.0}}, "no entry for P2", "steps[triage].next"),
    ({"by": "priority", "P1": {"nowhere": 1.0}, "other": {"resolve": 1.0}}, "unknown step", "next.P1.nowhere"),
    ({"by": "priority", "P1": {"resolve": 0.5}, "other": {"resolve": 1.0}}, "must sum to 1", "next"),
    ({"by": "severity", "other": {"resolve": 1.0}}, "priority", "next"),
])
def test_bad_tables_name_the_field(table, words, path):
    data = _desk({"P1": 0.5, "P2": 0.5}, table)
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario(data)
    assert words in str(caught.value) and path in str(caught.value), str(caught.value)


def test_a_stream_without_tables_is_unchanged():
    plain, tabled = _desk("P2"), _desk("P2", {"by": "priority", "other": {"resolve": 1.0}},
                                        {"by": "priority", "other": "1h"})
    a, b = simvalue.simulate(simvalue.load_scenario(plain)), simvalue.simulate(simvalue.load_scenario(tabled))
    assert a.items["time_to_value"].tolist() == b.items["time_to_value"].tolist()


def _gated(approve) -> dict:
    data = _desk({"P1": 0.5, "P2": 0.5}, horizon="400h")
    data["demand"][0]["arrivals"] = {"rate": "1/h"}
    data["streams"]["s"]["steps"].insert(1, {"name": "check", "activity": "design_and_transition",
                                             "gate": {"kind": "auto", "delay": "0h", "approve": approve,
                                                      "on_reject": "triage"}})
    data["streams"]["s"]["steps"][0]["next"] = {"check": 1.0}
    return data


def test_a_gate_decides_by_priority_and_the_rework_it_causes_is_counted():
    # P1s always pass; other items pass half the time and go back to triage: 2 triage visits each.
    approve = {"by": "priority", "P1": 1.0, "other": 0.5}
    scenario = simvalue.load_scenario(_gated(approve))
    assert stream_visits(scenario, "s")[0] == pytest.approx(0.5 * 1 + 0.5 * 2)
    results = simvalue.simulate(scenario)
    decisions = results.events[results.events["step"] == "check"]
    priority = results.items.set_index("item_id")["priority"].astype(str)
    outcome = decisions.assign(priority=decisions["item_id"].map(priority))
    p1 = outcome[outcome["priority"] == "P1"]["outcome"].astype(str)
    p2 = outcome[outcome["priority"] == "P2"]["outcome"].astype(str)
    assert set(p1) == {"approved"}
    share = float((p2 == "approved").mean())
    assert abs(share - 0.5) <= 4 * math.sqrt(0.25 / len(p2))


def test_a_gate_table_names_known_priorities():
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario(_gated({"by": "priority", "P7": 1.0, "other": 0.5}))
    assert "steps[check].gate.approve.P7" in str(caught.value)


def test_a_wait_lasts_by_priority():
    # A vendor answers a P1 in 1 h and anything else in 5 h; arrivals at 1 h and 2 h.
    data = _desk({"P1": 1.0, "P2": 0.0})
    data["streams"]["s"]["steps"] = [{"name": "vendor", "activity": "obtain_build",
                                      "wait": {"delay": {"by": "priority", "P1": "1h", "other": "5h"},
                                               "reason": "vendor"}}]
    assert simvalue.simulate(simvalue.load_scenario(data)).items["time_to_value"].tolist() == [1.0, 1.0]
    data["demand"][0]["priority"] = {"P1": 0.0, "P2": 1.0}
    assert simvalue.simulate(simvalue.load_scenario(data)).items["time_to_value"].tolist() == [5.0, 5.0]
    data["streams"]["s"]["steps"][0]["wait"]["delay"] = {"by": "priority", "P5": "1h", "other": "5h"}
    with pytest.raises(SimvalueError, match=r"steps\[vendor\]\.wait\.delay\.P5"):
        simvalue.load_scenario(data)


def test_the_summary_splits_by_priority():
    data = _desk({"P1": 0.5, "P2": 0.5}, TABLE, EFFORT, horizon="200h")
    results = simvalue.simulate(simvalue.load_scenario(data))
    summary = results.summary(by="priority")
    assert list(summary.columns) == ["type", "priority", "metric", "estimate", "ci_low", "ci_high"]
    ttv = summary[summary["metric"] == "time_to_value_mean"].set_index("priority")["estimate"]
    # One replication, nobody queues: P1 = 10 min + 30 min, P2 = 1 h + 2 h exactly.
    assert ttv["P1"] == pytest.approx(10 / 60 + 0.5) and ttv["P2"] == pytest.approx(3.0)
    completed = summary[summary["metric"] == "completed"]["estimate"].sum()
    assert completed == summary_total(results)
    with pytest.raises(SimvalueError, match="by must be a column of items"):
        results.summary(by="arrived")


def summary_total(results) -> float:
    whole = results.summary()
    return float(whole[whole["metric"] == "completed"]["estimate"].sum())
