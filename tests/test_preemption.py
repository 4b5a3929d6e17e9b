"""Preemptive priority on a team (``preempt: resume | restart``): exact traces on hand-computable cases,
and the closed forms of the preemptive-resume priority queue (M/M/1 and M/M/c).

Closed forms: with identical exponential efforts, the high class sees its own M/M/c queue (the low
class is invisible to it), and the number in system of both classes together is that of the FCFS
M/M/c queue at the total rate (work-conserving and memoryless). So T1 = T_MMc(lambda1) and
T2 = (lambda T_MMc(lambda) - lambda1 T1) / lambda2 by Little's law.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simvalue
from simvalue.errors import SimvalueError
from simvalue.results.stats import t_interval
from simvalue.theory import mmc_mean_sojourn


def _two_classes(high: dict, low: dict, team: dict, effort: str, horizon: str, **run) -> dict:
    return {"name": "preempt", "horizon": horizon, "seed": 3, "replications": 1, "drain": "1w",
            "allow_overload": True, **run,
            "teams": {"desk": {"capacity": 1, **team}},
            "demand": [{"type": "high", "stream": "s", "priority": "P1", "arrivals": high},
                       {"type": "low", "stream": "s", "priority": "P2", "arrivals": low}],
            "streams": {"s": {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                         "effort": effort}]}}}


@pytest.mark.parametrize("mode, finish, work", [("resume", 6.0, 4.0), ("restart", 6.5, 4.5)])
def test_a_high_priority_interrupts_and_the_low_one_resumes_or_restarts(mode, finish, work):
    # One person. Low arrives at 1 h with 4 h of work; high at 1.5 h with 1 h. Low works 1 -> 1.5, stands
    # still while high works 1.5 -> 2.5, then does the rest (resume: 3.5 h, done at 6.0) or all of it
    # again (restart: 4 h, done at 6.5; the half hour before the interruption was work, lost).
    data = _two_classes({"every": "1.5h"}, {"every": "1h"}, {"preempt": mode}, "4h", "1.9h")
    data["demand"][0]["stream"] = "fast"
    data["streams"]["fast"] = {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                          "effort": "1h"}]}
    results = simvalue.simulate(simvalue.load_scenario(data))
    items = results.items.set_index("type")
    assert items.loc["high", "time_to_value"] == pytest.approx(1.0)
    assert items.loc["low", "completed"] == pytest.approx(finish)
    assert items.loc["low", "work_time"] == pytest.approx(work)
    assert items.loc["low", "wait_time"] == pytest.approx(1.0)       # it stood still 1.5 -> 2.5
    assert items.loc["low", "off_hours_time"] == 0.0                 # queueing, not off-hours
    low = results.events[results.events["type"] == "low"].iloc[0]
    assert (low["started"], low["finished"], low["work"]) == (1.0, pytest.approx(finish), pytest.approx(work))


def test_equal_priorities_never_interrupt():
    data = _two_classes({"every": "1.5h"}, {"every": "1h"}, {"preempt": "resume"}, "4h", "1.9h")
    data["demand"][0]["priority"] = "P2"
    items = simvalue.simulate(simvalue.load_scenario(data)).items.set_index("type")
    assert items.loc["low", "completed"] == pytest.approx(5.0)       # 1 -> 5 uninterrupted
    assert items.loc["high", "completed"] == pytest.approx(9.0)      # queued until 5


def _sojourns(results) -> dict[str, np.ndarray]:
    items = results.items
    return {t: items[items["type"] == t].groupby("replication")["time_to_value"].mean().to_numpy()
            for t in ("high", "low")}


@pytest.mark.parametrize("servers, lam1, lam2", [(1, 0.3, 0.4), (2, 0.5, 0.9)])
def test_preemptive_resume_matches_the_closed_form(servers, lam1, lam2):
    data = _two_classes({"rate": f"{lam1}/h"}, {"rate": f"{lam2}/h"}, {"preempt": "resume", "capacity": servers},
                        "exponential(mean=1h)", "12000h", warmup="500h", replications=8)
    means = _sojourns(simvalue.simulate(simvalue.load_scenario(data)))
    lam = lam1 + lam2
    t1 = mmc_mean_sojourn(lam1, 1.0, servers)
    t2 = (lam * mmc_mean_sojourn(lam, 1.0, servers) - lam1 * t1) / lam2
    # The truth lies in the 99.9% Student-t interval of the replication means (8 independent replications).
    for name, truth in (("high", t1), ("low", t2)):
        _, low, high = t_interval(means[name], 0.999)
        assert low <= truth <= high, (name, truth, low, high)
    # Without preemption the low class waits less (non-preemptive priority): the mechanism matters.
    data["teams"]["desk"].pop("preempt")
    plain = _sojourns(simvalue.simulate(simvalue.load_scenario(data)))
    assert plain["low"].mean() < means["low"].mean() and plain["high"].mean() > means["high"].mean()


def test_bad_preempt_names_the_field():
    data = _two_classes({"every": "1h"}, {"every": "1h"}, {"preempt": "sometimes"}, "1h", "2h")
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario(data)
    assert "teams.desk.preempt" in str(caught.value) and "resume" in str(caught.value)


@pytest.mark.parametrize("mode, finish, work", [("resume", 36.0, 3.0), ("restart", 37.5, 4.5)])
def test_preemption_on_a_calendar_with_work_paused_overnight(mode, finish, work):
    # The desk works 09:00-17:00 every day from Monday 00:00, one person. Low arrives at 16:00 (t = 16)
    # with 3 h of work: 16 -> 17, paused overnight, resumes at 09:00 (t = 33) with 2 h left. High arrives
    # at 09:30 (t = 33.5) with 1 h: it interrupts low (0.5 h more done) and works 33.5 -> 34.5. Low then
    # does the last 1.5 h (resume: done at 36.0, 3 h of work) or its whole 3 h again (restart: done at
    # 37.5, 4.5 h of work of which 1.5 h lost). A second low item (t = 32) waits behind it.
    data = _two_classes({"every": "33.5h"}, {"every": "16h"}, {"preempt": mode,
                                                               "calendar": {"mon-sun": "09:00-17:00"}},
                        "3h", "34h")
    data["demand"][0]["stream"] = "fast"
    data["streams"]["fast"] = {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                          "effort": "1h"}]}
    items = simvalue.simulate(simvalue.load_scenario(data)).items
    high = items[items["type"] == "high"].iloc[0]
    low = items[items["type"] == "low"].sort_values("arrived").iloc[0]
    assert high["time_to_value"] == pytest.approx(1.0)
    assert low["completed"] == pytest.approx(finish)
    assert low["work_time"] == pytest.approx(work)
    assert low["off_hours_time"] == pytest.approx(16.0)     # 17:00 -> 09:00; the interruption is queueing
    assert low["wait_time"] == pytest.approx(finish - 16.0 - work)


def test_no_preemption_costs_nothing_in_results():
    data = _two_classes({"rate": "0.3/h"}, {"rate": "0.4/h"}, {}, "exponential(mean=1h)", "500h")
    once, twice = simvalue.simulate(simvalue.load_scenario(data)), simvalue.simulate(simvalue.load_scenario(data))
    assert once.items.equals(twice.items) and math.isfinite(once.items["time_to_value"].mean())
