"""Business cases for improvements: benefit per month from a paired comparison, then ROI and NPV.

Per replication r of baseline and variant (common random numbers), over the reporting window of
H simulated hours, scaled to months by MONTH_HOURS / H:
  benefit/month = cost of delay avoided + team hours freed x cost per hour + SLA penalties avoided.
Cash flows then follow a standard discounted cash-flow model (Brealey, Myers & Allen,
*Principles of Corporate Finance*, ch. 2 and 5): investment at month 0, benefit and running cost
from the end of the lead time, discounted monthly at (1 + annual rate)^(1/12) - 1.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .comparison import Comparison, ScenarioLike, compare
from .. import readable
from ..errors import SimulationError
from ..results.frames import Results
from ..scenario import Scenario
from ..scenario.variants import Economics, variant_of
from ..results.stats import t_interval

class EconomicsWarning(UserWarning):
    """A business case built on missing figures (no costs, or a variant without economics)."""


def has_costs(scenario: Scenario) -> bool:
    """Whether a scenario carries any cost figure (team cost, cost of delay, SLA penalty)."""
    return (any(team.cost_per_hour for team in scenario.teams.values())
            or any(d.cost_of_delay is not None or d.sla_breach_cost is not None for d in scenario.demand))


#: Hours in an average calendar month (365.25 x 24 / 12).
MONTH_HOURS = 730.5

#: A benefit resting more than this share on one component is flagged: its return *rests on* that
#: assumption (cost of delay rates, or freed hours still paid for). The one threshold reports,
#: the terminal, the app and ``ranking.csv`` use.
DOMINANT_SHARE = 2 / 3

#: The components of the monthly benefit (columns of ``BusinessCase.per_replication``).
COMPONENTS = ("cost_of_delay_avoided", "sla_penalties_avoided", "hours_freed_value")

#: Per-replication figures of a business case, in the order they are reported.
FIGURES = ("cost_of_delay_avoided", "sla_penalties_avoided", "hours_freed", "hours_freed_value", "benefit",
           "running_cost", "net_benefit", "roi", "payback_month", "npv")


@dataclass(frozen=True)
class BusinessCase:
    """The business case of one variant against the baseline.

    ``per_replication``: one row per replication with every figure in ``FIGURES`` (monthly
    amounts for the first six, totals over ``months`` for net_benefit and npv, roi as a
    fraction, payback_month as the first month (0 = at once) whose cumulative cash flow is >= 0,
    NaN if none within the period).
    ``summary``: figure, estimate, ci_low, ci_high. SLA penalties and running costs are cash; cost
    of delay avoided is value; hours freed (and their value at cost) are capacity still paid for —
    reports keep the three apart.
    """

    variant: str
    currency: str
    months: int
    discount_rate: float
    economics: Economics
    simulated_months: float
    per_replication: pd.DataFrame = field(repr=False)
    summary: pd.DataFrame = field(repr=False)

    @property
    def probability_npv_positive(self) -> float:
        """Share of replications (each a plausible period of operation) with NPV above zero."""
        return float((self.per_replication["npv"] > 0).mean())

    @property
    def probability_payback(self) -> float:
        """Share of replications that pay back within the period (the payback month averages these)."""
        return float(self.per_replication["payback_month"].notna().mean())

    @property
    def scaling(self) -> str:
        """How simulated totals become monthly figures, in words."""
        return (f"the reporting window of {self.simulated_months:.2f} months ({self.simulated_months * MONTH_HOURS:g} h) "
                f"is scaled to months by dividing its totals by {self.simulated_months:.4g}")

    @property
    def shares(self) -> dict[str, float]:
        """Share of the mean monthly benefit from each of ``COMPONENTS`` (NaN when the benefit is not
        positive: no share of nothing)."""
        per = self.per_replication
        benefit = float(per["benefit"].mean())
        return {name: float(per[name].mean()) / benefit if benefit > 0 else math.nan for name in COMPONENTS}

    @property
    def cost_of_delay_share(self) -> float:
        """Share of the benefit that is cost of delay avoided: value the business asserts, not cash."""
        return self.shares["cost_of_delay_avoided"]

    @property
    def rests_on_cost_of_delay(self) -> bool:
        """Whether more than DOMINANT_SHARE of the benefit is cost of delay (the return rests on its rates)."""
        return self.cost_of_delay_share > DOMINANT_SHARE

    @property
    def rests_on_freed_hours(self) -> bool:
        """Whether more than DOMINANT_SHARE of the benefit is team hours freed (capacity still paid for)."""
        return self.shares["hours_freed_value"] > DOMINANT_SHARE

    def npv_without_cost_of_delay(self) -> pd.Series:
        """Per replication, the NPV with the cost of delay avoided taken out of the benefit (cash and
        freed hours only), from the same runs."""
        per = self.per_replication
        benefit = per["benefit"] - per["cost_of_delay_avoided"]
        return pd.Series([cash_flow_figures(float(b), self.economics, self.months, self.discount_rate)["npv"]
                          for b in benefit], index=per.index, name="npv_without_cost_of_delay")

    def figure(self, name: str) -> tuple[float, float, float]:
        """(estimate, ci_low, ci_high) of one figure."""
        row = self.summary.set_index("figure").loc[name]
        return float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"])


def business_case(base: ScenarioLike, variant: ScenarioLike, months: int = 12, discount_rate: float = 0.08,
                  replications: int | None = None, seed: int | None = None,
                  comparison: Comparison | None = None,
                  progress: Callable[[str, int, int], None] | None = None) -> BusinessCase:
    """Simulate baseline and variant (or reuse ``comparison``) and build the variant's business case."""
    _check_period(months, discount_rate)
    if comparison is None:
        comparison = compare(base, variant, replications=replications, seed=seed, progress=progress)
    spec = comparison.specs[0] if comparison.specs else variant_of(comparison.variants[0].scenario)
    return case_from_runs(comparison.baseline, comparison.variants[0], months, discount_rate,
                          spec.economics if spec is not None else None)


