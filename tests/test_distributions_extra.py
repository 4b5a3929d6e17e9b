"""Mixtures, weighted empiricals and quantile tables: spelling, errors, exact moments, draw order, use in scenarios."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from simvalue import ScenarioError, load_scenario, load_variant, simulate
from simvalue.distributions import Distribution, parse_distribution
from simvalue.limits import MAX_EMPIRICAL_VALUES

from .models import single_team

N = 200_000
# Every statistical check below compares an estimate from N = 200,000 seeded draws with its exact
# value, allowing Z = 4 standard errors: the sample mean's standard error is sd / sqrt(N) and a
# sample proportion's is sqrt(p (1 - p) / N). For a correct sampler (central limit theorem) a miss
# has probability about 6e-5 per check; a sampler off by a few standard errors fails.
Z = 4.0

MIXTURE = "mixture(0.36: exponential(mean=3min), 0.64: lognormal(mean=3d, sd=2d))"
WEIGHTED = "empirical([1h: 0.2, 4h: 0.5, 2d: 0.3])"
QUANTILES = "empirical(quantiles: {0: 5min, 0.5: 4h, 0.9: 2d, 1: 10d})"
QUANTILE_POINTS = [(0.0, 5 / 60), (0.5, 4.0), (0.9, 48.0), (1.0, 240.0)]


def _lognormal_cdf(x: float, mean: float, sd: float) -> float:
    sigma2 = math.log1p((sd / mean) ** 2)
    return 0.5 * (1 + math.erf((math.log(x) - math.log(mean) + sigma2 / 2) / math.sqrt(2 * sigma2)))


def _quantile_table_moments(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Mean and second moment of a piecewise-linear quantile function Q: the integrals over [0, 1]
    of Q and Q^2, segment by segment (for Q linear from a to b over dp: dp (a + b) / 2 and
    dp (a^2 + ab + b^2) / 3)."""
    segments = list(zip(points, points[1:]))
    mean = sum((p1 - p0) * (a + b) / 2 for (p0, a), (p1, b) in segments)
    second = sum((p1 - p0) * (a * a + a * b + b * b) / 3 for (p0, a), (p1, b) in segments)
    return mean, second


def _quantile_table_cdf(x: float, points: list[tuple[float, float]]) -> float:
    for (p0, a), (p1, b) in zip(points, points[1:]):
        if a <= x <= b:
            return p0 + (p1 - p0) * (x - a) / (b - a)
    raise AssertionError(x)


# (spelling, exact mean, exact second moment E[X^2]) in hours, from the closed forms.
_Q_MEAN, _Q_SECOND = _quantile_table_moments(QUANTILE_POINTS)
EXACT = [
    (WEIGHTED, 0.2 * 1 + 0.5 * 4 + 0.3 * 48, 0.2 * 1 + 0.5 * 16 + 0.3 * 48**2),
    (QUANTILES, _Q_MEAN, _Q_SECOND),
    # A mixture's moments are the weighted moments of its components (exponential: E[X^2] = 2 mean^2;
    # lognormal: E[X^2] = sd^2 + mean^2).
    (MIXTURE, 0.36 * 0.05 + 0.64 * 72, 0.36 * 2 * 0.05**2 + 0.64 * (48**2 + 72**2)),
    ("mixture(0.2: 0h, 0.8: exponential(mean=2h))", 0.8 * 2, 0.8 * 2 * 4),
    ("mixture(0.5: empirical([1h: 0.2, 2h: 0.8]), 0.5: empirical(quantiles: {0: 1h, 1: 3h}))",
     0.5 * 1.8 + 0.5 * 2, 0.5 * (0.2 + 0.8 * 4) + 0.5 * (1 + 3 + 9) / 3),
]


def test_the_quantile_table_mean_is_a_sum_of_trapezoids():
    assert _Q_MEAN == pytest.approx(0.5 * (5 / 60 + 4) / 2 + 0.4 * (4 + 48) / 2 + 0.1 * (48 + 240) / 2)


@pytest.mark.parametrize("text, mean, second", EXACT)
def test_means_and_sample_means_match_the_closed_forms(text, mean, second):
    distribution = parse_distribution(text)
    assert distribution.mean == pytest.approx(mean, rel=1e-12)
    sample = distribution.sample(np.random.default_rng(2), N)
    sd = math.sqrt(second - mean**2)
    assert abs(sample.mean() - mean) < Z * sd / math.sqrt(N)
    assert (sample >= 0).all()


