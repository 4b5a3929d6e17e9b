"""A warm start from today's backlog (``initial:``, issue 12): exact traces, own random streams,
the snapshot file, the clearing time, and errors that name the field."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simvalue import load_scenario, load_variant, simulate
from simvalue.cli import main
from simvalue.errors import ScenarioError
from simvalue.scenario.workload import workload

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def desk(**extra) -> dict:
    """One person, 2 h of work per ticket, a ticket every 10 h (at 10 h and 20 h)."""
    scenario = {
        "name": "desk", "horizon": "25h", "replications": 1, "seed": 5,
        "teams": {"desk": {"capacity": 1}},
        "demand": [{"type": "ticket", "stream": "s", "arrivals": {"every": "10h"}}],
        "streams": {"s": {"steps": [{"name": "work", "activity": "deliver_and_support", "team": "desk",
                                     "effort": "2h"}]}},
    }
    scenario.update(extra)
    return scenario


THREE = [{"type": "ticket", "step": "work", "age": "5h"}, {"type": "ticket", "step": "work", "age": "1d"},
         {"type": "ticket", "step": "work", "age": "3h"}]


def test_initial_items_queue_oldest_first_and_count_their_age():
    results = simulate(desk(initial=THREE))
    events = results.events.sort_values("started")
    # Ids follow the list (0: 5 h old, 1: a day old, 2: 3 h old); the oldest is served first.
    assert [(e.item_id, e.queued, e.started, e.finished) for e in events.itertuples()] == [
        (1, -24.0, 0.0, 2.0), (0, -5.0, 2.0, 4.0), (2, -3.0, 4.0, 6.0), (3, 10.0, 10.0, 12.0), (4, 20.0, 20.0, 22.0)]
    items = results.items
    assert items["initial"].tolist() == [True, True, True, False, False]
    assert items["arrived"].tolist() == [-5.0, -24.0, -3.0, 10.0, 20.0]
    assert items["time_to_value"].tolist() == [9.0, 26.0, 9.0, 2.0, 2.0]
    assert items["wait_time"].tolist() == [7.0, 24.0, 7.0, 0.0, 0.0]
    assert (items["work_time"] + items["wait_time"]).tolist() == items["time_to_value"].tolist()


def test_a_count_places_that_many_and_priority_orders_the_queue():
    scenario = desk(initial=[{"type": "ticket", "step": "work", "count": 2, "age": "1d", "priority": "P2"},
                             {"type": "ticket", "step": "work", "age": "1h", "priority": "P1"}])
    scenario["demand"][0]["priority"] = {"P1": 0.5, "P2": 0.5}
    events = simulate(scenario).events.sort_values("started")
    # The first (oldest) starts at once; then the young P1 jumps the older P2.
    assert [(e.item_id, e.started) for e in events.itertuples()][:3] == [(0, 0.0), (2, 2.0), (1, 4.0)]


def test_items_placed_mid_stream_flow_on_from_their_step():
    scenario = desk(initial=[{"type": "ticket", "step": "check", "age": "2h"}])
    scenario["streams"]["s"]["steps"].append({"name": "check", "activity": "improve", "team": "desk",
                                              "effort": "30min"})
    results = simulate(scenario)
    first = results.events[results.events["item_id"] == 0]
    assert first[["step", "queued", "started", "finished"]].values.tolist() == [["check", -2.0, 0.0, 0.5]]
    assert results.items.loc[0, "time_to_value"] == 2.5


def random_desk(**extra) -> dict:
    scenario = desk(horizon="300h", **extra)
    scenario["demand"][0]["arrivals"] = {"rate": "0.2/h"}
    scenario["demand"][0]["priority"] = {"P1": 0.3, "P2": 0.7}
    scenario["streams"]["s"]["steps"][0].update(effort="exponential(mean=2h)", next={"work": 0.2, "done": 0.8})
    scenario["teams"]["desk"]["capacity"] = 2
    return scenario


def per_arrival(results) -> pd.DataFrame:
    """New arrivals' arrival time, priority and the work of each visit, in arrival order."""
    items = results.items[~results.items["initial"]]
    events = results.events[results.events["item_id"].isin(items["item_id"])]
    work = events.groupby("item_id")["work"].apply(lambda w: tuple(sorted(np.round(w, 9))))
    frame = items.set_index("item_id")[["arrived", "priority"]].assign(work=work)
    return frame.reset_index(drop=True)


def test_a_backlog_leaves_the_draws_of_new_arrivals_unchanged():
    backlog = [{"type": "ticket", "step": "work", "count": 20, "age": "uniform(min=1d, max=10d)"}]
    without, with_backlog = simulate(random_desk()), simulate(random_desk(initial=backlog))
    assert with_backlog.items["initial"].sum() == 20
    assert len(per_arrival(without)) > 40
    pd.testing.assert_frame_equal(per_arrival(without), per_arrival(with_backlog))
    # ... while the backlog changes when they are served.
    assert not np.array_equal(without.events["started"].to_numpy()[:5], with_backlog.events["started"].to_numpy()[:5])


