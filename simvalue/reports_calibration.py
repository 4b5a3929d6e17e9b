"""The calibration report: one offline HTML page of the held-back comparison, with the replay floor beside each figure."""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd


def render_calibration_report(calibration) -> str:
    """The page for a ``Calibration`` with validation figures (charts as inline base64 PNG)."""
    v = calibration.validation
    parts = [f"<h1>Calibration report: {_e(calibration.scenario['name'])}</h1>",
             "<p>Cycle time is first event to last event of a case. The <b>replay floor</b> is the same measure "
             "between the calibration cases' own cycle times and the held-back ones: sampling noise alone.</p>",
             _warnings(calibration), _figures(v), _by_type(v), _activities(v), _split(v), _what_if(v),
             "<h2>Charts</h2>", _charts(calibration), "<h2>Findings</h2><ul>",
             *[f"<li>{_e(f)}</li>" for f in calibration.findings], "</ul>",
             "<h2>Scenario</h2><pre>", _e(calibration.yaml_text), "</pre>"]
    style = ("body{font-family:sans-serif;max-width:70em;margin:auto;padding:0 1em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}.bad{color:#b00}.warn{color:#b60}"
             "img{max-width:100%;height:auto}pre{overflow-x:auto;background:#f6f6f6;padding:0.5em}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Calibration report</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")


def _e(text) -> str:
    return html.escape(str(text))


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _warnings(calibration) -> str:
    return "".join(f"<p class='warn'>Warning: {_e(w)}</p>" for w in calibration.warnings)


def _figures(v: dict) -> str:
    real, sim, floor = v["real_figures"], v["figures"], v["floor"]
    rows = [[k, f"{real[k]:.1f}", f"{sim[k]:.1f}", f"{floor[k]:.1f}"] for k in ("mean", "p50", "p85", "p95")]
    rows.append(["KS", "", f"{sim['ks']:.3f}", f"{floor['ks']:.3f}"])
    rows.append(["Wasserstein (h)", "", f"{sim['wasserstein_h']:.1f}", f"{floor['wasserstein_h']:.1f}"])
    rows.append(["Wasserstein / held-back mean", "", f"{sim['wasserstein_share']:.1%}",
                 f"{floor['wasserstein_share']:.1%}"])
    spread = v["per_replication"]
    rows.append(["Wasserstein share per replication", "", f"{min(spread):.1%} – {max(spread):.1%}", ""])
    targets = "".join(f"<li class='{'' if ok else 'bad'}'>{_e(name)}: {'met' if ok else 'not met'}</li>"
                      for name, ok in v["targets"].items())
    return ("<h2>Cycle time of the held-back cases (hours)</h2>"
            + _table(["measure", "held back", "simulated", "replay floor (calibration cases)"], rows)
            + "<p>Targets: Wasserstein at most 10% of the held-back mean (1.3 x the floor where the floor is above "
              "10%); events per case of each activity with at least 1% of events within 15% (1.3 x the floor "
              f"where it is above 15%).</p><ul>{targets}</ul>")


def _by_type(v: dict) -> str:
    """Cycle-time figures per demand type (when the log has more than one)."""
    parts = v.get("by_type") or {}
    if not parts:
        return ""
    rows = [[_e(p["type"]), str(p["cases"]), f"{p['real_figures']['mean']:.1f}", f"{p['figures']['mean']:.1f}",
             f"{p['floor']['mean']:.1f}", f"{p['figures']['wasserstein_share']:.1%}",
             f"{p['floor']['wasserstein_share']:.1%}"] for p in parts.values()]
    return ("<h2>Cycle time per demand type (hours)</h2>"
            + _table(["type", "held-back cases", "mean held back", "mean simulated", "mean calibration cases",
                      "Wasserstein / mean", "replay floor"], rows))


def _activities(v: dict) -> str:
    def signed(x: float) -> str:
        return "–" if not np.isfinite(x) else f"{x:+.1%}"   # no held-back event: no relative error
    rows = [[_e(a), f"{r.share:.2%}", f"{r.held_back:.3f}", f"{r.simulated:.3f}", signed(r.error),
             f"{r.calibration:.3f}", signed(r.floor)] for a, r in v["activities"].iterrows()]
    return ("<h2>Events per case by activity</h2>"
            + _table(["activity", "share of events", "held back", "simulated", "error", "calibration cases",
                      "floor"], rows))


