"""The engine against queueing theory: M/M/c (Erlang C), an open Jackson network with rework,
and a weekly CAB.

Tolerances come from the run, not from taste: each replication gives one independent estimate,
and the theoretical value must lie inside the 99% Student-t interval of those estimates. The
seeds are fixed, so each test is deterministic; with a correct engine a random seed would fail
about 1 time in 100. Each test also asserts the interval is narrow (a few percent of the
theoretical value), so it could catch a real error instead of passing on noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from simvalue import load_scenario, simulate
from simvalue.results.stats import t_interval
from simvalue.theory import erlang_c, jackson_mean_sojourn, mmc_mean_sojourn, periodic_gate_mean_wait

from .models import single_team

CONFIDENCE = 0.99


def per_replication_mean(results, column: str = "time_to_value") -> np.ndarray:
    done = results.items[results.items["outcome"] == "done"]
    return done.groupby("replication")[column].mean().to_numpy()


def assert_theory_inside(estimates: np.ndarray, theory: float, max_relative_half_width: float) -> None:
    mean, low, high = t_interval(estimates, CONFIDENCE)
    assert low <= theory <= high, f"theory {theory:.4f} outside {CONFIDENCE:.0%} CI [{low:.4f}, {high:.4f}]"
    assert (high - low) / 2 < max_relative_half_width * theory, "interval too wide to validate anything"


def test_erlang_c_matches_known_values():
    # Textbook value: c = 2, a = 1 (rho = 0.5) gives C = 1/3 (Kleinrock 1975, eq. 3.40).
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # c = 1 reduces to M/M/1, where the waiting probability is rho.
    assert erlang_c(1, 0.7) == pytest.approx(0.7)


def test_mmc_mean_time_in_system_matches_erlang_c():
    # M/M/3 at 80% utilisation: lambda = 2.4/h, mean service 1 h.
    scenario = load_scenario(single_team("2.4/h", "exponential(mean=1h)", 3, horizon="10000h", warmup="200h"))
    results = simulate(scenario, replications=20, seed=1)
    theory = mmc_mean_sojourn(2.4, 1.0, 3)
    assert_theory_inside(per_replication_mean(results), theory, 0.05)
    utilisation = results.teams["utilisation"].to_numpy()
    assert_theory_inside(utilisation, 0.8, 0.02)
    # Little's law: items in system L = lambda W; throughput = lambda (per day).
    assert_theory_inside(results.flow["wip"].to_numpy(), 2.4 * theory, 0.05)
    assert_theory_inside(results.flow["throughput"].to_numpy(), 2.4 * 24, 0.02)


def test_mmc_priority_classes_keep_overall_mean():
    # Non-preemptive priorities reorder service but, with equal service times, leave the mean
    # time in system unchanged (work conservation; Kleinrock 1976 vol. 2, §3.4).
    scenario = single_team("2.4/h", "exponential(mean=1h)", 3, horizon="10000h", warmup="200h")
    scenario["demand"][0]["priority"] = {"P1": 0.3, "P2": 0.7}
    results = simulate(load_scenario(scenario), replications=20, seed=2)
    assert_theory_inside(per_replication_mean(results), mmc_mean_sojourn(2.4, 1.0, 3), 0.05)
    by_priority = results.items.groupby("priority", observed=True)["time_to_value"].mean()
    assert by_priority["P1"] < by_priority["P2"]


def jackson_scenario() -> dict:
    """Two teams in series with 20% rework from the second back to the first."""
    return {
        "name": "jackson", "horizon": "4000h", "warmup": "200h", "seed": 5,
        "teams": {"build": {"capacity": 2}, "test": {"capacity": 1}},
        "demand": [{"type": "job", "stream": "flow", "arrivals": {"rate": "1/h"}}],
        "streams": {"flow": {"steps": [
            {"name": "make", "activity": "obtain_build", "team": "build", "effort": "exponential(mean=1h)"},
            {"name": "check", "activity": "design_and_transition", "team": "test",
             "effort": "exponential(mean=30min)", "next": {"make": 0.2, "done": 0.8}},
        ]}},
    }


def test_jackson_network_with_rework_loop():
    results = simulate(load_scenario(jackson_scenario()), replications=20, seed=4)
    routing = np.array([[0.0, 1.0], [0.2, 0.0]])
    theory = jackson_mean_sojourn(1.0, routing, np.array([1.0, 0.0]), np.array([1.0, 2.0]), np.array([2, 1]))
    assert_theory_inside(per_replication_mean(results), theory, 0.05)
    # Visits per item: 1 / (1 - 0.2) = 1.25 executions of each step, i.e. 0.25 reworks per item.
    reworks = results.items.groupby("replication")["reworks"].mean().to_numpy() / 2
    assert_theory_inside(reworks, 0.25, 0.05)


def test_weekly_cab_alone_waits_half_a_week_on_average():
    scenario = {
        "name": "cab", "horizon": "52w", "warmup": "1w", "seed": 8,
        "demand": [{"type": "change", "stream": "approve_only", "arrivals": {"rate": "5/d"}}],
        "streams": {"approve_only": {"steps": [
            {"name": "cab", "activity": "design_and_transition", "gate": {"kind": "cab", "meets": "1w"}}]}},
    }
    results = simulate(load_scenario(scenario), replications=20, seed=9)
    assert_theory_inside(per_replication_mean(results), periodic_gate_mean_wait(168.0), 0.03)
    # Every decision happens exactly at a meeting: multiples of one week.
    meetings = results.events["finished"].to_numpy() / 168.0
    assert np.allclose(meetings, np.round(meetings))
