"""Sweeps: designs, identical results whatever the executor, resuming after a kill, sensitivity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import yaml

from simvalue import SimulationError, sobol_indices, sweep
from simvalue.sweeps import design_points, parse_parameter, plot_response, plot_sensitivity


def small_scenario(horizon: str = "30d") -> dict:
    return {
        "name": "sweepable", "horizon": horizon, "warmup": "2d", "seed": 5, "replications": 2,
        "teams": {"desk": {"capacity": 2}, "spare": {"capacity": 1}},
        "demand": [{"type": "ticket", "stream": "s", "arrivals": {"rate": "20/d"}}],
        "streams": {"s": {"steps": [
            {"name": "approve", "activity": "design_and_transition", "gate": {"kind": "cab", "meets": "2d"}},
            {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "exponential(mean=1h)"},
        ]}},
    }


PARAMS = {"teams.desk.capacity": "2:3", "streams.s.steps.approve.gate.meets": ["1d", "2d"]}


def test_parameter_specs():
    assert parse_parameter("a", "2:6").levels() == [2, 3, 4, 5, 6]
    assert parse_parameter("a", "0.5:1:0.25").levels() == [0.5, 0.75, 1.0]
    assert parse_parameter("a", "0.7,0.8,0.9").levels() == [0.7, 0.8, 0.9]
    assert parse_parameter("a", "1d:2d:12h").levels() == [24.0, 36.0, 48.0]
    assert parse_parameter("a", "1d:2d:12h").to_yaml(36.0) == "36h"
    assert parse_parameter("a", "uniform(2d, 4d)").from_unit(0.5) == pytest.approx(72.0)
    assert parse_parameter("a", (1, 3)).from_unit(0.999) == 3
    with pytest.raises(SimulationError, match="needs a step for a grid"):
        parse_parameter("a", "0.5:1").levels()
    with pytest.raises(SimulationError, match="expected low < high"):
        parse_parameter("a", "5:2")


def test_designs_have_the_expected_points():
    params = [parse_parameter("a", "1:3"), parse_parameter("b", [10, 20])]
    assert len(design_points(params, "grid")) == 6
    lhs = design_points(params, "lhs", samples=8, seed=1)
    assert len(lhs) == 8 and set(lhs["a"]) <= {1, 2, 3}
    # Latin hypercube: each third of a's range is hit as evenly as 8 points allow.
    assert sorted(np.bincount(lhs["a"] - 1, minlength=3)) in ([2, 3, 3], [3, 3, 2])
    assert len(design_points(params, "sobol", samples=8, seed=1)) == 8 * (2 + 2)
    pd.testing.assert_frame_equal(design_points(params, "lhs", 8, 1), design_points(params, "lhs", 8, 1))


def test_sweep_is_tidy_and_sets_parameters():
    frame = sweep(small_scenario(), PARAMS, replications=2, executor="serial",
                  metrics=["utilisation", "ticket.time_to_value_mean"])
    assert list(frame.columns) == ["point", "teams.desk.capacity", "streams.s.steps.approve.gate.meets",
                                   "replication", "team_desk.utilisation", "team_spare.utilisation",
                                   "ticket.time_to_value_mean", "in_flight_items", "infeasible"]
    assert len(frame) == 4 * 2
    # Capacity 3 lowers utilisation by a third at the same demand (common random numbers).
    by_capacity = frame.groupby("teams.desk.capacity")["team_desk.utilisation"].mean()
    assert by_capacity[3] == pytest.approx(by_capacity[2] * 2 / 3, rel=1e-9)


#: The executors' sweep: a task is one (point, replication); the merged frame equals simulating each
#: point's replications together, as simulate(scenario, replications=n, seed=s) does.
IDENTICAL_METRICS = ("time_to_value_mean", "utilisation")
IDENTICAL = dict(replications=2, metrics=list(IDENTICAL_METRICS))


@pytest.fixture(scope="module")
def serially() -> pd.DataFrame:
    return sweep(small_scenario(), PARAMS, executor="serial", **IDENTICAL)


# Two tests, the pool's and Dask's, so that their start-ups can run on different test workers.
def test_identical_results_serially_in_a_process_pool_and_point_by_point(serially):
    from simvalue.sweeps.executors import ProcessExecutor
    # A pool passed as an object is used even for a sweep this small ("process" would run it in-process).
    pool = sweep(small_scenario(), PARAMS, executor=ProcessExecutor(2), **IDENTICAL)
    pd.testing.assert_frame_equal(serially, pool)
    pd.testing.assert_frame_equal(serially, _point_by_point(serially, replications=2, metrics=IDENTICAL_METRICS))


def test_identical_results_serially_and_on_dask_whose_cluster_serves_the_next_sweep(serially):
    from simvalue.sweeps.executors import local_client
    dask = sweep(small_scenario(), PARAMS, executor="dask", workers=2, **IDENTICAL)
    pd.testing.assert_frame_equal(serially, dask)
    # The LocalCluster started for the Dask sweep serves the next one too.
    client = local_client(2)
    address = client.scheduler.address
    again = sweep(small_scenario(), PARAMS, executor="dask", workers=2, **IDENTICAL)
    assert local_client(2) is client and client.scheduler.address == address and client.status == "running"
    pd.testing.assert_frame_equal(serially, again)


def _point_by_point(frame: pd.DataFrame, replications: int, metrics: tuple[str, ...]) -> pd.DataFrame:
    """The reference: each point of a PARAMS sweep simulated with all its replications in one run."""
    from simvalue import load_variant, simulate
    from simvalue.sweeps.tasks import metric_rows, with_values
    frames = []
    for point, rows in frame.groupby("point"):
        capacity, meets = int(rows["teams.desk.capacity"].iloc[0]), rows["streams.s.steps.approve.gate.meets"].iloc[0]
        scenario = load_variant(small_scenario(), {"name": f"sweep point {point}", "set": {
            "teams.desk.capacity": capacity, "streams.s.steps.approve.gate.meets": meets}})
        rows = metric_rows(simulate(scenario, replications=replications, seed=5), metrics)
        rows.insert(0, "point", point)
        frames.append(with_values(rows, {"teams.desk.capacity": capacity,
                                         "streams.s.steps.approve.gate.meets": meets}))
    return pd.concat(frames, ignore_index=True)


def test_a_dask_client_passed_in_or_current_is_used_and_left_open(monkeypatch):
    from distributed import Client, LocalCluster

    from simvalue.sweeps import executors

    def no_local_cluster(workers):
        raise AssertionError("started a LocalCluster of its own")

    monkeypatch.setattr(executors, "local_client", no_local_cluster)
    kwargs = dict(replications=1, metrics=["utilisation"])
    reference = sweep(small_scenario(), {"teams.desk.capacity": [2, 3]}, executor="serial", **kwargs)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster:
        with Client(cluster, set_as_default=False) as client:
            passed = sweep(small_scenario(), {"teams.desk.capacity": [2, 3]}, client=client, **kwargs)
            assert client.status == "running"
            assert "evaluate_replication" in client.run_on_scheduler(lambda dask_scheduler: list(
                dask_scheduler.task_prefixes))
        with Client(cluster) as client:  # the current client
            current = sweep(small_scenario(), {"teams.desk.capacity": [2, 3]}, executor="dask", **kwargs)
            assert client.status == "running"
    pd.testing.assert_frame_equal(passed, reference)
    pd.testing.assert_frame_equal(current, reference)
    with pytest.raises(SimulationError, match="a Dask client or a scheduler address, not both"):
        sweep(small_scenario(), {"teams.desk.capacity": [2]}, client=object(), scheduler="local", **kwargs)


def test_progress_counts_points_and_an_infeasible_point_makes_no_task():
    class Counting:
        """Runs tasks serially, counting them."""
        tasks = 0

        def map_unordered(self, fn, tasks):
            for args in tasks:
                Counting.tasks += 1
                yield fn(*args)

    calls = []
    with pytest.warns(UserWarning, match="1 sweep point\\(s\\) were not simulated"):
        frame = sweep(small_scenario(), {"teams.desk.capacity": [1, 0, 2]},
                      replications=3, executor=Counting(), metrics=["utilisation"],
                      progress=lambda done, total, resumed: calls.append((done, total, resumed)))
    assert Counting.tasks == 2 * 3  # two feasible points x three replications; the one of 0 people none
    assert calls == [(1, 3, 0), (2, 3, 0), (3, 3, 0)]
    assert list(frame["point"]) == [0, 0, 0, 1, 1, 1, 2, 2, 2] and list(frame["replication"]) == [0, 1, 2] * 3


def test_independent_seeds_per_point_when_asked():
    same = sweep(small_scenario(), {"teams.spare.capacity": [1, 2]}, replications=1, executor="serial")
    apart = sweep(small_scenario(), {"teams.spare.capacity": [1, 2]}, replications=1, executor="serial",
                  common_random_numbers=False)
    column = "ticket.time_to_value_mean"
    assert same[column].iloc[0] == same[column].iloc[1]  # the spare team is unused: identical under CRN
    assert apart[column].iloc[0] != apart[column].iloc[1]


def test_a_killed_sweep_resumes_to_the_same_result(tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(small_scenario(horizon="400d")))
    out = tmp_path / "sweep.parquet"
    command = [sys.executable, "-m", "simvalue", "sweep", str(scenario), "--param", "teams.desk.capacity=2:4",
               "--param", "streams.s.steps.approve.gate.meets=1d,2d,3d", "-r", "2", "--serial",
               "--metric", "time_to_value_mean", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob("point-*.parquet"))) < 3 and time.monotonic() < deadline:
        assert process.poll() is None, "the sweep finished before it could be killed; make points slower"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    written = len(list(out.glob("point-*.parquet")))
    assert 3 <= written < 9
    params = {"teams.desk.capacity": "2:4", "streams.s.steps.approve.gate.meets": "1d,2d,3d"}
    kwargs = dict(replications=2, metrics=["time_to_value_mean"], executor="serial")
    resumed = sweep(scenario, params, out=out, **kwargs)
    assert resumed.attrs["resumed"] == written
    fresh = sweep(scenario, params, out=tmp_path / "fresh.parquet", **kwargs)
    pd.testing.assert_frame_equal(resumed, fresh)
    assert len(fresh) == 9 * 2
    assert not list(out.glob(".point-*"))  # temporary files of points killed mid-write are cleared
    assert len(pd.read_parquet(out)) == 18


def test_a_different_sweep_into_the_same_output_is_refused(tmp_path):
    out = tmp_path / "sweep.parquet"
    sweep(small_scenario(), {"teams.desk.capacity": [2]}, replications=1, executor="serial", out=out)
    with pytest.raises(Exception, match="holds a different sweep"):
        sweep(small_scenario(), {"teams.desk.capacity": [3]}, replications=1, executor="serial", out=out)


def test_bad_parameter_path_fails_before_any_work(tmp_path):
    from simvalue import ScenarioError
    with pytest.raises(ScenarioError, match=r"set\.teams\.dsk\.capacity: no field 'dsk' in teams; did you mean 'desk'"):
        sweep(small_scenario(), {"teams.dsk.capacity": [2, 3]}, executor="serial", out=tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_sobol_indices_find_the_parameter_that_matters():
    # Time-to-value depends on the CAB interval; the spare team's capacity touches nothing.
    params = {"streams.s.steps.approve.gate.meets": "uniform(1d, 5d)", "teams.spare.capacity": "1:4"}
    frame = sweep(small_scenario(), params, design="sobol", samples=16, replications=1, executor="serial",
                  metrics=["time_to_value_mean"])  # 64 points: S1 and ST of the CAB interval come out at 0.95
    indices = sobol_indices(frame, "ticket.time_to_value_mean").set_index("parameter")
    cab, spare = indices.loc["streams.s.steps.approve.gate.meets"], indices.loc["teams.spare.capacity"]
    assert cab["ST"] > 0.8 and cab["S1"] > 0.8
    assert spare["ST"] == pytest.approx(0.0, abs=1e-9)
    assert plot_sensitivity(indices.reset_index(), "ttv").axes
    assert plot_response(frame, "ticket.time_to_value_mean", "teams.spare.capacity").axes


def test_sobol_indices_need_a_sobol_design():
    frame = sweep(small_scenario(), {"teams.desk.capacity": [2, 3]}, replications=1, executor="serial")
    with pytest.raises(SimulationError, match="design='sobol'"):
        sobol_indices(frame, "ticket.time_to_value_mean")


def test_sweep_command(tmp_path, capsys):
    from simvalue.cli import main
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(small_scenario()))
    out = tmp_path / "sweep.parquet"
    args = ["sweep", str(scenario), "--param", "teams.desk.capacity=2:3", "-r", "1", "--serial", "--out", str(out)]
    assert main(args) == 0
    assert "2 points x 1 replications (grid design)" in capsys.readouterr().out
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "2 points were resumed from disk" in captured.out and "resuming: 2 of 2 points" in captured.err
    assert len(pd.read_parquet(out)) == 2


def test_unknown_metric_is_refused_before_any_work(tmp_path):
    with pytest.raises(SimulationError, match=r"unknown metric 'nonsense': give a metric name"):
        sweep(small_scenario(), {"teams.desk.capacity": [2]}, metrics=["nonsense"], executor="serial",
              out=tmp_path / "never")
    with pytest.raises(SimulationError, match=r"unknown metric 'tickets\.utilisation'.*SUBJECT one of team_desk"):
        sweep(small_scenario(), {"teams.desk.capacity": [2]}, metrics=["tickets.utilisation"], executor="serial")
    assert not (tmp_path / "never").exists()


def test_sensitivity_without_a_sobol_design_fails_before_the_sweep(tmp_path, capsys):
    from simvalue.cli import main
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(small_scenario()))
    args = ["sweep", str(scenario), "--param", "teams.desk.capacity=2:3", "--serial", "--out", str(tmp_path / "o"),
            "--sensitivity", "ticket.time_to_value_mean"]
    assert main(args) == 2
    assert "--sensitivity needs --design sobol" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_overloaded_points_are_simulated_and_values_out_of_range_are_not():
    # Capacity 1 at 20 tickets a day of 1 h each is 83%; at 2 h effort it is 167%: overloaded, simulated (its
    # team busy all the time it is on duty); a headcount of 0 is out of range: not simulated, and says why.
    frame = sweep(small_scenario(), {"streams.s.steps.fix.effort": ["1h", "2h"], "teams.desk.capacity": [1]},
                  replications=1, executor="serial", metrics=["utilisation"])
    feasible, overloaded = frame.iloc[0], frame.iloc[1]
    assert feasible["infeasible"] == "" and 0 < feasible["team_desk.utilisation"] < 1
    assert overloaded["infeasible"] == "" and overloaded["team_desk.utilisation"] == pytest.approx(1.0)
    with pytest.warns(UserWarning, match="1 sweep point\\(s\\) were not simulated"):
        frame = sweep(small_scenario(), {"teams.desk.capacity": [1, 0]}, replications=1, executor="serial",
                      metrics=["utilisation"])
    assert "greater than or equal to 1" in frame.iloc[1]["infeasible"]
    assert np.isnan(frame.iloc[1]["team_desk.utilisation"])


def test_the_stored_dataset_stands_on_its_own(tmp_path):
    from simvalue.sweeps import read_sweep
    out = tmp_path / "sobol.parquet"
    params = {"streams.s.steps.approve.gate.meets": "uniform(1d, 5d)", "teams.spare.capacity": "1:4"}
    frame = sweep(small_scenario(), params, design="sobol", samples=4, replications=1, executor="serial",
                  metrics=["time_to_value_mean"], out=out)  # 16 points: enough for indices to compare
    plain = pd.read_parquet(out).sort_values(["point", "replication"], ignore_index=True)
    assert list(plain.columns[:3]) == ["point", *params]
    again = read_sweep(out)
    pd.testing.assert_frame_equal(again, frame)
    columns = ["parameter", "S1", "ST"]  # the confidence half-widths come from a bootstrap
    pd.testing.assert_frame_equal(sobol_indices(again, "ticket.time_to_value_mean")[columns],
                                  sobol_indices(frame, "ticket.time_to_value_mean")[columns])


def test_sampled_values_out_of_range_become_infeasible_points():
    with pytest.warns(UserWarning, match="were not simulated"):
        frame = sweep(small_scenario(), {"streams.s.steps.approve.gate.approve": [0.9, 1.2]}, replications=1,
                      executor="serial", metrics=["utilisation"])
    assert frame["infeasible"].iloc[0] == "" and "less than or equal to 1" in frame["infeasible"].iloc[1]
