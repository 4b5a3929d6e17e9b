"""Plausibility of a business case, checked by hand: NPV without cost of delay, halving, the tornado, flags."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from simvalue.decisions.economics import FIGURES, BusinessCase, cash_flow_figures
from simvalue.decisions.plausibility import Setting, assumptions, cash_flows, plausibility, plot_cost_of_delay
from simvalue.scenario.variants import Economics
from simvalue.results.stats import t_interval

ECONOMICS = Economics(investment=50_000, running_cost=1_000, lead_time=2)
MONTHS, RATE = 12, 0.08


def make_case(delay: list[float], penalties: list[float], freed: list[float],
              economics: Economics = ECONOMICS) -> BusinessCase:
    """A case from monthly benefits per replication, as ``economics.case_from_runs`` builds one."""
    rows = []
    for r, (d, p, f) in enumerate(zip(delay, penalties, freed)):
        benefit = d + p + f
        rows.append(dict(replication=r, cost_of_delay_avoided=d, sla_penalties_avoided=p, hours_freed=f / 80,
                         hours_freed_value=f, benefit=benefit,
                         **cash_flow_figures(benefit, economics, MONTHS, RATE)))
    frame = pd.DataFrame(rows, columns=["replication", *FIGURES])
    summary = pd.DataFrame([(name, *t_interval(frame[name])) for name in FIGURES],
                           columns=["figure", "estimate", "ci_low", "ci_high"])
    return BusinessCase("faster fixes", "EUR", MONTHS, RATE, economics, 1.0, frame, summary)


def npv_by_hand(benefit: float, economics: Economics = ECONOMICS) -> float:
    """-investment + sum over months 3..12 of (benefit - running cost) / (1 + r)^m (lead time 2)."""
    monthly = (1 + RATE) ** (1 / 12) - 1
    return -economics.investment + sum((benefit - economics.running_cost) / (1 + monthly) ** m
                                       for m in range(int(economics.lead_time) + 1, MONTHS + 1))


#: Two replications: cost of delay avoided 30,000 and 34,000 a month; penalties 1,000; hours 2,000.
DOMINATED = dict(delay=[30_000, 34_000], penalties=[1_000, 1_000], freed=[2_000, 2_000])
#: Cost of delay 1,000 a month of a benefit of 13,000.
BALANCED = dict(delay=[1_000, 1_000], penalties=[4_000, 4_000], freed=[8_000, 8_000])


def test_npv_as_simulated_matches_the_case():
    case = make_case(**DOMINATED)
    result = plausibility(case)
    assert result.npv == pytest.approx(case.figure("npv")[0], rel=1e-12)
    assert result.npv == pytest.approx((npv_by_hand(33_000) + npv_by_hand(37_000)) / 2, rel=1e-12)


def test_npv_without_cost_of_delay_is_the_npv_of_the_other_benefits_alone():
    result = plausibility(make_case(**DOMINATED))
    assert result.npv_at("without cost of delay") == pytest.approx(npv_by_hand(3_000), rel=1e-12)
    assert result.npv_at("cash only (SLA penalties avoided)") == pytest.approx(npv_by_hand(1_000), rel=1e-12)


def test_halving_cost_of_delay_gives_the_midpoint_since_npv_is_linear_in_the_benefit():
    result = plausibility(make_case(**DOMINATED))
    midpoint = (result.npv_at("as simulated") + result.npv_at("without cost of delay")) / 2
    assert result.npv_at("cost of delay halved") == pytest.approx(midpoint, rel=1e-12, abs=1e-6)
    assert result.npv_at("cost of delay halved") == pytest.approx(
        (npv_by_hand(1_000 + 2_000 + 15_000) + npv_by_hand(1_000 + 2_000 + 17_000)) / 2, rel=1e-12)


def test_share_of_the_benefit_from_cost_of_delay():
    result = plausibility(make_case(**DOMINATED))
    assert result.cost_of_delay_share == pytest.approx(32_000 / 35_000)
    assert sum(result.shares.values()) == pytest.approx(1.0)


def test_tornado_bars_bracket_the_npv_and_move_by_hand_computed_amounts():
    case = make_case(**BALANCED)
    result = plausibility(case)
    tornado = result.tornado.set_index("assumption")
    assert len(tornado) == 7
    for row in result.tornado.itertuples():
        assert min(row.npv_down, row.npv_up) <= result.npv <= max(row.npv_down, row.npv_up), row.assumption
    assert list(result.tornado["swing"]) == sorted(result.tornado["swing"], reverse=True)
    # The investment is paid at month 0, undiscounted: half of it more or less moves NPV by 25,000.
    assert tornado.loc["investment", "npv_down"] == pytest.approx(result.npv + 25_000)
    assert tornado.loc["investment", "npv_up"] == pytest.approx(result.npv - 25_000)
    # Cost of delay +50% adds 500 a month over the ten live months, discounted.
    assert tornado.loc["cost of delay rates", "npv_up"] == pytest.approx(npv_by_hand(13_500))
    # Lead time 2 moved by at least a month: 1 and 3 months.
    assert (tornado.loc["lead time", "down"], tornado.loc["lead time", "up"]) == ("1 month", "3 months")
    assert tornado.loc["discount rate", "down"] == "4.0%"


def test_lead_time_and_discount_rate_of_zero_still_move():
    case = make_case(**BALANCED, economics=Economics(investment=1_000, lead_time=0))
    moves = {a.name: a for a in assumptions(replace(case, discount_rate=0.0))}
    assert (moves["lead time"].down.lead_time, moves["lead time"].up.lead_time) == (0.0, 1.0)
    assert (moves["discount rate"].down.discount_rate, moves["discount rate"].up.discount_rate) == (0.0, 0.02)


def test_cash_flows_recompute_without_simulating():
    case = make_case(**BALANCED)
    flows = cash_flows(case, Setting(cost_of_delay=0.0, investment=0.0))
    assert list(flows["benefit"]) == [12_000, 12_000]
    assert flows["npv"].iloc[0] == pytest.approx(npv_by_hand(12_000) + 50_000)


def test_flag_when_cost_of_delay_dominates():
    result = plausibility(make_case(**DOMINATED))
    assert "rests on cost of delay" in result.labels
    assert any("91% of the benefit is cost of delay avoided" in sentence and "not cash" in sentence
               for sentence in result.flags)
    assert "EUR \u2212" in result.flags[0]  # without cost of delay the NPV is negative, and the sentence says so


def test_no_flag_when_the_benefit_is_spread():
    result = plausibility(make_case(**BALANCED))
    assert result.flags == () and result.labels == ()


def test_flag_when_halving_cost_of_delay_turns_npv_negative():
    # 60% from cost of delay (below the 2/3 share) but thin: halved, the NPV is below zero.
    result = plausibility(make_case(delay=[6_000, 6_000], penalties=[2_000, 2_000], freed=[2_000, 2_000],
                                    economics=Economics(investment=60_000, running_cost=1_000, lead_time=2)))
    assert result.npv > 0 > result.npv_at("cost of delay halved")
    assert "negative at half the cost of delay" in result.labels
    assert "rests on cost of delay" not in result.labels


def test_flag_when_freed_hours_dominate():
    result = plausibility(make_case(delay=[500, 500], penalties=[500, 500], freed=[20_000, 20_000]))
    assert "rests on freed hours" in result.labels
    assert any("capacity still paid for" in sentence for sentence in result.flags)


def test_charts_have_money_axes_in_plain_numbers_and_name_every_row():
    results = [plausibility(make_case(**DOMINATED)), plausibility(make_case(**BALANCED))]
    for fig, rows in ((results[0].plot_tornado(), results[0].tornado["assumption"]),
                      (plot_cost_of_delay(results), [result.variant for result in results])):
        ax = fig.axes[0]
        fig.canvas.draw()
        assert ax.get_xlabel() == "NPV over 12 months (EUR thousand)"  # the unit in the label, not on every tick
        ticks = [label.get_text() for label in ax.get_xticklabels()]
        assert not any("e+" in tick or "-" in tick for tick in ticks), ticks  # a negative tick has a minus sign
        names = " ".join(text.get_text().replace("\n", " ") for text in ax.texts)
        assert all(row in names for row in rows)