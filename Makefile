# Maatwerk: `make run` serves the demo, `make test` runs the whole suite, `make bench` measures.
# `make help` lists the targets.
#
# Every recipe below runs as ONE bash script (.ONESHELL) with -euo pipefail, so a
# recipe can use variables, functions and traps across its lines.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed

PORT ?= 5000
DB ?= all
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help venv assets clients run lint test bench lock upgrade clean

help: ## list the targets
	@echo "Maatwerk - make targets:"
	awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  make %-8s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	echo
	echo "Variables: PORT=$(PORT) (run)  DB=all|sqlite|postgresql (test)  PYTEST_ARGS='...' (test)"
	echo "           BENCH_ARGS='...' (bench)  PYTHON=$(PYTHON) (to create .venv)"

# --- Python ------------------------------------------------------------------------

venv: $(VENV_STAMP) ## create .venv with the locked versions (requirements/dev.txt) and the package

# The versions the tests passed with: requirements/dev.txt (runtime and dev/test tools) and
# requirements/runtime.txt (the Docker image), made by pip-compile from pyproject.toml with
# hashes. `pip-sync` would remove what is not in the lock; a fresh venv needs no removal,
# and `make clean` starts one. Re-runs when pyproject.toml or the lock changes; recreates a
# .venv whose Python no longer runs (e.g. one copied from another machine).
$(VENV_STAMP): pyproject.toml requirements/dev.txt
	@if ! $(BIN)/python -c 'import sys' >/dev/null 2>&1; then
	  echo "== creating $(VENV) with $$($(PYTHON) --version)"
	  rm -rf $(VENV)
	  $(PYTHON) -m venv $(VENV)
	fi
	scripts/ensure-pdf-libs
	echo "== installing the locked dependencies (requirements/dev.txt) into $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# pip-tools lives in a venv of its own, so the project's venv holds exactly the lock.
LOCK_VENV := .venv-lock
PIP_COMPILE = $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links

$(LOCK_VENV)/bin/pip-compile:
	@$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet "pip-tools>=7.4"

lock: $(LOCK_VENV)/bin/pip-compile ## lock pyproject.toml's dependencies again, keeping the locked versions where they still fit
	@$(PIP_COMPILE) $(LOCK_ARGS) -o requirements/runtime.txt pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev -o requirements/dev.txt pyproject.toml
	echo "== requirements/*.txt written; commit them with a green 'make test' and a 'make bench' run"

upgrade: ## move every locked dependency to its newest version that pyproject.toml allows
	@$(MAKE) --no-print-directory lock LOCK_ARGS=--upgrade

# --- front-end packages (npm registry) ----------------------------------------------

# A no-op while there is no package.json; otherwise (re)installs node_modules when it
# is missing or older than package.json / package-lock.json.
ifneq ($(wildcard package.json),)
ASSETS_STAMP := node_modules/.installed

$(ASSETS_STAMP): package.json $(wildcard package-lock.json)
	@command -v npm >/dev/null || { echo "npm is needed for the front-end packages (apt-get install nodejs npm)" >&2; exit 1; }
	if [ -f package-lock.json ]; then
	  echo "== npm ci"
	  npm ci --no-audit --no-fund --loglevel=error
	else
	  echo "== npm install (no package-lock.json yet)"
	  npm install --no-audit --no-fund --loglevel=error
	fi
	touch $@
endif

assets: $(ASSETS_STAMP) ## install the front-end packages (when package.json exists)

# The real Camunda 7 clients the tests run (tests/clients/package-lock.json): npm ci when
# the lock is newer than what is installed.
CLIENTS_STAMP := tests/clients/node_modules/.installed

$(CLIENTS_STAMP): tests/clients/package.json tests/clients/package-lock.json
	@scripts/ensure-npm
	echo "== npm ci in tests/clients (the Camunda JavaScript client)"
	npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error
	touch $@

clients: $(CLIENTS_STAMP) ## install the Camunda clients the tests run (tests/clients)

# --- serve --------------------------------------------------------------------------

run: venv assets ## migrate, load the demo, run the timer worker and serve on 127.0.0.1:$PORT
	@mkdir -p instance
	# the links in residents' mail point here, unless MAATWERK_PUBLIC_URL says otherwise
	export MAATWERK_PUBLIC_URL="$${MAATWERK_PUBLIC_URL:-http://127.0.0.1:$(PORT)}"
	$(BIN)/maatwerk db upgrade
	$(BIN)/maatwerk demo load
	echo "== Maatwerk on http://127.0.0.1:$(PORT) - demo accounts in README.md (password maatwerk-demo)"
	$(BIN)/maatwerk worker &
	worker=$$!
	# exec hands this PID to gunicorn (so it gets the signals directly), and a trap
	# would not survive exec: a watcher stops the worker once the server is gone.
	server=$$$$
	( while kill -0 "$$server" 2>/dev/null; do sleep 1; done
	  kill "$$worker" 2>/dev/null || true ) &
	exec $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - \
	  --logger-class maatwerk.web.access_log.MaskedAccessLogger "maatwerk:create_app()"

# --- test ---------------------------------------------------------------------------

lint: venv ## ruff and mypy (configured in pyproject.toml); the layer rules are a test
	@status=0
	echo "== ruff"
	$(BIN)/ruff check platform tests || status=$$?
	echo "== mypy"
	$(BIN)/mypy || status=$$?
	exit $$status

test: venv assets clients ## lint, then the whole suite on SQLite and on a throw-away PostgreSQL (DB=sqlite|postgresql for one)
	@case "$(DB)" in all|sqlite|postgresql) ;; *) echo "DB must be all, sqlite or postgresql (got '$(DB)')" >&2; exit 2 ;; esac
	scripts/ensure-chromium
	# Ctrl-C or a TERM ends the run (a suite that stops early must not start the next)
	trap 'exit 130' INT
	trap 'exit 143' TERM
	status=0
	$(MAKE) --no-print-directory lint || status=$$?
	if [ "$(DB)" != postgresql ]; then
	  echo "== test suite on SQLite"
	  env -u MAATWERK_TEST_DATABASE_URL $(BIN)/pytest -q $(PYTEST_ARGS) || status=$$?
	fi
	if [ "$(DB)" != sqlite ]; then
	  # The server is stopped (and its data removed) however the run ends, Ctrl-C too.
	  echo "== test suite on PostgreSQL"
	  scripts/with-test-postgres MAATWERK_TEST_DATABASE_URL $(BIN)/pytest -q $(PYTEST_ARGS) || status=$$?
	fi
	if [ "$$status" -ne 0 ]; then echo "!! make test failed (exit $$status)" >&2; fi
	exit $$status

# --- benchmark ----------------------------------------------------------------------

bench: venv assets ## the benchmark, on SQLite and on a throw-away PostgreSQL
	@scripts/with-test-postgres MAATWERK_BENCH_POSTGRES_URL $(BIN)/python -m maatwerk.bench $(BENCH_ARGS)

# --- housekeeping -------------------------------------------------------------------

clean: ## stop the test PostgreSQL; remove .venv, node_modules, caches and test output
	@if [ -x scripts/test-postgres ]; then scripts/test-postgres stop || true; fi
	rm -rf $(VENV) $(LOCK_VENV) node_modules tests/clients/node_modules .tmp test-artifacts \
	  .pytest_cache .mypy_cache .ruff_cache
	find platform tests -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
	rm -rf platform/*.egg-info
