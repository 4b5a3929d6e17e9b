"""Chains of linked records (``spawn``): from a root item's arrival to the last value its chain realises.

A chain is a root item (one that arrived, or was open at the start) with the items it raised, the
items those raised, and so on (``parent_id`` in Results.items). Its time-to-value runs from the
root's arrival to the latest value realised by any item of the chain, the root's own included:
"problem opened -> fix deployed". Items rejected at a gate realise no value and do not end a chain;
a chain with an item still in flight when the run stopped has no time-to-value yet (NaN,
``outcome`` "in_flight"). Chains whose root arrived in the warm-up are not reported (nor is the root).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .metrics import PERCENTILES
from .stats import t_interval

CHAIN_COLUMNS = ("replication", "root_id", "type", "priority", "descendants", "arrived", "value_realized",
                 "time_to_value", "outcome")


def chains(items: pd.DataFrame) -> pd.DataFrame:
    """One row per root item with descendants: replication, root_id, type and priority (the root's),
    descendants (items raised along the chain), arrived (the root's arrival), value_realized (the
    chain's latest), time_to_value, outcome ("done", or "in_flight" when an item had not finished)."""
    if "parent_id" not in items.columns or not items["parent_id"].notna().any():
        return _empty(items)
    items = items.reset_index(drop=True)
    root = _roots(items)
    orphan = items["parent_id"].notna().to_numpy()[root]  # the chain's root arrived in the warm-up
    frame = pd.DataFrame({"root": root, "value": items["value_realized"].to_numpy(dtype=float),
                          "open": (items["outcome"] == "in_flight").to_numpy()})[~orphan]
    grouped = frame.groupby("root", sort=True)
    size, latest, open_ = grouped.size(), grouped["value"].max(), grouped["open"].any()
    linked = size.index[size > 1].to_numpy()
    roots = items.iloc[linked]
    arrived = roots["arrived"].to_numpy(dtype=float)
    value = np.where(open_.loc[linked].to_numpy(), np.nan, latest.loc[linked].to_numpy(dtype=float))
    return pd.DataFrame({
        "replication": roots["replication"].to_numpy(), "root_id": roots["item_id"].to_numpy(),
        "type": roots["type"].to_numpy(), "priority": roots["priority"].to_numpy(),
        "descendants": (size.loc[linked] - 1).to_numpy(dtype=np.int64), "arrived": arrived,
        "value_realized": value, "time_to_value": value - arrived,
        "outcome": pd.Categorical(np.where(open_.loc[linked].to_numpy(), "in_flight", "done"),
                                  categories=["done", "in_flight"]),
    }).astype({"type": items["type"].dtype, "priority": items["priority"].dtype})


def _roots(items: pd.DataFrame) -> np.ndarray:
    """For each row, the row of its chain's root (pointer jumping: log2(depth) passes); an item whose
    parent is not among ``items`` (it arrived in the warm-up) is its own root, still with a parent."""
    keys = pd.MultiIndex.from_arrays([items["replication"].to_numpy(), items["item_id"].to_numpy()])
    parent = items["parent_id"].fillna(-1).to_numpy(dtype=np.int64)
    parents = pd.MultiIndex.from_arrays([items["replication"].to_numpy(), parent])
    position = keys.get_indexer(parents)
    root = np.where(position >= 0, position, np.arange(len(items)))
    while True:
        jumped = root[root]
        if np.array_equal(jumped, root):
            return root
        root = jumped


def _empty(items: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({column: [] for column in CHAIN_COLUMNS})
    return frame.astype({"replication": np.int64, "root_id": np.int64, "type": items["type"].dtype,
                         "priority": items["priority"].dtype, "descendants": np.int64, "arrived": float,
                         "value_realized": float, "time_to_value": float,
                         "outcome": pd.CategoricalDtype(["done", "in_flight"])})


def chain_summary(chain_rows: pd.DataFrame, replications: int, confidence: float = 0.95) -> pd.DataFrame:
    """Per root type: type, metric, estimate, ci_low, ci_high, each a t-interval over replications
    (stats.t_interval). Metrics: ``chains`` (chains per replication), ``descendants_mean`` (items
    raised per chain), ``time_to_value_mean`` and ``time_to_value_p50/p85/p95`` of the chains that
    finished, and ``in_flight`` (chains per replication not finished when the run stopped)."""
    rows = []
    index = np.arange(replications)
    for root_type in chain_rows["type"].unique():
        mine = chain_rows[chain_rows["type"] == root_type]
        grouped = mine.groupby("replication")
        per_rep = pd.DataFrame({"chains": grouped.size(), "descendants_mean": grouped["descendants"].mean(),
                                "in_flight": grouped["outcome"].apply(lambda o: int((o == "in_flight").sum()))})
        ttv = mine[mine["time_to_value"].notna()].groupby("replication")["time_to_value"]
        per_rep["time_to_value_mean"] = ttv.mean()
        for q in PERCENTILES:
            per_rep[f"time_to_value_p{q}"] = ttv.quantile(q / 100)
        per_rep = per_rep.reindex(index).fillna({"chains": 0, "in_flight": 0})
        for metric in ("chains", "descendants_mean", "time_to_value_mean",
                       *(f"time_to_value_p{q}" for q in PERCENTILES), "in_flight"):
            rows.append((root_type, metric, *t_interval(per_rep[metric], confidence)))
    return pd.DataFrame(rows, columns=["type", "metric", "estimate", "ci_low", "ci_high"])
