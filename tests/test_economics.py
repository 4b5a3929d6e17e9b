"""Business cases and ranking: a case computable by hand, to the cent, and the ranking logic."""

from __future__ import annotations

import math

import pytest

from simvalue import ScenarioError, business_case, load_scenario, rank
from simvalue.decisions.economics import MONTH_HOURS, cash_flow_figures
from simvalue.scenario.variants import Economics


def base_scenario() -> dict:
    """One person, an item every 4 h taking 2 h: arrivals at 4, 8, ..., 36 h (9 items), no queue."""
    return {
        "name": "desk", "horizon": "40h", "replications": 2, "seed": 1, "currency": "EUR",
        "sla": {"ticket": "90min"},
        "teams": {"desk": {"capacity": 1, "cost_per_hour": 100}},
        "demand": [{"type": "ticket", "stream": "s", "arrivals": {"every": "4h"},
                    "cost_of_delay": "10/h", "sla_breach_cost": 50}],
        "streams": {"s": {"steps": [{"name": "fix", "activity": "deliver_and_support", "team": "desk",
                                     "effort": "2h"}]}},
    }


FASTER = {"name": "faster fixes", "set": {"streams.s.steps.fix.effort": "1h"},
          "economics": {"investment": 50_000, "running_cost": 1_000, "lead_time": 1, "size": 5}}


def test_hand_computed_business_case_matches_to_the_cent():
    case = business_case(base_scenario(), FASTER, months=12, discount_rate=0.08)
    # Window of 40 h: 9 items. Baseline: 2 h each (18 busy hours), all breach the 1.5 h SLA.
    # Variant: 1 h each (9 busy hours), none breach. Per window:
    delay_avoided = 9 * (2 - 1) * 10.0        # cost of delay: 10 per hour of time-to-value
    hours_freed = 9 * (2 - 1)                  # team hours
    freed_value = hours_freed * 100.0          # at 100 per hour
    penalties_avoided = 9 * 50.0
    per_month = MONTH_HOURS / 40                # 40 simulated hours -> one month
    benefit = (delay_avoided + freed_value + penalties_avoided) * per_month
    assert round(case.figure("benefit")[0], 2) == round(benefit, 2) == 26298.00
    assert round(case.figure("cost_of_delay_avoided")[0], 2) == round(delay_avoided * per_month, 2)
    assert round(case.figure("hours_freed")[0], 6) == round(hours_freed * per_month, 6)
    assert round(case.figure("sla_penalties_avoided")[0], 2) == round(penalties_avoided * per_month, 2)
    # Lead time 1 month: months 2..12 earn (benefit - running cost); investment at month 0.
    flow = benefit - 1_000
    net = 11 * flow - 50_000
    assert round(case.figure("net_benefit")[0], 2) == round(net, 2) == 228278.00
    assert round(case.figure("roi")[0], 6) == round(net / (50_000 + 11 * 1_000), 6)
    monthly = 1.08 ** (1 / 12) - 1
    npv = -50_000 + sum(flow / (1 + monthly) ** m for m in range(2, 13))
    assert round(case.figure("npv")[0], 2) == round(npv, 2)
    # Cumulative: -50,000 at months 0 and 1, -24,702 at month 2, +596 at month 3.
    assert case.figure("payback_month")[0] == 3
    assert case.probability_npv_positive == 1.0
    assert case.currency == "EUR"
    # Deterministic: every replication agrees, so the interval has no width.
    assert case.figure("npv")[1] == pytest.approx(case.figure("npv")[2])


def test_cash_flows_without_investment_pay_back_at_once():
    figures = cash_flow_figures(1_000.0, Economics(), months=3, discount_rate=0.0)
    assert figures["payback_month"] == 0 and figures["npv"] == pytest.approx(3_000) and math.isnan(figures["roi"])


def test_a_loss_never_pays_back():
    figures = cash_flow_figures(-10.0, Economics(investment=100), months=12, discount_rate=0.05)
    assert math.isnan(figures["payback_month"]) and figures["npv"] < -100


def test_ranking_orders_by_npv_and_probabilities_sum_to_one():
    slower = {"name": "slower fixes", "set": {"streams.s.steps.fix.effort": "3h"},
              "economics": {"investment": 1_000, "size": 1}}
    cheap = dict(FASTER, name="cheap faster fixes", economics={"investment": 1_000, "size": 2})
    ranking = rank(base_scenario(), FASTER, slower, cheap, months=12)
    assert list(ranking.table["candidate"]) == ["cheap faster fixes", "faster fixes", "slower fixes"]
    assert ranking.table["probability_best"].sum() == pytest.approx(1.0)
    assert ranking.table.loc[0, "probability_best"] == 1.0
    # WSJF: cost of delay avoided per month / size.
    row = ranking.table.set_index("candidate").loc["cheap faster fixes"]
    assert row["wsjf"] == pytest.approx(row["cost_of_delay_avoided"] / 2)
    assert row["ttv_change"] == pytest.approx(-0.5)
    fig = ranking.plot_npv()  # the rank page's chart: a name above each mark, best on top
    assert fig.get_suptitle().startswith("Candidates by net present value")
    assert [text.get_text() for text in fig.axes[0].texts] == list(ranking.table["candidate"])


def test_per_priority_costs_must_name_known_priorities():
    data = base_scenario()
    data["demand"][0]["cost_of_delay"] = {"P1": "10/h"}
    with pytest.raises(ScenarioError, match=r"demand\[ticket\]\.cost_of_delay\.P1: unknown priority of ticket 'P1'"):
        load_scenario(data)


