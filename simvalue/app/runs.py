"""Running a variant against its baseline for the page: the comparison, said as the report says it.

``run_variant`` calls ``compare`` (common random numbers, paired intervals) and keeps what the page
shows: the verdicts (``verdict.verdicts``, the words of the HTML report and the terminal), the
time-to-value and team-load charts as SVG with their text as text (``chart_style.svg``, as the report
has them), the headline table and, when the baseline has costs and the variant economics, the
business case. A ``Job`` runs it in a thread the page polls for progress; a run that fails leaves
its message and the app as it was.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .. import readable
from ..charts.style import svg
from ..decisions.comparison import Comparison, compare
from ..errors import ScenarioError, SimvalueError
from ..decisions.plausibility import plausibility
from ..reports.compare import change_note, economics_cases, steady_notes
from ..scenario import Scenario
from ..scenario.variants import describe_edits, variant_of
from ..reports.business_text import case_rows
from ..reports.text import headline_rows
from ..decisions.verdict import Verdict, verdicts
from .capture import captured

#: ``progress(scenario name, replications done, replications in all)``, as ``compare`` calls it.
Progress = Callable[[str, int, int], None]
#: Finished jobs kept for the page to read (older ones are forgotten).
KEPT_JOBS = 8


@dataclass(frozen=True)
class Chart:
    """One figure of the comparison as inline SVG with its text as text (chart_style.svg), and its title."""

    title: str
    svg: str


@dataclass(frozen=True)
class Table:
    """A table as text cells: a heading, column headers and rows (and a line saying how to read it)."""

    heading: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    """What the page shows of a comparison of one variant with its baseline."""

    verdicts: tuple[Verdict, ...]
    charts: tuple[Chart, ...]
    headline: tuple[Table, ...]
    cases: tuple[Table, ...]
    replications: int
    seed: int
    changes: tuple[str, ...] = ()  # the variant's edits in words ("set teams.platform.capacity to 4")
    notes: tuple[str, ...] = ()


def run_options(replications: Any, seed: Any) -> tuple[int | None, int | None]:
    """The run options of the page's fields: None when empty (the scenario's own), else a whole number
    (replications at least 1, a seed at least 0); ScenarioError naming the field for anything else
    (``abc``, ``2.5``), which the library would meet as a TypeError."""
    return _whole(replications, "replications", 1), _whole(seed, "seed", 0)


def _whole(value: Any, field: str, least: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number.is_integer() and number >= least):
        raise ScenarioError(f"expected a whole number of at least {least}, or nothing for the scenario's own, "
                            f"got {str(value)[:40]!r}", path=field)
    return int(number)


def run_variant(baseline: Scenario, variant: Scenario, replications: int | None = None, seed: int | None = None,
                progress: Progress | None = None) -> Outcome:
    """Compare ``variant`` with ``baseline`` (replications and seed default to the baseline's) and
    return what the page shows; raises SimvalueError as ``compare`` does."""
    with captured(wait=True) as notes:
        comparison = compare(baseline, variant, replications=replications, seed=seed, progress=progress)
        result = outcome_of(comparison)
    return replace(result, notes=tuple(notes) + tuple(steady_notes(comparison)))


def outcome_of(comparison: Comparison) -> Outcome:
    """The verdicts (with the business case's NPV when there is one), charts and tables of a comparison."""
    cases = economics_cases(comparison)
    spec = variant_of(comparison.variants[0].scenario)
    return Outcome(tuple(verdicts(comparison, cases)), tuple(charts(comparison)), tuple(_headlines(comparison)),
                   tuple(_case_table(case, comparison.confidence) for case in cases.values()),
                   comparison.baseline.replications, comparison.baseline.seed,
                   tuple(describe_edits(spec)) if spec is not None else ())


def charts(comparison: Comparison) -> list[Chart]:
    """Time-to-value per item type (with its SLA lines), then team load, as the report draws them."""
    items = comparison.baseline.items
    figures = [comparison.plot_ttv(t) for t in items["type"].cat.categories if items["type"].eq(t).any()]
    figures.append(comparison.plot_utilisation())
    found = []
    for figure in figures:
        title = (figure.axes[0].get_title() if figure.axes else "") or "figure"
        found.append(Chart(title, svg(figure, title)))
    return found


def _headlines(comparison: Comparison) -> list[Table]:
    tables = []
    for run in comparison.variants:
        name = run.scenario.name
        headers, rows = headline_rows(comparison.table[comparison.table["variant"] == name], comparison.confidence)
        tables.append(Table(name, headers, rows, change_note(comparison)))
    return tables


def _case_table(case, confidence: float) -> Table:
    """The business case's figures, with the flags of what its return rests on (cost of delay, ...) in
    the note under it."""
    headers, rows = case_rows(case, confidence)
    flags = " ".join(plausibility(case, confidence=confidence).flags)
    return Table(f"Business case: {case.variant}", headers, rows,
                 f"Amounts in {case.currency}, over {case.months} months at a yearly discount rate of "
                 f"{readable.share(case.discount_rate, 1)}; "
                 "hours freed are capacity the teams keep (still paid for), not cash."
                 + (f" Read with care: {flags}" if flags else ""))


@dataclass
class Job:
    """One run in its own thread: its progress while it runs, then its outcome or the reason it failed."""

    names: tuple[str, ...]
    replications: int
    done: dict[str, int] = field(default_factory=dict)
    outcome: Outcome | None = None
    error: str = ""
    finished: bool = False

    @property
    def fraction(self) -> float:
        """Share of the replications done, over every scenario of the run."""
        return sum(self.done.values()) / max(1, len(self.names) * self.replications)

    @property
    def stage(self) -> str:
        """What the run is doing, in words for the progress bar."""
        if self.finished:
            return "failed" if self.error else "done"
        if self.fraction >= 1:
            return "drawing the charts"
        running = next((n for n in self.names if self.done.get(n, 0) < self.replications), self.names[-1])
        return f"simulating {running}: replication {min(self.done.get(running, 0) + 1, self.replications)} of " \
               f"{self.replications}"

    def progress(self, name: str, done: int, total: int) -> None:
        self.done[name] = done

    def run(self, work: Callable[[Progress], Outcome]) -> None:
        """Do ``work`` (given this job's progress callback); keep its outcome or the error's message."""
        try:
            self.outcome = work(self.progress)
        except SimvalueError as exc:
            self.error = str(exc)
        except MemoryError:
            self.error = "out of memory: use fewer replications or a shorter horizon"
        except Exception as exc:  # the app stays up whatever a run does; the page shows what went wrong
            self.error = f"the run failed: {type(exc).__name__}: {exc}"
        finally:
            self.finished = True


class Jobs:
    """The runs of one app, by id: started in threads, polled by the page, the latest KEPT_JOBS kept."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, baseline: Scenario, variant: Scenario, replications: int | None, seed: int | None) -> str:
        """Start comparing ``variant`` with ``baseline`` in a thread; returns the job's id."""
        count = replications or baseline.replications
        job = Job((baseline.name, variant.name), count)
        with self._lock:
            job_id = str(next(self._ids))
            self._jobs[job_id] = job
            for old in list(self._jobs)[:-KEPT_JOBS]:
                del self._jobs[old]
        work = lambda progress: run_variant(baseline, variant, count, seed, progress)  # noqa: E731
        threading.Thread(target=job.run, args=(work,), name=f"simvalue-app-run-{job_id}", daemon=True).start()
        return job_id

    def get(self, job_id: str | None) -> Job | None:
        """The job with this id, or None (never started, or forgotten)."""
        with self._lock:
            return self._jobs.get(str(job_id)) if job_id is not None else None
