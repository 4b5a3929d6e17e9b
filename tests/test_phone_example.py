"""The bundled example of issue 23 (scenarios/service_desk_phone.yaml): a desk on shifts whose callers give up
and ring back, network engineers on office hours who help it, and ``staff`` answering per shift."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import yaml

import simvalue
from simvalue.cli import main

EXAMPLE = Path(__file__).parent.parent / "scenarios" / "service_desk_phone.yaml"


def _short(**extra) -> dict:
    """The example over one week after a day's warm-up (fast), as a mapping."""
    data = yaml.safe_load(EXAMPLE.read_text())
    return data | {"warmup": "1d", "horizon": "1w", "replications": 1} | extra


def test_the_example_loads_without_warnings_and_shows_the_three_levers():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scenario = simvalue.load_scenario(EXAMPLE)
    assert scenario.teams["service_desk"].shifts is not None and scenario.teams["network"].calendar is not None
    results = simvalue.simulate(simvalue.load_scenario(_short()))
    calls = results.items[results.items["type"] == "call"]
    assert (calls["outcome"] == "abandoned").sum() > 0  # callers hang up ...
    split = results.groups.set_index(["group", "served"])["hours"]
    assert split[("engineers who help the desk", "service_desk")] > 0  # ... and the engineers help the desk
    assert ("network specialist", "service_desk") not in split.index


def test_staff_answers_per_shift_for_p2(tmp_path):
    path, out = tmp_path / "phone.yaml", tmp_path / "staff.json"
    path.write_text(yaml.safe_dump(_short(), sort_keys=False))
    code = main(["staff", str(path), "--goal", "incident.P2=90%", "--team", "service_desk", "-r", "1", "--seed", "1",
                 "--json", str(out)])
    assert code == 0
    answer = json.loads(out.read_text())
    shifts = answer["shifts"]["service_desk"]
    assert set(shifts) == {"mon-fri 07:00-15:00", "mon-fri 15:00-23:00", "sat-sun 08:00-20:00"}
    assert all(people >= 1 for people in shifts.values()) and answer["teams"] == {"service_desk": max(shifts.values())}
