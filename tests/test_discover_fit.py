"""Discovery and fitting choices of ``calibrate`` on hand-made logs: steps unfolded by predecessor and by
successor when the gap depends on them, fitted families that must carry the sample's mean, and an
hour-of-week arrival profile chosen by AIC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simvalue
from simvalue.errors import SimvalueError
from simvalue.eventlog.discover import discover
from simvalue.eventlog.fit import closing_limit, fit_duration, hour_of_week_profile


def _log(traces: list[list[tuple[str, float]]]) -> pd.DataFrame:
    """A log in ``read_log``'s form from traces of (activity, hours after the previous event)."""
    rows, origin = [], pd.Timestamp("2024-01-01")
    for case, trace in enumerate(traces):
        t = origin + pd.Timedelta(hours=case)
        for activity, gap in trace:
            t = t + pd.Timedelta(hours=gap)
            rows.append((f"c{case}", activity, t))
    return pd.DataFrame(rows, columns=["case", "activity", "timestamp"])


def test_gap_that_depends_on_the_successor_gets_a_step_per_successor():
    # After 'ask', a customer who answers within about an hour is asked again; one who takes days is closed.
    rng = np.random.default_rng(3)
    traces = []
    for _ in range(200):
        quick = rng.random() < 0.5
        trace = [("open", 0.0), ("ask", 1.0), ("answer", float(rng.uniform(0.5, 1.5) if quick else rng.uniform(30, 70)))]
        trace += [("ask", 1.0), ("answer", float(rng.uniform(30, 70)))] if quick else []
        traces.append(trace + [("close", 1.0)])
    found = discover(_log(traces))
    split = {name: step for name, step in found.steps.items() if step.then is not None}
    assert {step.then for step in split.values()} >= {"ask", "close"}
    gaps = found.events.groupby("step")["gap"].agg(["min", "max"])
    for name, step in split.items():
        low, high = gaps.loc[name]
        # each successor's step holds one kind of gap only
        assert (0.5 <= low <= high <= 1.5) if step.then == "ask" else (30 <= low <= high <= 70), name
    assert any("(successor)" in key for key in found.unfolded)


def test_gap_that_does_not_depend_on_the_successor_stays_one_step():
    rng = np.random.default_rng(4)
    traces = [[("open", 0.0), ("work", float(rng.exponential(5.0))),
               ("close" if rng.random() < 0.5 else "cancel", float(rng.exponential(5.0)))] for _ in range(300)]
    found = discover(_log(traces))
    assert all(step.then is None for step in found.steps.values())


def test_gap_that_depends_on_the_predecessor_unfolds_even_for_a_small_context():
    # 'resume' after 'wait' follows a wait of days; after 'work' (90% of the cases) an hour or so.
    rng = np.random.default_rng(8)
    traces = [[("open", 0.0), ("wait", 1.0), ("resume", float(rng.uniform(50, 150)))] if i % 10 == 0 else
              [("open", 0.0), ("work", 1.0), ("resume", float(rng.uniform(0.5, 1.5)))] for i in range(400)]
    found = discover(_log(traces))
    assert {"a_resume_after_wait", "a_resume_after_work"} <= set(found.steps)
    assert "resume" in found.unfolded


def test_a_family_whose_mean_misses_the_sample_mean_is_not_chosen(monkeypatch):
    # The best family by AIC matches the sample's shape (same cdf) but implies a mean 4x the sample's; the
    # next one carries the mean: it is chosen, and with no faithful family left the quantiles are.
    from scipy import stats
    import simvalue.eventlog.fit as fit
    sample = np.random.default_rng(5).exponential(10.0, 1000)
    mean = float(sample.mean())
    within = lambda m: 0.0  # noqa: E731 (no mean beyond the sample: only the mean test speaks)
    unfaithful = ("lognormal", 0.0, "lognormal(mean=40h, cv=3)", lambda v: stats.expon.cdf(v, scale=mean), 4 * mean,
                  within)
    faithful = ("exponential", 1.0, f"exponential(mean={mean}h)", lambda v: stats.expon.cdf(v, scale=mean), mean,
                within)
    monkeypatch.setattr(fit, "_candidates", lambda x: [unfaithful, faithful])
    chosen = fit_duration(sample)
    assert chosen.spelling.startswith("exponential(") and chosen.mean == pytest.approx(mean)
    monkeypatch.setattr(fit, "_candidates", lambda x: [unfaithful])
    chosen = fit_duration(sample)
    assert chosen.spelling.startswith("empirical(") and "has mean" in chosen.note


