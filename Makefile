# Two commands do all the set-up: `make run` serves the worked example, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export BENEFITS_DATABASE_URL ?= sqlite:///benefits.db

.PHONY: run test install install-test system-packages lint bench lock clean bytecode

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Every install goes through constraints.txt, the exact versions the suite last passed with (`make lock` refreshes it).
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Byte-compile the service's own code, as a deployment does at install: each start then loads it rather than compiling
# it again (an editable install leaves that to the first import, which PYTHONDONTWRITEBYTECODE forbids to keep).
bytecode:
	$(BIN)/python -m compileall -q benefits api web migrations

## Install, migrate the SQLite file, load the worked example once, and serve on http://127.0.0.1:8000
run: install bytecode
	$(BIN)/benefits db upgrade
	$(BIN)/benefits example load
	$(BIN)/benefits serve --host 127.0.0.1 --port 8000

## The system packages the tests and benchmarks use (PostgreSQL, LibreOffice Calc, Chromium, nginx, wrk), from Debian
system-packages:
	bash .ci/system-packages.sh

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Install everything, then ruff, mypy and the whole suite on SQLite and on a throwaway PostgreSQL, one worker a core
test: system-packages install-test lint
	$(BIN)/pytest -n auto --dist loadscope

## Speed and memory benchmarks against the targets the issues name (not part of `make test`)
bench: system-packages install-test bytecode
	$(BIN)/pytest -m bench -s -p no:cacheprovider tests/benchmarks

## Pin today's versions of every dependency (after raising a bound in pyproject.toml, then run `make test`)
lock: $(BIN)/python
	$(BIN)/pip install --quiet --upgrade -e '.[test]'
	{ echo "# Exact versions the suite last passed with; every install goes through this file (see \`make lock\`)."; \
	  $(BIN)/pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
