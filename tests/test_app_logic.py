"""The web app's logic without a browser: listing, overlays from controls, the CLI's checks, saving, running."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from simvalue.app.controls import control_for, controls_for, edit, overlay_with, simulated_gates, values_in
from simvalue.app.folder import baselines, inside, load_baseline, read_saved, variants_of
from simvalue.app.overlay import check_overlay, file_stem, overlay_text, read_overlay, save_overlay, starting_overlay
from simvalue.app.overview import loads, streams
from simvalue.app.runs import Job, Jobs, run_options
from simvalue.cli import main
from simvalue.decisions.comparison import compare
from simvalue.errors import ScenarioError, SimvalueError
from simvalue.scenario import load_variant
from simvalue.decisions.verdict import verdicts

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
BASE = "change_enablement.yaml"


@pytest.fixture(scope="module")
def baseline():
    return load_baseline(SCENARIOS, BASE)[0]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder holding a copy of the bundled change-enablement scenario, for saving into."""
    target = tmp_path / "scenarios"
    target.mkdir()
    shutil.copy(SCENARIOS / BASE, target / BASE)
    return target


def test_lists_whole_scenarios_as_baselines_and_variants_by_their_base():
    names = [f.relative for f in baselines(SCENARIOS)]
    assert names == sorted(names) and {"change_enablement.yaml", "onboarding.yaml", "service_desk.yaml"} <= set(names)
    assert not any(name.startswith(("variants/", "backlog/")) for name in names)
    saved = {f.relative for f in variants_of(SCENARIOS, BASE)}
    assert "variants/extra_platform_engineer.yaml" in saved and "variants/self_service_requests.yaml" not in saved


@pytest.mark.parametrize("outside", ["../pyproject.toml", "../../etc/passwd", "variants", "missing.yaml"])
def test_reads_only_scenario_files_inside_the_folder(outside):
    with pytest.raises(ScenarioError, match="no scenario file"):
        inside(SCENARIOS, outside)


def test_overview_gives_steps_in_flow_order_and_the_offered_load(baseline):
    normal = next(s for s in streams(baseline) if s.name == "normal_change")
    assert [s.name for s in normal.steps] == ["assess", "cab", "build", "test", "deploy", "review"]
    assert normal.steps[1].kind == "cab" and normal.steps[1].visits == pytest.approx(1 / 0.85)
    platform = next(load for load in loads(baseline) if load.name == "platform")
    assert platform.utilisation == pytest.approx(0.73, abs=0.01) and platform.status == "ok"


def test_controls_make_set_and_scale_edits_only_where_they_leave_the_baseline(baseline):
    values = {"name": "faster", "teams.platform.capacity": 4, "teams.qa.capacity": 1,
              "streams.normal_change.steps.cab.gate.kind": "auto",
              "streams.normal_change.steps.build.automation.share": 0.3,
              "streams.normal_change.steps.build.automation.effort": "10min", "demand.scale": 1.2}
    overlay = overlay_with(starting_overlay(BASE, "what if"), baseline, values)
    assert overlay["name"] == "faster" and overlay["base"] == "../change_enablement.yaml"
    assert overlay["set"] == {
        "teams.platform.capacity": 4,
        "streams.normal_change.steps.cab.gate": {"kind": "auto", "approve": 0.85, "on_reject": "assess"},
        "streams.normal_change.steps.build.automation": {"share": 0.3, "effort": "10min"}}
    assert overlay["scale"]["demand.incident.arrivals.rate"] == 1.2
    assert overlay["scale"]["demand.emergency_change.arrivals.every"] == pytest.approx(1 / 1.2, rel=1e-5)
    assert values_in(overlay, baseline) | values == values_in(overlay, baseline)  # the YAML sets the controls back
    unchanged = overlay_with(overlay, baseline, {c.key: c.baseline for c in controls_for(baseline)})
    assert "set" not in unchanged and "scale" not in unchanged


