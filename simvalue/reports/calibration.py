"""The calibration report: does the calibrated scenario reproduce the cases held back from it? The verdict first.

The page opens with the fit against the replay floor in plain words, then the key figures in
human units, where the simulated time goes, the staffing what-if, the teams, the events per
activity, charts that compare like with like, the findings, and the scenario's YAML folded away.
The shell, tables and escaping are ``html_page``'s; numbers are spelled by ``readable``; the charts are
``calibration_charts``'s.
"""

from __future__ import annotations

import inspect
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from .calibration_charts import HELD, SIMULATED, charts_section
from .html_page import escape, page, table
from ..readable import MISSING, confidence_label, duration, number, relative, share

if TYPE_CHECKING:
    from ..eventlog.calibrate import Calibration

#: Findings beyond this many are folded away.
FINDINGS_SHOWN = 6
#: The confidence of the staffing what-if's paired interval (holdout.what_if).
WHAT_IF_CONFIDENCE = 0.95
#: Names of the parts of the simulated cycle time (holdout.time_split), for people.
SPLIT_NAMES = {"work": "work (team working hours)", "queueing": "queueing for a free person", "off_hours":
               "standing still off hours", "waiting on others": "waiting on others (customers, other parties, timers)"}


def render_calibration_report(calibration: Calibration) -> str:
    """The whole page for ``calibration``; without held-back cases, the findings and the scenario only."""
    name = str(calibration.scenario.get("name", "calibrated"))
    title = f"Calibration report: {name}"
    v = calibration.validation
    if not v:
        body = [f"<h1>{escape(title)}</h1>", '<section class="flag"><p>No cases were held back, so nothing was '
                "validated: calibrate with a split (e.g. <code>--split random:0.3</code>) for the verdict.</p>"
                "</section>", _warnings(calibration), _findings(calibration), _yaml(calibration)]
        return page(title, "\n".join(body))
    body = [f"<h1>{escape(title)}</h1>", _subtitle(calibration), _verdict(v), _warnings(calibration),
            _figures(v), _by_type(v), _split(v), _what_if(v), _teams(v), _activities(v), charts_section(calibration),
            _findings(calibration), _yaml(calibration)]
    return page(title, "\n".join(part for part in body if part))


# -- the verdict and the key figures ------------------------------------------------------------------
def _subtitle(calibration: Calibration) -> str:
    v = calibration.validation
    held, own = len(v["real"]), len(v["calibration"])
    how = "at random" if calibration.arrivals.get("thinned", 1.0) < 1 else "the latest-starting ones"
    runs = calibration.scenario.get("replications", len(v["per_replication"]))
    return (f'<p class="subtitle">{held:,} of the log\'s {held + own:,} cases held back ({how}), the scenario '
            f"calibrated on the other {own:,} and simulated {runs} times. Cycle time is a case's first event to "
            "its last.</p>")


def _targets() -> dict[str, float]:
    """The bounds of ``holdout.meets_targets`` (distance, per_activity, slack, min_share): stated, not copied."""
    from ..eventlog.holdout import meets_targets
    return {name: p.default for name, p in inspect.signature(meets_targets).parameters.items()
            if isinstance(p.default, float)}


def _cycle_bound(floor_share: float) -> float:
    """The cycle-time target (a distance as a share of the held-back mean): the bound, widened to the slack
    times the floor where the floor is above it (``holdout.meets_targets``)."""
    bounds = _targets()
    return bounds["distance"] if floor_share <= bounds["distance"] else bounds["slack"] * floor_share


def _verdict(v: dict) -> str:
    """The cycle-time fit against the floor and the target in one sentence, then the activities in one."""
    real, sim, floor = v["real_figures"], v["figures"], v["floor"]
    met = bool(v["targets"].get("cycle_time", False))
    how = "reproduces the held-back cases' cycle times within" if met else "misses the held-back cases' cycle times by"
    lead = (f"The calibrated scenario {how} {duration(sim['wasserstein_h'])} on average (earth mover's distance, "
            f"{_percent(sim['wasserstein_share'])} of their mean of {duration(real['mean'])}), against a replay floor "
            f"of {_percent(floor['wasserstein_share'])}: ")
    target = f"target (at most {_percent(_cycle_bound(floor['wasserstein_share']))}) {'met' if met else 'not met'}."
    missed = [name.removeprefix("activity ") for name, ok in v["targets"].items()
              if name.startswith("activity ") and not ok]
    checked = sum(name.startswith("activity ") for name in v["targets"])
    activities = (f"Events per case match the held-back cases' for all {checked} activities with at least "
                  f"{_percent(_targets()['min_share'])} of the events." if not missed else
                  f"Events per case miss their target for {len(missed)} of {checked} activities: {', '.join(missed)}.")
    css = "ok" if met and not missed else "flag"
    return (f'<section class="{css}"><p>{escape(lead)}<b>{escape(target)}</b></p><p>{escape(activities)}</p>'
            '<p class="muted">The replay floor is the calibration cases\' own distance from the held-back ones: '
            "what sampling noise alone scores.</p></section>")


