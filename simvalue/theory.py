"""Closed forms from queueing theory, used to check scenarios and to validate the engine.

References: Erlang C and M/M/c waiting times (Kleinrock 1975, *Queueing Systems* vol. 1, §3.5;
Gross & Harris, *Fundamentals of Queueing Theory*, §2.3); open Jackson networks and the traffic
equations (Jackson 1957; Gross & Harris §4.1); Little's law L = lambda W (Little 1961).
"""

from __future__ import annotations

import math

import numpy as np


def offered_load(arrival_rate: float, mean_service: float) -> float:
    """Offered load a = lambda * E[S] in Erlangs (busy servers needed on average)."""
    return arrival_rate * mean_service


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (Erlang C), for load a < c.

    Computed from the Erlang B recursion B(k) = a B(k-1) / (k + a B(k-1)), which is stable for
    large c, then C = c B / (c - a (1 - B)).
    """
    if not 0 <= load < servers:
        raise ValueError(f"Erlang C needs 0 <= load < servers, got load={load}, servers={servers}")
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return servers * blocking / (servers - load * (1 - blocking))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in queue of an M/M/c system: W_q = C(c, a) / (c mu - lambda)."""
    load = arrival_rate / service_rate
    return erlang_c(servers, load) / (servers * service_rate - arrival_rate)


def mmc_mean_sojourn(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in system of an M/M/c queue: W = W_q + 1/mu."""
    return mmc_mean_wait(arrival_rate, service_rate, servers) + 1.0 / service_rate


def visit_ratios(routing: np.ndarray, entry: np.ndarray) -> np.ndarray:
    """Expected visits per node from the traffic equations v = e + v P, i.e. v = e (I - P)^-1.

    ``routing[i, j]`` is the probability of moving from node i to node j; rows may sum to less
    than 1 (the rest leaves the network). Raises ``ValueError`` when items can never leave.
    """
    size = routing.shape[0]
    system = np.eye(size) - routing
    if abs(np.linalg.det(system)) < 1e-12:
        raise ValueError("routing has a closed loop that items can never leave")
    return np.linalg.solve(system.T, entry)


def jackson_mean_sojourn(arrival_rate: float, routing: np.ndarray, entry: np.ndarray,
                         service_rates: np.ndarray, servers: np.ndarray) -> float:
    """Mean time in an open Jackson network of M/M/c nodes: sum over nodes of v_i * W_i."""
    visits = visit_ratios(routing, entry)
    total = 0.0
    for v, mu, c in zip(visits, service_rates, servers):
        if v > 0:
            total += v * mmc_mean_sojourn(arrival_rate * v, float(mu), int(c))
    return total


def periodic_gate_mean_wait(interval: float) -> float:
    """Mean wait at a gate that decides everything at meetings every ``interval``: interval / 2.

    Holds for any arrival process independent of the meeting phase (a uniform phase argument).
    """
    return interval / 2.0


def stable(load: float, capacity: float) -> bool:
    """A queue is stable only when its offered load is strictly below its capacity."""
    return load < capacity and math.isfinite(load)
