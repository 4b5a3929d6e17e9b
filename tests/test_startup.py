"""Start-up stays light (issue 13): ``import simvalue`` and the command line load no plotting, no
scipy.stats, no Dask and no SALib until a command that needs them runs. What is loaded is guarded
here, in a fresh interpreter; timings live in benchmarks/, not in tests."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("matplotlib", "scipy.stats", "dask", "SALib", "dash", "playwright", "pm4py")


def _loaded(statement: str) -> list[str]:
    code = f"import sys\n{statement}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return [m for m in out.strip().split(",") if m]


@pytest.mark.parametrize("statement", ["import simvalue", "from simvalue.cli import main",
                                       "import simvalue; simvalue.load_scenario('scenarios/change_enablement.yaml')"])
def test_start_up_loads_nothing_heavy(statement):
    assert _loaded(statement) == []


def test_check_loads_no_pandas_and_no_scipy_linalg():
    # `simvalue check` reads, validates and sizes a scenario: numbers and text, no frames, no matrices
    # beyond numpy's (its time was 0.9 s with them, 0.4 s without; benchmarks/startup.py)
    code = ("import sys, contextlib, io\nfrom simvalue.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['check', 'scenarios/service_desk.yaml'])\n"
            "print(','.join(m for m in ('pandas', 'scipy.linalg', *%r) if m in sys.modules))" % (HEAVY,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_public_names_load_on_first_use():
    code = ("import sys, simvalue\nassert 'simvalue.decisions.comparison' not in sys.modules\n"
            "from simvalue import compare, Results\nassert callable(compare) and 'simvalue.decisions.comparison' in sys.modules\n"
            "assert sorted(simvalue.__all__) == simvalue.__all__ and 'compare' in dir(simvalue)\nprint('ok')")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "ok"


def test_an_unknown_name_is_an_attribute_error():
    import simvalue
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        simvalue.nothing_here  # noqa: B018