def test_same_seed_same_results_and_drawn_ages_in_range():
    backlog = [{"type": "ticket", "step": "work", "count": 15, "age": "uniform(min=1d, max=10d)"}]
    first, again = simulate(random_desk(initial=backlog), replications=2), simulate(random_desk(initial=backlog),
                                                                                   replications=2)
    pd.testing.assert_frame_equal(first.items, again.items)
    pd.testing.assert_frame_equal(first.events, again.events)
    ages = -first.items.loc[first.items["initial"], "arrived"]
    assert ages.between(24, 240).all() and ages.nunique() == 30  # drawn per item and per replication


def test_clearing_time_is_when_the_last_initial_item_is_done():
    clearing = simulate(desk(initial=THREE), replications=3).backlog_clearing()
    assert clearing.per_replication["clearing_time"].tolist() == [6.0, 6.0, 6.0]
    assert clearing.per_replication["items"].tolist() == [3, 3, 3]
    assert (clearing.estimate, clearing.ci_low, clearing.ci_high, clearing.uncleared, clearing.items) == (
        6.0, 6.0, 6.0, 0, 3)


def test_clearing_time_is_unknown_when_the_drain_limit_stops_the_run_first():
    scenario = desk(initial=[{"type": "ticket", "step": "work", "count": 40, "age": "1d"}], drain="10h")
    with pytest.warns(UserWarning, match="in flight"):
        clearing = simulate(scenario, replications=2).backlog_clearing()
    assert clearing.uncleared == 2 and clearing.per_replication["clearing_time"].isna().all()


def test_summary_by_origin_and_backlog_reported_despite_warmup():
    results = simulate(desk(initial=THREE, warmup="5h"))
    assert results.items["initial"].sum() == 3  # open at the start: reported whatever the warm-up
    summary = results.summary(initial=True).set_index("metric")["estimate"]
    assert summary["completed"] == 3 and summary["time_to_value_mean"] == pytest.approx(44 / 3)
    new = results.summary(initial=False).set_index("metric")["estimate"]
    assert new["completed"] == 2 and new["time_to_value_mean"] == 2.0
    assert results.summary().set_index("metric").loc["completed", "estimate"] == 5


def test_the_work_budget_counts_the_backlog():
    plain = workload(load_scenario(desk()))
    loaded = workload(load_scenario(desk(initial=[{"type": "ticket", "step": "work", "count": 1000, "age": "1d"}])))
    assert loaded.items == plain.items + 1000 and loaded.step_executions == plain.step_executions + 1000
    assert loaded.largest_path == "initial"


@pytest.mark.parametrize(("initial", "match"), [
    ([{"type": "tickt", "step": "work", "age": "1d"}], r"initial\[tickt\]\.type: unknown demand type 'tickt'; "
                                                       r"did you mean 'ticket'"),
    ([{"type": "ticket", "step": "wrok", "age": "1d"}], r"initial\[ticket\]\.step: stream 's', where ticket items "
                                                        r"go, has no step 'wrok'"),
    ([{"type": "ticket", "step": "work", "age": "1d", "priority": "P1"}],
     r"initial\[ticket\]\.priority: type 'ticket' has no priorities"),
    ([{"type": "ticket", "step": "work", "age": "1d", "count": -1}],
     r"initial\[ticket\]\.count: input should be greater than or equal to 0"),
    ([{"type": "ticket", "step": "work", "age": "-1d"}], r"initial\[ticket\]\.age: must not be negative"),
    ([{"type": "ticket", "step": "work"}], r"initial\[ticket\]\.age: required field is missing"),
    ({"type": "ticket"}, r"initial: expected a list of open items"),
    ({"file": "open.csv"}, r"initial\.file: a snapshot's ages are measured from the scenario's start"),
])
def test_bad_initial_items_name_the_field(initial, match):
    with pytest.raises(ScenarioError, match=match):
        load_scenario(desk(initial=initial))


def test_a_priority_the_type_does_not_have():
    scenario = desk(initial=[{"type": "ticket", "step": "work", "age": "1d", "priority": "P3"}])
    scenario["demand"][0]["priority"] = {"P1": 0.5, "P2": 0.5}
    with pytest.raises(ScenarioError, match=r"initial\[ticket\]\.priority: unknown priority of ticket 'P3'"):
        load_scenario(scenario)


SNAPSHOT = """id,type,priority,step,opened_at,assignee
INC-1,ticket,P2,work,2026-03-01 08:00,ana
INC-2,ticket,P1,work,2026-03-02T06:30:00,bo

INC-3,ticket,,work,2026-02-27,ana
"""


