"""The page's callbacks: each passes what the planner did to a logic function and draws what comes back.

Picking a baseline draws its controls and overview; a control and the YAML keep each other in
step; every change of the YAML is checked as the CLI checks a variant file, the error shown beside
its field; Run starts a Job the page polls every TICK; Save writes the overlay beside the scenarios.
A run's charts are SVG strings, put into their box in the browser (DRAW_CHARTS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update

from ..errors import SimvalueError
from . import page
from .controls import DEFAULT_NAME, control_for, edit, overlay_with, simulated_gates, values_in
from .folder import load_baseline, read_saved, variants_of
from .overlay import check_overlay, overlay_text, read_overlay, save_overlay, starting_overlay
from .runs import Jobs, run_options
from .staffing import StaffJobs, answer_view, goals_from, panel, progress_view

CONTROLS = {"type": "ctl", "key": ALL}
ERRORS = {"type": "ctl-error", "key": ALL}
SIMULATED = {"type": "ctl-now", "key": ALL}
#: Puts a run's charts (``#chart-drawings``) into ``#charts`` as inline SVG once the box is on the page, and
#: marks the box ``data-drawn`` with their count. A Dash component cannot hold raw markup, and an <img> would hide
#: the text a test measures. The SVG is the report's (chart_style.svg): matplotlib escapes every text in it and
#: writes no script or event attribute. (The output is needed: Dash 4.4 did not fire a callback without one for
#: a store another callback drew.)
DRAW_CHARTS = """function (drawings) {
    const draw = (tries) => {
        const box = document.getElementById("charts");
        if (box) box.innerHTML = (drawings || []).join("");
        else if (tries > 0) requestAnimationFrame(() => draw(tries - 1));
    };
    draw(100);
    return String((drawings || []).length);
}"""


def wire(app: Dash, folder: Path, jobs: Jobs) -> None:
    """Register every callback of the page on ``app``, for the scenarios of ``folder``."""
    _baseline_callbacks(app, folder)
    _variant_callbacks(app, folder)
    _check_callback(app, folder)
    _save_callback(app, folder)
    _run_callbacks(app, folder, jobs)
    _staff_callbacks(app, folder, StaffJobs())
    app.clientside_callback(DRAW_CHARTS, Output("charts", "data-drawn"), Input("chart-drawings", "data"))


def _baseline_callbacks(app: Dash, folder: Path) -> None:
    @app.callback(Output("controls", "children"), Output("overview", "children"), Output("yaml", "value"),
                  Output("saved", "options"), Output("saved", "value"),
                  Output("results", "children", allow_duplicate=True), Output("replications", "placeholder"),
                  Output("seed", "placeholder"), Input("baseline", "value"), prevent_initial_call="initial_duplicate")
    def choose_baseline(baseline: str | None):
        """Draw the baseline's controls and overview, and start a variant that changes nothing."""
        if baseline is None:
            return [], [], "", [], None, page.placeholder(), "", ""
        try:
            scenario, notes = load_baseline(folder, baseline)
        except SimvalueError as exc:
            return [], [html.Div(str(exc), className="error")], "", [], None, page.placeholder(), "", ""
        saved = [{"label": f.name, "value": f.relative} for f in variants_of(folder, baseline)]
        text = overlay_text(starting_overlay(baseline, DEFAULT_NAME))
        return (page.controls(scenario), page.overview(scenario, notes), text, saved, None, page.placeholder(),
                str(scenario.replications), str(scenario.seed))

    @app.callback(Output("yaml", "value", allow_duplicate=True), Input("saved", "value"), State("baseline", "value"),
                  prevent_initial_call=True)
    def open_saved(saved: str | None, baseline: str | None):
        if not saved or not baseline:
            return no_update
        try:
            overlay = read_overlay(read_saved(folder, saved))
        except (SimvalueError, OSError) as exc:
            return f"# could not read {saved}: {exc}\n"
        return overlay_text({**overlay, "base": starting_overlay(baseline, "")["base"]})