def _assert_share(hits: np.ndarray, p: float) -> None:
    assert abs(hits.mean() - p) < Z * math.sqrt(p * (1 - p) / N), (hits.mean(), p)


def test_weighted_values_come_in_proportion_to_their_weights():
    sample = parse_distribution(WEIGHTED).sample(np.random.default_rng(3), N)
    assert set(np.unique(sample)) == {1.0, 4.0, 48.0}
    for value, weight in [(1.0, 0.2), (4.0, 0.5), (48.0, 0.3)]:
        _assert_share(sample == value, weight)


def test_quantile_table_draws_have_the_stated_quantiles():
    sample = parse_distribution(QUANTILES).sample(np.random.default_rng(4), N)
    assert sample.min() >= 5 / 60 and sample.max() <= 240
    # The stated points and points between them (linear interpolation of the probability).
    for x in [4.0, 48.0, 2.0, 26.0, 144.0]:
        _assert_share(sample <= x, _quantile_table_cdf(x, QUANTILE_POINTS))


def test_mixture_draws_follow_the_mixed_distribution_function():
    sample = parse_distribution(MIXTURE).sample(np.random.default_rng(5), N)
    for x in [0.01, 0.1, 1.0, 24.0, 72.0, 200.0]:
        exact = 0.36 * -math.expm1(-x / 0.05) + 0.64 * _lognormal_cdf(x, 72.0, 48.0)
        _assert_share(sample <= x, exact)


def test_a_fixed_component_gives_its_value_with_its_weight():
    sample = parse_distribution("mixture(0.2: 0h, 0.8: exponential(mean=2h))").sample(np.random.default_rng(6), N)
    _assert_share(sample == 0, 0.2)


# -- draw order: documented, so seeded results stay reproducible ----------------------------------

def test_equal_weights_draw_exactly_as_the_original_empirical():
    values = np.array([1.0, 2.0, 5.0])
    original = np.random.default_rng(7).choice(values, 1000)  # the sampler before weights existed
    for text in ["empirical([1h, 2h, 5h])", "empirical([1h: 0.3333333, 2h: 0.3333333, 5h: 0.3333333])"]:
        assert np.array_equal(parse_distribution(text).sample(np.random.default_rng(7), 1000), original)
    assert parse_distribution("empirical([1h: 0.5, 2h: 0.5])") == parse_distribution("empirical([1h, 2h])")


def test_weighted_and_quantile_draws_are_one_uniform_each():
    u = np.random.default_rng(8).random(1000)
    weighted = parse_distribution("empirical([1h: 0.2, 4h: 0.8])").sample(np.random.default_rng(8), 1000)
    assert np.array_equal(weighted, np.where(u < 0.2, 1.0, 4.0))
    table = parse_distribution("empirical(quantiles: {0: 1h, 0.5: 2h, 1: 6h})").sample(np.random.default_rng(8), 1000)
    assert np.array_equal(table, np.interp(u, [0, 0.5, 1], [1.0, 2.0, 6.0]))


def test_mixture_draws_pick_components_first_then_each_component_in_listed_order():
    n = 1000
    drawn = parse_distribution("mixture(0.3: exponential(mean=1h), 0.5: 2h, 0.2: uniform(min=3h, max=4h))")
    rng = np.random.default_rng(9)
    u = rng.random(n)  # 1. one uniform per value picks its component
    first, third = u < 0.3, u >= 0.8
    expected = np.full(n, 2.0)  # the fixed component draws nothing
    expected[first] = rng.exponential(1.0, first.sum())  # 2. then each component, in listed order
    expected[third] = rng.uniform(3.0, 4.0, third.sum())
    assert np.array_equal(drawn.sample(np.random.default_rng(9), n), expected)


# -- spelling -------------------------------------------------------------------------------------

CANONICAL = [
    MIXTURE, WEIGHTED, QUANTILES,
    "mixture(0.2: 0h, 0.8: gamma(mean=2h, cv=0.5))",
    "mixture(1: 3h)",
    "mixture(0.5: empirical([1h: 0.2, 2h: 0.8]), 0.5: empirical(quantiles: {0: 1h, 1: 3h}))",
    "mixture(0.25: empirical([1h, 2h]), 0.75: weibull(scale=4h, shape=1.5))",
    "empirical(quantiles: {0: 0h, 0.25: 1h, 0.75: 1h, 1: 2d})",
    "empirical([90s: 0.1, 150min: 0.9])",
]


