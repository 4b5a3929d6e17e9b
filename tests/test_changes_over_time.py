"""Changes over time: parameters that change at given times, by exact traces (issue 9)."""

from __future__ import annotations

import pytest

from simvalue import ScenarioError, load_scenario, simulate
from simvalue.scenario import ScenarioWarning


def scenario(changes: list, every: str = "10h", horizon: str = "80h", capacity: int = 1,
             effort: str = "1h") -> dict:
    return {
        "name": "changes", "horizon": horizon, "replications": 1, "seed": 1,
        "teams": {"desk": {"capacity": capacity}},
        "demand": [{"type": "ticket", "stream": "s", "arrivals": {"every": every}}],
        "streams": {"s": {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                     "effort": effort}]}},
        "changes": changes,
    }


def test_a_new_arrival_rate_takes_effect_at_its_time():
    results = simulate(scenario([{"at": "52h", "set": {"demand.ticket.arrivals.every": "5h"}}]))
    # Every 10 h until the change at 52 h; the arrival due at 60 h is drawn again: 57, 62, ...
    assert list(results.items["arrived"]) == [10, 20, 30, 40, 50, 57, 62, 67, 72, 77]


def test_a_new_effort_applies_to_items_entering_the_step_after_the_change():
    results = simulate(scenario([{"at": "35h", "set": {"streams.s.steps.fix.effort": "3h"}}]))
    assert list(results.items["time_to_value"]) == [1, 1, 1, 3, 3, 3, 3]


def test_a_new_hire_starts_work_at_once():
    # Items every 1 h need 1.5 h each: one person falls behind; a second joins at 4 h.
    data = scenario([{"at": "4h", "set": {"teams.desk.capacity": 2}}], every="1h", horizon="7.5h",
                    effort="1.5h")
    data["allow_overload"] = True  # one person is overloaded until the hire; the check uses the first epoch
    results = simulate(data)
    started = list(results.events["started"])
    # One person: 1-2.5, 2.5-4. At 4 h the hire takes the item waiting since 3 h while the first
    # person takes the one arriving at 4 h (both end 5.5); the 5 h item waits to 5.5; the 6 h item
    # starts at once (one person free since 5.5); the 7 h item starts at 7.0.
    assert sorted(started) == [1.0, 2.5, 4.0, 4.0, 5.5, 6.0, 7.0]
    assert results.teams.iloc[0]["scheduled_hours"] == pytest.approx(1 * 4 + 2 * 3.5)


def test_a_capacity_cut_lets_people_finish_or_pauses_by_the_team_rule():
    data = scenario([{"at": "10.5h", "set": {"teams.desk.capacity": 1}}], every="10h", horizon="25h",
                    effort="2h", capacity=2)
    data["demand"][0]["arrivals"]["every"] = "10h"
    results = simulate(data)
    assert list(results.items["time_to_value"]) == [2.0, 2.0]