def write_snapshot(tmp_path: Path, text: str = SNAPSHOT) -> Path:
    """A scenario file in tmp_path/plan reading tickets/open.csv beside it (a relative path)."""
    folder = tmp_path / "plan"
    (folder / "tickets").mkdir(parents=True, exist_ok=True)
    (folder / "tickets" / "open.csv").write_text(text)
    scenario = desk(start="2026-03-02 08:00", initial={"file": "tickets/open.csv"})
    scenario["demand"][0]["priority"] = {"P1": 0.5, "P2": 0.5}
    path = folder / "desk.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def test_a_snapshot_file_gives_one_item_per_open_ticket_aged_from_the_start(tmp_path):
    path = write_snapshot(tmp_path)
    items = simulate(path).items
    assert items["initial"].tolist() == [True, True, True, False, False]
    assert items["arrived"].tolist()[:3] == [-24.0, -1.5, -80.0]
    assert items["priority"].tolist()[:2] == ["P2", "P1"]
    # A variant in another folder reads the same snapshot (the path was resolved against the scenario).
    (tmp_path / "variants").mkdir()
    variant = tmp_path / "variants" / "two.yaml"
    variant.write_text("name: two people\nset: {teams.desk.capacity: 2}\n")
    two = simulate(load_variant(path, variant)).items
    assert two["arrived"].tolist()[:3] == [-24.0, -1.5, -80.0]


@pytest.mark.parametrize(("text", "match"), [
    ("id,type,step,opened_at\n1,ticket,work,2026-03-01 08:00\n", r"open\.csv: line 1: missing column priority"),
    ("id,type,priority,step,opened_at\nA7,ticket,,wrk,2026-03-01 08:00\n",
     r"open\.csv: line 2 \(ticket A7\), step: stream 's', where ticket items go, has no step 'wrk'"),
    ("id,type,priority,step,opened_at\nA7,ticket,P9,work,2026-03-01 08:00\n",
     r"open\.csv: line 2 \(ticket A7\), priority: unknown priority of ticket 'P9'"),
    ("id,type,priority,step,opened_at\nA7,change,,work,2026-03-01 08:00\n",
     r"open\.csv: line 2 \(ticket A7\), type: unknown demand type 'change'"),
    ("id,type,priority,step,opened_at\nA7,ticket,,work,2026-03-02 09:00\n",
     r"open\.csv: line 2 \(ticket A7\), opened_at: 2026-03-02 09:00 is after the scenario's start 2026-03-02 08:00"),
    ("id,type,priority,step,opened_at\nA7,ticket,,work,last week\n",
     r"open\.csv: line 2 \(ticket A7\), opened_at: expected a local date and time"),
    ("id,type,priority,step,opened_at\n,ticket,,,2026-03-01\n", r"open\.csv: line 2, step: empty step"),
])
def test_bad_snapshots_name_the_file_line_and_column(tmp_path, text, match):
    with pytest.raises(ScenarioError, match=match):
        load_scenario(write_snapshot(tmp_path, text))


def test_a_missing_snapshot_is_named_from_the_scenario(tmp_path):
    path = write_snapshot(tmp_path)
    (path.parent / "tickets" / "open.csv").unlink()
    with pytest.raises(ScenarioError, match=r"desk\.yaml: initial\.file: snapshot file .*open\.csv not found"):
        load_scenario(path)


def test_cli_reports_the_backlog_and_refuses_a_bad_snapshot_with_exit_2(tmp_path, capsys):
    path = write_snapshot(tmp_path)
    assert main(["run", str(path), "-r", "2"]) == 0
    out = capsys.readouterr().out
    assert "backlog: 3 items open at the start; all done after" in out and "new arrivals" in out
    (path.parent / "tickets" / "open.csv").write_text("id,type,step\n")
    assert main(["check", str(path)]) == 2
    assert "missing columns priority, opened_at" in capsys.readouterr().err


def test_bundled_example_one_more_engineer_clears_the_backlog_sooner():
    base = load_scenario(SCENARIOS / "desk_backlog.yaml")
    variant = load_variant(base, SCENARIOS / "variants" / "desk_backlog_one_more_engineer.yaml")
    before, after = simulate(base).backlog_clearing(), simulate(variant).backlog_clearing()
    assert before.uncleared == after.uncleared == 0
    assert after.ci_high < before.ci_low


def test_changes_over_time_keep_the_backlog_of_the_start():
    scenario = desk(initial=THREE, changes=[{"at": "8h", "set": {"teams.desk.capacity": 2}}])
    results = simulate(copy.deepcopy(scenario))
    assert results.items["initial"].sum() == 3
    assert results.backlog_clearing().estimate == 6.0
