# Two commands on a fresh machine: `make demo` and `make test`. Both build their own .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test venv clean bench chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/simvalue run scenarios/change_enablement.yaml -r 5 --seed 1 --out out/demo
	$(BIN)/simvalue compare scenarios/change_enablement.yaml scenarios/variants/automate_approvals.yaml \
		-r 10 --seed 1 --out out/demo/compare --report out/demo/report.html

# Browser tests use Debian's Chromium: installed here when it is missing and we are root (as in CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing Debian's chromium for the browser tests"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else echo "note: no Chromium and not root: the browser tests will fail; install it with apt-get install -y chromium"; fi; }

test: $(STAMP) chromium
	$(BIN)/python -m pytest -n 2

bench: $(STAMP)
	$(BIN)/python benchmarks/engine_throughput.py

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .hypothesis
