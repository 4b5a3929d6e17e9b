"""A comparison shows the planner's levers only where they apply: the share who give up waiting (patience)
baseline vs variant, paired by replication, and the time split of people with several skills on both sides;
in the report, the terminal and the verdict. Short runs of the bundled phone desk
(scenarios/service_desk_phone.yaml) and its variant one_more_on_the_day_shift.yaml."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

import simvalue
from simvalue import readable
from simvalue.cli import main
from simvalue.decisions.verdict import verdicts
from simvalue.readable import MISSING
from simvalue.reports.compare import render_html
from simvalue.reports.levers_text import time_split_rows
from simvalue.results.stats import t_interval

SCENARIOS = Path(__file__).parent.parent / "scenarios"
PHONE = SCENARIOS / "service_desk_phone.yaml"
VARIANT = SCENARIOS / "variants" / "one_more_on_the_day_shift.yaml"


def _short(**extra) -> dict:
    """The phone desk over one week after a day's warm-up, two replications (fast), as a mapping."""
    data = yaml.safe_load(PHONE.read_text())
    return data | {"warmup": "1d", "horizon": "1w", "replications": 2, "seed": 3} | extra


@pytest.fixture(scope="module")
def comparison():
    return simvalue.compare(_short(), VARIANT)


def _shares(results, item_type: str) -> np.ndarray:
    """Per replication: abandoned items of the type over its reported items, from the item rows."""
    items = results.items[results.items["type"] == item_type]
    return np.array([(part["outcome"] == "abandoned").mean() for _, part in items.groupby("replication")])


def test_the_variant_loads_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        variant = simvalue.load_variant(None, VARIANT)
    assert [shift.capacity for shift in variant.teams["service_desk"].shifts] == [4, 2, 1]


def test_abandonment_share_is_paired_by_replication(comparison):
    table = comparison.abandonment()
    assert list(table["type"]) == ["call"]  # only calls have a patience
    row = table.iloc[0]
    base, other = _shares(comparison.baseline, "call"), _shares(comparison.variants[0], "call")
    assert row["baseline"] == pytest.approx(base.mean()) and row["value"] == pytest.approx(other.mean())
    assert (row["change"], row["change_low"], row["change_high"]) == pytest.approx(t_interval(other - base))
    assert (row["baseline_low"], row["baseline_high"]) == pytest.approx(t_interval(base)[1:])
    assert row["baseline"] > 0 and row["value"] < row["baseline"]  # one more agent: fewer callers give up


def test_time_split_shows_both_sides_in_the_order_people_serve(comparison):
    split = comparison.time_split()
    helpers = split[split["group"] == "engineers who help the desk"]
    assert list(helpers["served"]) == ["network", "service_desk", "idle"]
    assert helpers["baseline"].sum() == pytest.approx(1.0) and helpers["value"].sum() == pytest.approx(1.0)
    desk = split[split["team"] == "service_desk"]
    assert set(desk["people_baseline"]) == {3} and set(desk["people_variant"]) == {4}


def test_report_and_verdict_show_the_levers(comparison):
    page = render_html(comparison)
    assert "<h2>Who gives up waiting</h2>" in page and "<h2>People with several skills</h2>" in page
    row = comparison.abandonment().iloc[0]
    sentence = f"call: {readable.share(row['baseline'])} → {readable.share(row['value'])} give up"
    assert sentence in page
    assert page.index('class="verdict"') < page.index("Who gives up waiting") < page.index("<h2>At a glance</h2>")
    assert "engineers who help the desk" in page and "% service_desk, " in page
    verdict = verdicts(comparison)[0]
    assert any(change.kind == "abandon" and change.subject == "call" for change in verdict.all_changes)


def test_a_baseline_without_patience_or_groups_reads_as_none(comparison):
    plain = _short()
    plain["teams"]["network"] = {"capacity": 3, "calendar": plain["teams"]["network"]["calendar"]}
    for demand in plain["demand"]:
        demand.pop("patience", None), demand.pop("on_abandon", None)
    plain["sla"]["call"] = "15min"
    result = simvalue.compare(plain, _short(name="as it is"))
    row = result.abandonment().iloc[0]
    assert row["type"] == "call" and row["baseline"] == 0 and row["baseline_low"] == 0 and row["value"] > 0
    split = result.time_split()
    assert split["baseline"].isna().all() and split["value"].notna().all()
    headers, rows = time_split_rows(split)
    assert headers == ["group", "team", "people", "baseline", "variant"]
    helpers = next(r for r in rows if r[0] == "engineers who help the desk")
    assert helpers[2] == f"{MISSING} → 2" and helpers[3] == MISSING and helpers[4].endswith("idle")


def test_a_pair_without_patience_or_groups_shows_neither(change_scenario):
    result = simvalue.compare(change_scenario, {"name": "v", "set": {"teams.desk.capacity": 3}}, replications=2)
    assert result.abandonment().empty and result.time_split().empty
    page = render_html(result)
    assert "Who gives up waiting" not in page and "People with several skills" not in page
    assert "abandon" not in " ".join(v.summary for v in verdicts(result))


def test_compare_command_prints_and_writes_the_levers(tmp_path, capsys):
    base, out = tmp_path / "phone.yaml", tmp_path / "cmp"
    base.write_text(yaml.safe_dump(_short(), sort_keys=False))
    assert main(["compare", str(base), str(VARIANT), "-r", "2", "--seed", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "who gives up waiting" in text and "time split of people with several skills" in text
    line = next(line for line in text.splitlines() if line.startswith("engineers who help the desk"))
    assert line.count("% network") == 2  # baseline and variant side by side
    assert {"abandonment.csv", "time_split.csv"} <= {p.name for p in out.iterdir()}
