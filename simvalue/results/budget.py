"""The work budget: refuse, before any replication starts, a run too long or too big for this machine.

Events and memory come from ``scenario.workload`` (arrival rates and the traffic equations); memory
is compared with the smaller of the memory available and the process's address-space limit
(``ulimit -v``), so a run that would die half-way is refused up front with the figure and the fix.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Sequence

from ..errors import SimulationError
from ..limits import DEFAULT_MAX_EVENTS, MEMORY_SHARE
from ..readable import figure, share
from ..scenario import Scenario
from ..scenario.workload import workload


def check_budget(scenarios: Sequence[Scenario], replications: int, max_events: float | None = None,
                 record: str = "full") -> None:
    """Raise :class:`SimulationError` when ``replications`` of every scenario (all held at once, as
    ``compare`` does) exceed ``max_events`` simulated events or the memory this process can use
    (the records ``record`` keeps: every step and item, the items only, or none)."""
    limit = DEFAULT_MAX_EVENTS if max_events is None else max_events
    loads = [workload(s) for s in scenarios]
    events = replications * sum(w.events for w in loads)
    biggest = max(loads, key=lambda w: w.events)
    what = f"{len(scenarios)} scenarios x " if len(scenarios) > 1 else ""
    if events > limit:
        raise SimulationError(
            f"this run would simulate about {figure(events)} events ({what}{replications} replications x about "
            f"{figure(biggest.events)}), more than the budget of {figure(limit)}; most come from "
            f"{biggest.largest} ({biggest.largest_path}). Use fewer replications or a shorter horizon, or "
            "raise the budget with --max-events (max_events= in Python)")
    needed = replications * sum(w.kept_bytes(record) for w in loads)
    available = available_memory()
    if available is not None and needed > MEMORY_SHARE * available:
        raise SimulationError(
            f"this run would hold about {figure(needed / 2**30)} GiB of records ({what}{replications} replications "
            f"x about {biggest.kept_bytes(record) / 2**20:,.0f} MiB), more than this process can safely use "
            f"({share(MEMORY_SHARE)} of {figure(available / 2**30)} GiB available); use fewer replications or a "
            "shorter horizon, or keep less (record='summary', run --record summary)")


def available_memory() -> float | None:
    """Bytes this process can still allocate: free memory, capped by the address-space limit; None if unknown."""
    candidates = []
    for free in (_meminfo_available(), _cgroup_available()):
        if free is not None:
            candidates.append(free)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        candidates.append(max(soft - _address_space_used(), 0))
    return float(min(candidates)) if candidates else None


def _proc_kib(path: str, key: str) -> float | None:
    """Bytes of a ``key: N kB`` line of a /proc file, or None."""
    try:
        with open(path, encoding="ascii") as handle:
            for line in handle:
                if line.startswith(key):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _meminfo_available() -> float | None:
    available = _proc_kib("/proc/meminfo", "MemAvailable:")
    if available is not None:
        return available
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_available() -> float | None:
    """Room left under a container's memory limit (cgroup v2), if one is set."""
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as handle:
            limit = handle.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as handle:
            current = float(handle.read().strip())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else max(float(limit) - current, 0.0)


def _address_space_used() -> float:
    """Virtual memory this process has mapped already (it counts against ``ulimit -v``)."""
    return _proc_kib("/proc/self/status", "VmSize:") or 0.0
