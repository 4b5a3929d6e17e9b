"""simvalue review: a forecast checked against the real log after the change (issue 24).

A synthetic change with a known effect (tests/review_logs.py): the fixing effort of a help desk halved.
A scenario calibrated from the before-log and a variant that halves the calibrated fixing effort must be
"as forecast"; a variant promising a fifth of the effort must be "worse than forecast", naming the fixing
step as the one that drifted. Plus the measures on a hand-made log, the bootstrap's seeding, the verdict
rule, and the command line's interface and errors.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simvalue.cli import main
from simvalue.decisions import observed
from simvalue.decisions.review import AS_FORECAST, BETTER, UNMEASURED, WORSE, judge, review
from simvalue.eventlog import read_log
from simvalue.results.stats import bootstrap, t_interval
from tests.review_logs import COLUMNS, desk  # noqa: F401 (a fixture)

FLAGS = ["--case", COLUMNS["case"], "--activity", COLUMNS["activity"], "--timestamp", COLUMNS["timestamp"]]


def _review(desk, variant: str, *extra: str) -> tuple[int, dict, str]:
    out = desk["folder"] / f"{variant}.json"
    args = ["review", str(desk["scenario"]), str(desk[variant]), "--after", str(desk["after"]), *FLAGS,
            "--type", "case:type", "-r", "3", "--seed", "1", "--resamples", "500", "--json", str(out), *extra]
    code = main(args)
    return code, json.loads(out.read_text()), out


def test_faithful_variant_is_as_forecast(desk, capsys):
    code, result, _ = _review(desk, "faithful", "--before", str(desk["before"]))
    printed = capsys.readouterr().out
    assert code == 0
    verdicts = {row["metric"]: row["verdict"] for row in result["metrics"]}
    assert set(verdicts) == {"time_to_value_mean", "time_to_value_p50", "time_to_value_p85", "sla_attainment",
                             "throughput"}
    assert set(verdicts.values()) == {AS_FORECAST}
    assert printed.splitlines()[2].startswith("The change delivered what was forecast on all 5 measures")
    mean = next(row for row in result["metrics"] if row["metric"] == "time_to_value_mean")
    # the known change: about a third off the mean time-to-value, forecast and real within a few points
    assert -0.40 < mean["forecast_change"] < -0.25 and -0.40 < mean["real_change"] < -0.25
    assert mean["real_low"] <= mean["real"] <= mean["real_high"] and mean["cases"] > 500
    assert result["change_basis"] == "the before-log" and result["drift"] is None


def test_overpromising_variant_is_worse_than_forecast_and_names_the_step(desk, capsys):
    code, result, _ = _review(desk, "overpromise")
    printed = capsys.readouterr().out
    assert code == 0
    verdicts = {row["metric"]: row["verdict"] for row in result["metrics"]}
    assert verdicts["time_to_value_mean"] == verdicts["time_to_value_p50"] == WORSE
    assert "The change fell short of the forecast" in printed
    assert result["steps"][0]["activity"] == "fix" and result["steps"][0]["difference"] > 0.5
    assert result["drift"].startswith("The step whose real times drifted most from the model is fix (a_fix)")
    # without --before the real change is measured against the baseline's forecast
    assert result["change_basis"] == "the baseline's forecast"
    mean = next(row for row in result["metrics"] if row["metric"] == "time_to_value_mean")
    assert mean["real_change"] == pytest.approx(mean["real"] / mean["baseline"] - 1)


def test_report_is_written_verdict_first(desk, capsys):
    report = desk["folder"] / "review.html"
    code, _, _ = _review(desk, "overpromise", "--report", str(report))
    assert code == 0 and f"wrote report {report}" in capsys.readouterr().out
    page = report.read_text()
    assert page.index('class="verdict worse"') < page.index("<h2>") and "http" not in page.lower().replace(
        "http-equiv", "")


def test_help_names_every_option():
    with pytest.raises(SystemExit) as exit_:
        main(["review", "--help"])
    assert exit_.value.code == 0


def test_help_text(capsys):
    with pytest.raises(SystemExit):
        main(["review", "--help"])
    text = capsys.readouterr().out
    for option in ("--after", "--before", "--case", "--activity", "--timestamp", "--start", "--type", "--priority",
                   "--report", "--json", "--resamples", "-r", "--seed"):
        assert option in text
    assert "as forecast" in text and "bootstrap" in text


@pytest.mark.parametrize("change, message", [
    (["--case", "CaseID"], r"after\.csv: case column: unknown column 'CaseID'"),
    (["--timestamp", "case:type"], r"after\.csv: timestamp column 'case:type'"),
    (["--resamples", "5"], r"--resamples 5: expected between 100 and 100,000"),
])
def test_bad_input_exits_2_naming_file_and_column(desk, capsys, change, message):
    flags = dict(zip(FLAGS[::2], FLAGS[1::2]))
    flags.update(dict(zip(change[::2], change[1::2])))
    args = ["review", str(desk["scenario"]), str(desk["faithful"]), "--after", str(desk["after"]),
            *[x for pair in flags.items() for x in pair], "-r", "2"]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert error.startswith("simvalue: error: ") and len(error.strip().splitlines()) == 1
    import re
    assert re.search(message, error), error


def test_missing_log_and_missing_after_exit_2(desk, capsys):
    assert main(["review", str(desk["scenario"]), str(desk["faithful"]), "--after",
                 str(desk["folder"] / "absent.csv"), *FLAGS]) == 2
    assert "absent.csv: cannot read the log" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["review", str(desk["scenario"]), str(desk["faithful"]), *FLAGS])
    assert exit_.value.code == 2 and "--after" in capsys.readouterr().err


# -- the real side's measures on a hand-made log ---------------------------------------------------------------

def _log(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["case", "activity", "timestamp"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


HAND = _log([("a", "open", "2026-01-05 08:00"), ("a", "fix", "2026-01-05 10:00"), ("a", "close", "2026-01-05 11:00"),
             ("b", "open", "2026-01-06 09:00"), ("b", "fix", "2026-01-06 13:00"),
             ("c", "open", "2026-01-14 09:00"), ("c", "fix", "2026-01-14 09:30")])


def test_cycle_times_gaps_and_weeks_of_a_hand_made_log():
    cases = observed.case_table(HAND)
    assert cases["hours"].tolist() == [3.0, 4.0, 0.5]
    gaps = observed.activity_gaps(HAND)
    assert gaps.values.tolist() == [["a", "fix", 2.0], ["a", "close", 1.0], ["b", "fix", 4.0], ["c", "fix", 0.5]]
    table = observed.gap_table(HAND, resamples=200).set_index("activity")
    assert table.loc["fix", "real_mean"] == pytest.approx(6.5 / 3) and table.loc["fix", "real_per_case"] == 1.0
    assert table.loc["close", "real_per_case"] == pytest.approx(1 / 3)
    # arrivals from Monday 5th 08:00 to Wednesday 14th 09:00: one whole week, with cases a and b done in it
    assert observed.weekly_counts(cases, np.ones(3, bool)).tolist() == [2.0]


def test_cycle_time_starts_at_the_first_start_where_the_log_has_starts():
    log = HAND.assign(start=HAND["timestamp"] - pd.Timedelta(hours=1))
    assert observed.case_table(log)["hours"].tolist() == [4.0, 5.0, 1.5]


# -- statistics -------------------------------------------------------------------------------------------------

def test_bootstrap_is_seeded_and_reproducible():
    hours = np.random.default_rng(3).lognormal(1.0, 0.8, 400)
    first, second = observed.time_figures(hours, 2000, seed=7), observed.time_figures(hours, 2000, seed=7)
    np.testing.assert_array_equal(first[1], second[1])
    other = observed.time_figures(hours, 2000, seed=8)[1]
    assert not np.array_equal(first[1], other)
    assert first[0][0] == pytest.approx(hours.mean()) and first[0][1] == pytest.approx(np.median(hours))


def test_bootstrap_interval_of_a_mean_agrees_with_the_t_interval():
    # theory: for 400 draws the percentile bootstrap of the mean and the t interval nearly coincide
    values = np.random.default_rng(5).normal(10.0, 2.0, 400)
    estimate, low, high = bootstrap(lambda index: values[index].mean(axis=1), values.size, 4000, seed=1)
    mean, t_low, t_high = t_interval(values)
    assert estimate == pytest.approx(mean)
    assert low == pytest.approx(t_low, abs=0.04) and high == pytest.approx(t_high, abs=0.04)


def test_bootstrap_refuses_nothing_to_resample():
    from simvalue.errors import SimulationError
    with pytest.raises(SimulationError, match="at least one unit"):
        bootstrap(lambda index: index.mean(axis=1), 0)


@pytest.mark.parametrize("metric, real, verdict", [
    ("time_to_value_mean", (4.5, 4.0, 5.0), AS_FORECAST),      # intervals overlap
    ("time_to_value_mean", (6.0, 5.5, 6.5), WORSE),            # longer than forecast
    ("time_to_value_mean", (2.0, 1.5, 2.5), BETTER),
    ("sla_attainment", (6.0, 5.5, 6.5), BETTER),               # higher attainment is better
    ("throughput", (2.0, 1.5, 2.5), WORSE),
    ("time_to_value_mean", (np.nan, np.nan, np.nan), UNMEASURED),
])
def test_verdict_by_overlap_and_direction(metric, real, verdict):
    assert judge(metric, 4.0, 3.0, 5.0, *real) == verdict


def test_one_replication_uses_the_forecast_itself():
    assert judge("time_to_value_mean", 4.0, np.nan, np.nan, 4.2, 3.9, 4.5) == AS_FORECAST
    assert judge("time_to_value_mean", 4.0, np.nan, np.nan, 4.6, 4.1, 5.0) == WORSE


def test_types_are_matched_by_name_and_unknown_ones_said(desk):
    after = read_log(desk["after"], **COLUMNS, type="case:type")
    after["type"] = after["type"].map({"ticket": "Ticket"})
    after.loc[after["case"].isin(after["case"].unique()[:10]), "type"] = "change"
    result = review(desk["scenario"], desk["faithful"], after, replications=2, seed=1, resamples=200)
    assert result.table["subject"].unique().tolist() == ["all cases", "ticket"]
    assert any("types change match no type" in note for note in result.notes)
    assert result.table.set_index(["subject", "metric"]).loc[("ticket", "time_to_value_mean"), "cases"] == \
        after["case"].nunique() - 10


def test_a_log_without_types_is_the_one_type_of_the_scenario(desk):
    after = read_log(desk["after"], **COLUMNS)
    result = review(desk["scenario"], desk["faithful"], after, replications=2, seed=1, resamples=200)
    assert result.table["subject"].unique().tolist() == ["ticket"]
    assert not any("match no type" in note or "names no types" in note for note in result.notes)


def test_sla_targets_per_priority():
    import simvalue
    from simvalue.decisions.forecast import item_targets
    from tests.review_logs import DESK
    scenario = simvalue.load_variant(DESK, {"name": "by priority", "set": {
        "sla.ticket": {"P1": "4h", "P2": "8h"}, "demand.ticket.priority": {"P1": 0.2, "P2": 0.8}}})
    targets = item_targets(scenario, pd.Series(["ticket", "ticket", "ticket", "other"]),
                           pd.Series(["P1", "P2", None, "P1"]))
    np.testing.assert_array_equal(targets, [4.0, 8.0, np.nan, np.nan])


def test_page_escapes_names_from_files(desk):
    from simvalue.reports.review import review_page
    hostile = desk["folder"] / "hostile.yaml"
    hostile.write_text(desk["faithful"].read_text().replace("name: knowledge base halves the fixing effort",
                                                            'name: "<script>alert(1)</script>"'))
    after = read_log(desk["after"], **COLUMNS)
    page = review_page(review(desk["scenario"], hostile, after, replications=2, seed=1, resamples=200),
                       after="<b>after</b>.csv")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<b>after</b>" not in page
