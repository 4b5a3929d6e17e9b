"""SLA clocks: how long an item took by its SLA's clock (elapsed or business hours, paused on waits).

Elapsed: time from arrival to value. Business hours: the working hours of the clock team's calendar
between them (calendars.Schedule). With ``pause_on``, the time the item spent in wait steps with
those reasons is taken off, measured on the same clock, as ITSM tools stop the clock for "awaiting
user". Items of types without an SLA get their time-to-value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scenario.model import Scenario


def sla_times(scenario: Scenario, items: pd.DataFrame, events: pd.DataFrame) -> np.ndarray:
    """Each item's time on its SLA's clock until value (NaN when value was never realised)."""
    out = items["time_to_value"].to_numpy(dtype=float).copy()
    for item_type in scenario.sla:
        clock = scenario.sla_clock(item_type)
        if clock.clock == "elapsed" and not clock.pause_on:
            continue
        mine = (items["type"] == item_type).to_numpy()
        measure = _measure(scenario, item_type, clock.clock)
        arrived, value = items["arrived"].to_numpy()[mine], items["value_realized"].to_numpy()[mine]
        time = measure(arrived, value)
        if clock.pause_on:
            time = time - _paused(items[mine], events, clock.pause_on, measure)
        out[mine] = time
    return out


def _measure(scenario: Scenario, item_type: str, clock: str):
    """A vectorised measure of intervals [a, b] on the clock; a business clock follows the clock
    team's calendar through the changes over time (each period on the calendar then in force)."""
    if clock == "elapsed":
        return lambda a, b: b - a
    team = scenario.sla_team(item_type)
    periods = [(0.0, scenario), *scenario.epochs]
    bounds = [(begin, end, period.schedule(team))
              for (begin, period), (end, _) in zip(periods, [*periods[1:], (np.inf, None)])]
    if len(bounds) == 1:
        return bounds[0][2].working_hours_array

    def working_hours(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        total = np.zeros(np.shape(a))
        for begin, end, schedule in bounds:
            low, high = np.maximum(a, begin), np.minimum(b, end)
            inside = high > low  # NaN ends (never realised) compare False: they stay NaN below
            total[inside] += schedule.working_hours_array(low[inside], high[inside])
        return np.where(np.isnan(b), np.nan, total)
    return working_hours


def _paused(items: pd.DataFrame, events: pd.DataFrame, reasons: list[str], measure) -> np.ndarray:
    """Per item: time in wait steps with one of ``reasons`` before its value, on the clock."""
    waits = events[events["wait_reason"].isin(reasons)]
    keys = items[["replication", "item_id", "value_realized"]]
    waits = waits.merge(keys, on=["replication", "item_id"])
    end = np.minimum(waits["finished"].to_numpy(), waits["value_realized"].to_numpy())
    begin = waits["queued"].to_numpy()
    spans = np.where(end > begin, measure(begin, np.maximum(end, begin)), 0.0)
    per_item = pd.Series(spans).groupby([waits["replication"].to_numpy(), waits["item_id"].to_numpy()]).sum()
    index = pd.MultiIndex.from_arrays([items["replication"].to_numpy(), items["item_id"].to_numpy()])
    return per_item.reindex(index, fill_value=0.0).to_numpy()