def test_a_faithful_family_keeps_its_own_mean():
    rng = np.random.default_rng(6)
    sample = rng.gamma(2.0, 3.0, 3000)
    fitted = fit_duration(sample)
    assert not fitted.spelling.startswith("empirical(")
    assert abs(fitted.mean - sample.mean()) <= 3 * sample.std() / np.sqrt(len(sample))


def test_hour_of_week_profile_only_when_weekdays_differ_in_shape():
    rng = np.random.default_rng(7)
    monday = pd.Timestamp("2024-01-01")
    # Same hours every weekday: hour times weekday explains it.
    flat = pd.Series([monday + pd.Timedelta(days=int(d), hours=9 + float(h))
                      for d, h in zip(rng.integers(0, 5 * 20, 3000), rng.uniform(0, 8, 3000))])
    assert hour_of_week_profile(flat)[0] is None
    # Mornings on Monday, evenings on the other days: it does not.
    days = rng.integers(0, 20, 3000) * 7 + rng.integers(0, 5, 3000)
    hours = np.where(days % 7 == 0, 8 + rng.uniform(0, 4, 3000), 18 + rng.uniform(0, 4, 3000))
    shaped = pd.Series([monday + pd.Timedelta(days=int(d), hours=float(h)) for d, h in zip(days, hours)])
    week, words = hour_of_week_profile(shaped)
    assert week is not None and len(week) == 168 and "AIC" in words
    assert week[18] == 0.0 and week[8] > 0 and week[24 + 8] == 0.0 and week[24 + 18] > 0


def _one_step(profile: dict) -> dict:
    return {"name": "p", "horizon": "8w", "replications": 1, "seed": 2,
            "teams": {"t": {"capacity": 5}},
            "demand": [{"type": "x", "stream": "s", "arrivals": {"rate": "20/d", "profile": profile}}],
            "streams": {"s": {"steps": [{"name": "a", "activity": "engage", "team": "t", "effort": "1min"}]}}}


def test_hour_of_week_profile_places_arrivals_in_its_hours_only():
    week = [0.0] * 168
    week[24 + 10] = week[4 * 24 + 15] = 1.0          # Tuesday 10:00 and Friday 15:00
    items = simvalue.simulate(simvalue.load_scenario(_one_step({"by_hour_of_week": week}))).items
    hours = np.floor(items["arrived"].to_numpy() % 168).astype(int)
    assert set(hours) == {34, 111}
    # Poisson: 8 weeks x 20/d x 7 = 1120 expected; both hours equally likely.
    assert abs(len(items) - 1120) <= 4 * np.sqrt(1120)
    assert abs((hours == 34).mean() - 0.5) <= 4 * np.sqrt(0.25 / len(items))


@pytest.mark.parametrize("profile, words", [
    ({"by_hour_of_week": [1.0] * 167}, "at least 168"),
    ({"by_hour_of_week": [1.0] * 168, "by_hour": [1.0] * 24}, "not both"),
    ({"by_hour_of_week": [0.0] * 168}, "positive"),
])
def test_bad_hour_of_week_profile_names_the_field(profile, words):
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario(_one_step(profile))
    assert "profile" in str(caught.value) and words in str(caught.value)


def test_a_limit_the_cycle_times_pile_up_against_is_a_closing_rule():
    rng = np.random.default_rng(9)
    heavy = rng.lognormal(np.log(100.0), 1.5, 4000)
    capped = np.minimum(heavy, rng.uniform(1000.0, 1079.0, 4000))   # closed in the days before 45 days
    limit, words = closing_limit(capped)
    assert limit is not None and 1070 <= limit <= 1080 and "beyond" in words


@pytest.mark.parametrize("sample", ["lognormal", "pareto", "few"])
def test_a_tail_that_thins_out_is_no_closing_rule(sample):
    rng = np.random.default_rng(10)
    values = {"lognormal": rng.lognormal(np.log(100.0), 1.5, 8000), "pareto": 10 * (1 + rng.pareto(2.0, 8000)),
              "few": np.minimum(rng.lognormal(0, 1, 150), 2.0)}[sample]
    assert closing_limit(values)[0] is None


def _bursty(capacity: int) -> dict:
    burst = [0.0] * 24
    burst[8] = 1.0                                           # every arrival between 08:00 and 09:00
    return {"name": "bursty", "horizon": "4w", "drain": "2w", "replications": 3, "seed": 4,
            "teams": {"desk": {"capacity": capacity}},
            "demand": [{"type": "t", "stream": "s", "arrivals": {"rate": "12/d", "profile": {"by_hour": burst}}}],
            "streams": {"s": {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                         "effort": "exponential(mean=1h)"}]}}}


