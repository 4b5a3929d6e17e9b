"""Hostile YAML is refused in one line naming the file: no traceback, no hang, no memory exhaustion."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from simvalue import load_scenario
from simvalue.cli import main
from simvalue.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES
from simvalue.scenario import load as load_module


def laughs(levels: int = 9) -> str:
    """A "billion laughs": each level lists nine aliases of the level before (9^9 strings)."""
    lines = [f'l0: &l0 [{", ".join(["x"] * 9)}]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def flow_laughs(levels: int = 9) -> str:
    """The same bomb as one flow sequence, for a --set value."""
    parts = [f'&l0 [{", ".join(["x"] * 9)}]']
    parts += [f"&l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


def alias_chain(links: int = 200) -> str:
    """Each anchor holds one list around the previous alias: shallow in the text, deep once expanded."""
    return "".join(f"a{i}: &a{i} [{f'*a{i - 1}' if i else 'x'}]\n" for i in range(links))


BOMBS = {
    "100,000 nested lists": ("a: " + "[" * 100_000, f"more than {MAX_YAML_DEPTH} levels deep"),
    "5,000 nested mappings": ("a: " + "{a: " * 5000 + "1" + "}" * 5000, f"more than {MAX_YAML_DEPTH} levels deep"),
    "recursive alias": ("name: &a [*a]\n", "recursive alias \\*a"),
    "recursive alias in a mapping": ("name: &m {x: *m}\n", "recursive alias \\*m"),
    "billion laughs": (laughs(), f"aliases would expand to more than {MAX_YAML_NODES:,} nodes"),
    "alias chain nesting deep once expanded": (alias_chain(), f"more than {MAX_YAML_DEPTH} levels deep"),
    "bad explicit int": ("name: !!int abc\n", "malformed YAML: cannot read 'abc' as int"),
    "impossible date": ("name: 2001-02-30\n", "malformed YAML: cannot read '2001-02-30' as timestamp"),
    "5,000-digit integer": ("name: " + "9" * 5000 + "\n", "malformed YAML: cannot read '9999"),
    "unhashable key": ("? [a]\n: 1\n", "malformed YAML: found unhashable key"),
}


def refused(capsys, argv: list[str], name: str) -> str:
    """Run the CLI in-process and check it refused with exactly one error line naming ``name``."""
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("simvalue: error:")
    assert name in lines[0]
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def base(tmp_path, change_scenario) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text(yaml.safe_dump(change_scenario, sort_keys=False))
    return path


@pytest.mark.parametrize("case", list(BOMBS))
def test_hostile_scenario_is_refused_in_one_line(tmp_path, capsys, case):
    text, expected = BOMBS[case]
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    line = refused(capsys, ["check", str(path)], str(path))
    assert re.search(expected, line), line


@pytest.mark.parametrize("case", ["billion laughs", "100,000 nested lists", "recursive alias"])
def test_hostile_variant_file_is_refused(tmp_path, capsys, base, case):
    variant = tmp_path / "variant.yaml"
    variant.write_text("name: bomb\nset: {}\n" + BOMBS[case][0].replace("name:", "x:"))
    refused(capsys, ["compare", str(base), str(variant), "-r", "1"], str(variant))


def test_depth_and_nodes_are_reported_with_line_and_column(tmp_path, capsys):
    path = tmp_path / "scenario.yaml"
    path.write_text(laughs())
    assert re.search(r": line \d+, column \d+: aliases would expand", refused(capsys, ["check", str(path)], str(path)))


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(MAX_YAML_BYTES + 1)  # sparse: nothing to read if the size check comes first
    line = refused(capsys, ["check", str(path)], str(path))
    assert f"more than the limit of {MAX_YAML_BYTES:,}" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_is_refused_without_blocking(tmp_path, capsys):
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)
    assert refused(capsys, ["check", str(path)], str(path)).endswith("not a file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_is_refused(capsys):
    assert refused(capsys, ["check", "/dev/zero"], "/dev/zero").endswith("not a file")


@pytest.mark.parametrize("error", [RecursionError, MemoryError])
def test_recursion_or_memory_error_while_loading_is_one_line(tmp_path, capsys, monkeypatch, base, error):
    def fail(node):
        raise error()
    monkeypatch.setattr(load_module, "rejoin_calls", fail)
    line = refused(capsys, ["check", str(base)], str(base))
    assert error.__name__ in line


def test_set_value_alias_bomb_is_refused(capsys, base):
    line = refused(capsys, ["run", str(base), "-r", "1", "--set", f"name={flow_laughs()}"], "--set name")
    assert f"aliases would expand to more than {MAX_YAML_NODES:,} nodes" in line


def test_set_value_nested_too_deep_is_refused(capsys, base):
    line = refused(capsys, ["run", str(base), "-r", "1", "--set", "name=" + "[" * 10_000], "--set name")
    assert f"more than {MAX_YAML_DEPTH} levels deep" in line


def _without_teams(change_scenario: dict) -> str:
    return yaml.safe_dump({k: v for k, v in change_scenario.items() if k != "teams"}, sort_keys=False)


def test_merge_keys_load_like_the_scenario_written_in_full(tmp_path, capsys, change_scenario):
    merged = tmp_path / "merged.yaml"
    merged.write_text(_without_teams(change_scenario)
                      + "teams:\n  platform: &team {capacity: 2}\n  desk: {<<: *team}\n")
    full = tmp_path / "full.yaml"
    full.write_text(yaml.safe_dump(change_scenario, sort_keys=False))
    assert load_scenario(merged) == load_scenario(full)
    assert main(["check", str(merged)]) == 0


def test_explicit_key_overrides_a_merged_one(tmp_path, change_scenario):
    merged = tmp_path / "merged.yaml"
    merged.write_text(_without_teams(change_scenario)
                      + "teams:\n  platform: &team {capacity: 2}\n  desk: {<<: *team, capacity: 3}\n")
    change_scenario["teams"]["desk"]["capacity"] = 3
    assert load_scenario(merged) == load_scenario(change_scenario)


@pytest.mark.parametrize("teams", [
    "teams:\n  platform: {capacity: 2}\n  desk: {capacity: 2, capacity: 3}\n",
    "teams:\n  platform: &team {capacity: 2}\n  desk: {<<: *team, capacity: 3, capacity: 4}\n",
])
def test_duplicate_explicit_keys_are_still_refused(tmp_path, capsys, change_scenario, teams):
    path = tmp_path / "scenario.yaml"
    path.write_text(_without_teams(change_scenario) + teams)
    line = refused(capsys, ["check", str(path)], str(path))
    assert re.search(r"line \d+, column \d+: malformed YAML: duplicate key 'capacity'", line), line