@pytest.mark.parametrize("changes, message", [
    ([{"at": "1000w", "set": {"teams.desk.capacity": 2}}], r"changes\[0\]\.at: .*would never take effect"),
    ([{"at": "5h", "set": {"teams.dsek.capacity": 2}}], r"changes\[0\]"),
    ([{"at": "5h", "set": {"teams.desk.capacity": 0}}], r"changes\[0\]\.teams\.desk\.capacity: input should be"),
    ([{"at": "5h", "set": {"teams.extra": {"capacity": 1}}}], r"changes\[0\]: a change may alter values, not add"),
])
def test_bad_changes_name_the_change(changes, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(scenario(changes))


def arrivals_only(arrivals: dict, horizon: str, **extra) -> dict:
    """A scenario whose only interest is its arrivals (a fast automated step, nobody queues)."""
    return {"name": "arrivals", "horizon": horizon, "replications": 1, "seed": 5, "drain": "1h",
            "teams": {}, "demand": [{"type": "t", "stream": "s", "arrivals": arrivals}],
            "streams": {"s": {"steps": [{"name": "pass", "activity": "engage", "gate": {"kind": "auto"}}]}},
            **extra}


def weekly_counts(data: dict) -> "np.ndarray":
    import numpy as np
    arrived = simulate(data).items["arrived"].to_numpy()
    weeks = int(data["horizon"].removesuffix("w"))
    return np.bincount((arrived // 168).astype(int), minlength=weeks)[:weeks]


def test_dispersion_makes_weekly_counts_vary_like_a_gamma_mixed_poisson():
    # Weekly mean m = 100, factor cv 0.5: variance m + (0.5 m)^2 = 2,600 (negative binomial).
    # The sample variance of n = 400 weeks has a standard error of about s^2 sqrt((2 + kurtosis
    # excess) / n) = 2,600 x sqrt(3.5 / 400) = 243; 4 of them is the tolerance. Without the
    # dispersion the variance is Poisson's, 100 (standard error about 7).
    counts = weekly_counts(arrivals_only({"rate": "100/w", "dispersion": 0.5}, "400w"))
    assert abs(counts.mean() - 100) < 4 * (2600 / 400) ** 0.5
    assert abs(counts.var(ddof=1) - 2600) < 4 * 243
    plain = weekly_counts(arrivals_only({"rate": "100/w"}, "400w"))
    assert abs(plain.var(ddof=1) - 100) < 4 * 100 * (2 / 400) ** 0.5


def test_no_arrivals_on_holidays_when_asked():
    # start Monday 2024-01-01; the holiday Wednesday 2024-01-03 is hours [48, 72).
    data = arrivals_only({"rate": "10/h", "skip_holidays": True}, "1w", holidays=["2024-01-03"])
    arrived = simulate(data).items["arrived"]
    assert not ((arrived >= 48) & (arrived < 72)).any()
    assert ((arrived >= 24) & (arrived < 48)).sum() > 150  # other days keep their rate (mean 240)


def test_profiles_follow_the_wall_clock_when_the_start_is_not_a_monday():
    # t = 0 is Wednesday 2026-01-07 12:00; only Wednesdays receive arrivals: t in [0, 12) + 168 k.
    data = arrivals_only({"rate": "10/h", "profile": {"by_weekday": [0, 0, 1, 0, 0, 0, 0]}}, "3w",
                         start="2026-01-07 12:00")
    arrived = simulate(data).items["arrived"].to_numpy()
    assert len(arrived) > 0 and all((a % 168 < 12) or (a % 168 >= 156) for a in arrived)


def test_a_business_clock_follows_a_calendar_change():
    # A 9-17 desk works 9-13 from Tuesday 00:00 (t = 24). One ticket arrives Tuesday 12:00 (t = 36)
    # with 2 h of work: 12-13, paused, Wednesday 9-10: value at t = 58. On the clock of the
    # calendar in force that is 1 h + 1 h = 2 business hours; the old calendar would say 5 + 1 = 6.
    data = {
        "name": "clock", "horizon": "37h", "replications": 1, "seed": 1, "allow_overload": True,
        "teams": {"desk": {"capacity": 1, "calendar": {"mon-fri": "09:00-17:00"}}},
        "demand": [{"type": "ticket", "stream": "s", "arrivals": {"every": "36h"}}],
        "streams": {"s": {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                     "effort": "2h"}]}},
        "sla": {"ticket": {"target": "8h", "clock": "business_hours"}},
        "changes": [{"at": "24h", "set": {"teams.desk.calendar": {"mon-fri": "09:00-13:00"}}}],
    }
    items = simulate(data).items
    assert list(items["arrived"]) == [36.0]
    item = items.iloc[0]
    assert item["value_realized"] == pytest.approx(58.0)
    assert item["sla_time"] == pytest.approx(2.0)


def test_an_overload_a_change_brings_is_warned_about_naming_the_change():
    # Issue 21: simulated and reported, not refused; the warning names the change that brings it.
    with pytest.warns(ScenarioWarning, match=r"changes\[0\]\.teams\.desk\.capacity: team 'desk' is overloaded"):
        load_scenario(scenario([{"at": "5h", "set": {"streams.s.steps.fix.effort": "20h"}}]))
