"""rank(): business cases of competing improvements side by side, with the chance each is best.

All candidates run against one baseline under common random numbers, so in every replication
they face the same demand; the probability a candidate is best by NPV is the share of
replications in which its NPV is the highest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .comparison import ScenarioLike, compare
from .economics import BusinessCase, case_from_runs
from ..errors import SimulationError
from ..readable import confidence_label, money, share
from ..results.frames import Results
from ..results.stats import relative_change, t_interval
from .verdict import how_sure, rests_on

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLUMNS = ["rank", "candidate", "npv", "npv_low", "npv_high", "probability_best", "probability_npv_positive",
           "roi", "roi_low", "roi_high", "payback_month", "probability_payback", "ttv_change", "ttv_change_low", "ttv_change_high",
           "cost_of_delay_avoided", "size", "wsjf", "wsjf_low", "wsjf_high", "cost_of_delay_share",
           "npv_without_cost_of_delay"]


@dataclass(frozen=True)
class Ranking:
    """Candidates ordered by mean NPV; ``cases`` holds each candidate's full business case.

    ``table`` columns: rank, candidate, npv (+ interval), probability_best,
    probability_npv_positive, roi (+ interval), payback_month (mean over replications that pay
    back) and probability_payback (the share that do), ttv_change (relative change of mean time-to-value over all items, + interval),
    cost_of_delay_avoided (per month), size, wsjf (cost of delay avoided per month / size),
    cost_of_delay_share (of the benefit; above ``economics.DOMINANT_SHARE`` the case rests on cost of
    delay) and npv_without_cost_of_delay (mean NPV on cash and freed hours alone).
    """

    currency: str
    months: int
    discount_rate: float
    cases: tuple[BusinessCase, ...]
    table: pd.DataFrame = field(repr=False)

    def in_rank_order(self) -> list[BusinessCase]:
        """The cases in the order of ``table``: each row takes the first case not yet taken with its
        name and NPV (two candidates may share a name)."""
        def same(case: BusinessCase, name: str, npv: float) -> bool:
            mine = case.figure("npv")[0]
            return case.variant == name and (mine == npv or (np.isnan(mine) and np.isnan(npv)))

        left = list(range(len(self.cases)))
        ordered = []
        for row in self.table.itertuples():
            index = next(i for i in left if same(self.cases[i], row.candidate, row.npv))
            left.remove(index)
            ordered.append(self.cases[index])
        return ordered

    def plot_npv(self, confidence: float = 0.95) -> Figure:
        """NPV of each candidate with its interval at ``confidence``, best at the top: the chart of the
        rank page and of ``simvalue rank --out`` (drawn by ``plots.plot_npv_ranking``)."""
        from ..charts.plots import plot_npv_ranking  # on first use: plots stands beside matplotlib
        cases = self.in_rank_order()
        npv = [t_interval(case.per_replication["npv"], confidence) for case in cases]
        return plot_npv_ranking([case.variant for case in cases], *zip(*npv), self.months, self.currency,
                                confidence_label(confidence))


def rank(base: ScenarioLike, *candidates: ScenarioLike, months: int = 12, discount_rate: float = 0.08,
         replications: int | None = None, seed: int | None = None,
         progress: Callable[[str, int, int], None] | None = None, max_events: float | None = None) -> Ranking:
    """Build every candidate's business case against ``base`` and rank them by NPV (``max_events``:
    the work budget, see :func:`simvalue.simulate`)."""
    if not candidates:
        raise SimulationError("rank needs at least one candidate variant")
    comparison = compare(base, *candidates, replications=replications, seed=seed, progress=progress,
                         max_events=max_events)
    cases = tuple(case_from_runs(comparison.baseline, run, months, discount_rate,
                                 spec.economics if spec is not None else None)
                  for run, spec in zip(comparison.variants, comparison.specs))
    npv = np.column_stack([case.per_replication["npv"].to_numpy() for case in cases])
    winners = npv == npv.max(axis=1, keepdims=True)  # ties share the win
    best = (winners / winners.sum(axis=1, keepdims=True)).mean(axis=0)
    rows = [_row(case, run, comparison.baseline, p) for case, run, p in zip(cases, comparison.variants, best)]
    table = pd.DataFrame(rows).sort_values("npv", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return Ranking(cases[0].currency, months, discount_rate, cases, table[COLUMNS])


def _row(case: BusinessCase, run: Results, baseline: Results, probability_best: float) -> dict:
    npv, npv_low, npv_high = case.figure("npv")
    roi, roi_low, roi_high = case.figure("roi")
    ttv, ttv_low, ttv_high = relative_change(_mean_ttv(baseline), _mean_ttv(run))
    delay = case.per_replication["cost_of_delay_avoided"]
    size = case.economics.size
    wsjf = t_interval(delay / size) if size else (np.nan, np.nan, np.nan)
    return {"candidate": case.variant, "npv": npv, "npv_low": npv_low, "npv_high": npv_high,
            "probability_best": float(probability_best), "probability_npv_positive": case.probability_npv_positive,
            "roi": roi, "roi_low": roi_low, "roi_high": roi_high,
            "payback_month": float(case.per_replication["payback_month"].mean()),
            "probability_payback": case.probability_payback,
            "ttv_change": ttv, "ttv_change_low": ttv_low, "ttv_change_high": ttv_high,
            "cost_of_delay_avoided": float(delay.mean()), "size": size if size else np.nan,
            "wsjf": wsjf[0], "wsjf_low": wsjf[1], "wsjf_high": wsjf[2],
            "cost_of_delay_share": case.cost_of_delay_share,
            "npv_without_cost_of_delay": float(case.npv_without_cost_of_delay().mean())}


def lead_sentence(ranking: Ranking, confidence: float = 0.95) -> str:
    """The sentence a ranking opens with: do the top candidate first (or none, when even the best
    loses money), its NPV and interval, the share of periods in which it is best, what it rests on."""
    cases = ranking.in_rank_order()
    top = cases[0]
    npv = top.per_replication["npv"]
    mean = float(npv.mean())
    amount = f"NPV {money(mean, top.currency)} over {top.months} months ({how_sure(npv, confidence)})"
    if mean > 0:
        text = f"Do “{top.variant}” first: {amount}"
    else:
        text = f"Do none of the {len(cases)} candidates yet: even the best, “{top.variant}”, has {amount}"
    if len(npv) < 2:
        text += "; with one replication, no chance of being the best can be told"
    elif len(cases) > 1:
        text += f", the best in {share(float(ranking.table['probability_best'].iloc[0]))} of the simulated periods"
    else:
        text += f", positive in {share(top.probability_npv_positive)} of the simulated periods"
    clause = rests_on(top)
    return text + (f"; {clause}." if clause else ".")


def _mean_ttv(results: Results) -> np.ndarray:
    """Mean time-to-value over all value-realising items, per replication."""
    items = results.items
    means = items.groupby("replication")["time_to_value"].mean()
    return means.reindex(range(results.replications)).to_numpy()