def test_switching_a_gate_shows_the_timing_the_variant_simulates(baseline):
    """Switching the CAB to auto left "check takes 1w" on screen while the variant had no delay at all."""
    gate = "streams.normal_change.steps.cab.gate"
    start = starting_overlay(BASE, "v")
    shown = values_in(start, baseline)
    assert shown[f"{gate}.timing"] == "1w"
    overlay, reset = edit(start, baseline, {**shown, f"{gate}.kind": "auto"}, f"{gate}.kind")
    assert reset == {f"{gate}.timing": ""} and "delay" not in overlay["set"][gate]
    assert simulated_gates(check_overlay(baseline, overlay, SCENARIOS).scenario)[f"{gate}.timing"] == \
        "simulated: an automated check, no delay"
    typed = {**shown, f"{gate}.kind": "auto", f"{gate}.timing": "1w"}  # now typed for the check: it counts
    overlay, reset = edit(overlay, baseline, typed, f"{gate}.timing")
    assert overlay["set"][gate]["delay"] == "1w" and reset == {}
    assert simulated_gates(check_overlay(baseline, overlay, SCENARIOS).scenario)[f"{gate}.timing"].startswith(
        "simulated: an automated check taking ")
    overlay, reset = edit(overlay, baseline, {**typed, f"{gate}.kind": "cab"}, f"{gate}.kind")
    assert reset == {f"{gate}.timing": "1w"} and "set" not in overlay  # back to the baseline's CAB
    assert simulated_gates(baseline)[f"{gate}.timing"] == "simulated: a CAB that meets every 7 d"


def test_every_team_is_editable_in_people_as_the_load_table_counts_them():
    """The desk (shifts, no capacity) had no field; network's field said 2 where the load table said 0.536."""
    desk, _ = load_baseline(SCENARIOS, "service_desk.yaml")
    teams = {c.key: c for c in controls_for(desk) if c.group == "teams"}
    assert {key.split(".")[1] for key in teams} == set(desk.teams)
    shift = "teams.service_desk.shifts.0.capacity"
    assert teams[shift].label == "service_desk mon-fri 08:00-18:00" and teams[shift].baseline == 4
    overlay = overlay_with({"name": "v"}, desk, {shift: 5})
    assert overlay["set"] == {"teams.service_desk.shifts": [
        {"days": "mon-fri", "hours": "08:00-18:00", "capacity": 5}, {"days": "mon-sun", "hours": "18:00-08:00",
                                                                     "capacity": 1},
        {"days": "sat-sun", "hours": "08:00-18:00", "capacity": 1}]}
    assert [s.capacity for s in check_overlay(desk, overlay, SCENARIOS).scenario.teams["service_desk"].shifts] == \
        [5, 1, 1]
    assert values_in(overlay, desk)[shift] == 5
    bad = check_overlay(desk, overlay_with({"name": "v"}, desk, {shift: 0}), SCENARIOS)
    assert control_for(bad.path, list(teams)) == shift
    by_name = {load.name: load for load in loads(desk)}
    assert by_name["network"].on_duty == "2" == str(teams["teams.network.capacity"].baseline)
    assert teams["teams.network.capacity"].hint == \
        "people on duty in its hours (mon-fri 08:00-17:00): 0.536 on average over the week"
    assert by_name["network"].capacity == pytest.approx(0.5357, abs=1e-4)
    assert by_name["service_desk"].on_duty == "1\u20134" and "1.89 on average over the week" in teams[shift].hint


def test_controls_keep_edits_typed_in_the_yaml(baseline):
    typed = {"name": "v", "set": {"horizon": "30d", "teams.platform.capacity": 5}}
    overlay = overlay_with(typed, baseline, {"teams.platform.capacity": 4, "streams.normal_change.steps.cab.gate.timing": "3.5d"})
    assert overlay["set"] == {"horizon": "30d", "teams.platform.capacity": 4,
                              "streams.normal_change.steps.cab.gate.meets": "3.5d"}


def test_a_bad_value_gets_the_clis_message_beside_its_field(baseline, capsys):
    overlay = overlay_with({"name": "v"}, baseline, {"teams.platform.capacity": -1})
    result = check_overlay(baseline, overlay, SCENARIOS)
    assert not result.ok and result.path == "teams.platform.capacity"
    assert result.message == "teams.platform.capacity: input should be greater than or equal to 1, got -1"
    assert main(["compare", str(SCENARIOS / BASE), "--set", "teams.platform.capacity=-1"]) == 2
    assert result.message in capsys.readouterr().err
    keys = [c.key for c in controls_for(baseline)]
    assert control_for(result.path, keys) == "teams.platform.capacity"


@pytest.mark.parametrize("edit, field", [
    ({"set": {"streams.normal_change.steps.cab.gate.meets": "2x"}}, "streams.normal_change.steps.cab.gate.timing"),
    ({"set": {"streams.normal_change.steps.build.automation": {"share": 0.5}}},
     "streams.normal_change.steps.build.automation.effort"),
    ({"scale": {"demand.incident.arrivals.rate": -2}}, "demand.scale"),
    ({"economics": {"investment": -3}}, "economics.investment"),
    ({"set": {"teams.platfrm.capacity": 2}}, None),  # no such field: shown beside the YAML
])
def test_errors_lead_to_the_field_they_concern(baseline, edit, field):
    result = check_overlay(baseline, {"name": "v", **edit}, SCENARIOS)
    assert not result.ok
    assert control_for(result.path, [c.key for c in controls_for(baseline)]) == field