def test_breach_cost_needs_an_sla_target():
    data = base_scenario()
    del data["sla"]
    with pytest.raises(ScenarioError, match=r"demand\[ticket\]\.sla_breach_cost: a breach cost needs an SLA target"):
        load_scenario(data)


def write(tmp_path, name: str, data: dict):
    import yaml
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_business_case_command_keeps_cash_value_and_capacity_apart(tmp_path, capsys):
    from simvalue.cli import main
    base, variant = write(tmp_path, "base.yaml", base_scenario()), write(tmp_path, "v.yaml", FASTER)
    report = tmp_path / "case.html"
    assert main(["business-case", str(base), str(variant), "--months", "12", "--discount-rate", "0.08",
                 "-r", "2", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    for text in ("CASH", "VALUE", "CAPACITY (HOURS FREED BUT STILL PAID FOR)", "net present value",
                 "probability NPV > 0", "Scaling: the reporting window", "amounts in EUR", "228,278"):
        assert text in out
    page = report.read_text()
    assert "<h1>Business case: faster fixes</h1>" in page


def test_rank_command_prints_ranking_and_writes_svg_charts(tmp_path, capsys):
    from xml.etree import ElementTree

    from simvalue.cli import main
    base = write(tmp_path, "base.yaml", base_scenario())
    slower = write(tmp_path, "slower.yaml", {"name": "slower", "set": {"streams.s.steps.fix.effort": "3h"},
                                             "economics": {"investment": 10}})
    faster = write(tmp_path, "faster.yaml", FASTER)
    out, chart = tmp_path / "out", tmp_path / "charts" / "npv.svg"
    out.mkdir()
    (out / "npv.png").write_bytes(b"an older version's chart")
    assert main(["rank", str(base), str(slower), str(faster), "-r", "2", "--chart", str(chart),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    below = printed.split("\n-  ", 1)[1].splitlines()[1:]  # the table's rows, under its rule
    lines = [line for line in below if line[:1].isdigit()]
    assert lines[0].split()[1:3] == ["faster", "fixes"] and lines[1].split()[1] == "slower"
    assert "wrote ranking.csv, npv.svg, npv_cost_of_delay.svg to" in printed
    assert {p.name for p in out.iterdir()} == {"ranking.csv", "npv.svg", "npv_cost_of_delay.svg"}  # no npv.png
    for svg in (chart, out / "npv.svg", out / "npv_cost_of_delay.svg"):
        root = ElementTree.parse(svg).getroot()  # well-formed XML, an SVG whose text is text
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        words = " ".join("".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text"))
        assert "faster fixes" in words and "slower" in words and "EUR" in words, words
    assert chart.read_bytes() == (out / "npv.svg").read_bytes()  # one chart, one drawing


def test_rank_command_writes_a_png_chart_and_refuses_other_formats(tmp_path, capsys):
    from simvalue.cli import main
    base = write(tmp_path, "base.yaml", base_scenario())
    faster = write(tmp_path, "faster.yaml", FASTER)
    png = tmp_path / "npv.png"
    assert main(["rank", str(base), str(faster), "-r", "2", "--chart", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(["rank", str(base), str(faster), "-r", "2", "--chart", str(tmp_path / "npv.pdf")]) == 2
    error = capsys.readouterr().err  # refused in one line, before anything is simulated
    assert error.startswith("simvalue: error: --chart ") and error.endswith("npv.pdf: must end in .svg or .png, got .pdf\n")


def test_bundled_backlog_ranks(tmp_path):
    from pathlib import Path
    backlog = sorted((Path(__file__).parent.parent / "scenarios" / "backlog").glob("*.yaml"))
    assert len(backlog) >= 4
    ranking = rank(Path(__file__).parent.parent / "scenarios" / "change_enablement.yaml", *backlog,
                   replications=2, seed=1)
    assert len(ranking.table) == len(backlog) and ranking.currency == "EUR"
    assert ranking.table["npv"].is_monotonic_decreasing


def test_delivering_nothing_is_not_a_saving():
    # A variant that rejects every ticket frees the desk but must not look profitable: items that
    # never realise value accrue cost of delay until the end of the run.
    refuse = {"name": "refuse everything", "economics": {"investment": 0},
              "set": {"streams.s.steps": [
                  {"name": "screen", "activity": "engage", "gate": {"kind": "auto", "approve": 0.0}},
                  {"name": "fix", "activity": "deliver_and_support", "team": "desk", "effort": "2h"}]}}
    with pytest.warns(UserWarning, match="leaves 100.0% of items without value"):
        case = business_case(base_scenario(), refuse)
    assert case.figure("cost_of_delay_avoided")[0] < 0 and case.figure("npv")[0] < 0


def test_drain_limit_keeps_unfinished_work_in_team_hours():
    # Effort far beyond the drain: the work in progress at the cut still counts as busy time.
    from simvalue import simulate
    data = base_scenario()
    data.update(drain="1h", allow_overload=True)
    data["streams"]["s"]["steps"][0]["effort"] = "100h"
    with pytest.warns(UserWarning):
        results = simulate(load_scenario(data), replications=1)
    # One person, busy from the first arrival (4 h) to the end of the window (40 h).
    assert results.teams["busy_hours"].item() == pytest.approx(36.0)
    assert (results.events["outcome"] == "in_progress").sum() == 9