def case_from_runs(baseline: Results, variant: Results, months: int, discount_rate: float,
                   economics: Economics | None = None) -> BusinessCase:
    """The business case from two finished runs paired by replication, with the variant's ``economics``
    (investment, running cost, lead time, size); without them, those the variant was loaded with."""
    _check_period(months, discount_rate)
    if economics is None:
        spec = variant_of(variant.scenario)
        economics = spec.economics if spec is not None else None
    if economics is None:
        warnings.warn(f"variant {variant.scenario.name!r} gives no economics: investment and running cost are "
                      "taken as 0, so ROI is undefined", EconomicsWarning, stacklevel=2)
        economics = Economics()
    if not has_costs(baseline.scenario):
        warnings.warn(f"scenario {baseline.scenario.name!r} gives no costs (cost_per_hour, cost_of_delay, "
                      "sla_breach_cost): every benefit is 0", EconomicsWarning, stacklevel=2)
    _warn_if_less_delivered(baseline, variant)
    simulated_months = baseline.scenario.horizon / MONTH_HOURS
    monthly = monthly_benefits(baseline, variant) / simulated_months
    rows = [dict(replication=r, **monthly.loc[r].to_dict(),
                 **cash_flow_figures(float(monthly.loc[r, "benefit"]), economics, months, discount_rate))
            for r in monthly.index]
    frame = pd.DataFrame(rows, columns=["replication", *FIGURES])
    summary = pd.DataFrame([(name, *t_interval(frame[name])) for name in FIGURES],
                           columns=["figure", "estimate", "ci_low", "ci_high"])
    currency = baseline.scenario.currency or "(no currency given)"
    return BusinessCase(variant.scenario.name, currency, months, discount_rate, economics, simulated_months,
                        frame, summary)


def _undelivered_share(results: Results) -> float:
    return float(results.items["time_to_value"].isna().mean()) if len(results.items) else 0.0


def _warn_if_less_delivered(baseline: Results, variant: Results) -> None:
    """Freed hours and avoided penalties mean little if the variant simply delivers less."""
    before, after = _undelivered_share(baseline), _undelivered_share(variant)
    if after > before + 0.01:
        warnings.warn(f"variant {variant.scenario.name!r} leaves {readable.share(after, 1)} of items without value "
                      f"(baseline {readable.share(before, 1)}): team hours it 'frees' come partly from work not done",
                      EconomicsWarning, stacklevel=3)


def _check_period(months: int, discount_rate: float) -> None:
    if not isinstance(months, int) or months < 1:
        raise SimulationError(f"months must be a whole number of at least 1, got {months!r}")
    if not -1 < discount_rate < 10:
        raise SimulationError(f"discount rate is a yearly fraction such as 0.08, got {discount_rate!r}")


def monthly_benefits(baseline: Results, variant: Results) -> pd.DataFrame:
    """Per replication, window totals: cost of delay and SLA penalties avoided, hours freed and their value."""
    delay = delay_cost(baseline) - delay_cost(variant)
    penalties = breach_cost(baseline) - breach_cost(variant)
    freed_hours, freed_value = team_hours(baseline)
    variant_hours, variant_value = team_hours(variant)
    frame = pd.DataFrame({"cost_of_delay_avoided": delay, "sla_penalties_avoided": penalties,
                          "hours_freed": freed_hours - variant_hours,
                          "hours_freed_value": freed_value - variant_value})
    frame["benefit"] = frame["cost_of_delay_avoided"] + frame["sla_penalties_avoided"] + frame["hours_freed_value"]
    return frame.fillna(0.0)