def _variant_callbacks(app: Dash, folder: Path) -> None:
    @app.callback(Output("yaml", "value", allow_duplicate=True), Output(CONTROLS, "value"),
                  Input(CONTROLS, "value"), Input("yaml", "value"), State(CONTROLS, "id"), State("baseline", "value"),
                  prevent_initial_call=True)
    def keep_in_step(values: list, text: str, ids: list[dict], baseline: str | None):
        """A control changed: rewrite its edits in the YAML. The YAML changed: set the controls from it."""
        if baseline is None:
            return no_update, [no_update] * len(ids)
        try:
            scenario, _ = load_baseline(folder, baseline)
            overlay = read_overlay(text or "")
        except SimvalueError:
            return no_update, [no_update] * len(ids)  # the check beside the YAML says what is wrong
        if ctx.triggered_id == "yaml":
            found = values_in(overlay, scenario)
            return no_update, [found.get(i["key"], no_update) for i in ids]
        changed = ctx.triggered_id.get("key") if isinstance(ctx.triggered_id, dict) else None
        edited, shown = edit(overlay, scenario, {i["key"]: v for i, v in zip(ids, values)}, changed)
        return overlay_text(edited), [shown.get(i["key"], no_update) for i in ids]


def _check_callback(app: Dash, folder: Path) -> None:
    @app.callback(Output("check", "children"), Output(ERRORS, "children"), Output(SIMULATED, "children"),
                  Input("yaml", "value"), State(ERRORS, "id"), State(SIMULATED, "id"), State("baseline", "value"))
    def check(text: str, ids: list[dict], gates: list[dict], baseline: str | None):
        """Check the variant as ``simvalue compare`` would; the CLI's message goes beside its field, and
        what the valid variant simulates at each gate beside the gate."""
        beside, simulated = [""] * len(ids), [""] * len(gates)
        if baseline is None:
            return "", beside, simulated
        try:
            scenario, _ = load_baseline(folder, baseline)
            result = check_overlay(scenario, read_overlay(text or ""), folder)
        except SimvalueError as exc:
            return html.Div(str(exc), className="error"), beside, simulated
        if result.ok:
            notes = [html.Div(note, className="warning") for note in result.notes]
            words = simulated_gates(result.scenario)
            return ([html.Div("✓ The variant is valid.", className="ok"), *notes], beside,
                    [words.get(g["key"], "") for g in gates])
        field = control_for(result.path, [i["key"] for i in ids])
        if field is not None:
            beside[[i["key"] for i in ids].index(field)] = result.message
        return html.Div(result.message, className="error", id="check-error"), beside, simulated


def _save_callback(app: Dash, folder: Path) -> None:
    @app.callback(Output("saved-note", "children"), Output("saved", "options", allow_duplicate=True),
                  Input("save", "n_clicks"), State("baseline", "value"), State("yaml", "value"),
                  State(CONTROLS, "value"), State(CONTROLS, "id"), State("replace", "value"), prevent_initial_call=True)
    def save(_clicks, baseline: str | None, text: str, values: list, ids: list[dict], replace: list[str]):
        if baseline is None:
            return html.Div("Pick a baseline first.", className="error"), no_update
        try:
            scenario, _ = load_baseline(folder, baseline)
            overlay = overlay_with(read_overlay(text or ""), scenario, {i["key"]: v for i, v in zip(ids, values)})
            target = save_overlay(folder, baseline, overlay, replace="yes" in (replace or []))
        except SimvalueError as exc:
            return html.Div(str(exc), className="error"), no_update
        saved = [{"label": f.name, "value": f.relative} for f in variants_of(folder, baseline)]
        relative = target.relative_to(folder).as_posix()
        return html.Div(["Saved as ", html.Code(relative), ". Compare it from a terminal with ",
                         html.Code(f"simvalue compare {folder.as_posix()}/{baseline} {folder.as_posix()}/{relative}")],
                        className="ok"), saved


