"""Abandonment (``patience``, ``on_abandon``): exact traces on hand-computable desks (fixed arrivals,
efforts and patience), the tie rule, ring-backs, the SLA's two ways of counting the abandoned, the
random-number streams, the refusals, and a simulation against Erlang A (M/M/c+M)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simvalue
from simvalue import theory
from simvalue.errors import SimvalueError
from simvalue.results.stats import t_interval


def _desk(patience="1.5h", on_abandon=None, every="1h", effort="3h", horizon="2.5h", by_type=None) -> dict:
    step = {"name": "answer", "activity": "deliver_and_support", "team": "desk", "effort": effort}
    if patience is not None:
        step["patience"] = patience
    if on_abandon is not None:
        step["on_abandon"] = on_abandon
    return {"name": "desk", "horizon": horizon, "drain": "20d", "seed": 1, "replications": 1,
            "teams": {"desk": {"capacity": 1}},
            "demand": [{"type": "call", "stream": "s", "arrivals": {"every": every}, **(by_type or {})}],
            "streams": {"s": {"steps": [step]}}}


def _run(data: dict, record: str = "full") -> simvalue.Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the desks here are overloaded on purpose
        return simvalue.simulate(simvalue.load_scenario(data), record=record)


def _trace(results) -> list[tuple]:
    events = results.events.sort_values(["queued", "item_id"])
    return [(int(r.item_id), r.queued, r.started, r.finished, str(r.outcome)) for r in events.itertuples()]


def test_a_caller_past_their_patience_leaves_abandoned():
    # One person, 3 h each, callers at 1, 2, 3, 4 with 1.5 h of patience. 1 is served 1 -> 4; 2 gives up at
    # 3.5; 3 (patient until 4.5) is served when the person frees at 4 (-> 7); 4 gives up at 5.5.
    results = _run(_desk(horizon="4.5h"))
    assert _trace(results) == [(0, 1, 1, 4, "completed"), (1, 2, 3.5, 3.5, "abandoned"),
                               (2, 3, 4, 7, "completed"), (3, 4, 5.5, 5.5, "abandoned")]
    items = results.items.set_index("item_id")
    assert items["outcome"].astype(str).tolist() == ["done", "abandoned", "done", "abandoned"]
    assert items.loc[1, "completed"] == 3.5 and np.isnan(items.loc[1, "time_to_value"])
    assert items.loc[1, "wait_time"] == 1.5


def test_patience_running_out_as_a_person_frees_up_is_served():
    # Tie rule: caller 2 arrives at 2 with 2 h of patience; the person frees at 4, the instant it runs out:
    # served (patience comes after every other event of that instant).
    assert _trace(_run(_desk("2h")))[1] == (1, 2, 4, 7, "completed")
    assert _trace(_run(_desk("1.999h")))[1] == (1, 2, 3.999, 3.999, "abandoned")


def test_a_caller_who_gives_up_rings_back_and_queues_again():
    # Caller 2 gives up at 3.5, rings back 1 h later (retry 1) and is served at once (4.5 -> 7.5). The time
    # before ringing back counts as waiting in the step: wait 2.5 = 1.5 in the queue + 1 off the line.
    results = _run(_desk(on_abandon={"retry": 1.0, "after": "1h"}))
    assert _trace(results) == [(0, 1, 1, 4, "completed"), (1, 2, 3.5, 3.5, "abandoned"),
                               (1, 3.5, 4.5, 7.5, "completed")]
    second = results.items.set_index("item_id").loc[1]
    assert (str(second["outcome"]), second["time_to_value"], second["wait_time"], second["work_time"]) == (
        "done", 5.5, 2.5, 3.0)


def test_a_caller_rings_back_with_a_fresh_patience_and_gives_up_again():
    # Person busy 1 -> 10: caller 2 gives up at 3.5, rings back at 4, gives up again at 5.5, rings back at 6,
    # and so on until served at 10 (rang back at 8, patient until 9.5: no; at 9.5 gives up, back at 10: the
    # person frees at 10 as they ring back: ring-backs are ordinary events, served in order; it is served).
    results = _run(_desk(effort="9h", on_abandon={"retry": 1.0, "after": "0.5h"}))
    rows = [row for row in _trace(results) if row[0] == 1]
    assert rows == [(1, 2, 3.5, 3.5, "abandoned"), (1, 3.5, 5.5, 5.5, "abandoned"), (1, 5.5, 7.5, 7.5, "abandoned"),
                    (1, 7.5, 9.5, 9.5, "abandoned"), (1, 9.5, 10, 19, "completed")]


def test_ring_backs_stop_at_the_limit():
    # Nobody is ever free: a caller with no patience rings back every hour, 100 times, then leaves.
    results = _run(_desk("0h", {"retry": 1.0, "after": "1h"}, effort="1000h", horizon="2.5h"))
    second = results.events[results.events["item_id"] == 1]
    assert (second["outcome"] == "abandoned").sum() == simvalue.limits.MAX_ABANDON_RETRIES + 1
    assert results.items.set_index("item_id").loc[1, "completed"] == 2 + 100


def test_the_types_patience_is_the_default_and_a_step_may_turn_it_off():
    by_type = _run(_desk(None, by_type={"patience": "1.5h"}))
    assert [row[4] for row in _trace(by_type)] == ["completed", "abandoned"]
    off = _run(_desk("none", by_type={"patience": "1.5h"}))
    assert [row[4] for row in _trace(off)] == ["completed", "completed"]
    retry_by_type = _run(_desk(None, by_type={"patience": "1.5h", "on_abandon": {"retry": 1.0, "after": "1h"}}))
    assert _trace(retry_by_type)[-1] == (1, 3.5, 4.5, 7.5, "completed")


def _two_steps(patience) -> dict:
    data = _desk(patience, every="exponential(mean=1h)", effort="exponential(mean=50min)", horizon="300h")
    data["teams"]["back"] = {"capacity": 1}
    data["streams"]["s"]["steps"].append({"name": "follow_up", "activity": "deliver_and_support", "team": "back",
                                          "effort": "exponential(mean=30min)"})
    return data


def test_patience_draws_from_its_own_streams():
    # Common random numbers: giving the first step patience changes which callers go on, not the efforts
    # each caller draws, at this step or the next one.
    plain, patient = (_run(_two_steps(p)).events for p in (None, "exponential(mean=20min)"))
    assert (patient["outcome"] == "abandoned").sum() > 20
    for step in ("answer", "follow_up"):
        done = [frame[(frame["step"] == step) & (frame["outcome"] == "completed")].set_index("item_id")["work"]
                for frame in (plain, patient)]
        common = done[0].index.intersection(done[1].index)
        assert len(common) > 150
        # (work is finish - start: equal up to the rounding of the clock at which each was served)
        assert np.allclose(done[0][common].to_numpy(), done[1][common].to_numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("change, words, path", [
    (lambda d: d["streams"]["s"]["steps"][0].update(escalate={"after": "1h", "team": "desk2"}),
     "escalates", r"steps\[answer\]\.patience"),
    (lambda d: d["streams"]["s"]["steps"][0].update(team=["desk", "desk2"]), "several teams share",
     r"steps\[answer\]\.patience"),
    (lambda d: d["streams"]["s"]["steps"][0].update(patience="none", on_abandon={"retry": 0.5, "after": "1h"}),
     "on_abandon needs a patience", r"steps\[answer\]\.on_abandon"),
    (lambda d: d["streams"]["s"]["steps"][0].update(patience="soon"), "", r"steps\[answer\]\.patience"),
    (lambda d: d["streams"]["s"]["steps"][0].update(on_abandon={"retry": 1.5, "after": "1h"}), "",
     r"steps\[answer\]\.on_abandon\.retry"),
])
def test_unsupported_patience_is_refused_naming_the_field(change, words, path):
    data = _desk()
    data["teams"]["desk2"] = {"capacity": 1}
    change(data)
    with pytest.raises(SimvalueError, match=rf"{path}.*{words}"):
        simvalue.load_scenario(data)


def test_patience_on_a_wait_step_is_refused():
    data = _desk()
    data["streams"]["s"]["steps"] = [{"name": "hold", "activity": "engage", "patience": "1h",
                                      "wait": {"delay": "1h", "reason": "customer"}}]
    with pytest.raises(SimvalueError, match=r"steps\[hold\].*takes no patience"):
        simvalue.load_scenario(data)


def test_a_types_default_on_an_escalating_step_is_refused_with_the_way_out():
    data = _desk(None, by_type={"patience": "1h"})
    data["teams"]["desk2"] = {"capacity": 1}
    data["streams"]["s"]["steps"][0]["escalate"] = {"after": "1h", "team": "desk2"}
    with pytest.raises(SimvalueError, match=r"demand\[call\]\.patience: .*write 'patience: none' on that step"):
        simvalue.load_scenario(data)


def _metric(results, name: str) -> float:
    summary = results.summary()
    return float(summary.loc[summary["metric"] == name, "estimate"].iloc[0])


@pytest.mark.parametrize("abandoned, attainment", [(None, 0.5), ("missed", 0.5), ("excluded", 1.0)])
def test_sla_counts_the_abandoned_as_missed_unless_excluded(abandoned, attainment):
    # The four callers of the first trace: two served within 10 h, two gave up.
    data = _desk(horizon="4.5h")
    data["sla"] = {"call": "10h" if abandoned is None else {"target": "10h", "abandoned": abandoned}}
    assert _metric(_run(data), "sla_attainment") == attainment


@pytest.mark.parametrize("record", ["full", "summary"])
def test_the_summary_reports_the_share_and_time_to_abandon(record):
    # Callers at 1..6 (horizon 6.5 h), 1.5 h of patience: 1 is served 1 -> 4, 3 at 4 -> 7, 6 at 7; 2, 4 and 5
    # give up after 1.5 h each (at 3.5, 5.5 and 6.5).
    results = _run(_desk(horizon="6.5h"), record)
    assert _metric(results, "abandonment_share") == pytest.approx(3 / 6)
    assert _metric(results, "time_to_abandon_mean") == pytest.approx(1.5)
    assert _metric(results, "time_to_abandon_p85") == pytest.approx(1.5, abs=0.02)   # a sketch with record=summary


def test_no_abandonment_no_abandonment_rows():
    assert not _run(_desk(None)).summary()["metric"].str.contains("abandon").any()


def test_simulation_agrees_with_erlang_a():
    """M/M/2+M (Erlang A): 10 calls an hour, 15 min of work each, 30 min of patience on average (theta = 2/h);
    offered load 2.5 on 2 people, so the queue stays finite only because callers give up. 8 replications of
    300 h (about 3,000 callers each, 10 h warm-up): the share that gives up, the mean wait in the queue (served
    or not) and the share that waits at all each agree with theory.erlang_a within the 99% t-interval of the
    replications' means, and that half-width is below 5% of the theoretical value, so the test has the power
    to catch an error (docs/validation.md: the run length sets the tolerance)."""
    data = {"name": "erlang a", "horizon": "300h", "warmup": "10h", "seed": 7, "replications": 8,
            "teams": {"desk": {"capacity": 2}},
            "demand": [{"type": "call", "stream": "s", "arrivals": {"rate": "10/h"},
                        "patience": "exponential(mean=30min)"}],
            "streams": {"s": {"steps": [{"name": "answer", "activity": "deliver_and_support", "team": "desk",
                                         "effort": "exponential(mean=15min)"}]}}}
    items = _run(data).items
    items = items[items["outcome"] != "in_flight"]
    per_rep = items.groupby("replication").agg(
        abandonment=("outcome", lambda o: (o == "abandoned").mean()), mean_wait=("wait_time", "mean"),
        delay_probability=("wait_time", lambda w: (w > 1e-12).mean()))
    expected = theory.erlang_a(10.0, 4.0, 2, 2.0)
    assert 0.25 < expected.abandonment < 0.35   # the model is far from a queue without abandonment
    for name in ("abandonment", "mean_wait", "delay_probability"):
        _, low, high = t_interval(per_rep[name].to_numpy(), 0.99)
        assert low <= getattr(expected, name) <= high, (name, low, high, getattr(expected, name))
        assert (high - low) / 2 < 0.05 * getattr(expected, name), (name, low, high)   # the test has power


def test_an_overloaded_desk_whose_callers_give_up_is_said_to_stay_finite():
    # 3 h of work an hour on one person: without patience the queue grows for ever; with it, callers give up.
    with pytest.warns(simvalue.ScenarioWarning, match=r"teams\.desk\.capacity: .* give up \(patience\): abandonment "
                                                      r"keeps the queue finite\. At least 67%"):
        simvalue.load_scenario(_desk())
    with pytest.warns(simvalue.ScenarioWarning, match="its queue grows by about"):
        simvalue.load_scenario(_desk(None))


def test_a_desk_whose_callers_give_up_reaches_a_steady_state():
    from simvalue.results.steady import steady_state
    data = _desk("exponential(mean=1h)", every="exponential(mean=1h)", effort="exponential(mean=2h)",
                 horizon="400h")
    state = steady_state(_run(data))
    assert not state.overloaded


def test_the_closing_rule_closes_a_caller_waiting_to_ring_back():
    # Caller 2 gives up at 3.5 and would ring back at 5.5; the stream closes items 3 h after arrival (at 5):
    # closed while off the line, its last row 'closed' from when it gave up.
    data = _desk(on_abandon={"retry": 1.0, "after": "2h"})
    data["streams"]["s"]["close_after"] = "3h"
    rows = [row for row in _trace(_run(data)) if row[0] == 1]
    assert rows == [(1, 2, 3.5, 3.5, "abandoned"), (1, 3.5, 5, 5, "closed")]


def test_the_exported_event_log_leaves_abandoned_waits_out():
    from simvalue.eventlog.write import event_log
    log = event_log(_run(_desk(horizon="4.5h")))
    assert sorted(log.groupby("case:concept:name").size().tolist()) == [1, 1, 3, 3]   # arrival (+ start, complete)


def test_check_shows_a_desk_whose_callers_give_up_as_abandoning():
    from simvalue.reports.text import scenario_overview
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = scenario_overview(simvalue.load_scenario(_desk()))
    assert "300%  abandons" in text and "OVERLOADED" not in text


def test_an_open_item_at_the_start_has_its_whole_patience_from_t0():
    # Two calls open at the start, aged 5 h, queue for the one person: the first is served 0 -> 3, the
    # second gives up at 1.5 (its age not held against it); its row runs from its arrival, -5.
    data = _desk(horizon="0.5h")
    data["initial"] = [{"type": "call", "step": "answer", "count": 2, "age": "5h"}]
    rows = [row for row in _trace(_run(data)) if row[0] < 2]
    assert rows == [(0, -5, 0, 3, "completed"), (1, -5, 1.5, 1.5, "abandoned")]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.integers(1, 3), patience=st.floats(0.0, 2.0), retry=st.sampled_from([0.0, 0.5, 1.0]),
       seed=st.integers(0, 1000))
def test_abandonment_keeps_the_books(people, patience, retry, seed):
    """Properties on random desks: a give-up comes exactly one patience after joining the queue (a fixed
    patience), nobody is served after giving up for good, and work and waits still add up to time-to-value."""
    data = _desk(f"{patience}h", {"retry": retry, "after": "exponential(mean=1h)"} if retry else None,
                 every="exponential(mean=1h)", effort="exponential(mean=1.5h)", horizon="60h")
    data["teams"]["desk"]["capacity"], data["seed"] = people, seed
    results = _run(data)
    events, items = results.events, results.items
    gave_up = events[events["outcome"] == "abandoned"]
    assert np.allclose(gave_up["started"], gave_up["finished"])
    first = gave_up.groupby("item_id")["queued"].idxmin()   # the first give-up of each caller: from arrival
    assert np.allclose(gave_up.loc[first, "finished"] - gave_up.loc[first, "queued"], patience)
    abandoned = items[items["outcome"] == "abandoned"]
    last = events.groupby("item_id")["finished"].max()
    assert np.allclose(last[abandoned["item_id"]].to_numpy(), abandoned["completed"].to_numpy())
    done = items[items["outcome"] == "done"]
    assert np.allclose(done["work_time"] + done["wait_time"], done["time_to_value"])
    if not retry:
        assert (events.groupby("item_id")["outcome"].apply(lambda o: (o == "abandoned").sum()) <= 1).all()
