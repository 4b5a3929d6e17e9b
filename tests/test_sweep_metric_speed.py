"""A sweep point computes only the metrics it asks for, and gets exactly what computing every metric gives.

Computing every headline metric for each (point, replication) was 85% of the sweep tests' time; a task
now computes only its sweep's metrics (``results.metrics.chosen_metrics``) and, for metrics read from
the flow and team frames alone, no tally at all. The reference here is the previous computation:
``Results.metrics()`` (every metric) cut down to the sweep's columns.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from simvalue import SimulationError, load_scenario, load_variant, simulate
from simvalue.results import metrics as metrics_module
from simvalue.results.frames import Results
from simvalue.results.metrics import METRIC_NAMES, chosen_metrics, needs_tally
from simvalue.sweeps.run import DEFAULT_METRICS
from simvalue.sweeps.tasks import _column_subjects, metric_rows

from .models import single_team

SCENARIOS = Path(__file__).parent.parent / "scenarios"

#: What a sweep may ask for: metric names (every subject) and whole columns, of types, priorities, teams.
ASKED = [("time_to_value_mean",), ("utilisation",), ("time_to_value_p85", "wip"), DEFAULT_METRICS,
         ("automation_coverage", "rework_rate", "handoffs_per_item"),
         ("incident_P1.time_to_value_p50", "incident.sla_attainment", "team_service_desk.utilisation", "throughput"),
         METRIC_NAMES]


def _short(name: str, horizon: str) -> Results:
    scenario = load_variant(load_scenario(SCENARIOS / name), {"name": "short", "set": {"warmup": "3d",
                                                                                         "horizon": horizon}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # items still in flight at the drain limit of so short a run
        return simulate(scenario, replications=2, seed=7)


@pytest.fixture(scope="module", params=[("service_desk.yaml", "3w"), ("change_enablement.yaml", "3w")],
                ids=["service_desk", "change_enablement"])
def run(request) -> tuple[Results, pd.DataFrame]:
    """Priorities, SLAs on business hours and automation (service desk); CABs and rework (changes): the
    results and every headline metric of them."""
    results = _short(*request.param)
    return results, results.metrics()


def _fresh(results: Results) -> Results:
    """The same results without their cached tally."""
    return Results(**{name: getattr(results, name) for name in Results.__dataclass_fields__})


def full_metric_rows(results: Results, metrics: tuple[str, ...], every: pd.DataFrame | None = None) -> pd.DataFrame:
    """The sweep's rows as computed before: every headline metric, then the sweep's columns picked out."""
    long = results.metrics() if every is None else every
    long = long[long["step"].isna() & ~long["metric"].str.contains("_in_")]
    long = long.assign(column=_column_subjects(long) + "." + long["metric"], by_priority=long["priority"].notna())
    named = long["metric"].isin(metrics) & ~long["by_priority"]
    long = long[named | long["column"].isin(metrics)]
    wide = long.pivot_table(index="replication", columns="column", values="value", aggfunc="first")
    wide = wide[sorted(wide.columns)].reset_index()
    wide.columns.name = None
    in_flight = results.items["outcome"].eq("in_flight").groupby(results.items["replication"]).sum()
    wide["in_flight_items"] = in_flight.reindex(wide["replication"], fill_value=0).to_numpy()
    wide["infeasible"] = ""
    return wide


@pytest.mark.parametrize("names", [(name,) for name in METRIC_NAMES] + [DEFAULT_METRICS, METRIC_NAMES],
                         ids=[*METRIC_NAMES, "default", "all"])
def test_chosen_metrics_are_the_rows_of_every_metric(run, names):
    results, every = run
    chosen = chosen_metrics(names, results.tally, results.teams, results.flow)
    pd.testing.assert_frame_equal(chosen, every[every["metric"].isin(names)].reset_index(drop=True), check_exact=True)
    assert len(chosen) > 0


@pytest.mark.parametrize("metrics", ASKED, ids=lambda m: "+".join(m) if len(m) < 4 else f"{len(m)} metrics")
def test_a_sweeps_rows_are_those_of_every_metric_exactly(run, metrics):
    results, every = run
    rows = metric_rows(_fresh(results), metrics)
    pd.testing.assert_frame_equal(rows, full_metric_rows(results, metrics, every), check_exact=True)
    assert list(rows.columns[:1]) == ["replication"] and list(rows.columns[-2:]) == ["in_flight_items", "infeasible"]
    assert len(rows) == 2 and {c for c in metrics if "." in c} <= set(rows.columns)  # the columns asked for are there
    assert len(rows.columns) > 3


def test_a_metric_no_subject_has_gives_what_it_gave():
    # A desk without an SLA has no sla_attainment rows; asked for, it gives a sweep what it gave before.
    results = simulate(single_team("20/d", "exponential(mean=1h)", 2, horizon="3d", warmup="1d"))
    assert not (results.metrics()["metric"] == "sla_attainment").any()
    for metrics in [("sla_attainment",), ("sla_attainment", "utilisation")]:
        pd.testing.assert_frame_equal(metric_rows(results, metrics), full_metric_rows(results, metrics),
                                      check_exact=True)


def test_only_what_the_metrics_need_is_computed(run, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a sweep asked for no metric of this kind")
    monkeypatch.setattr(metrics_module, "_activity_metrics", never)
    monkeypatch.setattr(metrics_module, "_step_metrics", never)
    fresh = _fresh(run[0])
    metric_rows(fresh, ("utilisation", "wip", "throughput"))
    assert "tally" not in fresh.__dict__  # flow and team metrics need no tally (a cached property)
    assert len(metric_rows(fresh, DEFAULT_METRICS).columns) > 8


def test_which_metrics_need_a_tally():
    assert {name for name in METRIC_NAMES if not needs_tally([name])} == {"wip", "throughput", "utilisation"}
    with pytest.raises(SimulationError, match=r"unknown metric\(s\) 'ttv': expected names among time_to_value_mean"):
        chosen_metrics(["ttv"], None, pd.DataFrame(), pd.DataFrame())
    with pytest.raises(SimulationError, match="time_to_value_mean are ratios of a tally; got tally=None"):
        chosen_metrics(["time_to_value_mean"], None, pd.DataFrame(), pd.DataFrame())
