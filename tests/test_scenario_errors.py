"""Bad input gets one clear message naming the file, the field path and what was expected."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from simvalue import ScenarioError, UnstableScenarioError, load_scenario
from simvalue.scenario import ScenarioWarning


def write(tmp_path: Path, data: dict | str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def broken(change_scenario: dict, edit) -> dict:
    data = copy.deepcopy(change_scenario)
    edit(data)
    return data


def steps(data: dict, stream: str = "change") -> list[dict]:
    return data["streams"][stream]["steps"]


CASES = {
    "unknown team": (
        lambda d: steps(d)[0].update(team="platfrom"),
        r"streams\.change\.steps\[assess\]\.team: unknown team 'platfrom'; did you mean 'platform'"),
    "unknown approver team": (
        lambda d: steps(d)[1].update(gate={"kind": "approver", "team": "cab", "effort": "1h"}),
        r"streams\.change\.steps\[approve\]\.gate\.team: unknown team 'cab'"),
    "unknown next step": (
        lambda d: steps(d, "incident")[1].update(next={"triag": 0.1, "done": 0.9}),
        r"streams\.incident\.steps\[resolve\]\.next\.triag: unknown step 'triag'; did you mean 'triage'"),
    "unknown stream": (
        lambda d: d["demand"][0].update(stream="changes"),
        r"demand\[change\]\.stream: unknown stream 'changes'"),
    "probabilities not summing to 1": (
        lambda d: steps(d, "incident")[1].update(next={"triage": 0.2, "done": 0.9}),
        r"streams\.incident\.steps\[resolve\]\.next: 'next' probabilities must sum to 1, got 1\.1"),
    "priority not summing to 1": (
        lambda d: d["demand"][1].update(priority={"P1": 0.5, "P2": 0.6}),
        r"demand\[incident\]\.priority: priority probabilities must sum to 1"),
    "negative duration": (
        lambda d: steps(d)[0].update(effort="-2h"),
        r"streams\.change\.steps\[assess\]\.effort: must not be negative, got '-2h'"),
    "unitless duration": (
        lambda d: steps(d)[0].update(effort=2),
        r"streams\.change\.steps\[assess\]\.effort: a duration needs a unit .* got the bare number 2"),
    "unknown unit": (
        lambda d: d.update(horizon="3 months"),
        r"horizon: unknown time unit 'months' in '3 months'; expected one of s, min, h, d, w"),
    "unknown distribution": (
        lambda d: steps(d)[0].update(effort="poisson(mean=2h)"),
        r"streams\.change\.steps\[assess\]\.effort: unknown distribution 'poisson'.*expected one of"),
    "wrong distribution parameters": (
        lambda d: steps(d)[0].update(effort="gamma(mean=2h, shape=3)"),
        r"streams\.change\.steps\[assess\]\.effort: .* expected gamma\(mean, cv\) or gamma\(mean, sd\)"),
    "unknown activity": (
        lambda d: steps(d)[0].update(activity="planning"),
        r"streams\.change\.steps\[assess\]\.activity: input should be 'plan', 'improve'.*got 'planning'"),
    "probability above 1": (
        lambda d: steps(d)[1]["gate"].update(approve=1.3),
        r"streams\.change\.steps\[approve\]\.gate\.approve: input should be less than or equal to 1, got 1\.3"),
    "cannot reach done": (
        lambda d: steps(d, "incident")[1].update(next={"triage": 1.0}),
        r"streams\.incident\.steps\[triage\]: this step cannot reach 'done'"),
    "unknown field": (
        lambda d: d["teams"]["platform"].update(capacty=3),
        r"teams\.platform\.capacty: unknown field"),
    "gate with team": (
        lambda d: steps(d)[1].update(team="platform"),
        r"streams\.change\.steps\[approve\]: a gate step takes no team"),
    "work step without effort": (
        lambda d: steps(d)[0].pop("effort"),
        r"streams\.change\.steps\[assess\]: a work step needs effort"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_scenario_names_file_and_field(tmp_path, change_scenario, case):
    edit, expected = CASES[case]
    path = write(tmp_path, broken(change_scenario, edit))
    with pytest.raises(ScenarioError, match=re.escape(str(path)) + ": " + expected):
        load_scenario(path)


def test_an_overload_is_a_warning_naming_the_field_not_an_error(change_scenario):
    # Issue 21: an overloaded team is simulated and its growing backlog reported; UnstableScenarioError stays in
    # the API for code that catches it, but loading no longer raises it.
    data = broken(change_scenario, lambda d: d["teams"]["desk"].update(capacity=1))
    data["demand"][1]["arrivals"]["rate"] = "30/d"
    with pytest.warns(ScenarioWarning, match=r"teams\.desk\.capacity: team 'desk' is overloaded: offered load .* "
                                             r"capacity 1 .* queue grows by about"):
        scenario = load_scenario(data)
    assert scenario.teams["desk"].capacity == 1 and issubclass(UnstableScenarioError, ScenarioError)


def test_malformed_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path, "name: x\nteams: {a: {capacity: 2}\nhorizon: 1d\n")
    with pytest.raises(ScenarioError, match=re.escape(str(path)) + r": line \d+, column \d+: malformed YAML"):
        load_scenario(path)


def test_yaml_that_is_not_a_mapping(tmp_path):
    with pytest.raises(ScenarioError, match="expected a mapping of scenario fields at the top, got list"):
        load_scenario(write(tmp_path, "- a\n- b\n"))


def test_missing_file():
    with pytest.raises(ScenarioError, match=r"nope\.yaml: file not found"):
        load_scenario("nope.yaml")


def test_yaml_tags_are_not_constructed(tmp_path):
    path = write(tmp_path, "name: !!python/object/apply:os.system ['echo hacked']\nhorizon: 1d\n")
    with pytest.raises(ScenarioError, match="malformed YAML"):
        load_scenario(path)


def test_loading_leaves_the_callers_mapping_untouched(change_scenario):
    before = copy.deepcopy(change_scenario)
    load_scenario(change_scenario)
    assert change_scenario == before


def test_flow_mapping_distribution_split_at_comma_is_rejoined(tmp_path):
    flow = ("name: flow\nhorizon: 10d\nteams: {t: {capacity: 2}}\n"
            "demand: [{type: a, stream: s, arrivals: {every: gamma(mean=3h, cv=0.7)}}]\n"
            "streams: {s: {steps: [{name: w, activity: engage, team: t, effort: triangular(min=1h, mode=2h, max=4h)}]}}\n")
    scenario = load_scenario(write(tmp_path, flow))
    assert str(scenario.demand[0].arrivals.every) == "gamma(mean=3h, cv=0.7)"
    assert str(scenario.streams["s"].steps[0].effort) == "triangular(min=1h, mode=2h, max=4h)"
