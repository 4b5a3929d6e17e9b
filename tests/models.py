"""Small scenario mappings built in code, so each test states its model in full."""

from __future__ import annotations

from typing import Any


def single_team(rate: str, effort: str, capacity: int, horizon: str = "2000h", warmup: str = "100h",
                **extra: Any) -> dict[str, Any]:
    """One demand type, one team, one work step: an M/G/c queue in scenario form."""
    scenario = {
        "name": "single team",
        "horizon": horizon,
        "warmup": warmup,
        "replications": 2,
        "seed": 3,
        "teams": {"desk": {"capacity": capacity}},
        "demand": [{"type": "ticket", "stream": "serve", "arrivals": {"rate": rate}}],
        "streams": {"serve": {"steps": [{"name": "work", "activity": "deliver_and_support",
                                         "team": "desk", "effort": effort}]}},
    }
    scenario.update(extra)
    return scenario