@pytest.mark.parametrize("text", CANONICAL)
def test_canonical_spellings_round_trip(text):
    distribution = parse_distribution(text)
    assert str(distribution) == text
    assert parse_distribution(str(distribution)) == distribution


@pytest.mark.parametrize("text, canonical", [
    ("MIXTURE( 0.36 :exponential( mean = 0.05h ) , 0.64: 72h, )", "mixture(0.36: exponential(mean=3min), 0.64: 3d)"),
    ("empirical([ 60min : .2 , 4h:0.8 ])", "empirical([1h: 0.2, 4h: 0.8])"),
    ("empirical( quantiles : { 0.0 : 5min , 1.0 : 1d } )", "empirical(quantiles: {0: 5min, 1: 1d})"),
    ("mixture(0.3333333: 1h, 0.3333333: 2h, 0.3333334: 3h)", "mixture(0.3333333: 1h, 0.3333333: 2h, 0.3333334: 3h)"),
])
def test_other_spellings_are_written_back_canonically(text, canonical):
    distribution = parse_distribution(text)
    assert str(distribution) == canonical
    assert parse_distribution(canonical) == distribution


def test_new_kinds_are_hashable_and_pickle():
    distributions = [parse_distribution(text) for text in CANONICAL]
    assert len(set(distributions)) == len(CANONICAL)
    assert [pickle.loads(pickle.dumps(d)) for d in distributions] == distributions
    # Distributions built before the new fields existed compare as before.
    assert parse_distribution("exponential(mean=2h)") == Distribution("exponential", (("mean", 2.0),))


@pytest.mark.parametrize("text, message", [
    ("mixture(0.3: 1h, 0.6: 2h)", r"mixture: the weights must sum to 1, got 0\.9 in"),
    ("mixture(0.33: 1h, 0.33: 2h, 0.33: 3h)", r"sum to 1, got 0\.99 in"),
    ("empirical([1h: 0.5, 2h: 0.6])", r"empirical: the weights must sum to 1, got 1\.1 in"),
    ("mixture(0: 1h, 1: 2h)", "a weight must be greater than 0 and at most 1, got '0'"),
    ("mixture(-0.5: 1h, 1.5: 2h)", "a weight must be greater than 0"),
    ("mixture(nan: 1h)", "a weight must be greater than 0"),
    ("mixture(__import__('os'): 1h)", r"expected a weight \(a plain number\)"),
    ("mixture(0.5: 1h, 0.5 2h)", "expected 'weight: distribution'.*got '0.5 2h'"),
    ("mixture()", "mixture needs at least one component"),
    ("mixture(0.5: mixture(0.5: 1h, 0.5: 2h), 0.5: 3h)", "may not be a mixture.*multiplied"),
    ("mixture(0.5: 1h, 0.5: normal(mean=2h))", "unknown distribution 'normal'"),
    ("mixture(0.5: 1h, 0.5: exponential(mean=2h)", r"a '\)' is missing"),
    ("mixture(0.5: (1h, 0.5: 2h)", r"a '\)' is missing"),
    ("mixture(0.5: 1h], 0.5: 2h)", r"unbalanced '\]'"),
    ("empirical([1h: 0.5, 2h])", "expected 'value: weight'.*got '2h'"),
    ("empirical([1h: 0.5, 2: 0.5])", "needs a unit"),
    ("empirical([60000w: 0.5, 2h: 0.5])", "at most 1,000 years"),
    ("empirical(quantiles: {0.1: 1h, 1: 2h})", "must start at 0 .* and end at 1 .*got 0.1, 1"),
    ("empirical(quantiles: {0: 1h, 0.9: 2h})", "must start at 0 .* and end at 1 .*got 0, 0.9"),
    ("empirical(quantiles: {0: 1h})", "must start at 0 .* and end at 1"),
    ("empirical(quantiles: {0: 3h, 1: 2h})", "values must not decrease, got 3h at 0 then 2h at 1"),
    ("empirical(quantiles: {0: 1h, 0.5: 2h, 0.5: 3h, 1: 4h})", "probabilities must increase, got 0.5 then 0.5"),
    ("empirical(quantiles: {0: 1h, 1.5: 2h})", "cumulative probability must be between 0 and 1"),
    ("empirical(quantiles: {})", "needs at least one point"),
    ("empirical(quantiles: [0: 1h, 1: 2h])", r"expected empirical\(\[1h, 2h, \.\.\.\]\)"),
])
def test_bad_spellings_are_refused_clearly(text, message):
    with pytest.raises(ValueError, match=message):
        parse_distribution(text)


