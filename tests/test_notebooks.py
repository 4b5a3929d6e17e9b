"""The notebooks in notebooks/ run end to end with small settings and are stored without outputs.

Each notebook's one cell tagged ``parameters`` is rewritten with the small values in ``SMALL`` (names
it does not set keep their values), then the notebook runs in a fresh kernel of this interpreter
(a kernelspec written to a temporary folder) with notebooks/ as its working directory, as a reader
would run it. Temporary files the notebooks write (reports, sweep stores) land under ``tmp_path``,
and the test checks nothing was written into notebooks/ or scenarios/.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {"01_quickstart.ipynb", "02_what_if_automate_approvals.ipynb", "03_sweep_and_sensitivity.ipynb",
            "04_business_case.ipynb"}

#: Small settings for the size knobs (Python source). A 30-day horizon after the 14-day warm-up still
#: spans four weekly CABs; sweeps ask for a two-worker process pool, as on a small laptop.
SMALL = {"REPLICATIONS": "2", "SAMPLES": "4", "HORIZON": '"30d"', "EXECUTOR": '"process"', "WORKERS": "2",
         "DASK_SCHEDULER": "None"}
#: Per notebook (by file stem), on top of SMALL. 03: one replication a point and two Sobol base samples
#: (10 points); each of its sweeps then comes to less than the pool's start-up, so simvalue runs it in
#: the kernel (the pool itself is tested in test_sweeps.py and test_orphans.py). 05: two days of
#: arrivals in the what-if, not five (about 400 cases; five days took 6 s of the notebook's 15), and one
#: replication: each replication of the BPI validation run is about a third of the notebook's time, and
#: the notebook asserts nothing on the figures (tests/test_calibrate.py checks the BPI log against the
#: targets at the default three replications).
SMALLER = {"03_sweep_and_sensitivity": {"REPLICATIONS": "1", "SAMPLES": "2"},
           "05_calibrate_from_an_event_log": {"REPLICATIONS": "1", "WHAT_IF_HORIZON": '"2d"'}}
KERNEL = "python3"
CELL_TIMEOUT = 120  # seconds; far above what any cell needs at the small settings


def _parameters_cell(notebook: nbformat.NotebookNode) -> tuple[int, nbformat.NotebookNode]:
    tagged = [(i, c) for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"expected exactly one cell tagged 'parameters', found {len(tagged)}"
    return tagged[0]


def _assignments(source: str) -> dict[str, str]:
    """NAME -> value source of a parameters cell, which may hold only ``NAME = literal`` lines."""
    values = {}
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name), \
            f"a parameters cell holds only simple assignments, got: {ast.unparse(node)}"
        values[node.targets[0].id] = ast.unparse(node.value)
    return values


def shrink(notebook: nbformat.NotebookNode, stem: str = "") -> dict[str, str]:
    """Replace the parameters cell's source with the small settings (SMALL, then SMALLER[stem] for the
    notebook of that stem); return the settings used."""
    _, cell = _parameters_cell(notebook)
    values = _assignments(cell.source)
    settings = {**SMALL, **SMALLER.get(stem, {})}
    small = {name: settings.get(name, value) for name, value in values.items()}
    cell.source = "\n".join(f"{name} = {value}" for name, value in small.items())
    return small


def _snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(ROOT)): (p.stat().st_mtime_ns, p.stat().st_size)
            for folder in folders for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``python3`` kernelspec running this interpreter, found first on JUPYTER_PATH."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    install(kernel_name=KERNEL, prefix=str(prefix))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        patch.setenv("JUPYTER_RUNTIME_DIR", str(prefix / "runtime"))
        patch.setenv("IPYTHONDIR", str(prefix / "ipython"))
        patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
        assert spec.argv[0] == sys.executable, f"kernel {KERNEL} runs {spec.argv[0]}, not {sys.executable}"
        yield KERNEL


def test_the_four_notebooks_exist():
    assert EXPECTED <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    stored = [i for i, c in enumerate(notebook.cells)
              if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not stored, f"{path.name}: cells {stored} have stored outputs or execution counts; clear them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_has_one_parameters_cell_near_the_top(path: Path):
    notebook = nbformat.read(path, as_version=4)
    index, cell = _parameters_cell(notebook)
    assert index <= 3 and cell.cell_type == "code"
    assert "REPLICATIONS" in _assignments(cell.source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_with_small_settings(path: Path, kernel: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebooks' tempfile folders land here
    notebook = nbformat.read(path, as_version=4)
    shrink(notebook, path.stem)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)"))
    before = _snapshot(NOTEBOOK_DIR, ROOT / "scenarios")

    NotebookClient(notebook, kernel_name=kernel, timeout=CELL_TIMEOUT, allow_errors=False,
                   resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()

    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: {errors}"
    figures = [o for o in outputs if o.output_type in ("display_data", "execute_result")
               and o.data.get("text/plain", "").startswith("<Figure")]
    assert figures and all("image/png" in o.data for o in figures), f"{path.name}: a figure was not drawn"
    assert notebook.cells[-1].outputs[0]["text"].strip() == sys.prefix, "the kernel ran another interpreter"
    assert _snapshot(NOTEBOOK_DIR, ROOT / "scenarios") == before, f"{path.name} wrote into the repository"
