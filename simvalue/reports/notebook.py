"""Progress bars for notebooks: the library reports progress through callbacks; these draw them
with ``tqdm.auto`` (a widget in Jupyter when ipywidgets is installed, a text bar otherwise).

    from simvalue import notebook
    results = simvalue.simulate(scenario, progress=notebook.bar("replications"))
    comparison = simvalue.compare(base, variant, progress=notebook.bars())
    frame = simvalue.sweep(scenario, params, progress=notebook.sweep_bar())
    answer = simvalue.fewest_people(scenario, ["incident=95%"], progress=notebook.staff_bar())

Each bar closes itself when its work is done, and a callback used again draws a new bar. tqdm is
imported when the first bar is drawn, not with this module (``import simvalue`` stays light).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any


def bar(description: str = "replications") -> Callable[[int, int], None]:
    """A ``progress(done, total)`` callback (``simulate``) drawing one bar of replications."""
    return _counter(description, "rep")


def bars() -> Callable[[str, int, int], None]:
    """A ``progress(name, done, total)`` callback (``compare``, ``rank``): one bar per scenario."""
    own: dict[str, Callable[[int, int], None]] = {}

    def update(name: str, done: int, total: int) -> None:
        if name not in own:
            own[name] = bar(name[:40])
        own[name](done, total)
    return update


def sweep_bar() -> Callable[[int, int, int], None]:
    """A ``progress(done, total, resumed)`` callback (``sweep``): points done (a point is done when all
    its replications are), starting from those resumed from the sweep's ``out``."""
    return _counter("points", "pt")  # its third argument, the points resumed, is where the bar starts


def staff_bar() -> Callable[[int, int, str], None]:
    """A ``progress(done, most, what)`` callback (``fewest_people``): candidates tried, the latest beside the
    count. No total: the search stops when the goals hold, usually long before its budget ``most``."""
    state: dict[str, Any] = {}

    def update(done: int, most: int, what: str) -> None:
        if "bar" not in state or done <= state["bar"].n:  # used again: a new bar
            state["bar"] = _tqdm()(desc="candidates", unit="cand")
        state["bar"].update(done - state["bar"].n)
        state["bar"].set_postfix_str(what[:100])
    return update


def _counter(description: str, unit: str) -> Callable[..., None]:
    """``update(done, total, initial=0)``: draws a bar on the first call, closes it at ``total``."""
    state: dict[str, Any] = {}

    def update(done: int, total: int, initial: int = 0) -> None:
        if "bar" not in state:
            state["bar"] = _tqdm()(total=total, initial=initial, desc=description, unit=unit)
        state["bar"].update(done - state["bar"].n)
        if done >= total:
            state.pop("bar").close()
    return update


def _tqdm() -> type:
    """``tqdm.auto.tqdm``, without its warning when ipywidgets is missing (it then draws text)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        from tqdm.auto import tqdm
    return tqdm


__all__ = ["bar", "bars", "staff_bar", "sweep_bar"]
