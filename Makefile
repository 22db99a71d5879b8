# Two commands for a fresh Debian/Ubuntu machine:
#   make run   installs what is missing, brings the stack up, serves, plays demo traffic
#   make test  installs what is missing, brings the stack up, runs ruff, mypy and every test
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
CC := $(VENV)/bin/callcenter
PYTEST_ARGS ?=

.PHONY: all deps venv stack run test lint unit unit-clock integration bench clean stack-down web

all: test

deps:
	@bash scripts/bootstrap.sh

$(VENV)/.installed: pyproject.toml | deps
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

stack: venv
	$(CC) stack up

# The agent desk's JsSIP bundle (agent_ui/static/vendor/jssip.min.js) from the npm lockfile.
web:
	@bash scripts/build_web.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

unit: venv
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

# No test may depend on the day it runs: the unit tests again with the clock 400 days
# ahead and a year back (libfaketime, installed by scripts/bootstrap.sh).
unit-clock: venv
	faketime '+400 days' $(PY) -m pytest tests/unit -p no:cacheprovider $(PYTEST_ARGS)
	faketime '-365 days' $(PY) -m pytest tests/unit -p no:cacheprovider $(PYTEST_ARGS)

integration: stack
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

test: lint stack
	$(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory unit-clock PYTEST_ARGS="$(PYTEST_ARGS)"

run: stack
	@bash scripts/run-demo.sh

bench: stack
	@for b in benchmarks/[!_]*.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(PY) "$$b" || exit 1; done

stack-down: venv
	$(CC) stack down

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
