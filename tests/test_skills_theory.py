"""People with several skills against queueing theory: the pooled M/M/c bound.

Two teams of c1 = c2 = 2 people, Poisson arrivals of 1.4 items an hour each, exponential work of mean
1 h (70% utilisation). With full cross-skilling every person serves both queues and nobody is idle
while anything waits, so the number of items in the system is the birth-death chain of one
M/M/(c1 + c2) queue: by Little's law the mean time in system is M/M/4's (Erlang C,
theory.mmc_mean_sojourn), whatever the order the queues are served in. Tolerance: the 99% Student-t
interval of the replications' means must hold the theory, and be narrower than 5% of it (so the check
means something). With partial skilling (one person of each team helps the other) the mean lies
strictly between the pooled M/M/4 (1.37 h) and two separate M/M/2 queues (1.96 h): the whole 99%
interval (about 1.40-1.54 h with this seed) must lie between them.
"""

from __future__ import annotations

import warnings

import simvalue
from simvalue.results.stats import t_interval
from simvalue.theory import mmc_mean_sojourn

from .test_theory_validation import CONFIDENCE, assert_theory_inside, per_replication_mean

ARRIVALS, SERVICE_RATE, PEOPLE = 1.4, 1.0, 2


def _two_teams(a: dict, b: dict) -> dict:
    step = lambda team: {"steps": [{"name": f"work_{team}", "activity": "deliver_and_support",  # noqa: E731
                                    "team": team, "effort": "exponential(mean=1h)"}]}
    return {"name": "pooled", "horizon": "2500h", "warmup": "100h", "drain": "200h", "seed": 7,
            "replications": 10, "teams": {"a": {"capacity": PEOPLE, **a}, "b": {"capacity": PEOPLE, **b}},
            "demand": [{"type": "ta", "stream": "sa", "arrivals": {"rate": f"{ARRIVALS}/h"}},
                       {"type": "tb", "stream": "sb", "arrivals": {"rate": f"{ARRIVALS}/h"}}],
            "streams": {"sa": step("a"), "sb": step("b")}}


def _sojourns(a: dict, b: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = simvalue.simulate(simvalue.load_scenario(_two_teams(a, b)))
    return per_replication_mean(results)


def test_full_cross_skilling_is_one_pooled_mmc_queue():
    full = ({"people": [{"name": "a_all", "count": PEOPLE, "skills": ["b"]}]},
            {"people": [{"name": "b_all", "count": PEOPLE, "skills": ["a"]}]})
    assert_theory_inside(_sojourns(*full), mmc_mean_sojourn(2 * ARRIVALS, SERVICE_RATE, 2 * PEOPLE), 0.05)


def test_partial_skilling_lies_between_separate_and_pooled_queues():
    pooled = mmc_mean_sojourn(2 * ARRIVALS, SERVICE_RATE, 2 * PEOPLE)   # 1.37 h
    separate = mmc_mean_sojourn(ARRIVALS, SERVICE_RATE, PEOPLE)         # 1.96 h
    _, low, high = t_interval(_sojourns({"shared_with": {"b": "50%"}}, {"shared_with": {"a": "50%"}}), CONFIDENCE)
    assert pooled < low and high < separate, (pooled, low, high, separate)