def test_a_queue_team_grows_until_its_simulated_queueing_is_near_the_logs():
    from simvalue.eventlog.queue_sizing import SLACK, settle
    data = _bursty(2)       # 12 arrivals in an hour for 2 people: hours of queueing, far above the log's 0.5 h
    out = settle(data, {"desk": 0.5}, rate_per_hour=0.5, seed=1)
    before, after, queued = out["desk"]
    assert before == 2 and after == data["teams"]["desk"]["capacity"] > 2
    assert queued <= SLACK * 0.5 + 0.1
    assert data["replications"] == 3 and data["horizon"] == "4w"   # only the capacity changes


def test_a_queue_team_that_matches_the_log_keeps_its_size():
    from simvalue.eventlog.queue_sizing import settle
    data = _bursty(2)
    assert settle(data, {"desk": 100.0}, rate_per_hour=0.5, seed=1)["desk"][:2] == (2, 2)


def test_each_family_says_how_much_of_its_mean_lies_beyond_a_value():
    """The closed forms of E[X; X > m] / E[X] agree with numerical integration of x f(x) (scipy's expect)."""
    from scipy import stats

    from simvalue.eventlog.fit import _candidates
    rng = np.random.default_rng(4)
    sample = np.concatenate([rng.lognormal(0.0, 0.6, 300), rng.lognormal(2.5, 0.4, 200)])
    families = {c[0]: c for c in _candidates(sample)}
    assert {"exponential", "lognormal", "gamma", "weibull", "mixture of two lognormals"} <= set(families)
    m = 12.0
    for name, (_, _, spelling, cdf, mean, beyond) in families.items():
        # x f(x) by integrating the survival function: E[X; X > m] = m S(m) + int_m^inf S(v) dv.
        survival = lambda v: 1.0 - cdf(np.asarray(v, dtype=float))  # noqa: E731
        from scipy import integrate
        tail = m * survival(m) + integrate.quad(survival, m, np.inf, limit=200)[0]
        assert beyond(m) == pytest.approx(tail / mean, rel=1e-4, abs=1e-7), (name, spelling)
    assert stats.norm.sf(0) == 0.5   # scipy's survival function, as the closed forms use it


def test_a_family_whose_mean_lies_beyond_the_sample_is_not_chosen():
    """A lognormal sample of log-sd 3 (cv 90): the best family by AIC is a lognormal that makes most of its
    mean of values larger than any observed; the fit keeps the sample's quantiles (or a family within it)."""
    from simvalue.eventlog.fit import BEYOND_SEEN, _candidates, fit_duration
    sample = np.random.default_rng(2).lognormal(0.0, 3.0, 170)
    lognormal = next(c for c in _candidates(sample) if c[0] == "lognormal")
    assert lognormal[5](sample.max()) > BEYOND_SEEN
    assert not fit_duration(sample).spelling.startswith("lognormal")


def test_the_written_weights_of_an_atom_at_zero_sum_to_one():
    """19 of 160 gaps at once: 0.11875 written to four places must leave its complement summing to 1 (0.1187 +
    0.8812 was refused by the scenario format)."""
    import re
    from simvalue.distributions import parse_distribution
    rng = np.random.default_rng(8)
    sample = np.concatenate([np.zeros(19), rng.gamma(2.0, 3.0, 141)])
    spelling = fit_duration(sample).spelling
    weights = [float(w) for w in re.findall(r"(?:\(|, )(0\.\d{4}): ", spelling)[:2]]
    assert weights[0] == pytest.approx(0.1187, abs=1e-4) and sum(weights) == pytest.approx(1.0, abs=1e-12)
    parse_distribution(spelling)


def _stamps(hours: np.ndarray) -> pd.Series:
    return pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(hours, unit="h"))   # a Monday


def test_a_calendar_is_kept_only_when_half_of_the_weeks_predict_the_other_half():
    """Office-hours completions (Mon-Fri 09-17, 30 a week for 8 weeks) make a calendar that holds the other
    weeks' events; a vendor's 50 replies at any hour make scattered 'on-duty' hours that do not."""
    from simvalue.eventlog.fit import OFF_DUTY_DENSITY, calendar_predicts
    rng = np.random.default_rng(5)
    week = rng.integers(0, 8, 240) * 168.0
    office = week + rng.integers(0, 5, 240) * 24.0 + 9.0 + rng.uniform(0, 8, 240)
    kept, density = calendar_predicts(_stamps(office))
    assert kept and density == 0.0   # no office event falls outside Mon-Fri 09-17
    vendor = rng.uniform(0, 8 * 168.0, 50)
    kept, density = calendar_predicts(_stamps(vendor))
    assert not kept and density > OFF_DUTY_DENSITY
    # Fewer than four weeks cannot be split: the calendar found stands.
    assert calendar_predicts(_stamps(office[office < 3 * 168.0]))[0]


