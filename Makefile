# sparklearn: `make help` lists the targets.
# Works on a fresh machine with Python 3.11+ and make; everything else is installed here.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test test-fast setup browser benchmarks demo-data clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install sparklearn with its test tools

demo: $(STAMP) ## set up, then run the batch on the bundled demo data -> reports/index.html
	$(BIN)/sparklearn run

browser: ## install Debian's chromium for the browser tests (apt; uses sudo when not root)
	@command -v chromium > /dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium > /dev/null; }

test: $(STAMP) browser ## set up, then run the whole test suite (unit, end-to-end, JupyterLab, browser)
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## unit tests only (no batch, server or browser)
	$(BIN)/python -m pytest -m "not slow"

benchmarks: $(STAMP) ## print speed figures (see benchmarks/README.md)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

demo-data: $(STAMP) ## regenerate the synthetic demo data into build/demo-data (compare with data/raw)
	$(BIN)/sparklearn demo-data --out build/demo-data

clean: ## remove generated outputs (keeps .venv)
	rm -rf data/processed/*/ reports/*.html reports/notebooks build .sparklearn-cache
