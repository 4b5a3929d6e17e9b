"""The app's server: a Dash app for one folder, served on 127.0.0.1 only, every asset from this machine.

Dash serves its JavaScript and CSS from the installed package (``serve_locally``); the page's
style is inline and asks for no web font, so the app works with no internet. Requests naming any
other host are refused (a web page elsewhere cannot drive the app through DNS rebinding).
"""

from __future__ import annotations

import socket
from pathlib import Path

from dash import Dash
from flask import abort, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..errors import SimvalueError
from ..reports.html_page import CARDS_CSS, charts_css
from . import page
from .folder import baselines
from .runs import Jobs
from .wiring import wire

HOST = "127.0.0.1"
#: The port tried first when none is given (Dash's usual one); a free one is taken when it is busy.
DEFAULT_PORT = 8050
#: Charts go two abreast while each gets this many px: in the right column of a 1366 px screen (each about
#: 400 px wide, its smallest text at 13 px); one a row, the column's width, below that.
CHARTS_ABREAST = 380

_STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fafafa;line-height:1.4}
header{background:#264653;color:#fff;padding:0.8em 1.5em}header h1{margin:0;font-size:1.5em}
header .sub{margin:0.2em 0 0;color:#d8e6e4}header code{color:#fff}
.columns{display:grid;grid-template-columns:minmax(340px,440px) minmax(0,1fr);gap:1.2em;padding:1em 1.5em;
 align-items:start}
@media (max-width:900px){.columns{grid-template-columns:minmax(0,1fr)}}
.left,.right{min-width:0}
.left{background:#fff;border:1px solid #ddd;border-radius:6px;padding:0.4em 1em 1em}
.right>div{background:#fff;border:1px solid #ddd;border-radius:6px;padding:0.4em 1.2em 1em;margin-bottom:1.2em}
h2{font-size:1.15em;margin:1em 0 0.4em;color:#264653}h3{font-size:1em;margin:0.9em 0 0.3em}
.muted{color:#666}.hint{color:#666;font-size:0.82em;display:block}
.baselines label.choice{display:block;padding:0.25em 0.3em;border-radius:4px;cursor:pointer}
.baselines label.choice:hover{background:#eef6f5}.baselines input{margin-right:0.5em}
.row{display:flex;flex-wrap:wrap;gap:0.6em;align-items:end;margin:0.4em 0}
.row label{font-size:0.9em}.saved{min-width:220px;flex:1}
.actions{position:sticky;top:0;z-index:5;box-shadow:0 2px 6px rgba(0,0,0,0.06)}
fieldset.group{border:1px solid #e2e2e2;border-radius:5px;margin:0.7em 0;padding:0.3em 0.8em 0.6em}
legend{font-weight:600;color:#264653;padding:0 0.3em}fieldset .hint{margin:0 0 0.3em}
.control{display:grid;grid-template-columns:10em minmax(0,1fr);column-gap:0.6em;row-gap:0.15em;align-items:center;
 margin:0.45em 0}
.control>label{display:contents}.control>.hint,.control>.field-error,.control>.gate-inputs{grid-column:2}
.control .label,.field .label{font-weight:500;overflow-wrap:break-word;min-width:0}
.control.gate>.label{grid-row:1 / span 2;align-self:start;padding-top:0.3em}
.gate-inputs{display:flex;flex-wrap:wrap;align-items:center;gap:0.3em 0.8em}
.gate-inputs>label{display:flex;align-items:center;gap:0.4em;flex:1 1 100%;min-width:0}
.gate-inputs .dash-input-container.text{flex:1;width:auto;min-width:0}
.timing{font-size:0.88em;color:#444;white-space:nowrap;display:none}
.gate:has(input[value=cab]:checked) .t-cab,.gate:has(input[value=auto]:checked) .t-auto,
.gate:has(input[value=approver]:checked) .t-approver{display:inline}
.economics .dash-input-container.number{width:11em}
.field{display:flex;flex-direction:column;font-size:0.9em}
.dash-input-container.number{width:8em}.dash-input-container.short{width:9em}
.dash-input-container.text{width:15em;max-width:100%}
.kinds{display:flex;flex-wrap:wrap;gap:0.2em 0.9em}
.automation-table{border-collapse:collapse;font-size:0.88em;width:100%}
.automation-table td,.automation-table th{padding:2px 4px;text-align:left;vertical-align:top;font-weight:500}
.automation-table .dash-input-container.number{width:6.5em}.automation-table .dash-input-container.text{width:100%}
details{margin:0.4em 0}summary{cursor:pointer;font-weight:500}
.yaml-text{width:100%;min-height:11em;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:0.85em;
 border:1px solid #bbb;border-radius:3px;padding:0.4em}
.field-error:empty{display:none}.field-error,.error{color:#b00020;font-size:0.88em;overflow-wrap:anywhere}
.field-error{margin:0.2em 0 0.4em;background:#fdecee;padding:0.25em 0.5em;border-radius:3px}
.error{background:#fdecee;padding:0.4em 0.6em;border-radius:4px;margin:0.3em 0}.error:empty{display:none}
.ok{color:#1b6e4c;font-size:0.9em;margin:0.3em 0;overflow-wrap:anywhere}
.warning{color:#8a5300;background:#fff6e5;padding:0.3em 0.6em;border-radius:4px;font-size:0.88em;
 overflow-wrap:anywhere}
button{font:inherit;padding:0.45em 1em;border-radius:4px;border:1px solid #2a9d8f;background:#fff;color:#1d6f66;
 cursor:pointer}button.primary{background:#2a9d8f;color:#fff;font-weight:600}
button:disabled{opacity:0.5;cursor:progress}
.bar{height:14px;background:#e6eeed;border-radius:7px;overflow:hidden;margin:0.5em 0 0.2em}
.bar .fill{height:100%;background:#2a9d8f;transition:width 0.3s}
.verdict{border-left:5px solid #2a9d8f;background:#f6fbfa;padding:0.4em 1.2em;margin:0.8em 0}
.verdict p.lead{font-size:1.08em}.verdict li{margin:0.35em 0}
table{border-collapse:collapse;font-size:0.88em;max-width:100%}
.table th,.table td,.loads th,.loads td{border:1px solid #ddd;padding:3px 7px;text-align:right}
.table td:first-child,.table th:first-child,.loads td:first-child,.loads th:first-child{text-align:left}
th{background:#f3f3f3}
.stream h3{margin-bottom:0.2em}.flow{display:flex;flex-wrap:wrap;align-items:stretch;gap:0.3em}
.step{border:1px solid #cfd8d7;border-radius:5px;padding:0.25em 0.55em;background:#f4f8f8;font-size:0.85em;
 display:flex;flex-direction:column;max-width:15em;overflow-wrap:anywhere}
.step.cab,.step.approver{background:#fff3e6;border-color:#f4a261}.step.auto{background:#eaf4ff;border-color:#8ab6e0}.step.release{background:#eef7ee;border-color:#6aa56a}
.step .by{color:#264653}.step .takes{color:#666;font-size:0.92em}.arrow{align-self:center;color:#888}
.meter{display:flex;align-items:center;gap:0.5em}.meter span{min-width:2.5em;text-align:right}
.meter .track{width:8em;height:0.8em;background:#eee;border-radius:3px;overflow:hidden}
.meter .fill{height:100%;background:#2a9d8f}.meter .status-high{background:#f4a261}
.meter .status-overloaded{background:#e63946}
span.status-ok{color:#1b6e4c}span.status-high{color:#8a5300}span.status-overloaded{color:#b00020;font-weight:600}
.empty p{color:#555}code{font-size:0.9em}
@media (max-width:640px){header{padding:0.6em 0.8em}.columns{padding:0.5em;gap:0.8em}
 .left,.right>div{padding:0.3em 0.6em 0.8em}.actions{position:static}
 fieldset.group{padding:0.3em 0.5em 0.5em}.verdict{padding:0.3em 0.8em}
 .control{grid-template-columns:minmax(0,1fr) auto}
 .control>.hint,.control>.field-error,.control>.gate-inputs,.control.gate>.label{grid-column:1 / -1}
 .control.gate>.label{grid-row:auto;padding-top:0}
 .automation-table td{flex-wrap:wrap}.automation-table .field-error{flex-basis:100%}
 .automation-table .dash-input-container.text{flex:1 1 100%;width:auto}
 .flow{flex-direction:column;align-items:stretch}.step{max-width:none}
 .arrow{align-self:flex-start;margin-left:2em;transform:rotate(90deg)}}
""" + CARDS_CSS + charts_css(CHARTS_ABREAST)

_INDEX = """<!DOCTYPE html>
<html lang="en"><head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}<style>""" + _STYLE + """</style></head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body></html>"""


def create_app(folder: Path) -> Dash:
    """The Dash app for the scenarios in ``folder``, its callbacks wired to the logic modules."""
    app = Dash(__name__, title="simvalue · what if?", update_title=None, serve_locally=True,
               suppress_callback_exceptions=True)
    app.index_string = _INDEX
    app.layout = lambda: page.frame(folder.as_posix(), baselines(folder))  # read the folder on each visit
    wire(app, folder, Jobs())
    return app


def _local_only(port: int):
    allowed = {f"{HOST}:{port}", f"localhost:{port}"}

    def check_host() -> None:
        if request.host not in allowed:
            abort(403)
    return check_host


def _free(port: int) -> bool:
    """Whether ``port`` can be listened on at 127.0.0.1 now (werkzeug exits the process when it cannot)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


class _QuietHandler(WSGIRequestHandler):
    """Serves requests without a log line each: the terminal shows the app's address, not its traffic."""

    def log_request(self, code="-", size="-") -> None:
        pass


def make(folder: Path, port: int | None = None) -> BaseWSGIServer:
    """The app for ``folder`` bound to 127.0.0.1 at ``port`` (None: DEFAULT_PORT, or a free one when that
    is busy), ready for ``serve_forever``. Raises SimvalueError for a missing folder or a busy port."""
    if not folder.is_dir():
        raise SimvalueError(f"{folder}: no such folder of scenarios")
    app = create_app(folder)
    chosen = port if port is not None else DEFAULT_PORT
    if not _free(chosen):
        if port is not None:
            raise SimvalueError(f"cannot listen on {HOST}:{port}: the port is in use; choose another --port")
        chosen = 0  # the default port is busy: any free one
    server = make_server(HOST, chosen, app.server, threaded=True, request_handler=_QuietHandler)
    app.server.before_request(_local_only(server.server_port))
    return server