def test_at_most_the_limit_of_values_points_or_components():
    many = MAX_EMPIRICAL_VALUES + 1
    for text in ["empirical([" + ", ".join(["1h: 0"] * many) + "])",
                 "empirical(quantiles: {" + ", ".join(["0: 1h"] * many) + "})",
                 "mixture(" + ", ".join(["0: 1h"] * many) + ")"]:
        with pytest.raises(ValueError, match=f"at most {MAX_EMPIRICAL_VALUES:,} .*got {many:,}"):
            parse_distribution(text)


# -- YAML: a mixture must be quoted ---------------------------------------------------------------

def test_a_mapping_where_a_distribution_belongs_asks_for_quotes():
    with pytest.raises(ValueError, match=r"got the mapping .* quote the whole distribution, e\.g\. "
                                         r"\"mixture\(0\.36: exponential\(mean=3min\), 0\.64: 3d\)\""):
        parse_distribution({0.36: "exponential(mean=3min)", 0.64: "3d"})
    with pytest.raises(ValueError, match=r"got the list .* quote the distribution, e\.g\. \"empirical\(\[1h, 2h\]\)\""):
        parse_distribution(["1h", "2h"])


def test_an_unquoted_mixture_in_a_scenario_is_refused_with_the_field_and_a_hint():
    scenario = single_team("5/d", {0.36: "exponential(mean=3min)", 0.64: "3d"}, 1)  # as YAML reads it
    with pytest.raises(ScenarioError, match=r"streams\.serve\.steps\[work\]\.effort: .*quote the whole"):
        load_scenario(scenario)


def test_an_unquoted_mixture_in_a_yaml_file_is_malformed_yaml(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nhorizon: 100w\nteams: {desk: {capacity: 1}}\n"
                    "demand: [{type: t, stream: s, arrivals: {rate: 1/w}}]\nstreams:\n  s:\n    steps:\n"
                    "      - name: work\n        activity: engage\n        team: desk\n"
                    f"        effort: {MIXTURE}\n")
    with pytest.raises(ScenarioError, match="malformed YAML: mapping values are not allowed here"):
        load_scenario(path)
    path.write_text(path.read_text().replace(f"effort: {MIXTURE}", f'effort: "{MIXTURE}"'))
    assert str(load_scenario(path).streams["s"].steps[0].effort) == MIXTURE


# -- in scenarios and variants --------------------------------------------------------------------

def test_a_scenario_with_a_mixture_effort_loads_and_simulates():
    effort = "mixture(0.36: exponential(mean=3min), 0.64: lognormal(mean=3h, sd=2h))"
    scenario = load_scenario(single_team("4/d", effort, 1, horizon="1000h", warmup="50h"))
    assert scenario.streams["serve"].steps[0].effort == parse_distribution(effort)
    first, again = simulate(scenario, replications=1), simulate(scenario, replications=1)
    assert len(first.items) > 100
    assert (first.items["work_time"].dropna() >= 0).all()
    assert first.items.equals(again.items)  # same seed, same draws


@pytest.mark.parametrize("effort, halved", [
    (MIXTURE, "mixture(0.36: exponential(mean=90s), 0.64: lognormal(mean=36h, sd=1d))"),
    ("mixture(0.5: gamma(mean=2h, cv=0.5), 0.5: 0h)", "mixture(0.5: gamma(mean=1h, cv=0.5), 0.5: 0h)"),
    (WEIGHTED, "empirical([30min: 0.2, 2h: 0.5, 1d: 0.3])"),
    (QUANTILES, "empirical(quantiles: {0: 150s, 0.5: 2h, 0.9: 1d, 1: 5d})"),
])
def test_scaling_multiplies_times_and_keeps_weights(effort, halved):
    base = load_scenario(single_team("1/w", effort, 1))
    variant = load_variant(base, {"name": "halved", "scale": {"streams.serve.steps.work.effort": 0.5}})
    scaled = variant.streams["serve"].steps[0].effort
    assert str(scaled) == halved
    assert scaled.mean == pytest.approx(base.streams["serve"].steps[0].effort.mean / 2)
