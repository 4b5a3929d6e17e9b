"""compare(): a baseline and variants under common random numbers, with paired intervals.

Every scenario runs with the same seed, so replication r of each draws arrivals and efforts from
the same named streams; a variant that changes nothing differs by exactly zero, and the paired
difference per replication has far less noise than two independent runs (Law 2015, §11.2).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _scipy_stats

from ..charts import plots
from ..results.budget import check_budget
from ..limits import MAX_VARIANTS
from ..results.metrics import SUBJECT_COLUMNS
from ..errors import SimulationError
from ..rng import fixed
from ..results.frames import Results
from ..scenario import Scenario
from ..scenario.load import read_yaml
from ..scenario.variants import Variant, load_variant_spec, variant_of
from ..results.simulation import as_scenario, simulate
from ..results.stats import relative_change, t_interval
from .. import readable
from .levers import ABANDONMENT_COLUMNS, TIME_SPLIT_COLUMNS, abandonment_table, time_split_table

ScenarioLike = Scenario | str | Path | Mapping[str, Any]

#: Headline metrics and how to say them in a finding: (template, kind) where kind is "time" or "share".
HEADLINE = {
    "time_to_value_p50": ("Median {} time-to-value", "time"),
    "time_to_value_mean": ("Mean {} time-to-value", "time"),
    "time_to_value_p85": ("85th-percentile {} time-to-value", "time"),
    "sla_attainment": ("SLA attainment of {}", "share"),
    "utilisation": ("Utilisation of {}", "share"),
}


@dataclass(frozen=True)
class Comparison:
    """A baseline, its variants and the paired comparison of their headline metrics.

    ``table``: subject, metric, variant, baseline, value, change, change_low, change_high,
    relative, relative_low, relative_high (changes paired across replications; relative ones from
    log ratios, see ``relative_change``), and for percentiles bootstrap_low, bootstrap_high.
    ``tests``: per variant and item type, two-sample Kolmogorov-Smirnov and Mann-Whitney tests
    on pooled time-to-value.
    """

    baseline: Results
    variants: tuple[Results, ...]
    table: pd.DataFrame = field(repr=False)
    tests: pd.DataFrame = field(repr=False)
    confidence: float = 0.95
    #: Each variant's spec (its edits and economics), None for a variant given as a whole scenario.
    specs: tuple[Variant | None, ...] = ()

    def spec_of(self, name: str) -> Variant | None:
        """The spec (edits, economics) of the variant named ``name``, or None."""
        for run, spec in zip(self.variants, self.specs):
            if run.scenario.name == name:
                return spec
        return None

    @property
    def runs(self) -> dict[str, Results]:
        """Every run by scenario name, baseline first."""
        return {r.scenario.name: r for r in (self.baseline, *self.variants)}

    def bottlenecks(self) -> pd.DataFrame:
        """Per scenario and stream: the step with the largest share of waiting, and that share."""
        rows = []
        for name, results in self.runs.items():
            steps = results.steps()
            for row in steps[steps["bottleneck"]].itertuples():
                rows.append((name, row.stream, row.step, row.wait_share, row.wait))
        return pd.DataFrame(rows, columns=["scenario", "stream", "step", "wait_share", "wait"])

    def abandonment(self) -> pd.DataFrame:
        """Per variant and type that may give up waiting (a patience on either side): abandonment share of
        baseline and variant with intervals, and the paired change (levers.py); empty without patience."""
        frames = [abandonment_table(self.baseline, run, self.confidence) for run in self.variants]
        frames = [frame for frame in frames if len(frame)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ABANDONMENT_COLUMNS)

    def time_split(self) -> pd.DataFrame:
        """Per variant, each group of people with several skills: its time split on both sides, mean over
        replications (levers.py); empty when no side shares people."""
        frames = [frame for run in self.variants if len(frame := time_split_table(self.baseline, run))]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TIME_SPLIT_COLUMNS)

    def findings(self, variant: str | None = None) -> list[str]:
        """One sentence per headline metric and variant, e.g. 'Median change time-to-value falls ...'.

        With ``variant``, only that variant's sentences, without the ``[variant]`` prefix.
        """
        if variant is None:
            return findings(self.table, self.confidence)
        return findings(self.table[self.table["variant"] == variant], self.confidence, prefixed=False)

    def plot_ttv(self, item_type: str, log: bool = False):
        return plots.plot_ttv(self.runs, item_type, log=log)

    def plot_value_stream(self, stream: str | None = None):
        return plots.plot_value_stream(self.runs, stream)

    def plot_utilisation(self):
        return plots.plot_utilisation(self.runs)

    def plot_cfd(self, replication: int = 0):
        return plots.plot_cfd(self.runs, replication)


def compare(base: ScenarioLike, *variants: ScenarioLike, replications: int | None = None,
            seed: int | None = None, common_random_numbers: bool = True, confidence: float = 0.95,
            progress: Callable[[str, int, int], None] | None = None,
            max_events: float | None = None) -> Comparison:
    """Simulate ``base`` and each variant and compare them, paired by replication.

    Variants may be Scenarios, variant files or mappings (applied to ``base``), or plain
    scenario files. ``common_random_numbers=False`` gives each variant its own seed (to show
    what pairing buys; never needed otherwise). The work budget (``max_events``, see
    :func:`simulate`) covers every scenario together and is checked before the first one runs.
    """
    if not variants:
        raise SimulationError("compare needs at least one variant")
    if len(variants) > MAX_VARIANTS:
        raise SimulationError(f"compare takes at most {MAX_VARIANTS} variants, got {len(variants)}; use a sweep for "
                              "more")
    if not 0 < confidence < 1:
        raise SimulationError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}")
    baseline_scenario = as_scenario(base)
    resolved = [_as_variant(baseline_scenario, v) for v in variants]
    scenarios = [scenario for scenario, _ in resolved]
    count = replications or baseline_scenario.replications
    first_seed = baseline_scenario.seed if seed is None else seed
    check_budget([baseline_scenario, *scenarios], count, max_events)
    runs = []
    for index, scenario in enumerate([baseline_scenario, *scenarios]):
        run_seed = first_seed if common_random_numbers else first_seed + 7919 * index
        report = (lambda done, total, name=scenario.name: progress(name, done, total)) if progress else None
        runs.append(simulate(scenario, replications=count, seed=run_seed, progress=report, max_events=math.inf))
    baseline, *others = runs
    table = pd.concat([paired_table(baseline, other, confidence) for other in others], ignore_index=True)
    tests = pd.concat([distribution_tests(baseline, other) for other in others], ignore_index=True)
    return Comparison(baseline, tuple(others), table, tests, confidence, tuple(spec for _, spec in resolved))


def _as_variant(base: Scenario, variant: ScenarioLike) -> tuple[Scenario, Variant | None]:
    """The variant's scenario and its spec (edits, economics); a Scenario object brings the spec it was
    loaded with (load_variant), a whole scenario file none."""
    if isinstance(variant, Scenario):
        return variant, variant_of(variant)
    if isinstance(variant, Mapping) and ("set" in variant or "scale" in variant):
        return load_variant_spec(base, variant)
    if isinstance(variant, (str, Path)):
        data = read_yaml(Path(variant))
        if not {"streams", "demand"} & set(data):  # not a whole scenario: read as a variant (and say why not)
            return load_variant_spec(base, variant)
    return as_scenario(variant), None


def paired_table(baseline: Results, variant: Results, confidence: float = 0.95) -> pd.DataFrame:
    """Baseline, variant and the paired change of every headline metric, with intervals; the subject
    columns (type, priority, team, stream, step) say what each row is about."""
    base_metrics, other_metrics = baseline.metrics(), variant.metrics()
    columns = pd.concat([base_metrics, other_metrics])[[*SUBJECT_COLUMNS, "subject"]].drop_duplicates("subject")
    base = base_metrics.set_index(["subject", "metric", "replication"])["value"]
    other = other_metrics.set_index(["subject", "metric", "replication"])["value"]
    joined = pd.concat({"baseline": base, "value": other}, axis=1)
    rows = []
    for (subject, metric), group in joined.groupby(level=["subject", "metric"], sort=False):
        b, v = group["baseline"].to_numpy(), group["value"].to_numpy()
        b_mean, v_mean = _mean(b), _mean(v)
        change, low, high = t_interval(v - b, confidence)
        boot = bootstrap_interval(v - b, confidence) if "_p" in metric else (np.nan, np.nan)
        relative = relative_change(b, v, confidence)
        rows.append((subject, metric, variant.scenario.name, b_mean, v_mean, change, low, high,
                     *relative, *boot))
    table = pd.DataFrame(rows, columns=["subject", "metric", "variant", "baseline", "value", "change", "change_low",
                                        "change_high", "relative", "relative_low", "relative_high",
                                        "bootstrap_low", "bootstrap_high"])
    return table.merge(columns, on="subject", how="left")[[*SUBJECT_COLUMNS, *table.columns]]


def _mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else np.nan


def bootstrap_interval(differences: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """BCa bootstrap interval of the mean paired difference (Efron & Tibshirani 1993, ch. 14)."""
    data = differences[np.isfinite(differences)]
    if data.size < 3 or np.ptp(data) == 0:
        return (float(data[0]), float(data[0])) if data.size and np.ptp(data) == 0 else (np.nan, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _scipy_stats.bootstrap((data,), np.mean, confidence_level=confidence, n_resamples=1999,
                                        method="BCa", random_state=fixed(0))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def distribution_tests(baseline: Results, variant: Results) -> pd.DataFrame:
    """Two-sample KS and Mann-Whitney tests of pooled time-to-value per item type.

    Pooled items within a replication are not independent, so p-values are indicative only.
    """
    rows = []
    for item_type in baseline.items["type"].cat.categories:
        a = _ttv(baseline, item_type)
        b = _ttv(variant, item_type)
        if len(a) < 2 or len(b) < 2:
            continue
        same = np.array_equal(np.sort(a), np.sort(b))
        ks = _scipy_stats.ks_2samp(a, b)
        mw = _scipy_stats.mannwhitneyu(a, b) if not same else None
        rows.append((variant.scenario.name, item_type, len(a), len(b), float(ks.statistic),
                     1.0 if same else float(ks.pvalue), 1.0 if same else float(mw.pvalue)))
    return pd.DataFrame(rows, columns=["variant", "type", "n_baseline", "n_variant", "ks_statistic", "ks_pvalue",
                                       "mannwhitney_pvalue"])


def _ttv(results: Results, item_type: str) -> np.ndarray:
    items = results.items
    return items.loc[(items["type"] == item_type) & items["time_to_value"].notna(), "time_to_value"].to_numpy()


def findings(table: pd.DataFrame, confidence: float = 0.95, prefixed: bool = True) -> list[str]:
    """Sentences for the headline metrics of every subject without a priority, per variant."""
    sentences = []
    for row in table.itertuples():
        if row.metric not in HEADLINE or np.isnan(row.baseline) or np.isnan(row.value):
            continue  # a subject only one side has (another team) has no finding
        if row.priority is not None or row.step is not None:
            continue  # priorities and steps are in the table; the findings stay at type and team level
        sentences.append(finding(row, confidence, prefixed))
    return sentences


def finding(row, confidence: float = 0.95, prefixed: bool = True) -> str:
    """'Median change time-to-value falls from 6.1 d to 1.3 d (-79%, 95% CI -81% to -76%).'"""
    template, kind = HEADLINE[row.metric]
    what = template.format(row.subject)
    spell = readable.duration if kind == "time" else readable.share
    prefix = f"[{row.variant}] " if prefixed else ""
    if row.change == 0 and row.change_low == row.change_high:
        return f"{prefix}{what} is unchanged at {spell(row.baseline)}."
    direction = "rises" if row.change > 0 else "falls"
    level = f"{readable.share(confidence)} CI"
    if np.isnan(row.change_low):  # one replication: no interval, so no claim of significance either
        size = f"{row.relative:+.0%}" if kind == "time" else f"{100 * row.change:+.1f} points"
        return f"{prefix}{what} {direction} from {spell(row.baseline)} to {spell(row.value)} ({size}; one replication)."
    if kind == "time":
        interval = f"{row.relative:+.0%}, {level} {row.relative_low:+.0%} to {row.relative_high:+.0%}"
    else:
        interval = (f"{100 * row.change:+.1f} points, {level} {100 * row.change_low:+.1f} to "
                    f"{100 * row.change_high:+.1f}")
    significant = not (row.change_low <= 0 <= row.change_high)
    negligible = kind == "time" and abs(row.relative) < 0.005 or kind == "share" and abs(row.change) < 0.0005
    verb = direction if significant else f"{direction} (not significantly)"
    if negligible:
        verb = f"barely {'rises' if row.change > 0 else 'falls'}" + ("" if significant else " (not significantly)")
    return f"{prefix}{what} {verb} from {spell(row.baseline)} to {spell(row.value)} ({interval})."