def test_reads_the_yaml_as_the_cli_reads_a_file(baseline):
    overlay = overlay_with(starting_overlay(BASE, "v"), baseline, {"teams.platform.capacity": 4})
    assert read_overlay(overlay_text(overlay)) == overlay
    with pytest.raises(ScenarioError, match=r"variant YAML: line 1, column 8: malformed YAML"):
        read_overlay("name: [")
    with pytest.raises(ScenarioError, match="duplicate key 'name'"):
        read_overlay("name: a\nname: b\n")
    assert not check_overlay(baseline, {"name": baseline.name}, SCENARIOS).ok  # a variant named like its baseline


def test_saves_a_file_compare_accepts_and_never_replaces_silently(folder, baseline, capsys):
    overlay = overlay_with({"name": "Two more platform engineers!"}, baseline, {"teams.platform.capacity": 5})
    path = save_overlay(folder, BASE, overlay)
    assert path == folder / "variants" / "two_more_platform_engineers.yaml"
    assert load_variant(None, path).teams["platform"].capacity == 5  # its base: resolves from the file
    assert main(["compare", str(folder / BASE), str(path), "-r", "1"]) == 0
    assert "Two more platform engineers!" in capsys.readouterr().out
    with pytest.raises(ScenarioError, match="exists already"):
        save_overlay(folder, BASE, {**overlay, "set": {"teams.platform.capacity": 6}})
    assert load_variant(None, path).teams["platform"].capacity == 5
    save_overlay(folder, BASE, {**overlay, "set": {"teams.platform.capacity": 6}}, replace=True)
    assert load_variant(None, path).teams["platform"].capacity == 6


def test_saves_nothing_invalid_and_sanitises_names(folder):
    with pytest.raises(ScenarioError, match="teams.platform.capacity"):
        save_overlay(folder, BASE, {"name": "bad", "set": {"teams.platform.capacity": 0}})
    assert not (folder / "variants" / "bad.yaml").exists()
    assert file_stem("../../etc/passwd") == "etc_passwd" and file_stem("Über CAB") == "uber_cab"
    with pytest.raises(ScenarioError, match="letters or digits"):
        file_stem("../..")


def test_a_variant_may_name_files_only_inside_the_folders_variants(folder, tmp_path):
    """`set: {initial: {file: /etc/passwd}}` showed the file's first line; a snapshot beside the saved
    variants is read as `compare` reads it from the saved file."""
    shutil.copy(SCENARIOS / "service_desk.yaml", folder / "service_desk.yaml")
    desk, _ = load_baseline(folder, "service_desk.yaml")
    (tmp_path / "secret.csv").write_text("id,type,priority,step,opened_at\nsecret\n")
    for outside in ("/etc/passwd", "../../secret.csv", str(tmp_path / "secret.csv"), "/dev/zero"):
        for edit in ({"initial": {"file": outside}}, {"initial.file": outside}):
            result = check_overlay(desk, {"name": "v", "set": edit}, folder)
            assert not result.ok and result.message.startswith(
                f"set.initial.file: the app reads files only inside "
                f"{folder / 'variants'}, got {outside!r}")
            assert "found:" not in result.message and "line 1" not in result.message  # nothing of the file
    (folder / "variants").mkdir()
    (folder / "variants" / "open.csv").write_text("id,type,priority,step,opened_at\n"
                                                  "1,incident,P3,application_fix,2026-03-01 10:00\n")
    overlay = {"name": "from a snapshot", "set": {"initial": {"file": "open.csv"}}}
    assert check_overlay(desk, overlay, folder).scenario.initial.file == str(folder / "variants" / "open.csv")
    saved = save_overlay(folder, "service_desk.yaml", overlay)
    assert load_variant(None, saved).initial.file == str(folder / "variants" / "open.csv")


