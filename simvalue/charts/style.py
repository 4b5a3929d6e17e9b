"""The one home of chart styling: figure width, the smallest font, and SVG with text as text (inline or a file).

Every chart a page shows (the compare report's, the calibration report's, the app's) is drawn
``CHART_WIDTH`` inches wide with no text under ``CHART_FONT`` points, so that its labels read at 11 px
or more however the page shrinks it, down to a 390 px phone screen.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import wraps
from typing import IO, TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Chart width (inches) and the smallest font (points): 12 pt on 5 in still renders at 11.7 px when the
#: chart is shrunk to a 390 px screen's 352 px of text width (12 x 352 / (5 x 72)), and at 14 px in the
#: app's 420 px column (its PNGs are 100 dpi: 500 px wide).
CHART_WIDTH, CHART_FONT = 5.0, 12.0
#: Natural display width of a chart on a page, in CSS px (1 in = 96 px).
CHART_PIXELS = round(CHART_WIDTH * 96)

P = ParamSpec("P")
R = TypeVar("R")


def chart_style() -> AbstractContextManager:
    """Every text at ``CHART_FONT`` points or more (titles one point larger), and SVG text written as text."""
    import matplotlib
    sizes = {key: CHART_FONT for key in ("font.size", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
                                         "legend.fontsize", "legend.title_fontsize", "figure.labelsize")}
    return matplotlib.rc_context({**sizes, "axes.titlesize": CHART_FONT + 1, "figure.titlesize": CHART_FONT + 1,
                                  "svg.fonttype": "none"})


def styled(draw: Callable[P, R]) -> Callable[P, R]:
    """``draw`` builds its figure inside ``chart_style()`` (matplotlib fixes a text's size when it is made)."""
    @wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with chart_style():
            return draw(*args, **kwargs)
    return wrapper


def svg(fig: Figure, alt: str) -> str:
    """``fig`` as inline SVG with its text as text (it scales without blurring and a browser test can measure
    the labels), shown at its natural width or its container's, whichever is smaller."""
    buffer = io.StringIO()
    save_chart(fig, buffer, alt)  # alt salts the ids: they differ between the charts of a page
    text = buffer.getvalue()
    width = round(fig.get_figwidth() * 96)        # its natural size: 1 pt of the figure is 96/72 px
    style = "max-width:100%;height:auto;display:inline-block;vertical-align:top;margin:0.5em 0"
    label = html.escape(alt, quote=True)
    drawing = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                     lambda m: f'<svg{m.group(1)} role="img" aria-label="{label}" width="{width}" style="{style}"',
                     text[text.index("<svg"):], count=1)
    # Inside HTML the parser sets SVG's namespaces itself: no address of any kind is left on the page.
    opening = drawing.index(">")
    drawing = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", drawing[:opening]) + drawing[opening:]
    return re.sub(r"(?:<title>.*?</title>\s*)?<metadata>.*?</metadata>", f"<title>{label}</title>", drawing,
                  count=1, flags=re.S)


#: File formats a chart can be written in, by the file name's suffix: SVG (text as text), PNG for slides.
CHART_FORMATS = ("svg", "png")


def save_chart(fig: Figure, path: str | IO, title: str, file_format: str = "svg") -> None:
    """``fig`` as a file of its own: SVG with its text as text and no date (the same figure gives the same
    bytes), or PNG at 192 dpi (in an SVG, the resolution of rasterized parts only). ``title`` is the file's
    title and salts the SVG's ids."""
    import matplotlib
    metadata = {"Title": title, "Date": None} if file_format == "svg" else {"Title": title}
    with matplotlib.rc_context({"svg.hashsalt": title, "svg.fonttype": "none"}):
        fig.savefig(path, format=file_format, dpi=192, metadata=metadata)


__all__ = ["CHART_FONT", "CHART_FORMATS", "CHART_PIXELS", "CHART_WIDTH", "chart_style", "save_chart", "styled", "svg"]
