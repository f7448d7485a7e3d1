# The two commands of the README: `make demo` and `make test`.
# Both create the virtual environment on first use and install evalsys into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo demo-history test lint typecheck unit bench clean

$(BIN)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed-dev
	$(BIN)/evalsys demo

# six monthly periods with drift and a rule change, the alerts and the period report
demo-history: $(BIN)/.installed-dev
	$(BIN)/evalsys history demo evalsys-history-demo

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed-dev
	$(BIN)/mypy evalsys

unit: $(BIN)/.installed-dev
	$(BIN)/python -m pytest

test: lint typecheck unit

# peer libraries are installed only for the comparison benchmark, never as dependencies
bench: $(BIN)/.installed-dev
	$(BIN)/python -m pip install --quiet pymcdm scikit-criteria pyDecision ahpy
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
