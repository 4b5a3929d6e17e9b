"""Durations, rates and distributions: parsing, round trips, and moments of the samples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simvalue.distributions import parse_distribution
from simvalue.units import format_hours, parse_duration, parse_rate


@pytest.mark.parametrize("text, hours", [("30s", 1 / 120), ("20min", 1 / 3), ("2h", 2.0), ("1.5d", 36.0),
                                         ("1w", 168.0), (" 3 h ", 3.0), ("0h", 0.0)])
def test_durations_are_hours(text, hours):
    assert parse_duration(text) == pytest.approx(hours)
    assert parse_duration(format_hours(parse_duration(text))) == pytest.approx(hours)


@pytest.mark.parametrize("value, message", [
    (2, "needs a unit"), ("2", "needs a unit"), ("2x", "unknown time unit"), ("-1h", "must not be negative"),
    ("2 fortnights", "unknown time unit 'fortnights'"), (True, "expected a duration"), ("nanh", "expected a duration"),
])
def test_bad_durations(value, message):
    with pytest.raises(ValueError, match=message):
        parse_duration(value)


@pytest.mark.parametrize("text, per_hour", [("40/d", 40 / 24), ("3/h", 3.0), ("1/w", 1 / 168), ("5 / 2h", 2.5)])
def test_rates_are_per_hour(text, per_hour):
    assert parse_rate(text) == pytest.approx(per_hour)


@pytest.mark.parametrize("value", ["0/d", "-3/h", "40", "40/month", 40])
def test_bad_rates(value):
    with pytest.raises(ValueError):
        parse_rate(value)


# (spelling, mean hours, standard deviation hours) from the distributions' closed forms.
MOMENTS = [
    ("exponential(mean=2h)", 2.0, 2.0),
    ("lognormal(mean=20min, sd=10min)", 1 / 3, 1 / 6),
    ("gamma(mean=2h, cv=1.2)", 2.0, 2.4),
    ("gamma(mean=2h, sd=1h)", 2.0, 1.0),
    ("triangular(min=1h, mode=3h, max=12h)", 16 / 3, math.sqrt((1 + 9 + 144 - 3 - 12 - 36) / 18)),
    ("uniform(min=1h, max=3h)", 2.0, 2 / math.sqrt(12)),
    ("weibull(scale=2h, shape=1)", 2.0, 2.0),
    ("weibull(mean=4h, shape=2)", 4.0, 4 * math.sqrt(4 / math.pi - 1)),
    ("empirical([1h, 2h, 6h])", 3.0, math.sqrt(14 / 3)),
]


@pytest.mark.parametrize("text, mean, sd", MOMENTS)
def test_sample_moments_match_parameters(text, mean, sd):
    distribution = parse_distribution(text)
    assert distribution.mean == pytest.approx(mean)
    n = 200_000
    sample = distribution.sample(np.random.default_rng(1), n)
    # The sample mean is within 4 standard errors (a 1-in-15,000 miss for a correct sampler).
    assert abs(sample.mean() - mean) < 4 * sd / math.sqrt(n)
    assert sample.std() == pytest.approx(sd, rel=0.03)
    assert (sample >= 0).all()


@pytest.mark.parametrize("text", [m[0] for m in MOMENTS] + ["2h", "90min"])
def test_spelling_round_trips(text):
    distribution = parse_distribution(text)
    assert parse_distribution(str(distribution)) == distribution


@pytest.mark.parametrize("text, message", [
    ("normal(mean=2h, sd=1h)", "unknown distribution 'normal'"),
    ("gamma(mean=2h)", r"expected gamma\(mean, cv\) or gamma\(mean, sd\)"),
    ("gamma(mean=0h, cv=1)", "mean must be > 0"),
    ("triangular(min=3h, mode=1h, max=4h)", "expected min <= mode <= max"),
    ("uniform(min=3h, max=1h)", "expected min < max"),
    ("gamma(mean=2h, cv=__import__)", "expected a plain number"),
    ("exponential(mean=2)", "needs a unit"),
    ("empirical([])", "at least one value"),
    ("gamma(mean=2h, mean=3h)", "given twice"),
])
def test_bad_distributions(text, message):
    with pytest.raises(ValueError, match=message):
        parse_distribution(text)
