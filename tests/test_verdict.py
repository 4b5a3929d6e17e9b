"""The verdict's words on hand-made comparison tables: what matters, in what order, what it costs."""

from __future__ import annotations

import math

import pandas as pd

from simvalue.decisions.verdict import verdict_of


def _row(metric, baseline, value, low, high, type_=None, team=None, relative=None, rel_low=None, rel_high=None):
    change = value - baseline
    return {"type": type_, "priority": None, "team": team, "stream": None, "step": None,
            "subject": f"team {team}" if team else type_, "metric": metric, "variant": "v",
            "baseline": baseline, "value": value, "change": change, "change_low": low, "change_high": high,
            "relative": change / baseline if relative is None else relative,
            "relative_low": math.nan if rel_low is None else rel_low,
            "relative_high": math.nan if rel_high is None else rel_high}


def _table(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_the_largest_change_leads_and_the_cost_is_named():
    table = _table(
        _row("time_to_value_mean", 200.0, 22.0, -180.0, -176.0, type_="change", relative=-0.89, rel_low=-0.9,
             rel_high=-0.88),
        _row("sla_attainment", 0.92, 0.999, 0.07, 0.09, type_="change"),
        _row("time_to_value_mean", 4.0, 3.9, -0.3, 0.1, type_="incident", relative=-0.025, rel_low=-0.07,
             rel_high=0.02),
        _row("utilisation", 0.73, 0.81, 0.07, 0.09, team="platform"),
        _row("utilisation", 0.60, 0.60, 0.0, 0.0, team="desk"))
    verdict = verdict_of(table, "v", 0.95, 10)
    assert [c.kind for c in verdict.changes] == ["time", "load", "sla"]   # -89%, then +11% of 73%, then +8.6%
    assert verdict.summary.startswith("v cuts the mean time-to-value of change by 89% (8.33\u00a0d → 22\u00a0h)")
    assert "SLA attainment of change rises to >99% (+7.9 points)" in verdict.summary
    assert "It costs load: team platform's utilisation rises to 81% (+8.0 points)." in verdict.summary
    assert "95% interval of no change (10 paired replications)" in verdict.summary
    assert verdict.changes[0].sentence == ("Mean time-to-value of change falls from 8.33\u00a0d to 22\u00a0h "
                                           "(-89%; 95% interval -90% to -88%).")
    # the incident's -2.5% is neither material nor significant; the desk does not move
    assert "mean time-to-value of incident (3.9\u00a0h)" in verdict.unchanged_line
    assert "utilisation of team desk (60%)" in verdict.unchanged_line


def test_a_change_that_is_not_significant_is_not_listed_whatever_its_size():
    table = _table(_row("time_to_value_mean", 10.0, 5.0, -9.0, 1.0, type_="t", relative=-0.5, rel_low=-0.9,
                        rel_high=0.1))
    verdict = verdict_of(table, "v", 0.9, 3)
    assert verdict.changes == ()
    assert verdict.summary.startswith("v changes nothing that matters")
    assert "at 90%" in verdict.unchanged_line


def test_at_most_five_changes_and_the_rest_counted():
    rows = [_row("time_to_value_mean", 10.0, 10.0 * (1 - 0.1 * k), -2.0, -0.5, type_=f"t{k}",
                 relative=-0.1 * k, rel_low=-0.1 * k - 0.01, rel_high=-0.1 * k + 0.01) for k in range(1, 8)]
    verdict = verdict_of(_table(*rows), "v", 0.95, 5)
    assert [c.subject for c in verdict.changes] == ["t7", "t6", "t5", "t4", "t3"] and verdict.more == 2


def test_a_team_freed_and_a_team_near_saturation_are_said():
    table = _table(_row("utilisation", 0.70, 0.55, -0.17, -0.13, team="cab"),
                   _row("utilisation", 0.88, 0.89, -0.005, 0.02, team="platform"))
    summary = verdict_of(table, "v", 0.95, 5).summary
    assert "Team cab is freed: utilisation falls to 55% (-15.0 points)." in summary
    assert "Near saturation: platform at 89%." in summary


def test_callers_who_give_up_are_a_change_that_matters():
    table = _table(_row("sla_attainment", 0.92, 0.93, -0.01, 0.03, type_="call"))
    abandonment = pd.DataFrame([{"variant": "v", "type": "call", "baseline": 0.16, "baseline_low": 0.15,
                                 "baseline_high": 0.17, "value": 0.09, "value_low": 0.08, "value_high": 0.10,
                                 "change": -0.07, "change_low": -0.09, "change_high": -0.05}])
    verdict = verdict_of(table, "v", 0.95, 5, abandonment=abandonment)
    assert [c.kind for c in verdict.changes] == ["abandon"]
    assert verdict.summary.startswith("v: abandonment of call falls from 16% to 9% (-7.0 points).")
    assert verdict.changes[0].sentence == ("Abandonment of call (the share that gives up waiting) falls from 16% to "
                                           "9% (-7.0 points; 95% interval -9.0 to -5.0 points).")
    quiet = abandonment.assign(value=0.158, change=-0.002, change_low=-0.01, change_high=0.006)
    summary = verdict_of(table, "v", 0.95, 5, abandonment=quiet).summary
    assert "no abandonment by a point" in summary
    assert "abandonment of call (16%)" in verdict_of(table, "v", 0.95, 5, abandonment=quiet).unchanged_line
    assert "no abandonment" not in verdict_of(table, "v", 0.95, 5).summary
