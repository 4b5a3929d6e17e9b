"""The first hour: a fresh clone needs nothing beside it, and `make demo` installs the runtime only."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "data" / "bpi_2013_incidents.csv.gz"
#: A path into the folder beside the repository (../shared/data), spelt with slashes or as Path parts.
OUTSIDE = re.compile(r"""shared["']?\s*[/,]\s*["']?data""")
DEV_TOOLS = ("pytest", "hypothesis", "playwright", "pm4py", "nbclient")


def test_tests_notebooks_and_make_read_nothing_beside_the_repository():
    files = [*ROOT.glob("tests/*.py"), *ROOT.glob("notebooks/*.ipynb"), ROOT / "Makefile", ROOT / ".ci" / "run"]
    found = [str(p.relative_to(ROOT)) for p in files if p != Path(__file__) and OUTSIDE.search(p.read_text())]
    assert found == []


def test_the_shipped_log_is_small_whole_and_names_its_source_and_licence():
    readme = (ROOT / "data" / "README.md").read_text()
    assert LOG.stat().st_size < 300_000
    assert "CC BY 4.0" in readme and "doi.org/10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee" in readme
    assert hashlib.sha256(gzip.decompress(LOG.read_bytes())).hexdigest() in readme


def _dry_run(target: str) -> str:
    """The commands `make TARGET` runs from scratch (-B: as if nothing were built; -n: printed, not run)."""
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed: the README's two commands need it")
    # --no-print-directory: under `make test` this make is nested and would print "make[1]: Entering ...".
    return subprocess.run([make, "--no-print-directory", "-n", "-B", target], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def test_make_demo_installs_the_runtime_and_make_test_the_dev_tools():
    demo, test, notebooks = _dry_run("demo"), _dry_run("test"), _dry_run("notebooks")
    assert "pip install --quiet -e .\n" in demo and "[" not in demo.split("simvalue run")[0]
    assert 'pip install --quiet -e ".[dev]"' in test and "pytest" in test
    assert 'pip install --quiet -e ".[notebooks]"' in notebooks and "jupyter lab notebooks/" in notebooks
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"]).lower()
    assert not [tool for tool in DEV_TOOLS if tool in runtime]
    assert all(any(d.startswith(tool) for d in project["optional-dependencies"]["dev"]) for tool in DEV_TOOLS)
    assert any(d.startswith("jupyterlab") for d in project["optional-dependencies"]["notebooks"])
    assert "make test" in (ROOT / ".ci" / "run").read_text()