def _percent(value: float) -> str:
    """A share with one decimal, or none when it is a whole percent (``10%``, ``23.3%``)."""
    whole = np.isfinite(value) and abs(100 * value - round(100 * value)) < 1e-9
    return share(value) if whole else share(value, 1)


def _warnings(calibration: Calibration) -> str:
    warned = "".join(f"<p>Warning: {escape(w)}</p>" for w in calibration.warnings)
    return f'<section class="flag">{warned}</section>' if warned else ""


def _figures(v: dict) -> str:
    real, sim, floor = v["real_figures"], v["figures"], v["floor"]
    samples = (real, sim, floor)
    rows = [[label, *(duration(s[key]) for s in samples)] for key, label in
            (("mean", "mean"), ("p50", "median"), ("p85", "85th percentile"), ("p95", "95th percentile"))]
    rows += [["distance (earth mover's)", "", duration(sim["wasserstein_h"]), duration(floor["wasserstein_h"])],
             ["distance / held-back mean", "", share(sim["wasserstein_share"], 1),
              share(floor["wasserstein_share"], 1)],
             ["KS distance", "", share(sim["ks"], 1), share(floor["ks"], 1)]]
    spread = [x for x in v["per_replication"] if np.isfinite(x)]
    if len(spread) > 1:
        rows.append(["distance / mean, per replication", "",
                     f"{share(min(spread), 1)} to {share(max(spread), 1)}", ""])
    return ("<h2>Cycle time: held back, simulated and the replay floor</h2>"
            + table(["", HELD, SIMULATED, "calibration cases (replay floor)"], rows, text_columns=(0,))
            + '<p class="muted">Earth mover\'s distance: how far, on average, the cycle times would have to move '
              "to match the held-back ones. KS distance: the largest gap between the two cumulative curves, as a "
              "share of the cases. The replay floor is what a perfect model of the calibration cases would score "
              "from sampling noise alone.</p>")


def _by_type(v: dict) -> str:
    """Cycle-time figures per demand type (when the log has more than one)."""
    parts = v.get("by_type") or {}
    if not parts:
        return ""
    rows = [[str(p["type"]), f"{p['cases']:,}", duration(p["real_figures"]["mean"]), duration(p["figures"]["mean"]),
             duration(p["floor"]["mean"]), share(p["figures"]["wasserstein_share"], 1),
             share(p["floor"]["wasserstein_share"], 1)] for p in parts.values()]
    return ("<h2>Cycle time per demand type</h2>"
            + table(["type", "held-back cases", "mean held back", "mean simulated", "mean calibration cases",
                     "distance / mean", "replay floor"], rows))


# -- where the time goes, staffing, teams, activities -------------------------------------------------
def _split(v: dict) -> str:
    split = v.get("split") or {}
    total = sum(h for h in split.values() if np.isfinite(h)) or 1.0
    rows = [[SPLIT_NAMES.get(k, k), duration(h), share(h / total)] for k, h in split.items()]
    if not rows:
        return ""
    return ("<h2>Where the simulated cycle time goes</h2>"
            + table(["part", "mean per case", "share"], rows, text_columns=(0,))
            + '<p class="muted">From the simulated cases: work counted in its team\'s working hours; standing '
              "still outside the team's calendar; waiting on others (wait steps); queueing is the rest, waiting "
              "for a free person.</p>")


def _what_if(v: dict) -> str:
    """The busiest team with one person fewer and one more (``holdout.what_if``): mean cycle time and, when
    measured, the queueing per visit to the team with its paired interval."""
    w = v.get("what_if") or {}
    if w.get("team") is None:
        return f"<h2>One person more or fewer</h2><p>{escape(_sentence(w.get('note') or 'not simulated'))}</p>"
    capacity, base, queueing = w["capacity"], w["base"], w.get("queueing") or {}
    label = confidence_label(WHAT_IF_CONFIDENCE)
    header = ["people in the team", "mean cycle time", "change"]
    header += ["queueing per visit", "queueing change", f"outside the paired {label}"] if queueing else []
    rows = [[f"{capacity} (now)", duration(base), "", duration(w.get("base_queueing", float("nan"))), "", ""]]
    for change, mean in sorted(w.get("changes", {}).items()):
        cells = ([duration(mean), relative(mean / base - 1) if base else MISSING] if isinstance(mean, Real)
                 else [f"not simulated: {mean}", ""])
        step = {-1: "one fewer", 1: "one more"}.get(int(change), f"{int(change):+d}")
        rows.append([f"{capacity + int(change)} ({step})", *cells, *_queueing_cells(queueing.get(change))])
    busy = f" (busy {share(w['utilisation'])} of its working hours)" if "utilisation" in w else ""
    same = "on the same random numbers as now"
    words = (f"{_sentence(w['note'])} Both changes were simulated {same}." if w.get("note") else
             f"The busiest team is {_team_name(w['team'])}{busy}; it was simulated again with one person fewer and "
             f"one more, {same}. {_moves(w, label)}")
    if w.get("overloaded") is not None:
        from ..eventlog.holdout import OVERLOADED
        words += f" {_sentence(OVERLOADED)}"
    return ("<h2>One person more or fewer in the busiest team</h2>"
            f"<p>{escape(words.strip())}</p>" + table(header, [row[:len(header)] for row in rows]))


