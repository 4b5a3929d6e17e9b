"""The app's page drawn with Dash components: the frame, the controls, the baseline overview and the results.

Only drawing: every fact comes from the logic modules (folder, overview, controls, runs); every
user-supplied name is a component's text, which React escapes. Inputs carry ids
``{"type": "ctl", "key": <path>}`` (their errors ``{"type": "ctl-error", ...}``) and ``name=<path>``.
Tables sit in a ``.wide`` box with each cell's column name as ``data-label``: on a phone each row is a
card (html_page.CARDS_CSS, as in the reports). Charts are SVG the page puts in ``#charts`` (wiring.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dash import dcc, html

from .. import readable
from ..reports.html_page import row_kinds
from ..scenario import Scenario
from .controls import DEFAULT_NAME, TIMING_WORDS, Control, controls_for
from .folder import ScenarioFile
from .overview import LoadFacts, StreamFacts, loads, streams
from .runs import Job, Outcome, Table

#: Group headings of the controls, in the order they are shown, with a line on what they do.
GROUPS = {
    "teams": ("Teams", "People on duty, each working one item at a time (the offered-load table counts the same "
                       "people)."),
    "gates": ("Gates", "A CAB meets on a cadence; an automated check takes minutes."),
    "releases": ("Release trains", "How often a release goes, and how many items waiting make one at once."),
    "demand": ("Demand", "Scales every arrival rate."),
    "automation": ("Automation", "Share of a step's executions run by a pipeline (no person), and how long one takes."),
    "economics": ("Economics (optional)", "For a business case: what the change costs and when it starts paying."),
}
#: How a load status is shown.
STATUS = {"ok": "ok", "high": "high", "overloaded": "OVERLOADED"}


def frame(folder: str, choices: list[ScenarioFile]) -> html.Div:
    """The whole page: header, the left column (baseline, variant), the right (run and save, results, overview)."""
    options = [{"label": html.Span([html.B(f.name), html.Span(f" {f.relative}", className="muted")]),
                "value": f.relative} for f in choices]
    left = html.Div(className="left", children=[
        html.H2("1 · Baseline"),
        dcc.RadioItems(id="baseline", options=options, value=choices[0].relative if choices else None,
                       className="baselines", labelClassName="choice"),
        html.Div("No scenario files in this folder." if not choices else "", className="error"),
        html.Div(className="row", children=[html.Label("open a saved variant", htmlFor="saved"),
                                            dcc.Dropdown(id="saved", options=[], placeholder="(none)", clearable=True,
                                                         className="saved")]),
        html.H2("2 · Variant"),
        html.Div(id="controls"),
        html.Details(open=True, className="yaml", children=[
            html.Summary("Variant file (YAML): edit it directly, or use the fields above"),
            dcc.Textarea(id="yaml", value="", spellCheck=False, className="yaml-text"),
        ]),
        html.Div(id="check", className="check"),
    ])
    right = html.Div(className="right", children=[
        actions(),
        html.Div(id="results", children=placeholder()),
        html.Div(id="staff"),  # How many people? (app/staffing.py), drawn for each baseline
        html.Div(id="overview"),
    ])
    return html.Div([
        html.Header([html.H1("simvalue · what if?"),
                     html.P(["Pick a baseline, change it, run, and read what the change does. Scenarios in ",
                             html.Code(folder), "; everything runs on this computer."], className="sub")]),
        html.Main([left, right], className="columns"),
        dcc.Store(id="job"),
        dcc.Interval(id="tick", interval=400, disabled=True),
        dcc.Store(id="staff-job"),
        dcc.Interval(id="staff-tick", interval=500, disabled=True),
    ])


def breakable(name: str) -> str:
    """A name that may wrap after its underscores (``change_management`` in a narrow column)."""
    return name.replace("_", "_\u200b")


def actions() -> html.Div:
    """The run-and-save box: run options, the buttons, the progress bar and what saving said."""
    return html.Div(className="actions", children=[
        html.H2("3 · Run and save"),
        html.Div(className="row", children=[
            _labelled("replications", dcc.Input(id="replications", name="replications", type="number", step=1,
                                                className="short")),
            _labelled("seed", dcc.Input(id="seed", name="seed", type="number", step=1, className="short")),
            html.Button("Run the comparison", id="run", className="primary"),
            html.Button("Save the variant", id="save"),
            dcc.Checklist(id="replace", options=[{"label": " replace a saved file of the same name",
                                                  "value": "yes"}], value=[], className="inline"),
        ]),
        html.Div(id="progress", className="progress-box"),
        html.Div(id="saved-note", className="note"),
    ])


def _labelled(text: str, component, hint: str = "") -> html.Label:
    return html.Label([html.Span(text, className="label"), component,
                       html.Span(hint, className="hint") if hint else None], className="field")


def placeholder() -> html.Div:
    return html.Div(className="empty", children=[
        html.H2("What the variant changes"),
        html.P("Change something on the left (a team's capacity, a gate, the demand), then run the comparison: "
               "the verdict comes here, in the words of the HTML report.")])


def controls(scenario: Scenario) -> list:
    """The inputs the baseline offers, by group (gates one row each, automation a table per stream)."""
    found = controls_for(scenario)
    name = next(c for c in found if c.key == "name")
    parts: list = [_field(name, value=DEFAULT_NAME)]
    for group, (heading, line) in GROUPS.items():
        members = [c for c in found if c.group == group]
        if not members:
            continue
        if group == "automation":
            body = _automation(members)
        elif group == "gates":
            body = [html.P(members[0].hint[0].upper() + members[0].hint[1:] + ".", className="hint"),
                    *(_gate(kind, timing) for kind, timing in zip(members[::2], members[1::2]))]
        else:
            body = [_field(c) for c in members]
        parts.append(html.Fieldset([html.Legend(heading), html.P(line, className="hint"), *body],
                                   className=f"group {group}"))
    return parts


def _input(control: Control, value=None, placeholder: str | None = None):
    value = control.baseline if value is None else value
    ident = {"type": "ctl", "key": control.key}
    if control.kind == "choice":
        return dcc.RadioItems(id=ident, options=list(control.options), value=value, inline=True, className="kinds")
    if control.kind == "number":
        return dcc.Input(id=ident, name=control.key, type="number", value=value, step="any", className="number",
                         placeholder="" if control.baseline is None else readable.figure(control.baseline))
    return dcc.Input(id=ident, name=control.key, type="text", value=value, debounce=True, className="text",
                     placeholder=str(control.baseline) if placeholder is None else placeholder)


def _error(control: Control) -> html.Div:
    return html.Div(id={"type": "ctl-error", "key": control.key}, className="field-error")


def _field(control: Control, value=None) -> html.Div:
    """A label, its input and a hint (the baseline's value first) on one row; the CLI's error under them."""
    baseline = "" if control.baseline in (None, "") or control.key == "name" else \
        f"baseline {readable.figure(control.baseline)}" if isinstance(control.baseline, (int, float)) else \
        f"baseline {control.baseline}"
    hint = " · ".join(part for part in (baseline, control.hint) if part)
    return html.Div(className="control", children=[
        html.Label([html.Span(breakable(control.label), className="label"), _input(control, value)]),
        html.Span(hint, className="hint"), _error(control)])


def _gate(kind: Control, timing: Control) -> html.Div:
    """A gate on one row: its step, its kind (switch a CAB to an automated check) and its timing, whose
    words follow the kind picked (CSS ``:has``, no round trip); under them, what the checked variant
    simulates there (no placeholder: the baseline's timing is another kind's once the kind is switched)."""
    return html.Div(className="control gate", children=[
        html.Span(breakable(kind.label), className="label"),
        html.Div(className="gate-inputs", children=[
            _input(kind),
            html.Label([*(html.Span(words, className=f"timing t-{name}") for name, words in TIMING_WORDS.items()),
                        _input(timing, placeholder="")])]),
        html.Span(f"baseline {kind.baseline}, {timing.hint} {timing.baseline}", className="hint"),
        html.Span(id={"type": "ctl-now", "key": timing.key}, className="hint now"),
        _error(kind), _error(timing)])


def _automation(members: list[Control]) -> list:
    """Automation inputs as one table per stream: step, automated share, how long an automated run takes."""
    tables = []
    steps = [c for c in members if c.key.endswith(".share")]
    by_stream: dict[str, list[Control]] = {}
    for share in steps:
        by_stream.setdefault(share.label.split(" › ")[0], []).append(share)
    effort = {c.key: c for c in members if c.key.endswith(".effort")}
    for stream, shares in by_stream.items():
        rows = [[share.label.split(" › ")[1], [_input(share), _error(share)],
                 [_input(effort[share.key.replace(".share", ".effort")]),
                  _error(effort[share.key.replace(".share", ".effort")])]] for share in shares]
        tables.append(html.Details(open=stream == next(iter(by_stream)), children=[
            html.Summary(stream),
            _wide(("step", "share automated (0–1)", "an automated run takes"), rows, "automation-table")]))
    return tables


def _wide(headers: Sequence[str], rows: Iterable[Sequence], css: str = "") -> html.Div:
    """A table in a ``.wide`` box, each cell labelled with its column's name: on a narrow screen each row
    becomes a card, every figure beside its name (html_page.CARDS_CSS, as the reports do)."""
    rows = list(rows)
    body = [html.Tr([html.Td(cell, **{"data-label": header}) for header, cell in zip(headers, row)],
                    className=kind or None) for row, kind in zip(rows, row_kinds(rows))]
    return html.Div(className="wide", children=html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(body)], className=css or None))


def overview(scenario: Scenario, notes: Iterable[str] = ()) -> list:
    """The baseline's value streams (steps in flow order) and its offered-load check."""
    parts: list = [html.H2(f"Baseline: {scenario.name}")]
    if scenario.description:
        parts.append(html.P(scenario.description, className="muted"))
    parts += [_stream(s) for s in streams(scenario)]
    parts += [html.H3("Offered load (before simulating)"),
              html.P("People busy on average (rate × visits × mean manual effort) over the people on duty on "
                     "average over the week: a team of 2 on duty 45 hours a week is 0.54 people on average. Gates: "
                     "items a meeting over the agenda. Near 100% queues grow long; at 100% or more they grow week "
                     "by week (the run says how fast).", className="hint"),
              *_load_table(loads(scenario))]
    parts += [html.P(note, className="warning") for note in notes]
    return parts


def _stream(stream: StreamFacts) -> html.Div:
    chips = []
    for index, step in enumerate(stream.steps):
        if index:
            chips.append(html.Span("→", className="arrow"))
        visits = "" if abs(step.visits - 1) < 0.005 else f" · {step.visits:.2f} visits"
        chips.append(html.Div(className=f"step {step.kind}", children=[
            html.B(step.name), html.Span(step.by, className="by"), html.Span(step.takes + visits, className="takes")]))
    demand = ", ".join(stream.demand) or "no demand"
    return html.Div(className="stream", children=[html.H3([stream.name, html.Span(f" ({demand})", className="muted")]),
                                                  html.Div(chips, className="flow")])


def _load_table(rows: list[LoadFacts]) -> list:
    """Teams in people (on duty as their fields say; on average over the week; busy on average), then
    capacity-limited gates in items a meeting."""
    def row(r: LoadFacts, figures: list[str]) -> list:
        return [r.name, *figures, _bar(r.utilisation, r.status),
                html.Span(STATUS[r.status], className=f"status-{r.status}")]
    teams = [row(r, [r.on_duty, readable.figure(r.capacity), readable.figure(r.offered)]) for r in rows
             if r.kind == "team"]
    gates = [row(r, [readable.figure(r.capacity), readable.figure(r.offered)]) for r in rows if r.kind != "team"]
    tables = [_wide(("team", "people on duty", "on average over the week", "busy on average", "utilisation",
                    "status"), teams, "loads")]
    if gates:
        tables.append(_wide(("gate", "agenda (items a meeting)", "items a meeting", "utilisation", "status"), gates,
                           "loads"))
    return tables


def _bar(share: float, status: str) -> html.Div:
    width = f"{min(share, 1.0) * 100:.0f}%"
    return html.Div(className="meter", children=[
        html.Div(className="track", children=html.Div(className=f"fill status-{status}", style={"width": width})),
        html.Span(readable.share(share))])


def progress(job: Job | None, message: str = "") -> list:
    """The progress bar of a running job, or a message (a run refused, a run failed)."""
    if job is None:
        return [html.Div(message, className="error")] if message else []
    if job.finished and job.error:
        return [html.Div(job.error, className="error", id="run-error")]
    width = f"{job.fraction * 100:.0f}%"
    return [html.Div(className="bar", children=[html.Div(className="fill", style={"width": width})]),
            html.Div(job.stage, className="hint", id="run-stage")]


def results(outcome: Outcome) -> list:
    """The comparison: the verdict first, then charts, the business case and the table behind the verdict."""
    parts: list = []
    for verdict in outcome.verdicts:
        listed = [html.H3("What changes, largest first"),
                  html.Ol([html.Li(change.sentence) for change in verdict.changes])] if verdict.changes else []
        more = [html.P(f"and {verdict.more} more that matter, under 'Every headline figure' below.",
                       className="muted")] \
            if verdict.more else []
        unchanged = [html.P(verdict.unchanged_line, className="muted")] if verdict.unchanged else []
        edits = [html.P(f"Against the baseline: {'; '.join(outcome.changes)}.", className="hint")] \
            if outcome.changes else []
        parts.append(html.Section(className="verdict", id="verdict", children=[
            html.H2(verdict.variant), *edits, html.P(verdict.summary, className="lead"), *listed, *more, *unchanged]))
    parts += [_table(t) for t in outcome.cases]
    drawings = [c.svg for c in outcome.charts]  # put into the box in the browser (wiring.DRAW_CHARTS)
    parts += [html.Div(id="charts", className="charts"), dcc.Store(id="chart-drawings", data=drawings)]
    parts += [html.Details([html.Summary("Every headline figure"), *(_table(t) for t in outcome.headline)])]
    parts += [html.P(note, className="warning") for note in outcome.notes]
    runs = f"{outcome.replications} paired replications" if outcome.replications > 1 else \
        "A single replication, so no intervals"
    parts.append(html.P(f"{runs}, seed {outcome.seed}.", className="hint"))
    return parts


def _table(table: Table) -> html.Div:
    return html.Div(className="table", children=[
        html.H3(table.heading), _wide(table.headers, table.rows),
        html.P(table.note, className="hint") if table.note else None])