def test_opens_saved_variants_only_from_the_folders_variants(folder, tmp_path):
    """`open a saved variant` read `folder / name` unchecked: `../secret.yaml`, an absolute path, /dev/zero."""
    (folder / "variants").mkdir()
    (folder / "variants" / "mine.yaml").write_text("name: mine\nbase: ../change_enablement.yaml\n")
    assert read_saved(folder, "variants/mine.yaml").startswith("name: mine")
    (tmp_path / "secret.yaml").write_text("name: secret\n")
    (folder / "variants" / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    for outside in ("../secret.yaml", str(tmp_path / "secret.yaml"), "/dev/zero", "variants/../../secret.yaml",
                    "variants/link.yaml", BASE):
        with pytest.raises(ScenarioError, match=r"no saved variant .* in .*variants"):
            read_saved(folder, outside)
    os.mkfifo(folder / "variants" / "pipe.yaml")
    with pytest.raises(ScenarioError, match="not a file"):
        read_saved(folder, "variants/pipe.yaml")
    (folder / "variants" / "big.yaml").write_text("# " + "x" * 3_000_000)
    with pytest.raises(ScenarioError, match="more than the limit"):
        read_saved(folder, "variants/big.yaml")


def test_variants_are_never_written_through_a_link(folder, baseline, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (folder / "variants").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ScenarioError, match="variants: expected a folder of variant files inside"):
        save_overlay(folder, BASE, {"name": "v", "set": {"teams.platform.capacity": 4}})
    with pytest.raises(ScenarioError, match="variants: expected a folder of variant files inside"):
        read_saved(folder, "variants/v.yaml")
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.parametrize("replications, seed, expected", [
    (None, "", (None, None)), (3.0, 7, (3, 7)), ("4", "0", (4, 0)),
    ("abc", None, "replications: expected a whole number of at least 1, or nothing for the scenario's own, "
                  "got 'abc'"),
    (2.5, None, "replications: .* got '2.5'"), (0, None, "replications: .* got '0'"),
    (True, None, "replications: .* got 'True'"), (2, -1, "seed: expected a whole number of at least 0"),
    (2, float("nan"), "seed: .* got 'nan'"),
])
def test_run_options_are_whole_numbers_or_a_clear_message(replications, seed, expected):
    """Replications `abc` showed an internal TypeError."""
    if isinstance(expected, tuple):
        assert run_options(replications, seed) == expected
    else:
        with pytest.raises(ScenarioError, match=expected):
            run_options(replications, seed)


def test_a_run_gives_the_verdict_in_the_reports_words(baseline):
    variant = check_overlay(baseline, {"name": "more platform", "set": {"teams.platform.capacity": 4}},
                            SCENARIOS).scenario
    jobs = Jobs()
    job_id = jobs.start(baseline, variant, 2, 3)
    job = jobs.get(job_id)
    deadline = time.monotonic() + 60
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.finished and not job.error and job.fraction == 1
    verdict, = job.outcome.verdicts
    same, = verdicts(compare(baseline, variant, replications=2, seed=3))
    assert verdict == same  # the words of the HTML report and the terminal
    assert "Team platform is freed" in verdict.summary
    assert job.outcome.changes == ("set teams.platform.capacity to 4",)
    assert [c.title for c in job.outcome.charts][-1] == "Team load"
    first = job.outcome.charts[0]  # inline SVG with its text as text, named for a screen reader (chart_style.svg)
    assert first.svg.startswith("<svg") and "<text" in first.svg and f'aria-label="{first.title}"' in first.svg


def test_a_failed_run_keeps_its_message():
    job = Job(("base", "variant"), 2)

    def fail(progress):
        progress("base", 1, 2)
        raise SimvalueError("replications must be a positive whole number, got 0")
    job.run(fail)
    assert job.finished and job.error == "replications must be a positive whole number, got 0"
    assert job.stage == "failed" and job.fraction == 0.25


def test_import_simvalue_does_not_load_the_web_framework():
    code = "import sys, simvalue, simvalue.cli; assert 'dash' not in sys.modules and 'flask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_app_help(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["app", "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "usage: simvalue app [-h] [--port N] [DIR]" in text and "127.0.0.1 only" in text


def test_serves_on_loopback_only_and_refuses_other_hosts(tmp_path):
    from simvalue.app.server import make

    with pytest.raises(SimvalueError, match="no such folder"):
        make(tmp_path / "missing")
    server = make(SCENARIOS, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert server.server_address[0] == "127.0.0.1"
        with pytest.raises(SimvalueError, match="choose another --port"):
            make(SCENARIOS, server.server_port)
        url = f"http://127.0.0.1:{server.server_port}/"
        assert urllib.request.urlopen(url, timeout=10).status == 200
        with pytest.raises(urllib.error.HTTPError, match="403"):
            urllib.request.urlopen(urllib.request.Request(url, headers={"Host": "example.com"}), timeout=10)
    finally:
        server.shutdown()
        server.server_close()