def _per_item(scenario: Scenario, items: pd.DataFrame, field_name: str) -> np.ndarray:
    """The per-type (and per-priority) amount of a demand cost field for each item, 0 when absent."""
    amounts = np.zeros(len(items))
    for demand in scenario.demand:
        value = getattr(demand, field_name)
        mine = (items["type"] == demand.type).to_numpy()
        if isinstance(value, dict):
            priorities = items["priority"].astype(object).to_numpy()
            for label, amount in value.items():
                amounts[mine & (priorities == label)] = amount
        elif value is not None:
            amounts[mine] = value
    return amounts


def delay_cost(results: Results) -> pd.Series:
    """Per replication: sum over reported items of cost-of-delay rate x time until value.

    Items that never realise value (rejected, or still in flight at the drain limit) accrue until
    the latest end of the run, warm-up + horizon + drain: a variant cannot save cost of delay by
    delivering less.
    """
    items = results.items
    scenario = results.scenario
    run_end = scenario.warmup + scenario.horizon + scenario.drain_limit
    delay = items["time_to_value"].fillna(run_end - items["arrived"])
    cost = _per_item(results.scenario, items, "cost_of_delay") * delay.to_numpy()
    return pd.Series(cost).groupby(items["replication"].to_numpy()).sum().reindex(range(results.replications),
                                                                                   fill_value=0.0)


def breach_cost(results: Results) -> pd.Series:
    """Per replication: penalties for items missing their SLA target (never realising value is a miss, and so
    is giving up unless the SLA says ``abandoned: excluded``)."""
    items = results.items
    scenario = results.scenario
    targets = np.array([_target(scenario, t, p) for t, p in zip(items["type"].astype(str),
                                                                 items["priority"].astype(object))], dtype=float)
    clock = items["sla_time"].to_numpy()  # on each SLA's own clock (business hours, paused waits)
    breached = np.isfinite(targets) & ~(clock <= targets)
    excluded = list(scenario.sla_abandoned_excluded)
    if excluded:  # an abandoned item of these types is no breach (``abandoned: excluded``)
        breached &= ~((items["outcome"] == "abandoned") & items["type"].astype(str).isin(excluded)).to_numpy()
    cost = _per_item(scenario, items, "sla_breach_cost") * breached
    return pd.Series(cost).groupby(items["replication"].to_numpy()).sum().reindex(range(results.replications),
                                                                                   fill_value=0.0)


def _target(scenario: Scenario, item_type: str, priority) -> float:
    target = scenario.sla_target(item_type, priority if isinstance(priority, str) else None)
    return math.nan if target is None else target


def team_hours(results: Results) -> tuple[pd.Series, pd.Series]:
    """Per replication: busy team hours in the window, and their cost at each team's cost per hour, plus the
    overtime premium of teams with ``overtime``: overtime_hours x cost_per_hour x (rate - 1) (the work done in
    overtime is already among the busy hours at the normal rate)."""
    teams = results.teams
    spec = results.scenario.teams
    rates = teams["team"].astype(str).map(lambda t: spec[t].cost_per_hour or 0.0).to_numpy()
    premium = teams["team"].astype(str).map(
        lambda t: (spec[t].overtime.rate - 1.0) if spec[t].overtime is not None else 0.0).to_numpy()
    overtime = teams["overtime_hours"].to_numpy() if "overtime_hours" in teams else 0.0
    hours = teams.groupby("replication")["busy_hours"].sum()
    value = pd.Series((teams["busy_hours"].to_numpy() + overtime * premium) * rates).groupby(
        teams["replication"].to_numpy()).sum()
    return hours, value


def cash_flow_figures(benefit: float, economics: Economics, months: int, discount_rate: float) -> dict[str, float]:
    """Net benefit, ROI, payback month and NPV of a monthly benefit over ``months``.

    Month m (1..months) earns its benefit and pays its running cost for the share of it after the
    lead time, min(max(m - lead_time, 0), 1); the investment is paid at month 0.
    """
    active = np.clip(np.arange(1, months + 1) - economics.lead_time, 0.0, 1.0)
    flows = (benefit - economics.running_cost) * active
    running = float(economics.running_cost * active.sum())
    net = float(flows.sum()) - economics.investment
    cost = economics.investment + running
    monthly_rate = (1 + discount_rate) ** (1 / 12) - 1
    npv = -economics.investment + float((flows / (1 + monthly_rate) ** np.arange(1, months + 1)).sum())
    cumulative = -economics.investment + np.concatenate([[0.0], np.cumsum(flows)])  # month 0, 1, ...
    paid_back = np.flatnonzero(cumulative >= 0)
    return {"running_cost": economics.running_cost, "net_benefit": net,
            "roi": net / cost if cost > 0 else math.nan,
            "payback_month": float(paid_back[0]) if paid_back.size else math.nan, "npv": npv}
