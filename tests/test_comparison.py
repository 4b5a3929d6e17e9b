"""Comparing a baseline with variants: common random numbers, paired intervals, theory."""

from __future__ import annotations

import numpy as np
import pytest

from simvalue import compare, load_scenario
from simvalue.results.stats import t_interval
from simvalue.theory import periodic_gate_mean_wait

WEEK = 168.0


def cab_scenario(capacity: int = 40) -> dict:
    """Changes through a weekly CAB, then a deploy by a team large enough never to queue much."""
    return {
        "name": "weekly cab", "horizon": "26w", "warmup": "1w", "seed": 3, "replications": 12,
        "teams": {"ops": {"capacity": capacity}},
        "demand": [{"type": "change", "stream": "change", "arrivals": {"rate": "4/d"}}],
        "streams": {"change": {"steps": [
            {"name": "cab", "activity": "design_and_transition", "gate": {"kind": "cab", "meets": "1w"}},
            {"name": "deploy", "activity": "design_and_transition", "team": "ops", "effort": "exponential(mean=1h)"},
        ]}},
    }


AUTO_GATE = {"name": "instant approvals", "set": {"streams.change.steps.cab.gate": {"kind": "auto"}}}


def row(comparison, subject: str, metric: str, variant: str | None = None):
    table = comparison.table
    mask = (table["subject"] == subject) & (table["metric"] == metric)
    if variant is not None:
        mask &= table["variant"] == variant
    (result,) = table[mask].itertuples()
    return result


def test_a_variant_that_changes_nothing_differs_by_exactly_zero(change_scenario):
    comparison = compare(change_scenario, {"name": "no-op", "set": {}}, replications=3, seed=2)
    assert (comparison.table["change"].fillna(0) == 0).all()
    assert (comparison.table["change_low"].fillna(0) == 0).all()
    assert (comparison.table["change_high"].fillna(0) == 0).all()
    assert all("is unchanged" in sentence for sentence in comparison.findings())


def test_instant_auto_gate_cuts_mean_time_to_value_by_half_a_week():
    # The CAB alone holds each change for half the meeting interval on average (theory.py); the
    # deploy team has capacity for the weekly batch, so removing the CAB saves about that much.
    comparison = compare(cab_scenario(), AUTO_GATE, seed=4)
    change = row(comparison, "change", "time_to_value_mean")
    assert change.change_low <= -periodic_gate_mean_wait(WEEK) <= change.change_high
    assert change.change_high - change.change_low < 0.1 * WEEK / 2


def test_common_random_numbers_narrow_the_interval():
    base = load_scenario(cab_scenario(capacity=3))
    faster = {"name": "faster deploys", "scale": {"streams.change.steps.deploy.effort": 0.8}}
    paired = row(compare(base, faster, seed=4), "change", "time_to_value_mean")
    independent = row(compare(base, faster, seed=4, common_random_numbers=False), "change", "time_to_value_mean")
    paired_width = paired.change_high - paired.change_low
    assert paired_width < 0.5 * (independent.change_high - independent.change_low)


def test_paired_interval_is_a_t_interval_of_replication_differences(change_scenario):
    comparison = compare(change_scenario, {"name": "more desk", "set": {"teams.desk.capacity": 3}},
                         replications=4, seed=1)
    base = comparison.baseline.metrics()
    other = comparison.variants[0].metrics()
    pick = lambda m: m[(m["subject"] == "incident") & (m["metric"] == "time_to_value_mean")].sort_values(
        "replication")["value"].to_numpy()  # noqa: E731
    mean, low, high = t_interval(pick(other) - pick(base))
    result = row(comparison, "incident", "time_to_value_mean")
    assert (result.change, result.change_low, result.change_high) == pytest.approx((mean, low, high))
    log_mean, log_low, log_high = t_interval(np.log(pick(other) / pick(base)))
    assert (result.relative, result.relative_low, result.relative_high) == pytest.approx(
        (np.expm1(log_mean), np.expm1(log_low), np.expm1(log_high)))
    assert result.relative_low > -1
    assert np.isnan(result.bootstrap_low)  # bootstrap intervals are for percentiles only
    median = row(comparison, "incident", "time_to_value_p50")
    assert median.bootstrap_low <= median.change <= median.bootstrap_high


def test_finding_sentence_states_direction_values_and_interval():
    comparison = compare(cab_scenario(), AUTO_GATE, replications=5, seed=4)
    sentences = [s for s in comparison.findings() if "Median change time-to-value" in s]
    assert len(sentences) == 1
    sentence = sentences[0]
    assert sentence.startswith("[instant approvals] Median change time-to-value falls from ")
    assert "95% CI" in sentence and sentence.endswith(").")


def test_distribution_tests_detect_the_change():
    comparison = compare(cab_scenario(), AUTO_GATE, replications=3, seed=4)
    tests = comparison.tests.set_index("type").loc["change"]
    assert tests["ks_pvalue"] < 1e-6 and tests["mannwhitney_pvalue"] < 1e-6


def test_sla_attainment_is_share_of_items_within_target():
    scenario = cab_scenario()
    scenario["sla"] = {"change": "3d"}
    comparison = compare(scenario, AUTO_GATE, replications=3, seed=4)
    base = comparison.baseline.items
    for replication, group in base.groupby("replication"):
        expected = float((group["time_to_value"] <= 72).mean())
        metrics = comparison.baseline.metrics()
        got = metrics[(metrics["metric"] == "sla_attainment") & (metrics["replication"] == replication)]["value"]
        assert got.item() == pytest.approx(expected)
    assert row(comparison, "change", "sla_attainment").value == pytest.approx(1.0, abs=0.01)


def test_compare_needs_a_variant(change_scenario):
    from simvalue import SimulationError
    with pytest.raises(SimulationError, match="at least one variant"):
        compare(change_scenario)
