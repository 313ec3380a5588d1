# Two entry points for a newcomer: `make demo` and `make test`. Everything else is optional.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench lint typecheck importlint pytest clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 or newer is needed (python3.11 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed-runtime

## make demo: set up and run the main job on the embedded database, then serve.
demo: $(VENV)/.installed-runtime
	$(BIN)/hub demo

## make test: set up with the dev tools and run every check and test.
test: $(VENV)/.installed-dev lint typecheck importlint pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

importlint:
	$(BIN)/lint-imports

pytest:
	$(BIN)/pytest

## make bench: every benchmark script (prints tables; the last line of each is RESULT {json}).
bench: $(VENV)/.installed-dev
	@set -e; for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
