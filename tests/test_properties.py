"""Properties that hold for any scenario (hypothesis): time moves forward and adds up."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simvalue import load_scenario, simulate


@st.composite
def scenarios(draw) -> dict:
    capacity = draw(st.integers(1, 3))
    rework = draw(st.sampled_from([0.0, 0.1, 0.3]))
    gate = draw(st.sampled_from(["cab", "auto", "approver"]))
    gates = {"cab": {"kind": "cab", "meets": f"{draw(st.integers(5, 48))}h", "approve": 0.9, "on_reject": "do"},
             "auto": {"kind": "auto", "delay": "exponential(mean=10min)", "approve": 0.8, "on_reject": "drop"},
             "approver": {"kind": "approver", "team": "b", "effort": "uniform(min=5min, max=20min)",
                          "approve": 0.9, "on_reject": "do"}}
    share = draw(st.sampled_from([0.0, 0.5]))
    rate = draw(st.floats(0.05, 0.3)) * capacity
    return {
        "name": "property", "horizon": "200h", "warmup": f"{draw(st.integers(0, 20))}h", "drain": "2000h",
        "teams": {"a": {"capacity": capacity}, "b": {"capacity": 1}},
        "demand": [{"type": "x", "stream": "s", "arrivals": {"rate": f"{rate:.4f}/h"},
                    "priority": {"P1": 0.3, "P2": 0.7}}],
        "streams": {"s": {"value_at": draw(st.sampled_from(["do", "check", "close"])), "steps": [
            {"name": "do", "activity": "obtain_build", "team": "a", "effort": "gamma(mean=1h, cv=1)",
             "automation": {"share": share, "effort": "5min"}},
            {"name": "check", "activity": "design_and_transition", "gate": gates[gate]},
            {"name": "close", "activity": "deliver_and_support", "team": "b", "effort": "exponential(mean=20min)",
             "next": {"do": rework, "done": 1 - rework}},
        ]}},
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 2**31))
def test_time_flows_forward_and_adds_up(data, seed):
    results = simulate(load_scenario(data), replications=1, seed=seed)
    items, events = results.items, results.events
    assert (items["outcome"] != "in_flight").all()
    done = items[items["time_to_value"].notna()]
    # No item realises value before it arrives; completion never precedes value.
    assert (done["value_realized"] >= done["arrived"]).all()
    assert (done["completed"] >= done["value_realized"]).all()
    # Waiting and working add up to time-to-value.
    assert np.allclose(done["work_time"] + done["wait_time"], done["time_to_value"], rtol=1e-9, atol=1e-9)
    # Every step execution is queued, then started, then finished.
    assert (events["started"] >= events["queued"]).all() and (events["finished"] >= events["started"]).all()
    # Reworks count re-entries: executions minus distinct steps visited.
    per_item = events.groupby("item_id").agg(executions=("step", "size"), distinct=("step", "nunique"))
    reworks = items.set_index("item_id")["reworks"].loc[per_item.index]
    assert (reworks == per_item["executions"] - per_item["distinct"]).all()
    # A team never works on more items at once than its capacity.
    for team, frame in events.dropna(subset=["team"]).groupby("team", observed=True):
        capacity = data["teams"][team]["capacity"]
        changes = np.concatenate([np.c_[frame["started"], np.ones(len(frame))],
                                  np.c_[frame["finished"], -np.ones(len(frame))]])
        order = np.lexsort((changes[:, 1], changes[:, 0]))  # finishes before starts at equal times
        assert np.cumsum(changes[order, 1]).max() <= capacity
