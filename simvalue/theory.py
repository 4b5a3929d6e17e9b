"""Closed forms from queueing theory, used to check scenarios and to validate the engine.

References: Erlang C and M/M/c waiting times (Kleinrock 1975, *Queueing Systems* vol. 1, §3.5;
Gross & Harris, *Fundamentals of Queueing Theory*, §2.3); open Jackson networks and the traffic
equations (Jackson 1957; Gross & Harris §4.1); Little's law L = lambda W (Little 1961); the periodic
steady state of a queue whose servers follow a timetable, from the Kolmogorov forward equations
(Kolmogorov 1931; Green, Kolesar & Soares 2001, "Improving the SIPP approach for staffing service
systems that have cyclic demands", *Operations Research* 49(4)); the M/M/c+M queue with impatient
callers, Erlang A (Palm 1943; Garnett, Mandelbaum & Reiman 2002, "Designing a call center with
impatient customers", *Manufacturing & Service Operations Management* 4(3)); release trains as
bulk-service queues (Bailey 1954).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: Utilisation from which a team is near saturation: an M/M/c queue's wait grows steeply above it (the verdict
#: calls such a team highly loaded; the load chart draws the line).
HIGH_LOAD = 0.85


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


def mmc_wait_tail(arrival_rate: float, service_rate: float, servers: int, t: float) -> float:
    """P(wait in queue > t) of an M/M/c queue (FCFS): C(c, a) exp(-(c mu - lambda) t) for t >= 0.

    A waiting arrival's wait is exponential with rate c mu - lambda (Kleinrock 1975, §3.5; Gross &
    Harris §2.3, eq. 2.37). Needs lambda < c mu.
    """
    load = arrival_rate / service_rate
    if t < 0:
        return 1.0
    return erlang_c(servers, load) * math.exp(-(servers * service_rate - arrival_rate) * t)


def mmc_sojourn_tail(arrival_rate: float, service_rate: float, servers: int, t: float) -> float:
    """P(time in system > t) of an M/M/c queue (FCFS): the wait (0, or exponential with rate
    theta = c mu - lambda with probability C) plus an independent exponential service of rate mu.

    P(T > t) = (1 - C) e^{-mu t} + C (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu), and
    C (1 + mu t) e^{-mu t} in place of the last term when theta = mu (Gross & Harris §2.3, eq. 2.41).
    """
    if t < 0:
        return 1.0
    load = arrival_rate / service_rate
    delayed = erlang_c(servers, load)
    theta = servers * service_rate - arrival_rate
    served = math.exp(-service_rate * t)
    if math.isclose(theta, service_rate, rel_tol=1e-9):
        both = (1.0 + service_rate * t) * served
    else:
        both = (theta * served - service_rate * math.exp(-theta * t)) / (theta - service_rate)
    return (1.0 - delayed) * served + delayed * both


def mmc_sojourn_cdf(arrival_rate: float, service_rate: float, servers: int, t: float) -> float:
    """P(time in system <= t) of an M/M/c queue: the share of items that meet an SLA of ``t``."""
    return 1.0 - mmc_sojourn_tail(arrival_rate, service_rate, servers, t)


def mmc_servers_for_sojourn(arrival_rate: float, service_rate: float, target: float, share: float,
                            most: int = 10_000) -> int:
    """The fewest servers c of an M/M/c queue with P(time in system <= target) >= share; raises
    ``ValueError`` when even ``most`` fall short (service alone misses the target too often)."""
    alone = 1.0 - math.exp(-service_rate * target)  # with no wait at all: the most any c can give
    servers = math.floor(arrival_rate / service_rate) + 1
    while mmc_sojourn_cdf(arrival_rate, service_rate, servers, target) < share:
        servers += 1
        if servers > most or alone < share:
            raise ValueError(f"no c <= {most} gives P(sojourn <= {target:g}) >= {share:g}: service alone "
                             f"meets it with probability {alone:.4g}")
    return servers


def halfin_whitt_delay(beta: float) -> float:
    """P(wait > 0) of an M/M/c queue staffed c = a + beta sqrt(a), in the Halfin-Whitt limit:
    [1 + beta Phi(beta) / phi(beta)]^-1 (Halfin & Whitt 1981, *Operations Research* 29(3))."""
    if beta <= 0:
        return 1.0
    cdf = 0.5 * (1.0 + math.erf(beta / math.sqrt(2.0)))
    pdf = math.exp(-beta * beta / 2.0) / math.sqrt(2.0 * math.pi)
    return 1.0 / (1.0 + beta * cdf / pdf)


def halfin_whitt_beta(delay_probability: float) -> float:
    """The beta whose Halfin-Whitt delay probability is ``delay_probability`` (in (0, 1)), by bisection."""
    if not 0 < delay_probability < 1:
        raise ValueError(f"delay_probability must be between 0 and 1, got {delay_probability}")
    low, high = 0.0, 1.0
    while halfin_whitt_delay(high) > delay_probability:
        high *= 2.0
    for _ in range(100):
        middle = (low + high) / 2.0
        low, high = (middle, high) if halfin_whitt_delay(middle) > delay_probability else (low, middle)
    return (low + high) / 2.0


def square_root_staffing(load: float, beta: float) -> int:
    """Square-root staffing c = ceil(a + beta sqrt(a)) (Halfin & Whitt 1981; Borst, Mandelbaum & Reiman
    2004, *Operations Research* 52(1), who show it is exact or one server off over wide ranges of loads)."""
    if load <= 0:
        raise ValueError(f"load must be > 0, got {load}")
    return max(math.ceil(load + beta * math.sqrt(load) - 1e-12), math.floor(load) + 1)


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


# -- release trains: a bulk-service queue (steps/release.py) ----------------------------------------
def release_ready_mean_wait(arrival_rate: float, batch: int) -> float:
    """Mean wait for a release that departs as soon as ``batch`` items wait, deployment instant, Poisson
    arrivals at ``arrival_rate``: (N - 1) / (2 lambda). The k-th item of a batch waits for the N - k after it,
    (N - k) / lambda on average; averaged over k = 1..N (a bulk-service queue with a fixed batch size,
    Bailey 1954, "On queueing processes with bulk service", JRSS B 16(1); Gross & Harris §3.3)."""
    return (batch - 1) / (2.0 * arrival_rate)


def release_cadence_mean_wait(interval: float) -> float:
    """Mean wait for a release on a timetable every ``interval`` that takes every item waiting, deployment
    instant: interval / 2 for arrivals independent of the timetable (``periodic_gate_mean_wait``)."""
    return periodic_gate_mean_wait(interval)


#: Arrivals per interval summed over for ``releases_per_hour`` (the Poisson tail beyond is below 1e-12).
_RELEASE_TAIL_SDS = 12.0


def releases_per_hour(arrival_rate: float, interval: float | None, batch: int | None) -> float:
    """Long-run releases per hour of a train fed by Poisson arrivals at ``arrival_rate`` (no freeze).

    Batch size only: lambda / N. Timetable only (an empty departure is no release): (1 - exp(-lambda T)) / T.
    Both, whichever first: a period of the timetable with K ~ Poisson(lambda T) arrivals makes ceil(K / N)
    releases (N-item batches as they fill, then the rest at the timetable's departure): E[ceil(K / N)] / T.
    """
    if arrival_rate <= 0:
        return 0.0
    if interval is None:
        return arrival_rate / batch if batch else 0.0
    mean = arrival_rate * interval
    if not batch:
        return -math.expm1(-mean) / interval
    top = int(mean + _RELEASE_TAIL_SDS * math.sqrt(mean) + 2 * batch + 10)
    k = np.arange(top + 1)
    log_factorial = np.concatenate(([0.0], np.cumsum(np.log(k[1:]))))
    log_pmf = k * math.log(mean) - mean - log_factorial
    return float(np.sum(np.exp(log_pmf) * np.ceil(k / batch))) / interval


def stable(load: float, capacity: float) -> bool:
    """A queue is stable only when its offered load is strictly below its capacity."""
    return load < capacity and math.isfinite(load)


# -- impatient callers: Erlang A ------------------------------------------------------------------
#: Most states of the birth-death chain ``erlang_a`` sums (a queue this long has a negligible tail unless the
#: load is within a hair of the capacity without abandonment).
_ERLANG_A_STATES = 1_000_000
#: The chain is cut where a state's probability falls below exp(-60) (about 1e-26) of the largest.
_ERLANG_A_TAIL = 60.0


@dataclass(frozen=True)
class ErlangA:
    """The steady state of an M/M/c+M queue: the share of callers who give up, the mean wait in the queue
    of every caller (served or not), and the probability of waiting at all (all servers busy on arrival)."""

    abandonment: float
    mean_wait: float
    delay_probability: float


def erlang_a(arrival_rate: float, service_rate: float, servers: int, abandonment_rate: float) -> ErlangA:
    """Erlang A (M/M/c+M, Palm's model): Poisson arrivals, exponential service, ``servers`` servers and
    exponential patience of rate ``abandonment_rate`` (theta = 1 / mean patience).

    The number in the system is a birth-death chain, state n: birth lambda, death min(n, c) mu +
    max(n - c, 0) theta; its stationary law is summed (in logs) up to where the tail is negligible
    (Garnett, Mandelbaum & Reiman 2002). By PASTA the delay probability is P(n >= c); by Little's law the
    mean wait is E[queue] / lambda, and the abandonment share theta E[queue] / lambda. With theta = 0 it
    is Erlang C (and needs lambda < c mu); with theta > 0 it is stable at any load.
    """
    lam, mu, theta, c = float(arrival_rate), float(service_rate), float(abandonment_rate), int(servers)
    if not (lam > 0 and mu > 0 and theta >= 0 and c >= 1 and math.isfinite(lam + mu + theta)):
        raise ValueError(f"Erlang A needs arrival_rate > 0, service_rate > 0, servers >= 1 and abandonment_rate "
                         f">= 0, got {arrival_rate}, {service_rate}, {servers}, {abandonment_rate}")
    if theta == 0 and lam >= c * mu:
        raise ValueError(f"without abandonment (rate 0) the queue needs arrival_rate < servers x service_rate, got "
                         f"{lam} >= {c * mu}")
    logs, queue_lengths = [0.0], [0]
    n, top = 0, 0.0
    while n < _ERLANG_A_STATES:
        n += 1
        logs.append(logs[-1] + math.log(lam / (min(n, c) * mu + max(n - c, 0) * theta)))
        queue_lengths.append(max(n - c, 0))
        top = max(top, logs[-1])
        if n > c and logs[-1] < top - _ERLANG_A_TAIL and logs[-1] < logs[-2]:
            break
    else:
        raise ValueError(f"Erlang A: the queue's tail is still not negligible after {_ERLANG_A_STATES:,} states "
                         "(load too close to the capacity with almost no abandonment)")
    weights = np.exp(np.asarray(logs) - top)
    probabilities = weights / weights.sum()
    queue = float(np.dot(probabilities, queue_lengths))
    return ErlangA(abandonment=theta * queue / lam, mean_wait=queue / lam,
                   delay_probability=float(probabilities[c:].sum()))


# -- a queue whose servers follow a timetable -----------------------------------------------------
#: The largest truncation level ``periodic_mmc`` doubles to (dense matrices: about N^3 work per piece).
_MAX_STATES = 2048


@dataclass(frozen=True)
class PeriodicQueue:
    """Periodic steady state of an M/M/c(t) queue, as time averages over one period."""

    arrival_rate: float
    mean_in_system: float  # L, the time-average number in system
    mean_busy: float  # time-average number of servers at work
    mean_servers: float  # time-average headcount c(t)
    states: int  # truncation level N: the chain has states 0..N
    tail_mass: float  # time-average probability of more than 3N/4 in system (truncation is negligible)
    start: np.ndarray = field(repr=False)  # distribution of the number in system at the period's start

    @property
    def mean_sojourn(self) -> float:
        """W = L / lambda over arrivals spread evenly across the period (Little 1961)."""
        return self.mean_in_system / self.arrival_rate

    @property
    def utilisation(self) -> float:
        """Busy over scheduled server-hours: E[busy] / E[c(t)]."""
        return self.mean_busy / self.mean_servers


def periodic_mmc(arrival_rate: float, service_rate: float, breaks: Sequence[float], servers: Sequence[int],
                 period: float, tail: float = 1e-9, states: int = 64) -> PeriodicQueue:
    """Periodic steady state of M/M/c(t): Poisson arrivals, exponential service, ``servers[i]`` on duty
    from ``breaks[i]`` to the next break (or ``period``), preemptive-resume when the headcount drops.

    The number in system is then a birth-death chain with death rate mu min(n, c(t)). Each constant
    piece of the forward equations p' = p Q is solved by a matrix exponential, its time integral by
    Van Loan's block exponential (Van Loan 1978, IEEE TAC 23(3)); the start-of-period distribution
    solves pi = pi P for the one-period transition matrix P. The state space is cut at N = ``states``,
    doubled until the time-average probability above 3N/4 is at most ``tail``.
    """
    pieces = _timetable(breaks, servers, period)
    mean_servers = sum(c * length for c, length in pieces) / period
    if not (arrival_rate > 0 and service_rate > 0):
        raise ValueError(f"rates must be > 0, got arrival_rate={arrival_rate}, service_rate={service_rate}")
    if arrival_rate / service_rate >= mean_servers:
        raise ValueError(f"unstable: offered load {arrival_rate / service_rate:g} must be below the mean "
                         f"headcount {mean_servers:g}")
    while True:
        start, totals = _periodic_solution(arrival_rate, service_rate, pieces, states)
        in_system, busy, top = (float(x) / period for x in totals)
        if top <= tail:
            return PeriodicQueue(arrival_rate, in_system, busy, mean_servers, states, top, start)
        if states >= _MAX_STATES:
            raise ValueError(f"the queue does not fit in {_MAX_STATES} states: probability {top:.2g} "
                             f"above {3 * states // 4} (expected <= {tail:g})")
        states *= 2


def _timetable(breaks: Sequence[float], servers: Sequence[int], period: float) -> list[tuple[int, float]]:
    """(headcount, length) of each constant piece of the period."""
    ends = [*breaks[1:], period]
    if (len(breaks) != len(servers) or not breaks or breaks[0] != 0
            or any(b <= a for a, b in zip(breaks, ends))):
        raise ValueError(f"breaks must rise strictly from 0 below period={period}, one per headcount; "
                         f"got breaks={list(breaks)}, servers={list(servers)}")
    if any(c < 0 or c != int(c) for c in servers) or not any(servers):
        raise ValueError(f"headcounts must be whole numbers >= 0, not all 0; got {list(servers)}")
    return [(int(c), float(b - a)) for c, a, b in zip(servers, breaks, ends)]


def _periodic_solution(arrival_rate: float, service_rate: float, pieces: list[tuple[int, float]],
                       states: int) -> tuple[np.ndarray, np.ndarray]:
    """Start-of-period distribution and the period integrals of (n, busy, 1[n > 3N/4])."""
    cache: dict[tuple[int, float], tuple[np.ndarray, np.ndarray]] = {}  # a week repeats few pieces
    for piece in pieces:
        if piece not in cache:
            cache[piece] = _piece(arrival_rate, service_rate, *piece, states)
    blocks = [cache[piece] for piece in pieces]
    one_period = np.eye(states + 1)
    for transition, _ in blocks:
        one_period = one_period @ transition
    system = one_period.T - np.eye(states + 1)
    system[-1, :] = 1.0  # replace one (redundant) balance equation by sum(pi) = 1
    target = np.zeros(states + 1)
    target[-1] = 1.0
    start = np.linalg.solve(system, target)
    p, totals = start, np.zeros(3)
    for transition, integrals in blocks:
        totals += p @ integrals
        p = p @ transition
    return start, totals


def _piece(arrival_rate: float, service_rate: float, headcount: int, length: float,
           states: int) -> tuple[np.ndarray, np.ndarray]:
    """exp(Q t) and the integral over [0, t] of exp(Q s) R ds for one constant piece of length t.

    Q is the birth-death generator on 0..N; R's columns are n, min(n, c) and 1[n > 3N/4]. Both come
    from one exponential of the block matrix [[Q, R], [0, 0]] (Van Loan 1978).
    """
    n = np.arange(states + 1)
    rewards = np.column_stack([n, np.minimum(n, headcount), 4 * n > 3 * states]).astype(float)
    size = states + 1 + rewards.shape[1]
    block = np.zeros((size, size))
    block[n[:-1], n[1:]] = arrival_rate
    block[n[1:], n[:-1]] = service_rate * np.minimum(n[1:], headcount)
    block[n, n] = -block[: states + 1, : states + 1].sum(axis=1)
    block[: states + 1, states + 1:] = rewards
    from scipy.linalg import expm  # PERF: only a time-varying check needs it, not `simvalue check`
    exponential = expm(block * length)
    return exponential[: states + 1, : states + 1], exponential[: states + 1, states + 1:]