def test_working_hours_stop_on_a_holiday():
    """Mon-Fri 09-17; Monday 2024-01-01 00:00 is hour 0 here. From Friday 16:00 to the next Tuesday 10:00 is
    1 h (Friday) + 8 h (Monday) + 1 h (Tuesday) = 10 working hours; with that Monday a holiday, 2 h. A span
    inside the holiday has none, and one that starts on it counts from the next working hour."""
    from simvalue.eventlog.fit import working_hours_between
    mask = np.zeros(168, dtype=bool)
    for day in range(5):
        mask[day * 24 + 9:day * 24 + 17] = True
    friday, tuesday, monday = 4 * 24 + 16.0, 8 * 24 + 10.0, 7 * 24.0
    start, end = np.array([friday, monday + 10, monday + 12]), np.array([tuesday, monday + 15, tuesday])
    assert working_hours_between(start, end, mask, 0.0).tolist() == [10.0, 5.0, 6.0]
    assert working_hours_between(start, end, mask, 0.0, np.array([monday])).tolist() == [2.0, 0.0, 1.0]


def test_a_holiday_is_a_quiet_day_between_busy_weeks():
    """Forty events a day for ten weeks: a Friday with one event is a holiday; the quiet days where the log winds
    down (no busy weeks after them) are not, nor a day at a third of the usual."""
    from datetime import date

    from simvalue.eventlog.fit import holidays_of
    days = pd.date_range("2024-01-01", periods=70, freq="D")
    counts = {day: 40 for day in days}
    counts[pd.Timestamp("2024-02-09")] = 1     # a Friday
    counts[pd.Timestamp("2024-02-14")] = 13    # a quiet Wednesday, not a holiday
    for day in days[-4:]:
        counts[day] = 2                       # the log winds down
    times = pd.Series([day + pd.Timedelta(hours=9 + 8 * i / n) for day, n in counts.items() for i in range(n)])
    assert holidays_of(times) == [date(2024, 2, 9)]


def test_calibrate_finds_the_holidays_of_a_log_and_writes_them(tmp_path):
    """A desk that nobody works at on Easter Monday and Labour Day, and that gets no tickets then: the calibrated
    scenario names both as holidays and skips arrivals on them."""
    from simvalue.eventlog import read_log
    from simvalue.eventlog.calibrate import calibrate
    from simvalue.eventlog.write import event_log, write_csv
    scenario = {"name": "desk", "start": "2026-03-02", "horizon": "12w", "drain": "2w", "replications": 1, "seed": 3,
                "holidays": ["2026-04-06", "2026-05-01"],
                "teams": {"desk": {"capacity": 4, "calendar": {"mon-fri": "08:00-17:00"}}},
                "demand": [{"type": "ticket", "stream": "s", "arrivals": {"rate": "40/d", "skip_holidays": True}}],
                "streams": {"s": {"steps": [{"name": "fix", "activity": "deliver_and_support", "label": "fix",
                                             "team": "desk", "effort": "exponential(mean=30min)"}]}}}
    path = tmp_path / "desk.csv"
    write_csv(event_log(simvalue.simulate(simvalue.load_scenario(scenario))), path)
    log = read_log(path, case="case:concept:name", activity="concept:name", timestamp="time:timestamp")
    result = calibrate(log, seed=1, what_if=False)
    assert result.scenario["holidays"] == ["2026-04-06", "2026-05-01"]
    assert result.scenario["demand"][0]["arrivals"]["skip_holidays"] is True
    assert any(f.startswith("holidays: nobody worked on 2 days") for f in result.findings)


def test_people_whose_work_mixes_overlap_are_one_team():
    """Four desk people who each triage, fix and confirm in slightly different shares (so their commonest
    activity differs) are one team; two network engineers, who only do network fixes, are another."""
    from simvalue.eventlog.staffing import teams_by_work
    mixes = {"ann": {"triage": 40, "fix": 35, "confirm": 25}, "bob": {"triage": 30, "fix": 42, "confirm": 28},
             "cem": {"triage": 28, "fix": 30, "confirm": 42}, "dan": {"triage": 35, "fix": 33, "confirm": 32},
             "eve": {"network": 50}, "fay": {"network": 45, "fix": 2}}
    rows = [(who, activity) for who, mix in mixes.items() for activity, n in mix.items() for _ in range(n)]
    team = teams_by_work(pd.Series([r for r, _ in rows]), pd.Series([a for _, a in rows]))
    assert team[["ann", "bob", "cem", "dan"]].nunique() == 1 and team["eve"] == team["fay"] == "network"
    assert team["ann"] == "fix"   # the merged desk is named after its commonest activity (110 fixes)
