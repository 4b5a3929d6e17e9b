"""How far a business case rests on its economic assumptions: cost of delay's share, NPV without it, a tornado.

Economics are applied to simulation results after the run (``economics.case_from_runs``), so each
figure here recomputes the cash flows from the case's per-replication benefits with one assumption
moved; nothing is simulated again. NPV is affine in the monthly benefit
(``economics.cash_flow_figures``), so halving cost of delay gives exactly the midpoint of the NPV
as simulated and the NPV without it. The tornado diagram follows Clemen & Reilly, *Making Hard
Decisions* (3rd ed.), ch. 5: one input at a time at a low and a high value, the others as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from .economics import DOMINANT_SHARE, BusinessCase, cash_flow_figures
from ..readable import money, number, relative, share
from ..results.stats import t_interval

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: How far each assumption moves in the tornado, down and up, as a fraction of its value.
SPREAD = 0.5

#: Smallest moves of the two assumptions that may be zero: lead time in months, discount rate.
MIN_LEAD_TIME_MOVE, MIN_RATE_MOVE = 1.0, 0.02


@dataclass(frozen=True)
class Setting:
    """The economic inputs of a case: multipliers of the simulated benefits and of the variant's
    costs, and the lead time (months) and yearly discount rate (None: the case's own)."""

    cost_of_delay: float = 1.0
    sla_penalties: float = 1.0
    hourly_rate: float = 1.0
    investment: float = 1.0
    running_cost: float = 1.0
    lead_time: float | None = None
    discount_rate: float | None = None


@dataclass(frozen=True)
class Assumption:
    """One tornado bar: an assumption moved down and up, with the words for each setting."""

    name: str
    down: Setting
    up: Setting
    down_words: str
    up_words: str


def cash_flows(case: BusinessCase, setting: Setting = Setting()) -> pd.DataFrame:
    """Per replication: benefit per month, net benefit, ROI, payback month and NPV under ``setting``."""
    per = case.per_replication
    benefit = (setting.cost_of_delay * per["cost_of_delay_avoided"] + setting.sla_penalties
               * per["sla_penalties_avoided"] + setting.hourly_rate * per["hours_freed_value"])
    economics = case.economics.model_copy(update={
        "investment": case.economics.investment * setting.investment,
        "running_cost": case.economics.running_cost * setting.running_cost,
        "lead_time": case.economics.lead_time if setting.lead_time is None else setting.lead_time})
    rate = case.discount_rate if setting.discount_rate is None else setting.discount_rate
    rows = [{"benefit": float(b), **cash_flow_figures(float(b), economics, case.months, rate)} for b in benefit]
    return pd.DataFrame(rows, index=per.index)


def assumptions(case: BusinessCase, spread: float = SPREAD) -> list[Assumption]:
    """Every economic assumption of a case, each moved down and up by ``spread`` of its value
    (the lead time by at least a month, the discount rate by at least two points, neither below 0)."""
    low, high = 1 - spread, 1 + spread
    factors = relative(-spread), relative(spread)
    scaled = [Assumption(label, Setting(**{key: low}), Setting(**{key: high}), *factors) for key, label in (
        ("cost_of_delay", "cost of delay rates"), ("hourly_rate", "cost per hour of freed team hours"),
        ("sla_penalties", "SLA breach penalties"), ("investment", "investment"),
        ("running_cost", "running cost"))]
    lead = case.economics.lead_time
    move = max(lead * spread, MIN_LEAD_TIME_MOVE)
    lead_down, lead_up = max(lead - move, 0.0), lead + move
    rate = case.discount_rate
    step = max(rate * spread, MIN_RATE_MOVE)
    rate_down, rate_up = max(rate - step, 0.0), rate + step
    return scaled + [
        Assumption("lead time", Setting(lead_time=lead_down), Setting(lead_time=lead_up),
                   _months(lead_down), _months(lead_up)),
        Assumption("discount rate", Setting(discount_rate=rate_down), Setting(discount_rate=rate_up),
                   share(rate_down, 1), share(rate_up, 1))]


def _months(count: float) -> str:
    return "1 month" if count == 1 else f"{number(count)} months"


@dataclass(frozen=True)
class Plausibility:
    """What a case's return rests on.

    ``shares``: share of the mean monthly benefit from cost of delay avoided, SLA penalties avoided
    and freed hours (NaN when the benefit is not positive). ``cases``: NPV (+ interval), ROI and
    P(NPV > 0) as simulated, with cost of delay halved, without it, and on cash alone.
    ``tornado``: NPV with each assumption moved down and up, widest swing first. ``flags``:
    sentences saying where the return rests mostly on one assumption; ``labels`` the same in a few
    words each, for a table.
    """

    variant: str
    currency: str
    months: int
    npv: float
    shares: dict[str, float]
    cases: pd.DataFrame = field(repr=False)
    tornado: pd.DataFrame = field(repr=False)
    flags: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def cost_of_delay_share(self) -> float:
        """Share of the benefit that rests on cost of delay rates."""
        return self.shares["cost_of_delay_avoided"]

    def npv_at(self, what: str) -> float:
        """Mean NPV of one row of ``cases`` (``as simulated``, ``cost of delay halved``, ...)."""
        return float(self.cases.set_index("case").loc[what, "npv"])

    def plot_tornado(self) -> Figure:
        """NPV with each assumption moved down and up from the NPV as simulated, widest swing on top: the
        chart of the business pages (drawn by ``plots.plot_npv_tornado``)."""
        from ..charts.plots import plot_npv_tornado  # on first use: plots stands beside matplotlib
        names = [f"{row.assumption} ({row.down} / {row.up})" for row in self.tornado.itertuples()]
        return plot_npv_tornado(names, self.tornado["npv_down"], self.tornado["npv_up"], self.npv, self.months,
                                self.currency)


#: Rows of ``Plausibility.cases``: the setting and whether it is a cost-of-delay test.
CASES = {"as simulated": Setting(), "cost of delay halved": Setting(cost_of_delay=0.5),
         "without cost of delay": Setting(cost_of_delay=0.0),
         "cash only (SLA penalties avoided)": Setting(cost_of_delay=0.0, hourly_rate=0.0)}
#: The rows of ``cases`` a chart of cost of delay shows, one mark each.
COST_OF_DELAY_CASES = ("as simulated", "cost of delay halved", "without cost of delay")


def plausibility(case: BusinessCase, spread: float = SPREAD, confidence: float = 0.95) -> Plausibility:
    """Shares of the benefit, NPV without (and with half) the cost of delay, a tornado and flags."""
    shares = case.shares
    rows = []
    for name, setting in CASES.items():
        flows = cash_flows(case, setting)
        rows.append((name, *t_interval(flows["npv"], confidence), float(flows["roi"].mean()),
                     float((flows["npv"] > 0).mean())))
    cases = pd.DataFrame(rows, columns=["case", "npv", "npv_low", "npv_high", "roi", "probability_npv_positive"])
    npv = float(cases["npv"].iloc[0])
    tornado = _tornado(case, spread)
    result = Plausibility(case.variant, case.currency, case.months, npv, shares, cases, tornado)
    found = flags(result)
    return replace(result, flags=tuple(sentence for _, sentence in found), labels=tuple(label for label, _ in found))


def _tornado(case: BusinessCase, spread: float) -> pd.DataFrame:
    rows = [(a.name, a.down_words, a.up_words, float(cash_flows(case, a.down)["npv"].mean()),
             float(cash_flows(case, a.up)["npv"].mean())) for a in assumptions(case, spread)]
    frame = pd.DataFrame(rows, columns=["assumption", "down", "up", "npv_down", "npv_up"])
    frame["swing"] = (frame["npv_up"] - frame["npv_down"]).abs()
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def flags(result: Plausibility) -> list[tuple[str, str]]:
    """Where a return rests mostly on one assumption: (a few words for a table, the sentence to read)."""
    found = []
    delay, hours = result.cost_of_delay_share, result.shares["hours_freed_value"]
    if delay > DOMINANT_SHARE:  # as BusinessCase.rests_on_cost_of_delay: the one threshold
        found.append(("rests on cost of delay",
                      f"{share(delay)} of the benefit is cost of delay avoided: what the business says faster "
                      "delivery is worth, not cash. The return rests on those rates; without them the NPV is "
                      f"{money(result.npv_at('without cost of delay'), result.currency)}."))
    if result.npv > 0 > result.npv_at("cost of delay halved"):
        found.append(("negative at half the cost of delay",
                      "The NPV turns negative when the cost of delay rates are halved "
                      f"({money(result.npv_at('cost of delay halved'), result.currency)})."))
    if hours > DOMINANT_SHARE:
        found.append(("rests on freed hours",
                      f"{share(hours)} of the benefit is team hours freed: capacity still paid for, which "
                      "becomes cash only if the hours go to other paid work or the team shrinks."))
    for row in result.tornado.itertuples():
        if row.assumption == "cost of delay rates":
            continue  # said above in the words a finance reader expects
        for npv, words in ((row.npv_down, row.down), (row.npv_up, row.up)):
            if result.npv > 0 > npv:
                found.append((f"negative at {row.assumption} {words}",
                              f"The NPV turns negative ({money(npv, result.currency)}) with the "
                              f"{row.assumption} at {words}."))
    return found


def plot_cost_of_delay(results: Sequence[Plausibility]) -> Figure:
    """Per candidate (in the order given), NPV as simulated, with cost of delay halved and without it: a
    candidate whose points cross zero rests on cost of delay. The chart of the rank page and of
    ``simvalue rank --out`` (drawn by ``plots.plot_npv_settings``)."""
    from ..charts.plots import plot_npv_settings  # on first use: plots stands beside matplotlib
    settings = {setting: [result.npv_at(setting) for result in results] for setting in COST_OF_DELAY_CASES}
    return plot_npv_settings([result.variant for result in results], settings, results[0].months,
                             results[0].currency)
