# Two commands on a fresh machine: `make demo` and `make test`. Both build their own .venv.
# demo installs the runtime only; test adds the dev tools (pytest, playwright, pm4py...);
# notebooks adds JupyterLab and opens notebooks/.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME   := $(VENV)/.installed-runtime
DEV       := $(VENV)/.installed-dev
NOTEBOOKS := $(VENV)/.installed-notebooks

.PHONY: demo test notebooks venv clean bench chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(NOTEBOOKS): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[notebooks]"
	touch $@

venv: $(DEV)

demo: $(RUNTIME)
	$(BIN)/simvalue run scenarios/change_enablement.yaml -r 5 --seed 1 --out out/demo
	$(BIN)/simvalue compare scenarios/change_enablement.yaml scenarios/variants/automate_approvals.yaml \
		-r 10 --seed 1 --out out/demo/compare --report out/demo/report.html
	@echo
	@echo "The report: out/demo/report.html. Open it in any browser, e.g."
	@echo "  xdg-open out/demo/report.html    (Linux; macOS: open out/demo/report.html)"

notebooks: $(NOTEBOOKS)
	$(BIN)/jupyter lab notebooks/

# Browser tests use Debian's Chromium: installed here when it is missing and we are root (as in CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing Debian's chromium for the browser tests"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else echo "note: no Chromium and not root: the browser tests will fail; install it with apt-get install -y chromium"; fi; }

test: $(DEV) chromium
	$(BIN)/python -m pytest -n 2

bench: $(DEV)
	$(BIN)/python benchmarks/engine_throughput.py

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .hypothesis