def _run_callbacks(app: Dash, folder: Path, jobs: Jobs) -> None:
    @app.callback(Output("job", "data"), Output("tick", "disabled"), Output("run", "disabled"),
                  Output("progress", "children"), Input("run", "n_clicks"), State("baseline", "value"),
                  State("yaml", "value"), State(CONTROLS, "value"), State(CONTROLS, "id"),
                  State("replications", "value"), State("seed", "value"), prevent_initial_call=True)
    def start(_clicks, baseline: str | None, text: str, values: list, ids: list[dict], replications: Any, seed: Any):
        """Check the variant (with the controls as they are now) and start the run, or say why not."""
        if baseline is None:
            return None, True, False, page.progress(None, "Pick a baseline first.")
        try:
            scenario, _ = load_baseline(folder, baseline)
            overlay = overlay_with(read_overlay(text or ""), scenario, {i["key"]: v for i, v in zip(ids, values)})
            replications, seed = run_options(replications, seed)
        except SimvalueError as exc:
            return None, True, False, page.progress(None, str(exc))
        result = check_overlay(scenario, overlay, folder)
        if not result.ok:
            return None, True, False, page.progress(None, f"Not run: {result.message}")
        job_id = jobs.start(scenario, result.scenario, replications, seed)
        return job_id, False, True, page.progress(jobs.get(job_id))

    @app.callback(Output("progress", "children", allow_duplicate=True),
                  Output("results", "children", allow_duplicate=True), Output("tick", "disabled", allow_duplicate=True),
                  Output("run", "disabled", allow_duplicate=True), Input("tick", "n_intervals"), State("job", "data"),
                  prevent_initial_call=True)
    def poll(_ticks, job_id: str | None):
        job = jobs.get(job_id)
        if job is None:
            return [], no_update, True, False
        if not job.finished:
            return page.progress(job), no_update, False, True
        if job.error:
            return page.progress(job), no_update, True, False
        return [], page.results(job.outcome), True, False


def _staff_callbacks(app: Dash, folder: Path, jobs: StaffJobs) -> None:
    """How many people?: the panel for each baseline, a search started in a thread, polled until its answer."""
    @app.callback(Output("staff", "children"), Input("baseline", "value"))
    def draw(baseline: str | None):
        if baseline is None:
            return []
        try:
            scenario, _ = load_baseline(folder, baseline)
        except SimvalueError:
            return []  # the overview says what is wrong
        return panel(scenario)

    @app.callback(Output("staff-job", "data"), Output("staff-tick", "disabled"), Output("staff-run", "disabled"),
                  Output("staff-progress", "children"), Input("staff-run", "n_clicks"), State("baseline", "value"),
                  State({"type": "staff-goal", "goal": ALL}, "value"), State({"type": "staff-goal", "goal": ALL}, "id"),
                  State("staff-teams", "value"), State("staff-replications", "value"), prevent_initial_call=True)
    def start(_clicks, baseline: str | None, shares: list, ids: list[dict], teams: list[str], replications: Any):
        if not teams:
            return None, True, False, progress_view(None, "Tick at least one team that may change.")
        try:
            scenario, _ = load_baseline(folder, baseline)
            goals = goals_from(scenario, {i["goal"]: v for i, v in zip(ids, shares)})
            count, _ = run_options(replications, None)
        except SimvalueError as exc:
            return None, True, False, progress_view(None, str(exc))
        job_id = jobs.start(scenario, goals, list(teams or []), count or 3)
        return job_id, False, True, progress_view(jobs.get(job_id))

    @app.callback(Output("staff-progress", "children", allow_duplicate=True), Output("staff-result", "children"),
                  Output("staff-tick", "disabled", allow_duplicate=True),
                  Output("staff-run", "disabled", allow_duplicate=True), Input("staff-tick", "n_intervals"),
                  State("staff-job", "data"), prevent_initial_call=True)
    def poll(_ticks, job_id: str | None):
        job = jobs.get(job_id)
        if job is None:
            return [], no_update, True, False
        if not job.finished:
            return progress_view(job), no_update, False, True
        if job.answer is None:
            return progress_view(job), [], True, False
        return [], answer_view(job.answer), True, False