def weekly_arrivals(held: pd.Series, simulated: pd.Series, origin: pd.Timestamp,
                    replications: int, held_share: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """Arrivals per week since ``origin``: the held-back cases' and the simulated ones' (per replication,
    times ``held_share``, the share of the cases a random split held back, so that both count the same
    cases), over the weeks of the held-back cases (the simulation may run longer than the log)."""
    def weeks(times: pd.Series) -> pd.Series:
        index = ((times - origin).dt.total_seconds() // (7 * 86400)).astype(int)
        return index[index >= 0].value_counts().sort_index()
    real, sim = weeks(held), weeks(simulated)
    last = real.index.max() if len(real) else (sim.index.max() if len(sim) else 0)
    full = range(int(last) + 1)
    return real.reindex(full, fill_value=0), sim.reindex(full, fill_value=0) * held_share / max(replications, 1)


def _split(v: dict) -> str:
    split = v["split"]
    total = sum(split.values()) or 1.0
    rows = [[_e(k), f"{h:.1f}", f"{h / total:.0%}"] for k, h in split.items()]
    return ("<h2>Where the simulated cycle time goes (mean hours per case)</h2>"
            + _table(["part", "hours", "share"], rows)
            + "<p>From the simulated items: work (team work, counted in working hours), off-hours (work standing "
              "still outside its team's calendar), waiting on others (wait steps: customers, other parties, timers) "
              "and queueing (the rest: waiting for a free person, including for the team's next working hour).</p>")


def _what_if(v: dict) -> str:
    w = v["what_if"]
    if w.get("team") is None:
        return f"<h2>One person more or fewer</h2><p>{_e(w['note'])}.</p>"
    rows = [[f"{w['capacity'] + c} ({c:+d})", f"{m:.1f}" if isinstance(m, float) else _e(m)]
            for c, m in w["changes"].items()]
    return (f"<h2>One person more or fewer in the busiest team, {_e(w['team'])}</h2><p>Mean cycle time now "
            f"{w['base']:.1f} h with {w['capacity']}.</p>" + _table(["people", "mean cycle time (h)"], rows))


def _charts(calibration) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    v = calibration.validation
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    for data, name in ((v["real"], "held back"), (v["simulated"], "simulated"), (v["calibration"], "calibration")):
        x = np.sort(data)
        axes[0, 0].plot(x, np.arange(1, len(x) + 1) / len(x), label=name)
    axes[0, 0].set(xscale="symlog", xlabel="cycle time (h)", ylabel="share of cases", title="Cycle time")
    axes[0, 0].legend()
    held = pd.Series(v["held_arrived"])
    sim = pd.Series(v["arrived"])
    share = 1.0 - calibration.arrivals["thinned"] if calibration.arrivals["thinned"] < 1 else 1.0
    real_weeks, sim_weeks = weekly_arrivals(held, sim, calibration.arrivals["origin"], len(v["per_replication"]),
                                            share)
    axes[0, 1].plot(real_weeks.index, real_weeks.to_numpy(), "o-", label="held back")
    axes[0, 1].plot(sim_weeks.index, sim_weeks.to_numpy(), "s--", label=(
        f"simulated x {share:.0%} (the share held back), mean per replication" if share < 1 else
        "simulated (mean per replication)"))
    axes[0, 1].set(title="Weekly arrivals from the window's start", xlabel="week", ylabel="cases")
    axes[0, 1].legend()
    for times, name in ((held, "held back"), (sim, "simulated")):
        how = np.bincount(times.dt.day_of_week * 24 + times.dt.hour, minlength=168)
        axes[1, 0].plot(how / max(how.sum(), 1), label=name)
    axes[1, 0].set(title="Arrivals by hour of the week (Monday 00:00 first)", xlabel="hour", ylabel="share")
    axes[1, 0].legend()
    table = v["activities"]
    idx = np.arange(len(table))
    axes[1, 1].bar(idx - 0.2, table["held_back"], 0.4, label="held back")
    axes[1, 1].bar(idx + 0.2, table["simulated"], 0.4, label="simulated")
    axes[1, 1].set_xticks(idx, table.index)
    axes[1, 1].set(title="Events per case by activity")
    axes[1, 1].legend()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return f"<img alt='charts' src='data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}'>"


__all__ = ["render_calibration_report", "weekly_arrivals"]
