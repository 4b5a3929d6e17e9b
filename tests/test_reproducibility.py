"""Same scenario and seed, identical results; different seeds differ; streams are keyed by name."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from simvalue import load_scenario, simulate
from simvalue.rng import stream, streams


def test_same_seed_gives_identical_items_and_events(change_scenario):
    scenario = load_scenario(change_scenario)
    first, second = simulate(scenario, replications=2, seed=5), simulate(scenario, replications=2, seed=5)
    pd.testing.assert_frame_equal(first.items, second.items)
    pd.testing.assert_frame_equal(first.events, second.events)
    pd.testing.assert_frame_equal(first.teams, second.teams)


def test_different_seeds_differ(change_scenario):
    scenario = load_scenario(change_scenario)
    a, b = simulate(scenario, replications=1, seed=5), simulate(scenario, replications=1, seed=6)
    assert not a.items["arrived"].equals(b.items["arrived"])


def test_replications_are_independent_of_how_many_are_run(change_scenario):
    # Replication r draws from streams keyed by (seed, r, names): running 3 gives the first 2 unchanged.
    scenario = load_scenario(change_scenario)
    two, three = simulate(scenario, replications=2, seed=5), simulate(scenario, replications=3, seed=5)
    head = three.items[three.items["replication"] < 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(two.items, head)


def test_adding_an_unrelated_team_leaves_other_streams_untouched(change_scenario):
    # Streams are keyed by names, not positions: common random numbers survive structural edits.
    variant = copy.deepcopy(change_scenario)
    variant["teams"]["spare"] = {"capacity": 1}
    a = simulate(load_scenario(change_scenario), replications=1, seed=5).items
    b = simulate(load_scenario(variant), replications=1, seed=5).items
    pd.testing.assert_frame_equal(a, b)


def test_scenario_seed_is_the_default(change_scenario):
    scenario = load_scenario(change_scenario)
    pd.testing.assert_frame_equal(simulate(scenario, replications=1).items,
                                  simulate(scenario, replications=1, seed=scenario.seed).items)


def test_common_random_numbers_hold_per_item_and_step():
    # Raising the first team's capacity reorders who reaches step two when; every item must still
    # get the same effort there (and the same routing), because draws are keyed by item.
    scenario = {
        "name": "two steps", "horizon": "20d", "seed": 3,
        "teams": {"a": {"capacity": 2}, "b": {"capacity": 2}},
        "demand": [{"type": "x", "stream": "s", "arrivals": {"rate": "1.5/h"}}],
        "streams": {"s": {"steps": [
            {"name": "one", "activity": "engage", "team": "a", "effort": "exponential(mean=1h)"},
            {"name": "two", "activity": "deliver_and_support", "team": "b", "effort": "exponential(mean=1h)",
             "next": {"one": 0.2, "done": 0.8}},
        ]}},
    }
    wider = copy.deepcopy(scenario)
    wider["teams"]["a"]["capacity"] = 3
    a = simulate(load_scenario(scenario), replications=1).events
    b = simulate(load_scenario(wider), replications=1).events
    first = lambda events, step: events[events["step"] == step].drop_duplicates("item_id").set_index("item_id")  # noqa: E731
    work_a, work_b = first(a, "two")["work"], first(b, "two")["work"]
    common = work_a.index.intersection(work_b.index)
    assert len(common) > 400
    pd.testing.assert_series_equal(work_a.loc[common], work_b.loc[common])
    assert not a["wait"].equals(b["wait"])  # the change did change the flow


def test_a_family_of_streams_draws_what_each_named_stream_draws():
    """``streams`` (the engine's per-block streams) is ``stream`` with its shared key computed once."""
    family = streams(7, 2, "incident", "triage", "effort")
    for block in ("0", "1", "1099511627776"):
        assert np.array_equal(family(block).random(64), stream(7, 2, "incident", "triage", "effort", block).random(64))
    assert not np.array_equal(family("0").random(8), family("1").random(8))
