"""What a run keeps (issue 13): ``record="full"`` every row, ``"items"`` one row per item and
``"summary"`` none. The tallies are folded chunk by chunk as items finish, so every figure is the
one a full run gives (the same floating-point sums, added in another order), and time-to-value
percentiles at ``summary`` come from a sketch within its stated relative accuracy. Memory of a
summary run stays flat in the horizon."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simvalue
import simvalue.kernel.recorder as recorder_module
from simvalue.cli import main
from simvalue.errors import SimulationError
from simvalue.results.sketch import RELATIVE_ACCURACY, QuantileSketch

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
#: Sums added in another order differ in the last bits only.
SUM_ORDER = 1e-9


def mm3(hours: float) -> dict:
    return {"name": "mm3", "seed": 3, "replications": 1, "horizon": f"{hours}h", "warmup": "0h",
            "teams": {"t": {"capacity": 3}},
            "demand": [{"type": "job", "stream": "s", "arrivals": {"rate": "2.4/h"}}],
            "streams": {"s": {"steps": [{"name": "serve", "activity": "deliver_and_support", "team": "t",
                                         "effort": "exponential(mean=1h)"}]}}}


@pytest.fixture(scope="module")
def desk_full():
    """The bundled service desk: calendars, shifts, waits on customers and vendors, a business-hours
    SLA that pauses on the customer, priorities, preemption and a starting backlog."""
    return simvalue.simulate(SCENARIOS / "service_desk.yaml", replications=3, seed=11)


@pytest.fixture(scope="module")
def desk_streamed():
    """``desk_streamed(record)``: the same runs at ``record="items"`` or ``"summary"``, folded every few hundred
    items so that a short run folds many times (items in flight span folds); each made once, on first use."""
    runs = {}

    def streamed(record: str):
        if record not in runs:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(recorder_module, "FOLD_ITEMS", 300)
                runs[record] = simvalue.simulate(SCENARIOS / "service_desk.yaml", replications=3, seed=11,
                                                 record=record)
        return runs[record]
    return streamed


def _same(left: pd.Series, right: pd.Series) -> None:
    np.testing.assert_allclose(left.to_numpy(dtype=float), right.to_numpy(dtype=float), rtol=SUM_ORDER, atol=1e-9)


@pytest.mark.parametrize("record", ["items", "summary"])
def test_every_figure_but_the_percentiles_matches_a_full_run(desk_full, desk_streamed, record):
    streamed = desk_streamed(record)
    assert streamed.record == record and len(streamed.events) == 0
    full, part = desk_full.summary(), streamed.summary()
    assert list(full[["type", "metric"]].itertuples(index=False)) == list(part[["type", "metric"]].itertuples(index=False))
    exact = ~full["metric"].str.fullmatch(r"time_to_value_p\d+") | (record == "items")
    for column in ("estimate", "ci_low", "ci_high"):
        _same(full.loc[exact, column], part.loc[exact, column])
    keys = ["replication", "subject", "metric"]
    metrics = desk_full.metrics().merge(streamed.metrics(), on=keys, how="outer", suffixes=("", "_streamed"),
                                        indicator=True)
    assert (metrics["_merge"] == "both").all()
    exact = ~metrics["metric"].str.fullmatch(r"time_to_value_p\d+") | (record == "items")
    _same(metrics.loc[exact, "value"], metrics.loc[exact, "value_streamed"])
    for column in ("utilisation", "busy_hours", "mean_queue_length", "scheduled_hours"):
        _same(desk_full.teams[column], streamed.teams[column])
    for column in ("wip", "throughput"):
        _same(desk_full.flow[column], streamed.flow[column])
    pd.testing.assert_frame_equal(desk_full.steps(), streamed.steps(), rtol=SUM_ORDER)
    if record == "items":
        pd.testing.assert_frame_equal(desk_full.items, streamed.items)


def test_summary_percentiles_are_within_the_sketch_accuracy(desk_full, desk_streamed):
    streamed = desk_streamed("summary")
    keys = ["replication", "subject", "metric"]
    metrics = desk_full.metrics().merge(streamed.metrics(), on=keys, suffixes=("", "_sketch"))
    percentiles = metrics[metrics["metric"].str.fullmatch(r"time_to_value_p\d+")]
    assert len(percentiles) > 20  # every type and priority, three replications
    error = (percentiles["value_sketch"] - percentiles["value"]).abs() / percentiles["value"]
    assert error.max() <= RELATIVE_ACCURACY * (1 + 1e-9)


def test_the_sketch_is_within_its_accuracy_of_numpy_and_merges_exactly():
    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 100, 5_000):
        values = rng.lognormal(1.0, 2.0, size)
        values[rng.random(size) < 0.1] = 0.0  # instant work: the zero bucket
        whole, halves = QuantileSketch(), QuantileSketch()
        whole.add(values)
        for part in np.array_split(values, 2):
            other = QuantileSketch()
            other.add(part)
            halves.merge(other)
        for q in (0.0, 0.5, 0.85, 0.95, 1.0):
            exact = float(np.quantile(values, q))
            assert whole.quantile(q) == halves.quantile(q)
            assert abs(whole.quantile(q) - exact) <= RELATIVE_ACCURACY * exact + 1e-12
    assert np.isnan(QuantileSketch().quantile(0.5))
    with pytest.raises(ValueError):
        QuantileSketch().add(np.array([-1.0]))


def _peak_mib(scenario: dict, record: str) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        simvalue.simulate(scenario, record=record)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# Folding every 1,000 items keeps a chunk small; four times the horizon (about 10k then 40k items)
# must not raise the peak by more than a quarter (the items in flight and the tallies' few rows
# vary a little), while a full run's grows about fourfold: the check can tell the two apart. Two
# tests, the summary runs and the full runs, so that the two test workers can share them.
@pytest.mark.parametrize("record", ["summary", "full"], ids=["summary stays flat", "full grows, as a control"])
def test_summary_memory_does_not_grow_with_the_horizon(monkeypatch, record):
    monkeypatch.setattr(recorder_module, "FOLD_ITEMS", 1_000)
    _peak_mib(mm3(100), record)  # first use loads what the run needs: not counted
    short, long = _peak_mib(mm3(4_000), record), _peak_mib(mm3(16_000), record)
    if record == "summary":
        assert long <= 1.25 * short, (short, long)
    else:
        assert long >= 2.5 * short, (short, long)


def test_what_needs_rows_says_which_record_level_to_use():
    results = simvalue.simulate(SCENARIOS / "desk_backlog.yaml", replications=2, record="summary")
    with pytest.raises(SimulationError, match="record='items'"):
        results.backlog_clearing()
    with pytest.raises(SimulationError, match="record='full'"):
        results.summary(by="priority")
    with pytest.raises(SimulationError, match="record must be one of full, items, summary"):
        simvalue.simulate(SCENARIOS / "desk_backlog.yaml", record="events")
    items = simvalue.simulate(SCENARIOS / "desk_backlog.yaml", replications=2, record="items")
    assert items.backlog_clearing().items > 0


def test_run_record_writes_the_files_it_has_and_removes_stale_ones(tmp_path, capsys):
    scenario, out = str(SCENARIOS / "onboarding.yaml"), tmp_path / "out"
    assert main(["run", scenario, "-r", "2", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"items.parquet", "events.parquet", "teams.parquet", "summary.csv"}
    assert main(["run", scenario, "-r", "2", "--out", str(out), "--record", "items"]) == 0
    assert {p.name for p in out.iterdir()} == {"items.parquet", "teams.parquet", "summary.csv"}
    assert main(["run", scenario, "-r", "2", "--out", str(out), "--record", "summary"]) == 0
    assert {p.name for p in out.iterdir()} == {"teams.parquet", "summary.csv"}
    assert "wrote teams.parquet, summary.csv" in capsys.readouterr().out
    assert main(["run", scenario, "--out", str(out), "--record", "summary", "--events-format", "xes"]) == 2
    assert "--record summary keeps none" in capsys.readouterr().err
    assert {p.name for p in out.iterdir()} == {"teams.parquet", "summary.csv"}


def test_the_memory_budget_counts_only_what_the_level_keeps(monkeypatch):
    import simvalue.results.budget as budget
    from simvalue.scenario import load_scenario
    from simvalue.scenario.workload import workload
    scenario = load_scenario(mm3(100_000))  # about 240k items, 240k step executions
    full = workload(scenario).kept_bytes("full")
    monkeypatch.setattr(budget, "available_memory", lambda: full)  # half of it may be used: too little
    with pytest.raises(SimulationError, match=r"keep less \(record='summary', run --record summary\)"):
        budget.check_budget([scenario], 1, max_events=1e9)
    budget.check_budget([scenario], 1, max_events=1e9, record="summary")  # a chunk at a time: fits
    assert workload(scenario).kept_bytes("summary") < full / 5 < workload(scenario).kept_bytes("items")
