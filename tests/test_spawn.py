"""Linked records (``spawn``, issue 12): exact traces, random numbers of their own, the spawn share
within a binomial bound, the load they add by hand, chains, and errors that name the field."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pandas as pd
import pytest

from simvalue import load_scenario, simulate
from simvalue.cli import main
from simvalue.errors import ScenarioError
from simvalue.eventlog.write import event_log
from simvalue.scenario.capacity import demand_flows, offered_loads
from simvalue.scenario.model import Scenario
from simvalue.scenario.workload import workload

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
NEVER = {"every": "1000h"}  # a type that only arises by spawn within a 25 h horizon


def linked(**extra) -> dict:
    """A problem every 10 h (at 10 h and 20 h): diagnosed (2 h) it raises a change (assess 3 h, deploy
    1 h), whose deployment raises an incident that waits 2 h on a vendor."""
    scenario = {
        "name": "linked", "horizon": "25h", "replications": 1, "seed": 5,
        "teams": {"analysts": {"capacity": 1}, "platform": {"capacity": 1}},
        "demand": [{"type": "problem", "stream": "problem", "arrivals": {"every": "10h"}},
                   {"type": "change", "stream": "change", "arrivals": NEVER},
                   {"type": "incident", "stream": "incident", "arrivals": NEVER}],
        "streams": {
            "problem": {"steps": [
                {"name": "diagnose", "activity": "improve", "team": "analysts", "effort": "2h",
                 "spawn": {"type": "change"}},
                {"name": "close", "activity": "improve", "team": "analysts", "effort": "1h"}]},
            "change": {"steps": [
                {"name": "assess", "activity": "plan", "team": "platform", "effort": "3h"},
                {"name": "deploy", "activity": "design_and_transition", "team": "platform", "effort": "1h",
                 "spawn": [{"type": "incident", "p": 1.0}]}]},
            "incident": {"steps": [
                {"name": "vendor", "activity": "deliver_and_support", "wait": {"delay": "2h", "reason": "vendor"}}]},
        },
    }
    scenario.update(extra)
    return scenario


def test_a_child_arrives_when_its_parents_step_completes_and_names_its_parent():
    results = simulate(linked())
    items = results.items
    assert items["item_id"].tolist() == [0, 1, 2, 3, 4, 5]
    assert items["type"].astype(str).tolist() == ["problem", "change", "incident"] * 2
    assert items["parent_id"].tolist() == [pd.NA, 0, 1, pd.NA, 3, 4]
    # Diagnosis ends at 12 h and 22 h; deployment at 16 h and 26 h; the vendor replies 2 h later.
    assert items["arrived"].tolist() == [10.0, 12.0, 16.0, 20.0, 22.0, 26.0]
    assert items["value_realized"].tolist() == [13.0, 16.0, 18.0, 23.0, 26.0, 28.0]
    events = results.events[results.events["item_id"] == 1]
    assert events[["step", "queued", "started", "finished"]].values.tolist() == [
        ["assess", 12.0, 12.0, 15.0], ["deploy", 15.0, 15.0, 16.0]]
    chains = results.chains()
    assert chains[["root_id", "descendants", "arrived", "value_realized", "time_to_value"]].values.tolist() == [
        [0, 2, 10.0, 18.0, 8.0], [3, 2, 20.0, 28.0, 8.0]]
    assert chains["type"].astype(str).tolist() == ["problem", "problem"]
    summary = results.chain_summary().set_index("metric")
    assert summary.loc["chains", "estimate"] == 2 and summary.loc["time_to_value_mean", "estimate"] == 8.0
    log = event_log(results)
    assert set(log.loc[log["case:concept:name"] == "r0-2", "case:parent"]) == {"r0-1"}
    assert log.loc[log["case:concept:name"] == "r0-0", "case:parent"].isna().all()


def test_a_gate_raises_when_it_decides_rejected_or_not():
    scenario = linked()
    scenario["streams"]["problem"]["steps"] = [
        {"name": "review", "activity": "plan", "gate": {"kind": "approver", "team": "analysts", "effort": "30min",
                                                        "approve": 0.0}, "spawn": {"type": "incident"}}]
    items = simulate(scenario).items
    problems, incidents = items[items["type"] == "problem"], items[items["type"] == "incident"]
    assert problems["outcome"].astype(str).tolist() == ["rejected", "rejected"]
    assert incidents["arrived"].tolist() == [10.5, 20.5]
    assert incidents["parent_id"].tolist() == problems["item_id"].tolist()


def test_items_without_a_spawn_draw_the_same_numbers():
    """Children work on their own team: with p = 0.5 the problems' results are those without spawn, and
    the changes that arrived on their own keep their efforts (children draw from keys of their own)."""
    def random_links(p: float | None) -> dict:
        scenario = linked(horizon="400h", replications=2)
        scenario["demand"][0]["arrivals"] = {"rate": "0.3/h"}
        scenario["demand"][1]["arrivals"] = {"rate": "0.1/h"}
        scenario["teams"]["analysts"]["capacity"] = 2
        scenario["teams"]["platform"]["capacity"] = 3
        diagnose = scenario["streams"]["problem"]["steps"][0]
        diagnose.update(effort="exponential(mean=2h)", next={"diagnose": 0.2, "close": 0.8})
        scenario["streams"]["change"]["steps"][0]["effort"] = "gamma(mean=3h, cv=0.7)"
        if p is None:
            del diagnose["spawn"]
        else:
            diagnose["spawn"] = {"type": "change", "p": p}
        return scenario

    plain, never, half = (simulate(random_links(p)) for p in (None, 0.0, 0.5))
    pd.testing.assert_frame_equal(plain.items, never.items)
    pd.testing.assert_frame_equal(plain.events, never.events)
    problems = [r.items[r.items["type"] == "problem"].drop(columns=["item_id"]).reset_index(drop=True)
                for r in (plain, half)]
    pd.testing.assert_frame_equal(*problems)
    assert half.items["parent_id"].notna().sum() > 50

    def own_assessments(results) -> list[float]:
        own = results.items[(results.items["type"] == "change") & results.items["parent_id"].isna()]
        events = results.events.merge(own[["replication", "item_id", "arrived"]], on=["replication", "item_id"])
        return events[events["step"] == "assess"].sort_values(["replication", "arrived"])["work"].tolist()

    assert own_assessments(plain) == own_assessments(half)


def test_the_spawn_share_is_within_a_binomial_bound_and_inherit_keeps_the_priority():
    scenario = linked(horizon="300h", replications=1, seed=9)
    scenario["demand"][0].update(arrivals={"rate": "8/h"}, priority={"P1": 0.5, "P2": 0.5})
    scenario["demand"][1]["priority"] = {"P1": 0.5, "P2": 0.5}
    scenario["teams"]["analysts"]["capacity"] = 30
    scenario["teams"]["platform"]["capacity"] = 60
    diagnose = scenario["streams"]["problem"]["steps"][0]
    diagnose.update(effort="exponential(mean=2h)", spawn={"type": "change", "p": 0.3, "count": 2,
                                                          "priority": "inherit"})
    scenario["streams"]["change"]["steps"][1].pop("spawn")
    items = simulate(scenario).items
    problems = items[items["type"] == "problem"]
    children = items[items["parent_id"].notna()]
    raised = children.groupby("parent_id").size()
    assert set(raised) == {2}
    n, share = len(problems), len(raised) / len(problems)
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / n), (share, n)
    parents = problems.set_index("item_id")["priority"].astype(str)
    assert children["priority"].astype(str).tolist() == parents.loc[children["parent_id"].astype(int)].tolist()


def by_hand(**extra) -> dict:
    """Problems at 1/h pass diagnosis twice on average (a 50% redo) and raise 2 changes with p = 0.4 per
    pass; changes also arrive at 0.5/h and raise an incident with p = 0.5; incidents arrive at 0.1/h."""
    scenario = {
        "name": "by hand", "horizon": "100h", "replications": 1,
        "teams": {"analysts": {"capacity": 3}, "platform": {"capacity": 5}, "desk": {"capacity": 2}},
        "demand": [{"type": "problem", "stream": "problem", "arrivals": {"rate": "1/h"}},
                   {"type": "change", "stream": "change", "arrivals": {"rate": "0.5/h"}},
                   {"type": "incident", "stream": "incident", "arrivals": {"rate": "0.1/h"}}],
        "streams": {
            "problem": {"steps": [{"name": "diagnose", "activity": "improve", "team": "analysts", "effort": "1h",
                                   "next": {"diagnose": 0.5, "done": 0.5},
                                   "spawn": {"type": "change", "p": 0.4, "count": 2}}]},
            "change": {"steps": [{"name": "deploy", "activity": "design_and_transition", "team": "platform",
                                  "effort": "2h", "spawn": {"type": "incident", "p": 0.5}}]},
            "incident": {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                    "effort": "1h"}]},
        },
    }
    scenario.update(extra)
    return scenario


def test_offered_load_and_work_budget_count_spawned_items_by_hand():
    scenario = load_scenario(by_hand())
    rates = {f.demand.type: f.rate for f in demand_flows(scenario)}
    # change: 0.5 + 1 x 2 visits x 0.4 x 2 = 2.1/h; incident: 0.1 + 2.1 x 0.5 = 1.15/h.
    assert rates == pytest.approx({"problem": 1.0, "change": 2.1, "incident": 1.15})
    loads = {load.name: load.offered for load in offered_loads(scenario)}
    assert loads == pytest.approx({"analysts": 2.0, "platform": 4.2, "desk": 1.15})
    plain = by_hand()
    for stream in plain["streams"].values():
        stream["steps"][0].pop("spawn", None)
    # 100 h of arrivals: 160 + 105 spawned items more, each one execution.
    extra = workload(scenario).items - workload(load_scenario(plain)).items
    assert extra == pytest.approx(100 * (1.6 + 1.05))
    # The spawned work overloads 4 platform people (offered 4.2): a warning naming the team, and it still loads.
    with pytest.warns(Warning, match=r"teams\.platform\.capacity: team 'platform' is overloaded"):
        load_scenario(by_hand(teams={"analysts": {"capacity": 3}, "platform": {"capacity": 4},
                                     "desk": {"capacity": 2}}))


def spawn_error(entry, stream: str = "problem") -> dict:
    scenario = copy.deepcopy(by_hand())
    scenario["demand"][1]["priority"] = {"P1": 0.2, "P2": 0.8}
    scenario["streams"][stream]["steps"][0]["spawn"] = entry
    return scenario


@pytest.mark.parametrize("entry, match", [
    ({"type": "chnage"}, r"problem\.steps\[diagnose\]\.spawn\.type: unknown demand type 'chnage'; did you mean "
                         r"'change'"),
    ({"type": "change", "p": 1.3}, r"steps\[diagnose\]\.spawn\.p: input should be less than or equal to 1, got 1\.3"),
    ([{"type": "incident"}, {"type": "change", "count": 0}],
     r"steps\[diagnose\]\.spawn\[change\]\.count: input should be greater than or equal to 1, got 0"),
    ({"type": "change", "priority": "P7"}, r"steps\[diagnose\]\.spawn\.priority: unknown priority of change 'P7'"),
    ({"type": "incident", "priority": "inherit"},
     r"steps\[diagnose\]\.spawn\.priority: items of type 'incident' carry no priority"),
    ({"type": "change", "colour": "red"}, r"steps\[diagnose\]\.spawn\.colour: unknown field"),
])
def test_bad_spawn_entries_are_refused_naming_the_field(entry, match):
    with pytest.raises(ScenarioError, match=match):
        load_scenario(spawn_error(entry))


def test_spawning_that_never_ends_is_refused_naming_the_loop():
    # A change raises a problem with p = 0.7: per problem 1.6 changes, each 0.7 problems: 1.12 per round
    # trip, a spectral radius of sqrt(1.12) = 1.06 per generation.
    scenario = spawn_error([{"type": "incident", "p": 0.5}, {"type": "problem", "p": 0.7}], stream="change")
    with pytest.raises(ScenarioError, match=r"problem\.steps\[diagnose\]\.spawn: spawned items would never "
                                            r"stop coming: along problem -> change -> problem each generation of "
                                            r"items raised is 1\.06 times"):
        load_scenario(scenario)
    scenario["streams"]["change"]["steps"][0]["spawn"][1]["p"] = 0.6  # 0.96 per round trip: it ends
    # problem = 1 + 0.6 change, change = 0.5 + 1.6 problem: problem = 1.3 / (1 - 0.96) (the load is refused).
    flows = demand_flows(Scenario.model_validate(scenario))
    assert {f.demand.type: f.rate for f in flows}["problem"] == pytest.approx(1.3 / 0.04)


def test_same_seed_same_results_and_run_prints_the_chains(capsys):
    first, second = simulate(SCENARIOS / "problem_to_change.yaml", replications=2), \
        simulate(SCENARIOS / "problem_to_change.yaml", replications=2)
    pd.testing.assert_frame_equal(first.items, second.items)
    pd.testing.assert_frame_equal(first.chains(), second.chains())
    chains = first.chains()
    assert (chains["time_to_value"] >= 0).all() and (chains["descendants"] == 1).all()
    assert main(["run", str(SCENARIOS / "problem_to_change.yaml"), "-r", "2"]) == 0
    out = capsys.readouterr().out
    assert "chains of linked records" in out and "problem" in out.split("chains of linked records")[1]
