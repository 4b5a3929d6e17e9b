"""Numbers for people: every spelling, and never scientific notation."""

from __future__ import annotations

import math

import pytest

from simvalue import readable


@pytest.mark.parametrize("call, expected", [
    (lambda: readable.money(54740.3, "EUR"), "EUR 54,740"),
    (lambda: readable.money(-1200), "\u22121,200"),              # a true minus sign, not a hyphen
    (lambda: readable.money(-20_400.4, "EUR"), "EUR \u221220,400"),
    (lambda: readable.money(-0.3), "\u22120.30"),
    (lambda: readable.money(-0.001), "0.00"),                      # rounds to nothing: no sign
    (lambda: readable.money(4.466), "4.47"),
    (lambda: readable.money(406_600_000), "406,600,000"),
    (lambda: readable.share(0.806), "81%"),
    (lambda: readable.share(0.996), ">99%"),
    (lambda: readable.share(1.0), "100%"),
    (lambda: readable.share(0.001), "<1%"),
    (lambda: readable.share(0.9961, 1), "99.6%"),
    (lambda: readable.share(100.41), "10,041%"),
    (lambda: readable.points(0.079), "+7.9 points"),
    (lambda: readable.relative(-0.89), "-89%"),
    (lambda: readable.relative(0.045), "+4.5%"),
    (lambda: readable.relative(29.77), "×31"),
    (lambda: readable.relative(-0.00001), "0.0%"),       # no "-0.0%": a change that rounds to nothing
    (lambda: readable.relative(0.0006), "+0.1%"),
    (lambda: readable.share(-0.00001), "0%"),
    (lambda: readable.duration(22.9), "22.9\u00a0h"),
    (lambda: readable.duration(8.6 * 24), "8.6\u00a0d"),
    (lambda: readable.duration(0.25), "15\u00a0min"),
    (lambda: readable.duration(1e6), "5,952\u00a0w"),
    (lambda: readable.number(1234.5), "1,234"),
    (lambda: readable.figure(38_712.0), "38,700"),       # `simvalue check` said 3.87e+04 events
    (lambda: readable.figure(0.5357), "0.536"),
    (lambda: readable.figure(2.0), "2"),
    (lambda: readable.figure(0.0000336), "0.0000336"),
    (lambda: readable.figure(-3e300), "<-1,000 trillion"),
    (lambda: readable.p_value(6.181e-177), "< 0.001"),
    (lambda: readable.p_value(0.034), "0.03"),
    (lambda: readable.confidence_label(0.9), "90% interval"),
])
def test_spellings(call, expected):
    assert call() == expected


@pytest.mark.parametrize("spell", [readable.money, readable.share, readable.points, readable.relative,
                                   readable.duration, readable.number, readable.figure, readable.p_value])
@pytest.mark.parametrize("value", [1e-300, 1e-9, 3.3e-5, 0.5, 7.0, 1e5, 4.4e12, -2.5e9])
def test_no_scientific_notation(spell, value):
    text = spell(value)
    assert "e+" not in text and "e-" not in text, text


@pytest.mark.parametrize("spell", [readable.money, readable.share, readable.duration, readable.relative])
def test_missing_figures_are_a_dash(spell):
    assert spell(math.nan) == readable.MISSING


@pytest.mark.parametrize("value", [-1e12, -54_740.3, -7.0, -0.5])
def test_negative_money_has_a_minus_sign_never_a_hyphen(value):
    text = readable.money(value, "EUR")
    assert text.startswith(f"EUR {readable.MINUS}") and "-" not in text
