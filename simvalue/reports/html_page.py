"""The shell of an offline HTML report: one stylesheet, escaped text, tables and charts as inline SVG.

Nothing is fetched when the page opens (no external CSS, scripts or fonts), so the single file can
be mailed; every cell and heading passes through ``html.escape``, so a scenario name cannot inject
markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from matplotlib.figure import Figure

from ..charts.style import CHART_PIXELS, svg

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1150px;margin:2em auto;
 padding:0 1.2em;color:#1d1d1d;line-height:1.45}
h1{font-size:1.7em;margin-bottom:0.1em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:0.2em}
.subtitle{color:#555;margin-top:0}
.lead{font-size:1.05em;border-left:5px solid #264653;background:#f4f6f8;padding:0.4em 0.9em;margin:0.6em 0}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.95em}
th,td{border:1px solid #d4d4d4;padding:5px 10px;text-align:right;vertical-align:top}td{white-space:nowrap}
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}
td.text,th.text{text-align:left;white-space:normal;min-width:8em}tr.total td{font-weight:600;background:#fafafa}
.money td:nth-child(2){font-weight:600;white-space:nowrap}
.flag{border-left:5px solid #c0392b;background:#fdf0ee;padding:0.6em 1em;margin:1em 0}
.flag p{margin:0.3em 0}.ok{border-left:5px solid #2a9d8f;background:#eef8f6;padding:0.6em 1em;margin:1em 0}
.muted{color:#555;font-size:0.9em}pre{white-space:pre-wrap;overflow-wrap:anywhere}
details{margin:0.8em 0;border:1px solid #ddd;border-radius:4px;padding:0.3em 1em}
summary{cursor:pointer;font-weight:600;padding:0.3em 0}
"""


#: On a narrow screen (640 px or less) each row of a table inside ``.wide`` becomes a card, every figure beside
#: its column's name (``data-label``; a table cut at the screen's edge showed labels without figures), and a
#: ``section`` row (``row_kinds``) a heading over the cards under it. The report pages and the app share it.
CARDS_CSS = """.wide{overflow-x:auto;max-width:100%}.wide tr.section td{font-weight:600}
@media (max-width:640px){.wide table,.wide tbody,.wide tr,.wide td{display:block}.wide thead{display:none}
 .wide tr{border:1px solid #d4d4d4;margin:0 0 0.7em;padding:0.3em 0}
 .wide tr.section{border:none;margin:1em 0 0.3em;padding:0}.wide tr.section td{padding:0}
 .wide td{border:none;white-space:normal;display:flex;justify-content:space-between;gap:1em;padding:2px 10px;
 text-align:right}.wide td::before{content:attr(data-label);color:#555;text-align:left;font-weight:400}
 .wide td:empty,.wide td:first-child::before{display:none}
 .wide td:first-child{font-weight:600;text-align:left;display:block}
 .wide td.text{display:block;text-align:left}.wide td.text::before{display:block}}
"""


#: A report page's margins on a narrow screen (640 px or less).
NARROW_CSS = "@media (max-width:640px){body{padding:0 0.8em}details{padding:0.3em 0.4em}}\n"


def charts_css(narrowest: int = CHART_PIXELS) -> str:
    """Charts side by side while each gets ``narrowest`` px, else one a row; never wider than their box."""
    return (f".charts{{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,{narrowest}px),1fr));"
            "gap:0.5em;align-items:start}.charts>svg{margin:0 auto}")


#: Charts two abreast on a wide screen, one a row on a narrow one, never wider than the screen.
CHARTS_CSS = charts_css()


def escape(text: object) -> str:
    """Text made safe inside HTML elements and attributes."""
    return html.escape(str(text), quote=True)


def row_kinds(rows: Sequence[Sequence[object]]) -> list[str]:
    """``section`` for each row that heads the rows under it (a name, every other cell empty: the business
    case's "cash", "value"), else ""; ``table``'s ``row_classes``."""
    return ["section" if len(row) > 1 and all(str(cell) == "" for cell in row[1:]) else "" for row in rows]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], css: str = "",
          text_columns: Sequence[int] = (), row_classes: Sequence[str] = ()) -> str:
    """A table of plain-text cells (each escaped); ``text_columns`` are left-aligned. On a narrow screen
    (640 px or less) each row becomes a card, every figure beside its column's name, so nothing is cut."""
    def cell(tag: str, index: int, value: object) -> str:
        align = ' class="text"' if index in text_columns else ""
        label = f' data-label="{escape(headers[index])}"' if tag == "td" and index < len(headers) else ""
        return f"<{tag}{align}{label}>{escape(value)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = []
    for number, row in enumerate(rows):
        kind = row_classes[number] if number < len(row_classes) else ""
        opening = f'<tr class="{escape(kind)}">' if kind else "<tr>"
        body.append(opening + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>")
    css_attribute = f' class="{escape(css)}"' if css else ""
    return (f'<div class="wide"><table{css_attribute}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def figure(fig: Figure, alt: str) -> str:
    """A matplotlib figure as inline SVG with its text as text (chart_style.svg), never wider than the page."""
    return svg(fig, alt)


def charts(*figures: str) -> str:
    """Charts (from ``figure``) two abreast on a wide screen, one a row on a narrow one."""
    return f'<div class="charts">{"".join(figures)}</div>'


def page(title: str, body: str, css: str = "") -> str:
    """The whole document: ``body`` is HTML already built from escaped parts; ``css`` adds a page's own rules."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}{NARROW_CSS}{CARDS_CSS}{CHARTS_CSS}{css}</style></head>"
            f"<body>\n{body}\n</body></html>")