def _queueing_cells(figures: Any) -> list[str]:
    """Queueing per visit, its change (relative to now: queueing per visit is often seconds) with the interval's
    half-width, and whether the change lies outside it, from (mean_h, diff_h, half_h)."""
    if figures is None:
        return ["", "", ""]
    mean, diff, half = figures
    now = mean - diff
    change = (f"{relative(diff / now)} ± {share(half / now, 1)}" if now > 0 else
              f"{'+' if diff > 0 else ''}{duration(diff)} ± {duration(half)}")
    return [duration(mean), change, "yes" if abs(diff) > half else "no"]


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop (notes come as lower-case clauses)."""
    text = str(text).strip()
    return text[:1].upper() + text[1:] + ("" if not text or text[-1] in ".!?" else ".")


def _moves(w: dict, label: str) -> str:
    """``holdout``'s judgment of whether staffing moves the queueing (nothing without ``moves``)."""
    if "moves" not in w:
        return ""
    return (f"Both changes move the team's queueing the expected way, beyond the paired {label}." if w["moves"] else
            f"The team's queueing does not move beyond the paired {label}: staffing it is not what sets the cycle "
            "time.")


def _team_name(name: str) -> str:
    """Team names as plots.py spells them (underscores read as spaces, so a long name wraps)."""
    return str(name).replace("_", " ")


def _teams(v: dict) -> str:
    """The calibrated teams (``holdout.team_table``): people, the log's named people, working hours, load."""
    teams = v.get("teams") or []
    if not teams:
        return ""
    rows = [[_team_name(t["name"]), number(t["people"]), number(t["named"]) if t["named"] else MISSING,
             f"{t['hours_per_week']:.0f} h", share(t["utilisation"])] for t in teams]
    return ("<h2>Teams</h2>" + table(["team", "people", "named in the log", "working hours a week", "utilisation"],
                                     rows, text_columns=(0,))
            + '<p class="muted">People: the headcount of the model, from the people active in the team in a typical '
              "week (with --resource or --team) or from the work the log shows. Utilisation: the share of the "
              "people's working hours the simulated work takes.</p>\n")


def _activities(v: dict) -> str:
    frame, targets, bounds = v["activities"], v["targets"], _targets()

    def met(activity: str) -> str:
        ok = targets.get(f"activity {activity}")
        return "" if ok is None else "met" if ok else "not met"
    rows = [[str(a), share(r.share, 1), number(r.held_back), number(r.simulated), relative(r.error),
             number(r.calibration), relative(r.floor), met(a)] for a, r in frame.iterrows()]
    return ("<h2>Events per case, activity by activity</h2>"
            + table(["activity", "share of events", HELD, SIMULATED, "error", "calibration cases", "floor",
                     "target"], rows, text_columns=(0,))
            + '<p class="muted">Error: simulated against held back; floor: the calibration cases against held back. '
              f"Target: within {_percent(bounds['per_activity'])} (or {number(bounds['slack'])} times the floor where "
              f"that is larger), for activities with at least {_percent(bounds['min_share'])} of the events.</p>")


# -- findings and the scenario ------------------------------------------------------------------------
def _findings(calibration: Calibration) -> str:
    items = "".join(f"<li>{escape(f)}</li>" for f in calibration.findings)
    if not items:
        return ""
    if len(calibration.findings) <= FINDINGS_SHOWN:
        return f"<h2>What the calibration found</h2><ul>{items}</ul>"
    return (f"<h2>What the calibration found</h2><details><summary>{len(calibration.findings)} findings</summary>"
            f"<ul>{items}</ul></details>")


def _yaml(calibration: Calibration) -> str:
    return ('<details><summary>The calibrated scenario (YAML)</summary><div class="wide"><pre>'
            f"{escape(calibration.yaml_text)}</pre></div></details>")


__all__ = ["render_calibration_report"]
