"""The planner's levers compared: who gives up waiting, and how people with several skills spend their time.

Abandonment (``patience``) and shared people (``people:``, ``shared_with:``) are not headline metrics:
most scenarios have neither, and a comparison shows them only when a side has them. The abandonment
share is paired by replication like every headline figure (common random numbers, results/stats.py);
a group's time split is the mean over replications of each side (results/groups.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..results.frames import Results
from ..results.groups import IDLE
from ..results.stats import t_interval
from ..scenario.patience import patient_types

#: ``abandonment_table``'s columns: per variant and type, each side's mean share with its interval, and the
#: paired change with its interval.
ABANDONMENT_COLUMNS = ["variant", "type", "baseline", "baseline_low", "baseline_high", "value", "value_low",
                       "value_high", "change", "change_low", "change_high"]
#: ``time_split_table``'s columns: per variant, team, group and what its people did (own team, other teams,
#: ``idle``), the people of the group on each side and the mean share of their hours (NaN where a side lacks it).
TIME_SPLIT_COLUMNS = ["variant", "team", "group", "served", "people_baseline", "people_variant", "baseline", "value"]


def abandonment_shares(results: Results) -> pd.DataFrame:
    """Per replication (rows) and type (columns): abandoned items over reported items, as ``summary``'s
    ``abandonment_share`` counts them (0 in a replication without items of the type)."""
    groups = results.tally.groups
    whole = groups[groups["priority"] == ""]
    shares = (whole["abandoned"] / whole["items"]).to_numpy()
    frame = pd.DataFrame({"replication": whole["replication"].to_numpy(), "type": whole["type"].astype(str).to_numpy(),
                          "share": shares})
    table = frame.pivot_table(index="replication", columns="type", values="share", aggfunc="first")
    return table.reindex(np.arange(results.replications)).fillna(0.0)


def abandoning_types(baseline: Results, variant: Results) -> list[str]:
    """The types either side lets give up (a patience), or in which some item did, baseline's first."""
    types = [*patient_types(baseline.scenario), *patient_types(variant.scenario)]
    for results in (baseline, variant):
        groups = results.tally.groups
        types += [str(t) for t in groups.loc[groups["abandoned"] > 0, "type"].unique()]
    return list(dict.fromkeys(types))


def abandonment_table(baseline: Results, variant: Results, confidence: float = 0.95) -> pd.DataFrame:
    """Per type that may give up on either side: abandonment share of the baseline and the variant with
    their intervals, and the paired change per replication with its interval (columns ABANDONMENT_COLUMNS).
    Empty when neither side has any patience."""
    types = abandoning_types(baseline, variant)
    base, other = abandonment_shares(baseline), abandonment_shares(variant)
    rows = []
    for item_type in types:
        b = base[item_type].to_numpy() if item_type in base else np.zeros(baseline.replications)
        v = other[item_type].to_numpy() if item_type in other else np.zeros(variant.replications)
        count = min(len(b), len(v))
        rows.append((variant.scenario.name, item_type, *t_interval(b, confidence), *t_interval(v, confidence),
                     *t_interval(v[:count] - b[:count], confidence)))
    return pd.DataFrame(rows, columns=ABANDONMENT_COLUMNS)


def time_split_table(baseline: Results, variant: Results) -> pd.DataFrame:
    """Each group's time split on both sides, mean over replications (columns TIME_SPLIT_COLUMNS): the
    variant's groups in their order, then groups only the baseline has. Empty when neither side shares people."""
    base, other = _mean_split(baseline), _mean_split(variant)
    if base.empty and other.empty:
        return pd.DataFrame(columns=TIME_SPLIT_COLUMNS)
    keys = ["team", "group", "served"]
    joined = other.merge(base, on=keys, how="outer", suffixes=("_variant", "_baseline"))
    # the variant's order, then the baseline's: own team first, then the skills as listed, idle last
    seen = list(dict.fromkeys([*zip(other["team"], other["group"], other["served"]),
                               *zip(base["team"], base["group"], base["served"])]))
    groups = list(dict.fromkeys((team, group) for team, group, _ in seen))
    joined["order"] = [(groups.index((team, group)), served == IDLE, seen.index((team, group, served)))
                       for team, group, served in zip(joined["team"], joined["group"], joined["served"])]
    joined = joined.sort_values("order", kind="stable")
    for side in ("baseline", "variant"):
        joined[f"people_{side}"] = joined.groupby(["team", "group"], sort=False)[f"people_{side}"].transform("max")
    joined = joined.rename(columns={"share_baseline": "baseline", "share_variant": "value"})
    joined.insert(0, "variant", variant.scenario.name)
    return joined[TIME_SPLIT_COLUMNS].reset_index(drop=True)


def _mean_split(results: Results) -> pd.DataFrame:
    """team, group, served, people, share: a run's group time split, mean share over replications."""
    groups = results.groups
    if groups is None or groups.empty:
        return pd.DataFrame({"team": [], "group": [], "served": [], "people": [], "share": []})
    mean = groups.groupby(["team", "group", "served"], sort=False).agg(people=("people", "max"),
                                                                       share=("share", "mean"))
    return mean.reset_index()
