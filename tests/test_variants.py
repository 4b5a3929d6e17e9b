"""Variant files: dotted paths, set and scale, and clear errors for paths that do not exist."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simvalue import ScenarioError, load_scenario, load_variant

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def test_set_and_scale_by_dotted_paths(change_scenario):
    base = load_scenario(change_scenario)
    variant = load_variant(base, {
        "name": "edited",
        "set": {"streams.change.steps.approve.gate": {"kind": "auto", "delay": "5min", "approve": 0.97},
                "teams.platform.capacity": 4, "teams.new_team": {"capacity": 1}},
        "scale": {"demand.incident.arrivals.rate": 1.5, "streams.change.steps.build.effort": 0.5,
                  "demand.change.arrivals.every": 2, "teams.desk.capacity": 2},
    })
    assert variant.name == "edited"
    gate = variant.streams["change"].steps[1].gate
    assert (gate.kind, gate.delay.mean, gate.approve) == ("auto", pytest.approx(5 / 60), 0.97)
    assert variant.teams["platform"].capacity == 4 and variant.teams["new_team"].capacity == 1
    assert variant.teams["desk"].capacity == 4
    assert variant.demand[1].arrivals.rate == pytest.approx(base.demand[1].arrivals.rate * 1.5)
    assert variant.demand[0].arrivals.every.mean == pytest.approx(8.0)
    assert str(variant.streams["change"].steps[2].effort) == "gamma(mean=1h, cv=0.8)"
    # The base is untouched.
    assert base.teams["platform"].capacity == 2


def test_an_empty_variant_reproduces_the_base(change_scenario):
    base = load_scenario(change_scenario)
    same = load_variant(base, {"name": base.name})
    assert same.model_dump() == base.model_dump()


@pytest.mark.parametrize("edit, message", [
    ({"set": {"teams.platfrom.capacity": 3}},
     r"set\.teams\.platfrom\.capacity: no field 'platfrom' in teams; did you mean 'platform'\?"),
    ({"set": {"streams.change.steps.aprove.gate.approve": 1}},
     r"set\.streams\.change\.steps\.aprove\.gate\.approve: no entry 'aprove' in streams\.change\.steps; "
     r"did you mean 'approve'\? \(valid: assess, approve, build, deploy, review\)"),
    ({"set": {"horizn": "3d"}}, r"set\.horizn: no field 'horizn' in the top level; did you mean 'horizon'"),
    ({"scale": {"teams.platform.capacity": 1.3}}, r"scale\.teams\.platform\.capacity: 2 x 1\.3 = 2\.6 is not a whole"),
    ({"scale": {"teams.platform.capacity": -1}}, r"scale\.teams\.platform\.capacity: input should be greater than 0, got -1"),
    ({"set": {"teams.platform.capacity": 0}}, r"teams\.platform\.capacity: input should be greater than or equal to 1"),
])
def test_bad_variant_paths_name_the_path_and_nearest_names(tmp_path, change_scenario, edit, message):
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump({"name": "bad", **edit}))
    with pytest.raises(ScenarioError, match=rf"{path}: {message}"):
        load_variant(load_scenario(change_scenario), path)


def test_variant_base_is_relative_to_the_variant_file():
    scenario = load_variant(None, SCENARIOS / "variants" / "extra_platform_engineer.yaml")
    assert scenario.teams["platform"].capacity == 4


def test_variant_without_any_base_is_an_error(tmp_path):
    path = tmp_path / "variant.yaml"
    path.write_text("name: lonely\nset: {teams.a.capacity: 2}\n")
    with pytest.raises(ScenarioError, match=rf"{path}: base: no base scenario"):
        load_variant(None, path)


@pytest.mark.parametrize("variant", sorted((SCENARIOS / "variants").glob("*.yaml")))
def test_bundled_variants_load_without_warnings(variant, recwarn):
    scenario = load_variant(None, variant)
    assert scenario.name and not [w for w in recwarn if "simvalue" in str(w.filename)]


def test_a_shift_is_edited_by_its_position():
    """Shifts have no name: ``shifts[1]`` (or ``shifts.1``) is the second; a position past the end is refused
    naming the positions there are."""
    base = load_scenario(Path(__file__).parent.parent / "scenarios" / "service_desk_phone.yaml")
    variant = load_variant(base, {"name": "evening", "set": {"teams.service_desk.shifts[1].capacity": 3},
                                  "scale": {"teams.service_desk.shifts.0.capacity": 2}})
    before, after = base.teams["service_desk"].shifts, variant.teams["service_desk"].shifts
    assert [s.capacity for s in after] == [2 * before[0].capacity, 3, before[2].capacity]
    with pytest.raises(ScenarioError, match=r"shifts\[5\].capacity: no entry '5' .*valid: 0 to 2"):
        load_variant(base, {"name": "x", "set": {"teams.service_desk.shifts[5].capacity": 1}})
