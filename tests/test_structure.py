"""The package's shape: a curated public API, and imports that only flow forward through layers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import simvalue

PACKAGE = Path(simvalue.__file__).parent
DOCS = PACKAGE.parent / "docs" / "api.md"

#: Layers in the order data flows (STYLE.md, docs/architecture.md); a module may import only from its own or
#: earlier layers. A package listed whole holds one layer; results/, decisions/ and reports/ are listed by
#: module because their modules build on each other in this order.
LAYERS = [
    {"errors", "units", "activities", "version", "limits", "readable", "calendars"},  # ground vocabulary
    {"distributions", "rng", "theory", "fields"},
    {"kernel", "engine.teams"},  # the engine's floor: items and events, record buffers, batched draws, teams
    {"steps"},  # one module per step kind: schema, load rule, words, run-time
    {"scenario"},
    {"engine"},
    {"results.stats", "results.sketch", "results.tally", "results.metrics", "results.backlog", "results.chains",
     "results.steady", "results.groups"},
    {"results.sla"},
    {"results.frames"},
    {"results.streamed"},  # results of runs that keep no event rows, folded as they run
    {"results.budget"},
    {"results.simulation"},
    {"charts"},  # charts.style: the width, fonts and inline SVG of every chart; charts.plots: the charts
    {"decisions.verdict"},  # the words of a comparison's answer: readable numbers only
    {"decisions.levers"},  # the planner's levers compared: abandonment share, groups' time split
    {"decisions.comparison"},
    {"decisions.observed"},  # what a real event log shows: cycle times, SLA, weekly completions, bootstrap
    {"decisions.forecast"},  # the same measures of a simulation, per replication
    {"decisions.review"},  # a forecast checked against the real log after the change
    {"decisions.economics"},
    {"decisions.ranking"},
    {"decisions.plausibility"},
    {"decisions.staffing_plan"},  # what staff searches over: goals, posts (a team or a shift), their floors
    {"decisions.staffing"},  # the search: fewest people meeting SLA goals, confirmed with an interval
    {"sweeps"},
    {"eventlog"},  # reads results and scenarios; the cli uses it
    {"reports.text", "reports.business_text"},
    {"reports.levers_text"},  # a comparison's levers: who gives up waiting, groups' time split
    {"reports.staffing_text"},  # the staff command's table and how sure its answer is
    {"reports.notebook"},  # progress bars drawn with tqdm.auto; imports nothing of simvalue
    {"reports.html_page", "reports.calibration_charts"},
    {"reports.compare", "reports.calibration", "reports.business", "reports.review"},
    {"app"},  # the local web app: scenarios, variants, runs and the report's words behind a UI
    {"cli", "__main__"},
]
#: The most modules lying flat in simvalue/ (the rest live in packages named for the domain).
MOST_FLAT = 12


def layer_of(module: str) -> int:
    """The layer of the longest entry of LAYERS that is ``module`` or a package holding it."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        for index, names in enumerate(LAYERS):
            if prefix in names:
                return index
    raise AssertionError(f"module {module!r} is in no layer; add it to LAYERS")


def imported_modules(path: Path) -> set[str]:
    """simvalue modules imported by one file, as names relative to the package."""
    relative_parts = path.relative_to(PACKAGE).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            package_parts = relative_parts[:-1]  # the package holding this module (or __init__)
            base = list(package_parts[:len(package_parts) - node.level + 1])
            target = ".".join(base + ([node.module] if node.module else []))
            if target:
                found.add(target)
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simvalue."):
            found.add(node.module.removeprefix("simvalue."))
    return found


def test_imports_only_flow_forward():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "__init__.py" and (path.parent == PACKAGE or not imported_modules(path)):
            continue  # the lazy public face, and packages whose __init__ is a docstring
        own = layer_of(".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        for module in imported_modules(path):
            assert layer_of(module) <= own, f"{path.relative_to(PACKAGE)} imports later layer {module}"


def test_public_api_is_sorted_and_documented():
    names = simvalue.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(simvalue, name), name
    documented = set(re.findall(r"^### `([A-Za-z_]+)", DOCS.read_text(), flags=re.MULTILINE))
    assert documented == set(names) - {"__version__"}


def test_package_is_typed():
    assert (PACKAGE / "py.typed").exists()


def test_few_modules_lie_flat_and_every_package_is_layered():
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(flat) <= MOST_FLAT, flat
    for folder in (p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        for path in folder.rglob("*.py"):
            if path.name == "__init__.py" and not imported_modules(path):
                continue
            layer_of(".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__"))



def _module_imports(path: Path) -> set[str]:
    """simvalue modules one file imports (at the top, inside functions, or for type checkers only: a circle
    is a circle to a reader too), each resolved to a module where it names one."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    package = list(parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[:len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
        elif (node.module or "").startswith("simvalue."):
            base = node.module.split(".")[1:]
        else:
            continue
        for alias in node.names:
            module = [*base, alias.name]
            is_module = (PACKAGE.joinpath(*module).with_suffix(".py").exists()
                         or (PACKAGE.joinpath(*module) / "__init__.py").exists())
            found.add(".".join(module if is_module else base))
    return {m for m in found if m}


def test_no_import_circles():
    graph = {".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__"): _module_imports(p)
             for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py"}
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            raise AssertionError("import circle: " + " -> ".join(trail[trail.index(module):] + [module]))
        if module in done or module not in graph:
            return
        for target in sorted(graph[module]):
            if target != module and not module.startswith(target + "."):   # a module's own package is its face
                visit(target, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
