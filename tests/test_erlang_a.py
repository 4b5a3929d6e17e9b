"""theory.erlang_a (M/M/c+M, Palm; Garnett, Mandelbaum & Reiman 2002) against its known limits: without
abandonment it is Erlang C; one server and patience as fast as service are sums done by hand; theta = mu
is an infinite-server queue, whose number in system is Poisson."""

from __future__ import annotations

import math

import pytest

from simvalue import theory


@pytest.mark.parametrize("lam, mu, c", [(1.0, 1.0, 2), (8.0, 1.0, 10), (0.5, 1.0, 1), (27.0, 1.0, 30)])
def test_almost_no_abandonment_is_erlang_c(lam, mu, c):
    result = theory.erlang_a(lam, mu, c, 1e-9)
    assert result.delay_probability == pytest.approx(theory.erlang_c(c, lam / mu), rel=1e-6)
    assert result.mean_wait == pytest.approx(theory.mmc_mean_wait(lam, mu, c), rel=1e-5)
    assert result.abandonment == pytest.approx(0.0, abs=1e-7)


def test_zero_abandonment_rate_is_exactly_erlang_c():
    result = theory.erlang_a(2.0, 1.0, 3, 0.0)
    assert result.delay_probability == pytest.approx(theory.erlang_c(3, 2.0), rel=1e-12)
    assert result.abandonment == 0.0


def test_one_server_patience_as_fast_as_service_by_hand():
    # lambda = mu = theta = 1, c = 1: death rate 1 + (n - 1) = n in state n, so pi_n = e^-1 / n! (Poisson(1));
    # E[queue] = E[(N - 1)+] = E[N] - 1 + P(N = 0) = 1 / e, so abandonment = mean wait = 1 / e and
    # P(wait > 0) = P(N >= 1) = 1 - 1 / e.
    result = theory.erlang_a(1.0, 1.0, 1, 1.0)
    assert result.abandonment == pytest.approx(1 / math.e, rel=1e-12)
    assert result.mean_wait == pytest.approx(1 / math.e, rel=1e-12)
    assert result.delay_probability == pytest.approx(1 - 1 / math.e, rel=1e-12)


def test_one_server_twice_as_patient_by_hand():
    # lambda = 1, mu = 1, theta = 0.5, c = 1: deaths 1, 1.5, 2, 2.5 ... (n + 1) / 2, so
    # pi_n ∝ 2^(n-1) / (n+1)! * 2 = 2^n / (n+1)! for n >= 1 (and 1 for n = 0): a series in e^2.
    weights = [1.0] + [2.0 ** n / math.factorial(n + 1) for n in range(1, 60)]
    total = sum(weights)
    queue = sum((n - 1) * w for n, w in enumerate(weights) if n >= 1) / total
    result = theory.erlang_a(1.0, 1.0, 1, 0.5)
    assert result.mean_wait == pytest.approx(queue, rel=1e-12)
    assert result.abandonment == pytest.approx(0.5 * queue, rel=1e-12)
    assert result.delay_probability == pytest.approx(1 - 1 / total, rel=1e-12)


def test_patience_as_fast_as_service_is_an_infinite_server_queue():
    # theta = mu: every caller leaves at rate mu, waiting or served: the number in system is Poisson(lambda / mu).
    lam, c = 3.0, 2
    poisson = [math.exp(-lam) * lam ** n / math.factorial(n) for n in range(100)]
    result = theory.erlang_a(lam, 1.0, c, 1.0)
    assert result.delay_probability == pytest.approx(sum(poisson[c:]), rel=1e-10)
    assert result.mean_wait * lam == pytest.approx(sum(max(n - c, 0) * p for n, p in enumerate(poisson)), rel=1e-10)


def test_overloaded_queue_with_abandonment_is_finite():
    # Twice the capacity offered: about half the callers must give up (the servers take mu c of lambda).
    result = theory.erlang_a(20.0, 1.0, 10, 5.0)
    assert 0.5 < result.abandonment < 0.6 and result.delay_probability > 0.8


@pytest.mark.parametrize("args, words", [((1.0, 1.0, 2, -1.0), "abandonment_rate >= 0"),
                                         ((3.0, 1.0, 2, 0.0), "arrival_rate < servers x service_rate"),
                                         ((0.0, 1.0, 2, 1.0), "arrival_rate > 0")])
def test_erlang_a_refuses_what_it_cannot_compute(args, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        theory.erlang_a(*args)
