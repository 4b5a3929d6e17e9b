"""Hostile and extreme input: refused in one line naming the file and field (exit 2), or run cleanly.

Each case is one that broke a promise in a hostile review (issue 14): a traceback, a hang, memory
exhaustion or silent acceptance. The command line runs in-process; files go under tmp_path.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

import simvalue
from simvalue import SimulationError, load_scenario, simulate
from simvalue.cli import main

#: A tiny, stable scenario: one team, one stream with two steps.
BASE = {
    "name": "desk", "horizon": "20d", "replications": 2, "seed": 3,
    "teams": {"desk": {"capacity": 2}},
    "demand": [{"type": "ticket", "stream": "flow", "arrivals": {"rate": "8/d"}}],
    "streams": {"flow": {"steps": [
        {"name": "triage", "activity": "engage", "team": "desk", "effort": "30min"},
        {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "exponential(mean=2h)"},
    ]}},
}


def scenario(**edits) -> dict:
    data = copy.deepcopy(BASE)
    for path, value in edits.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


def write(tmp_path: Path, data: dict | str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def refused(capsys, argv: list[str], *fragments: str) -> str:
    """Run the CLI; require exit 2 and one error line holding every fragment; return the line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if not line.startswith("simvalue: warning:")]
    assert len(lines) == 1 and lines[0].startswith("simvalue: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not re.search(r"\d{25}", lines[0]), "a number printed with absurdly many digits"
    return lines[0]


def effort(value: str) -> dict:
    return scenario(streams__flow__steps__0__effort=value)


# (scenario, field path the message must name, a fragment of what was expected)
BAD_FILES = {
    "every 0h": (scenario(demand__0__arrivals={"every": "0h"}), "demand[ticket].arrivals",
                 "mean time between arrivals above zero"),
    "every empirical zeros": (scenario(demand__0__arrivals={"every": "empirical([0h, 0h])"}),
                              "demand[ticket].arrivals", "above zero"),
    "weibull tiny shape": (effort("weibull(mean=30min, shape=0.001)"), "streams.flow.steps[triage].effort",
                           "shape must be between 0.1 and 1000"),
    "weibull tiny shape by scale": (effort("weibull(scale=30min, shape=0.001)"),
                                    "streams.flow.steps[triage].effort", "shape must be between"),
    "rate underflows": (scenario(demand__0__arrivals={"rate": "1/1e308w"}), "demand[ticket].arrivals.rate",
                        "must be a rate between"),
    "rate subnormal": (scenario(demand__0__arrivals={"rate": "1e-320/h"}), "demand[ticket].arrivals.rate",
                       "must be a rate between"),
    "lognormal huge sd": (effort("lognormal(mean=30min, sd=1e300h)"), "streams.flow.steps[triage].effort",
                          "must be at most 1,000 years"),
    "gamma huge cv": (effort("gamma(mean=30min, cv=1e200)"), "streams.flow.steps[triage].effort",
                      "coefficient of variation"),
    "gamma tiny cv": (effort("gamma(mean=30min, cv=1e-200)"), "streams.flow.steps[triage].effort",
                      "use a fixed duration"),
    "profile infinite": (scenario(demand__0__arrivals={"rate": "8/d", "profile": {"by_weekday": [".inf"] + [1] * 6}}),
                         "demand[ticket].arrivals.profile.by_weekday", ""),
    "profile huge": (scenario(demand__0__arrivals={"rate": "8/d", "profile": {"by_weekday": [1.0e308] * 3 + [1] * 4}}),
                     "demand[ticket].arrivals.profile.by_weekday", "less than or equal to 1000000"),
    "capacity yes": (scenario(teams={"desk": {"capacity": True}}), "teams.desk.capacity", "yes/no"),
    "capacity fraction": (scenario(teams={"desk": {"capacity": 2.5}}), "teams.desk.capacity", "valid integer"),
    "capacity absurd": (scenario(teams={"desk": {"capacity": 10**12}}), "teams.desk.capacity", "less than or equal"),
    "zero-time near-endless loop": (
        scenario(streams__flow__steps__1={"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                          "effort": "0h", "next": {"fix": 0.999999999, "done": 0.000000001}}),
        "streams.flow.steps[fix]", "times on average"),
    "auto gate rejecting to itself": (
        scenario(streams__flow__steps__1={"name": "fix", "activity": "deliver_and_support",
                                          "gate": {"kind": "auto", "approve": 1e-9, "on_reject": "fix"}}),
        "streams.flow.steps[fix]", "times on average"),
    "CAB every millisecond": (
        scenario(streams__flow__steps__1={"name": "fix", "activity": "deliver_and_support",
                                          "gate": {"kind": "cab", "meets": "0.001s"}}),
        "streams.flow.steps[fix].gate.meets", "events"),
    "rate above the rate limit": (scenario(demand__0__arrivals={"rate": "29000000/d"}),
                                  "demand[ticket].arrivals.rate", "per hour"),
    "horizon too long": (scenario(horizon="1e9h"), "horizon", "must be at most 1,000 years"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_at_check_naming_file_and_field(tmp_path, capsys, case):
    data, field, expected = BAD_FILES[case]
    path = write(tmp_path, data)
    refused(capsys, ["check", str(path)], f"{path}: {field}", expected)


def test_many_items_a_day_are_refused_by_the_replication_limit(tmp_path, capsys):
    data = scenario(demand__0__arrivals={"rate": "20000000/d"}, streams__flow__steps__0__effort="1s",
                    streams__flow__steps__1__effort="1s", teams={"desk": {"capacity": 1000}})
    refused(capsys, ["check", str(write(tmp_path, data))], "demand[ticket].arrivals", "one replication would simulate")


@pytest.mark.parametrize("data, fragment", [
    (scenario(demand__0__sla_breach_cost=".nan", sla={"ticket": "1d"}), "demand[ticket].sla_breach_cost"),
    (scenario(demand__0__cost_of_delay="1e308/h"), "demand[ticket].cost_of_delay"),
])
def test_money_must_be_finite_and_bounded(tmp_path, capsys, data, fragment):
    text = yaml.safe_dump(data, sort_keys=False).replace("'.nan'", ".nan")
    refused(capsys, ["check", str(write(tmp_path, text))], fragment)


def test_cab_meeting_every_second_is_refused_by_the_work_budget(tmp_path, capsys):
    data = scenario(horizon="200d", streams__flow__steps__1={
        "name": "fix", "activity": "deliver_and_support", "gate": {"kind": "cab", "meets": "1s"}})
    refused(capsys, ["run", str(write(tmp_path, data)), "-r", "10"], "events", "--max-events",
            "meetings of the CAB at flow.fix")


@pytest.mark.parametrize("option, fragment", [
    ("teams.desk.capacity=1.0e308", "scale.teams.desk.capacity: input should be less than or equal to 1000000"),
    ("streams.flow.steps.triage.effort=.inf", "scale.streams.flow.steps.triage.effort"),
    ("streams.flow.steps.triage.effort=.nan", "scale.streams.flow.steps.triage.effort"),
])
def test_absurd_scale_factors_are_refused(tmp_path, capsys, option, fragment):
    path = write(tmp_path, BASE)
    refused(capsys, ["run", str(path), "-r", "1", "--scale", option], f"{path} with --set/--scale: {fragment}")


def test_scaling_to_an_absurd_capacity_names_the_field(tmp_path, capsys):
    path = write(tmp_path, BASE)
    refused(capsys, ["run", str(path), "-r", "1", "--scale", "teams.desk.capacity=1e6"],
            f"{path} with --set/--scale: teams.desk.capacity: input should be less than or equal to 100000")


def test_sweep_grid_is_sized_up_front(tmp_path, capsys):
    path = write(tmp_path, BASE)
    refused(capsys, ["sweep", str(path), "--param", "teams.desk.capacity=1:100000000", "--serial",
                     "--out", str(tmp_path / "s.parquet")], f"{path}: --param: parameter teams.desk.capacity:", "100,000,000 values")
    assert not (tmp_path / "s.parquet").exists()


def test_sweep_grid_product_is_sized_up_front(tmp_path, capsys):
    path = write(tmp_path, BASE)
    refused(capsys, ["sweep", str(path), "--param", "teams.desk.capacity=1:1000", "--param",
                     "streams.flow.steps.triage.effort=1min:1000min:1min", "--serial",
                     "--out", str(tmp_path / "s.parquet")], f"{path}: --param: the grid has 1,000,000 points")


def test_sweep_param_errors_name_the_file(tmp_path, capsys):
    path = write(tmp_path, BASE)
    refused(capsys, ["sweep", str(path), "--param", "teams.desk.capacity=5:1", "--serial",
                     "--out", str(tmp_path / "s.parquet")], f"{path}: --param: parameter teams.desk.capacity: expected low < high")


def test_check_on_an_overloaded_file_keeps_the_file_name(tmp_path, capsys):
    data = scenario(streams__flow__steps__0__effort="100w")  # millions of person-hours an hour: simulated, warned
    path = write(tmp_path, data)
    assert main(["check", str(path)]) == 0
    captured = capsys.readouterr()
    assert f"simvalue: warning: {path}: teams.desk.capacity: team 'desk' is overloaded" in captured.err
    assert not re.search(r"\d{25}", captured.err + captured.out)


def test_a_nearly_empty_demand_type_is_warned_about_and_runs(tmp_path, capsys):
    data = scenario(demand__0__arrivals={"rate": "1e-300/h"})
    assert main(["run", str(write(tmp_path, data)), "-r", "1"]) == 0
    err = capsys.readouterr().err
    assert "demand[ticket].arrivals: about 0 items of this type are expected per replication" in err


def test_a_misspelt_team_in_a_variant_is_warned_about(tmp_path, capsys):
    base = write(tmp_path, BASE)
    variant = write(tmp_path, {"name": "typo", "set": {"teams.dsek": {"capacity": 3}}}, "variant.yaml")
    assert main(["compare", str(base), str(variant), "-r", "2"]) == 0
    assert "teams.dsek: no step uses this team" in capsys.readouterr().err


def test_yaml_merge_keys_are_accepted(tmp_path):
    text = textwrap.dedent("""\
        name: merged
        horizon: 20d
        teams:
          desk: &team {capacity: 2}
          spare: {<<: *team, capacity: 1}
        demand: [{type: ticket, stream: flow, arrivals: {rate: 8/d}}]
        streams:
          flow:
            steps:
              - {name: triage, activity: engage, team: desk, effort: 30min}
              - {name: fix, activity: deliver_and_support, team: spare, effort: 1h}
        """)
    scenario_ = load_scenario(write(tmp_path, text))
    assert scenario_.teams["spare"].capacity == 1 and scenario_.teams["desk"].capacity == 2


@pytest.mark.parametrize("name", ["\x1b[31mred\x1b[0m", "evil\u202etxt.exe", "nul\x00byte", "cr\rreturn"])
def test_names_are_escaped_when_printed(tmp_path, capsys, name):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario(name=name), sort_keys=False, allow_unicode=False))
    assert main(["run", str(path), "-r", "1"]) == 0
    out = capsys.readouterr().out
    for raw in ("\x1b", "\u202e", "\x00", "\r"):
        assert raw not in out
    assert name.encode("unicode_escape").decode().replace("\\u202e", "\\u202e")[:3] in out


def test_a_zero_time_loop_the_checks_cannot_see_is_stopped_with_a_clear_error(monkeypatch):
    """The run-time guard: an item re-entering steps more often than the limit stops the run."""
    import simvalue.engine.flow as flow
    monkeypatch.setattr(flow, "MAX_STEP_ENTRIES_PER_ITEM", 3)
    data = scenario(streams__flow__steps__1={"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                             "effort": "0h", "next": {"fix": 0.9, "done": 0.1}})
    with pytest.raises(SimulationError, match=r"an item of type 'ticket' re-entered steps 3 times \(now flow\.fix"):
        simulate(data, replications=1)


def test_the_memory_budget_refuses_before_running(monkeypatch):
    import simvalue.results.budget as budget
    monkeypatch.setattr(budget, "available_memory", lambda: 1e4)
    with pytest.raises(SimulationError, match=r"would hold about .* GiB of records .* more than this process can"):
        simulate(BASE, replications=2)


def test_a_run_under_an_address_space_limit_is_refused_up_front(tmp_path):
    """Under ``ulimit -v`` the budget sees the limit and refuses in one line instead of dying half-way."""
    path = write(tmp_path, scenario(horizon="100w", demand__0__arrivals={"rate": "200/d"},
                                    teams={"desk": {"capacity": 40}}))
    script = ("import resource, sys\nfrom simvalue.cli import main\n"
              "used = int(open('/proc/self/status').read().split('VmSize:')[1].split()[0]) * 1024\n"
              "resource.setrlimit(resource.RLIMIT_AS, (used + 300 * 2**20, resource.RLIM_INFINITY))\n"
              f"sys.exit(main(['run', {str(path)!r}, '-r', '20', '--max-events', '1e9']))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "GiB of records" in done.stderr and "Traceback" not in done.stderr


def test_out_of_memory_during_a_run_is_one_line(tmp_path, capsys, monkeypatch):
    import simvalue.results.simulation as simulation   # the run command imports simulate from here when it runs

    def exhausted(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(simulation, "simulate", exhausted)
    refused(capsys, ["run", str(write(tmp_path, BASE)), "-r", "1"], "out of memory")


def test_public_api_still_runs_the_base_cleanly():
    assert len(simvalue.simulate(BASE, replications=1).items) > 0


# -- a second hostile review (issue 14's held-out style): the command line and the stores -----------
@pytest.mark.parametrize("argv, fragment", [
    (["run", "x.yaml", "-r", "0"], "run: argument -r/--replications: must be at least 1"),
    (["\x1b[31mrun"], "invalid choice: '\\x1b[31mrun'"),
    ([], "the following arguments are required: COMMAND"),
    (["business-case", "a.yaml", "b.yaml", "--months", str(10**30)], "at most 1200 months"),
    (["run", "x.yaml", "--max-events", "nan"], "--max-events: expected a positive finite number"),
])
def test_bad_command_lines_are_one_escaped_line(capsys, argv, fragment):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("simvalue: error: ") and fragment in err
    assert "\x1b" not in err and "usage:" not in err


def test_progress_bars_stay_off_when_stderr_is_not_a_terminal(tmp_path, capsys):
    assert main(["run", str(write(tmp_path, BASE)), "-r", "3"]) == 0
    assert "\r" not in capsys.readouterr().err


def test_a_megabyte_of_digits_is_refused_at_once(tmp_path, capsys):
    refused(capsys, ["check", str(write(tmp_path, scenario(horizon="9" * 1_000_000)))], "horizon",
            "got 1,000,000 characters")


def test_run_time_errors_name_the_file(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, BASE)
    refused(capsys, ["run", str(path), "-r", "100000"], f"{path}: this run would simulate about")
    import simvalue.engine.flow as flow
    monkeypatch.setattr(flow, "MAX_STEP_ENTRIES_PER_ITEM", 3)
    looping = write(tmp_path, scenario(streams__flow__steps__1={
        "name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "0h",
        "next": {"fix": 0.9, "done": 0.1}}), "loop.yaml")
    refused(capsys, ["run", str(looping), "-r", "1"], f"{looping}: replication 0: an item of type 'ticket'")


def test_an_out_folder_that_cannot_be_created_is_refused_before_running(capsys):
    refused(capsys, ["run", "scenarios/change_enablement.yaml", "-r", "1", "--out", "/proc/simvalue_out"],
            "--out /proc/simvalue_out: cannot create anything in /proc")


def test_a_variant_with_an_unknown_field_says_so(tmp_path, capsys):
    base = write(tmp_path, BASE)
    variant = write(tmp_path, {"name": "x", "sett": {}}, "variant.yaml")
    refused(capsys, ["compare", str(base), str(variant), "-r", "1"], f"{variant}: sett: unknown field")


def test_a_bad_value_in_a_mapping_names_its_key(tmp_path, capsys):
    data = scenario(demand__0__priority={"P1": ".nan", "P2": 0.5})
    text = yaml.safe_dump(data, sort_keys=False).replace("'.nan'", ".nan")
    refused(capsys, ["check", str(write(tmp_path, text))], "demand[ticket].priority.P1: input should be")


def test_an_overload_names_where_most_of_the_load_comes_from(tmp_path, capsys):
    data = scenario(streams__flow__steps__0__effort="1w")
    assert main(["check", str(write(tmp_path, data))]) == 0
    assert "most of the load: streams.flow.steps[triage] for demand[ticket]" in capsys.readouterr().err


def test_too_many_variants_are_refused():
    with pytest.raises(SimulationError, match="compare takes at most 50 variants"):
        simvalue.compare(BASE, *[{"name": f"v{i}", "set": {"teams.desk.capacity": 3}} for i in range(51)])


@pytest.mark.parametrize("damage", ["corrupt manifest", "list manifest", "foreign point", "corrupt point"])
def test_a_damaged_sweep_store_is_refused_or_repaired(tmp_path, capsys, damage):
    path = write(tmp_path, BASE)
    out = tmp_path / "s.parquet"
    argv = ["sweep", str(path), "--param", "teams.desk.capacity=2,3", "--serial", "-r", "1", "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    if damage == "corrupt manifest":
        (out / "_sweep.json").write_text("{nope")
    elif damage == "list manifest":
        (out / "_sweep.json").write_text("[1, 2]")
    elif damage == "foreign point":
        (out / "point-abc.parquet").write_text("not ours")
    else:
        (out / "point-000000.parquet").write_text("not parquet")
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if damage.endswith("manifest"):
        assert code == 2 and f"{out}/_sweep.json: not a sweep manifest" in err
    else:
        assert code == 0 and (out / "point-000000.parquet").exists()


def test_the_work_budget_follows_changes_over_time(tmp_path, capsys):
    data = scenario(demand__0__arrivals={"rate": "1/w"}, horizon="100w", teams={"desk": {"capacity": 100}},
                    streams__flow__steps__0__effort="1s", streams__flow__steps__1__effort="1s")
    data["changes"] = [{"at": "1h", "set": {"demand.ticket.arrivals.rate": "2500/h"}}]
    # Under the first rate one replication is 200 events; under the second, about 1.3e8.
    refused(capsys, ["run", str(write(tmp_path, data)), "-r", "1"], "changes[0].", "one replication would simulate")


def test_the_work_budget_counts_work_paused_every_night(tmp_path, capsys):
    # 979 of 1,000 people busy on duty with 100-week efforts (2.33 arrivals a week x 100 weeks x 168 / 40 hours
    # on duty) pause every evening while items drain: 10 changes a week x 980 events each for about
    # 3 x 100 weeks x (168 / 40) = 1,260 weeks: 1.2e7.
    data = scenario(teams={"desk": {"capacity": 1000, "calendar": {"mon-fri": "09:00-17:00"}}},
                    streams__flow__steps__0__effort="100w", demand__0__arrivals={"rate": "2.33/w"}, drain="10000w")
    refused(capsys, ["run", str(write(tmp_path, data)), "-r", "1"], "shift changes (and paused work) of team desk")


def test_a_large_team_with_little_work_pauses_little(tmp_path):
    """The budget counts at a change of headcount the work in hand, about the people busy at the busiest hour,
    not every person of the team: 0.11 arrivals a week of 100-week efforts keep 11 people busy, 46.2 of 1,000 on
    duty 40 hours a week; 1.99 arrivals 835.8."""
    from simvalue.scenario.workload import workload
    quiet = scenario(teams={"desk": {"capacity": 1000, "calendar": {"mon-fri": "09:00-17:00"}}},
                     streams__flow__steps__0__effort="100w", demand__0__arrivals={"rate": "0.11/w"}, drain="10000w")
    busy = dict(quiet, demand=[dict(quiet["demand"][0], arrivals={"rate": "1.99/w"})])
    (quiet_load, busy_load) = (workload(load_scenario(write(tmp_path, data, f"{name}.yaml")))
                               for name, data in (("quiet", quiet), ("busy", busy)))
    # Both drain as long (the drain estimate grows with the effort, not the rate); a change costs itself and
    # ceil(busy on duty) + 1 resumptions: 1 + 48 against 1 + 837.
    assert quiet_load.meetings / busy_load.meetings == pytest.approx((1 + 48) / (1 + 837), rel=0.02)


def test_a_vanishing_arrival_rate_with_holidays_and_dispersion_ends(tmp_path, capsys):
    # Week after week without an arrival used to loop for ever (the weekly restart never reached the end).
    data = scenario(demand__0__arrivals={"rate": "1e-300/w", "dispersion": 0.5, "skip_holidays": True},
                    holidays=["2024-01-03"])
    assert main(["run", str(write(tmp_path, data)), "-r", "1"]) == 0
    assert "items of this type are expected per replication" in capsys.readouterr().err


def test_thinning_candidates_count_in_the_work_budget(tmp_path, capsys):
    # One active hour a week: arrivals are drawn at 168 times the mean rate and thinned.
    profile = {"by_weekday": [1, 0, 0, 0, 0, 0, 0], "by_hour": [1] + [0] * 23}
    data = scenario(demand__0__arrivals={"rate": "30000/w", "profile": profile}, horizon="200w",
                    teams={"desk": {"capacity": 1000}})
    refused(capsys, ["check", str(write(tmp_path, data))], "demand[ticket].arrivals: one replication would simulate")


def test_union_tags_never_reach_the_field_path(tmp_path, capsys):
    line = refused(capsys, ["check", str(write(tmp_path, scenario(demand__0__cost_of_delay="0/d")))],
                   "demand[ticket].cost_of_delay: must be a positive money rate")
    assert "function-plain" not in line


# -- issue 21: a held-out corpus of hostile inputs ---------------------------------------------------------------
def holidays(count: int) -> list[str]:
    """``count`` consecutive dates from 2000-01-01, as a scenario writes them."""
    from datetime import date, timedelta
    return [str(date(2000, 1, 1) + timedelta(days=i)) for i in range(count)]


def test_distinct_calendars_holding_too_many_holidays_are_refused_up_front(tmp_path, capsys):
    # 101 teams of different headcounts x 10,000 holidays: 1,010,000 entries of about 0.4 kB of tables each.
    data = scenario(holidays=holidays(10_000), teams={f"t{i}": {"capacity": i + 1} for i in range(101)},
                    streams__flow__steps__0__team="t0", streams__flow__steps__1__team="t0")
    refused(capsys, ["check", str(write(tmp_path, data))], ": holidays: the teams' calendars would hold 1,010,000",
            "101 distinct calendars")


def test_teams_and_changes_that_keep_a_calendar_share_one_schedule(tmp_path):
    """100 changes x 200 teams x 10,000 holidays filled 4 GB: one schedule per team and change, each with
    tables per holiday. Equal calendars now share one schedule, built once."""
    from simvalue.engine.plan import compile_plan
    data = scenario(holidays=holidays(50), teams={f"t{i}": {"capacity": 2} for i in range(20)},
                    streams__flow__steps__0__team="t0", streams__flow__steps__1__team="t0")
    data["changes"] = [{"at": f"{i + 1}h", "scale": {"demand.ticket.arrivals.rate": 1.0}} for i in range(5)]
    data["changes"].append({"at": "10h", "set": {"teams.t3.capacity": 3}})
    plan = compile_plan(load_scenario(write(tmp_path, data)))
    everyone = {id(s) for s in plan.schedules} | {id(s) for _, epoch in plan.epochs for s in epoch.schedules}
    assert len(everyone) == 2  # capacity 2 everywhere, and t3's capacity 3 from 10 h on
    assert plan.epochs[-1][1].schedules[3].pattern.headcounts == (3,)
    assert plan.epochs[-1][1].schedules[2] is plan.schedules[2]


def test_attribute_combinations_beyond_the_class_limit_are_refused(tmp_path, capsys):
    # The documented maximum, 4 attributes x 20 values, is 160,000 classes for the traffic equations: 4 GB.
    attributes = {f"a{i}": {f"v{j}": 0.05 for j in range(20)} for i in range(4)}
    data = scenario(demand__0__attributes=attributes)
    refused(capsys, ["check", str(write(tmp_path, data))], "demand[ticket].attributes: the priorities and attribute "
            "values make 160,000 combinations", "at most 2,000")
    two = scenario(demand__0__attributes={name: attributes[name] for name in ("a0", "a1")},
                   demand__0__priority={"P1": 0.5, "P2": 0.5})
    assert main(["check", str(write(tmp_path, two, "two.yaml"))]) == 0  # 2 x 20 x 20 = 800 classes


def calibrate_argv(log: Path, tmp_path: Path) -> list[str]:
    return ["calibrate", str(log), "--case", "case", "--activity", "activity", "--timestamp", "time",
            "--out", str(tmp_path / "calibrated.yaml")]


def test_a_parquet_declaring_too_many_rows_is_refused_from_its_footer(tmp_path, capsys, monkeypatch):
    # A 0.6 MB Parquet declaring 3e7 rows aborted in C++ (std::bad_alloc); the footer is read first now.
    import pyarrow as pa
    import pyarrow.parquet as pq
    import simvalue.eventlog.read as read
    monkeypatch.setattr(read, "MAX_LOG_ROWS", 50)
    log = tmp_path / "log.parquet"
    pq.write_table(pa.table({"case": ["c"] * 51, "activity": ["a"] * 51, "time": ["2024-01-01 10:00"] * 51}), log)
    refused(capsys, calibrate_argv(log, tmp_path), f"{log}: the log has more than 50 rows (its footer says)")
    assert not (tmp_path / "calibrated.yaml").exists()


@pytest.mark.parametrize("name", ["log.csv.gz", "log.xes.gz"])
def test_a_decompression_bomb_stops_at_the_byte_limit(tmp_path, capsys, monkeypatch, name):
    # A 7 MB gzip inflating to 720 MB ended in a pyarrow traceback; 2e7 log attributes in a 1.3 MB .xes.gz filled 4 GB.
    import gzip
    import simvalue.eventlog.read as read
    monkeypatch.setattr(read, "MAX_LOG_BYTES", 100_000)
    if name.endswith(".csv.gz"):
        text = "case,activity,time\n" + "c1,a,2024-01-01 10:00:00\n" * 20_000
    else:
        text = '<log xes.version="1.0">' + '<string key="k" value="v"/>' * 20_000 + "</log>"
    log = tmp_path / name
    log.write_bytes(gzip.compress(text.encode()))
    refused(capsys, calibrate_argv(log, tmp_path), f"{log}: the log is more than 100,000 bytes once decompressed")


def test_a_csv_log_with_too_many_rows_stops_early(tmp_path, capsys, monkeypatch):
    import simvalue.eventlog.read as read
    monkeypatch.setattr(read, "MAX_LOG_ROWS", 100)
    log = tmp_path / "log.csv"
    log.write_text("case,activity,time\n" + "c1,a,2024-01-01 10:00:00\n" * 101)
    refused(capsys, calibrate_argv(log, tmp_path), f"{log}: the log has more than 100 rows")


def test_xes_log_attributes_are_dropped_as_they_are_read(monkeypatch):
    """Log-level attributes are ignored; the tree must not keep them (after the last trace they stayed under <log>)."""
    import io
    import simvalue.eventlog.read as read
    text = ('<log><trace><string key="concept:name" value="c1"/><event><string key="concept:name" value="a"/>'
            '<date key="time:timestamp" value="2024-01-01T10:00:00"/></event></trace>'
            + '<string key="k" value="v"/>' * 1000 + '</log>')
    roots, original = [], read.ET.iterparse

    def spying(stream, events):
        for action, element in original(stream, events=events):
            if element.tag == "log" and action == "start":
                roots.append(element)
            yield action, element
    monkeypatch.setattr(read.ET, "iterparse", spying)
    events, trace_index, traces = {key: [] for key in read.XES_EVENT_KEYS}, [], []
    read._parse_xes(io.BytesIO(text.encode()), Path("x.xes"), events, trace_index, traces)
    assert traces == [{"concept:name": "c1"}] and events["concept:name"] == ["a"]
    assert len(roots[0]) == 0  # nothing left under <log>


def snapshot_scenario(tmp_path: Path, text: str) -> Path:
    (tmp_path / "open.csv").write_text(text, encoding="utf-8")
    return write(tmp_path, scenario(start="2026-03-02 08:00", initial={"file": "open.csv"}))


@pytest.mark.parametrize("text, fragment", [
    ("id,type,priority,step,opened_at\nT1,ticket,,fix,0001-01-01\n",
     "open.csv: line 2 (ticket T1), opened_at: 0001-01-01 is more than 100 years before the scenario's start"),
    ("id,type,id,priority,step,opened_at\nT1,ticket,T2,,fix,2026-03-01\n", "open.csv: line 1: column id appears 2 times"),
    ("id,type,priority,step,opened_at\nT1,ticket,,fix," + "x" * 200_000 + "\n",
     "open.csv: line 2: not a readable CSV file: field larger than field limit"),
])
def test_hostile_snapshots_are_refused_naming_file_and_line(tmp_path, capsys, text, fragment):
    refused(capsys, ["check", str(snapshot_scenario(tmp_path, text))], fragment)


def test_a_snapshot_with_a_byte_order_mark_is_read(tmp_path, capsys):
    # Excel's "CSV UTF-8" starts with a BOM; it was refused as "missing column id".
    path = snapshot_scenario(tmp_path, "\ufeffid,type,priority,step,opened_at\nT1,ticket,,fix,2026-03-01 08:00\n")
    assert load_scenario(path)._initial[0].ticket == "T1"


def test_open_items_beyond_the_limit_are_refused(tmp_path, capsys):
    # A million open items took over 60 s and 1.8 GB per replication; the limit is now 100,000.
    data = scenario(initial=[{"type": "ticket", "step": "fix", "count": 60_000, "age": "1d"},
                             {"type": "ticket", "step": "triage", "count": 40_001, "age": "1d"}])
    refused(capsys, ["check", str(write(tmp_path, data))], "initial: 100,001 open items in all, more than 100,000")


@pytest.mark.parametrize("edit, path", [({"set": {"horizon": "40d"}}, "changes[0].set.horizon"),
                                        ({"set": {"changes": []}}, "changes[0].set.changes"),
                                        ({"scale": {"drain": 2}}, "changes[0].scale.drain")])
def test_a_change_over_time_of_a_run_setting_is_refused(tmp_path, capsys, edit, path):
    # It was accepted and had no effect.
    data = scenario(changes=[{"at": "5d", **edit}])
    refused(capsys, ["check", str(write(tmp_path, data))], f"{path}: ", "is fixed for the whole run")


@pytest.mark.parametrize("address", ["garbage://x", "tcp://", "no port"])
def test_a_scheduler_address_dask_cannot_speak_is_refused_at_once(tmp_path, capsys, address):
    # garbage://x waited 40 s, then ended in a TimeoutError traceback.
    path = write(tmp_path, BASE)
    refused(capsys, ["sweep", str(path), "--param", "teams.desk.capacity=2,3", "-r", "1", "--scheduler", address,
                     "--out", str(tmp_path / "s.parquet")], f"--scheduler {address!r}: expected 'local' or an address")
    assert not (tmp_path / "s.parquet").exists()


def forked(then: str = "build", b0_next: dict | None = None, seed: int = 1) -> dict:
    """One item at 1 h forks into b0 (2 h, team t0) and b1 (5 h, team t1), joins all, then ``then``."""
    activity = "design_and_transition"
    steps = [{"name": "approvals", "activity": activity, "fork": {"branches": ["b0", "b1"], "then": then}},
             {"name": "b0", "activity": activity, "team": "t0", "effort": "2h", "next": b0_next or {"join": 1.0}},
             {"name": "b1", "activity": activity, "team": "t1", "effort": "5h", "next": {"join": 1.0}},
             {"name": "build", "activity": "obtain_build", "team": "dev", "effort": "1h"}]
    return {"name": "fork", "replications": 1, "seed": seed, "horizon": "1.5h", "drain": "2d",
            "teams": {"t0": {"capacity": 1}, "t1": {"capacity": 1}, "dev": {"capacity": 1}},
            "demand": [{"type": "t", "stream": "s", "arrivals": {"every": "1h"}}], "streams": {"s": {"steps": steps}}}


@pytest.mark.parametrize("then, fragment", [
    # The item went on to b0 after the join, a step built for branches: 'Item' object has no attribute 'item'.
    ("b0", "streams.s.steps[approvals].fork.then: step 'b0' is on branch 1 of fork 'approvals'"),
    # A fork going on to itself: theory.visit_ratios raised 'routing has a closed loop' (a ValueError).
    ("approvals", "streams.s.steps[approvals].fork.then: this step cannot reach 'done'"),
])
def test_a_fork_going_on_to_a_branch_or_to_itself_is_refused(tmp_path, capsys, then, fragment):
    refused(capsys, ["check", str(write(tmp_path, forked(then)))], fragment)


def test_a_fork_looping_back_for_ever_is_refused(tmp_path, capsys):
    # intake -> fork -> intake, never done: the branches reach the join, which no longer counts as a way out.
    data = forked("intake")
    data["streams"]["s"]["steps"].insert(0, {"name": "intake", "activity": "engage", "team": "dev", "effort": "1h"})
    refused(capsys, ["check", str(write(tmp_path, data))], "streams.s.steps[intake]: this step cannot reach 'done'")


@pytest.mark.filterwarnings("ignore:.*is overloaded")  # one item at 1 h: the offered load counts every hour
def test_a_branch_looping_on_itself_before_the_join_runs_exactly():
    # b0 repeats with probability 0.5 (seed 10: three times, 1 -> 3 -> 5 -> 7); b1 arrives at 6; the join at 7.
    results = simulate(forked(b0_next={"b0": 0.5, "join": 0.5}, seed=10))
    events = results.events.sort_values(["step", "started"])
    rows = [[str(r.step), r.queued, r.started, r.finished, r.work] for r in events.itertuples()]
    assert rows == [["approvals", 6, 6, 7, 0], ["b0", 1, 1, 3, 2], ["b0", 3, 3, 5, 2], ["b0", 5, 5, 7, 2],
                    ["b1", 1, 1, 6, 5], ["build", 7, 7, 8, 1]]
    item = results.items.iloc[0]
    assert (item["time_to_value"], item["work_time"], item["wait_time"]) == (7.0, 12.0, 0.0)


@pytest.mark.parametrize("activity", [["fix"], ["engage"]])
def test_an_activity_given_a_list_is_refused_naming_the_values(tmp_path, capsys, activity):
    refused(capsys, ["check", str(write(tmp_path, scenario(streams__flow__steps__1__activity=activity)))],
            "streams.flow.steps[fix].activity: input should be 'plan', 'improve', 'engage'", "got list")


def test_escalation_to_the_team_already_doing_the_work_is_refused(tmp_path, capsys):
    # It was accepted: waiting work moved into its own team's queue, changing nothing but the records.
    data = scenario(streams__flow__steps__1__escalate={"after": "1h", "team": "desk"})
    refused(capsys, ["check", str(write(tmp_path, data))], "streams.flow.steps[fix].escalate.team: escalates to "
            "'desk', the team already doing this step's work")


def test_a_sweep_over_its_total_budget_is_refused_up_front(tmp_path, capsys):
    # A 100,000-point grid of this desk ran about 100 minutes unasked: 2e5 tasks of 480 events and 15,000 for
    # building each is 3.1e9 events against the default budget of 5e8.
    path = write(tmp_path, BASE)
    refused(capsys, ["sweep", str(path), "--param", "teams.desk.capacity=1:100000", "--out", str(tmp_path / "s.parquet")],
            f"{path}: this sweep would simulate about 3,100,000,000 events in all (100,000 points x 2 replications x "
            "about 480 events", "more than the sweep budget of 500,000,000", "--max-total-events")
    assert not (tmp_path / "s.parquet").exists()
    small = ["sweep", str(path), "--param", "teams.desk.capacity=2,3", "-r", "1", "--serial",
             "--out", str(tmp_path / "t.parquet")]
    refused(capsys, small + ["--max-total-events", "3e4"], "about 31,000 events in all", "budget of 30,000")
    assert main(small + ["--max-total-events", "4e4"]) == 0


def test_a_sweep_smaller_than_a_pools_start_up_runs_in_process(tmp_path, capsys, monkeypatch):
    # One point x 8 short replications on 2 workers took 0.76 of the serial time: the pool costs about 2 s.
    from simvalue.sweeps.executors import ProcessExecutor
    serial = simvalue.sweep(BASE, {"teams.desk.capacity": [2, 3]}, replications=2, executor="serial")

    def no_pool(self, fn, tasks):
        raise AssertionError("a process pool was started for a sweep of well under 2 s")
    monkeypatch.setattr(ProcessExecutor, "map_unordered", no_pool)
    pooled = simvalue.sweep(BASE, {"teams.desk.capacity": [2, 3]}, replications=2, executor="process", workers=2)
    pd.testing.assert_frame_equal(serial, pooled)
    assert pooled.attrs["in_process"].startswith("ran in this process, not a process pool: about 0.")
    assert serial.attrs["in_process"] == ""
    assert main(["sweep", str(write(tmp_path, BASE)), "--param", "teams.desk.capacity=2,3", "--workers", "2",
                 "--out", str(tmp_path / "s.parquet")]) == 0
    assert "simvalue: ran in this process, not a process pool" in capsys.readouterr().err
