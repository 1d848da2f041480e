# Maatwerk: `make run` serves the demo, `make test` runs the whole suite, `make bench` measures.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
DB ?= all
PYTEST_ARGS ?=

.PHONY: help run test test-sqlite test-postgresql bench assets clean

help:
	@echo "make run    - install, migrate the embedded SQLite database, load the demo, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - the whole suite on SQLite and on a throw-away PostgreSQL (DB=sqlite|postgresql for one)"
	@echo "make bench  - the benchmark (engine, services, HTTP on gunicorn, inbox, long-running cases)"

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

run: $(VENV)/.installed assets
	mkdir -p instance
	$(BIN)/maatwerk db upgrade
	$(BIN)/maatwerk demo load
	@echo "Maatwerk on http://127.0.0.1:$(PORT) - demo accounts in README.md (password maatwerk-demo)"
	$(BIN)/maatwerk worker --interval 5 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - "maatwerk:create_app()"

test: $(VENV)/.installed assets
	scripts/ensure-chromium
	@status=0; \
	if [ "$(DB)" = all ] || [ "$(DB)" = sqlite ]; then \
	  echo "== test suite on SQLite"; \
	  MAATWERK_TEST_DATABASE_URL= $(BIN)/pytest -q $(PYTEST_ARGS) || status=1; \
	fi; \
	if [ "$(DB)" = all ] || [ "$(DB)" = postgresql ]; then \
	  echo "== test suite on PostgreSQL"; \
	  url=$$(scripts/test-postgres start) || exit 1; \
	  MAATWERK_TEST_DATABASE_URL=$$url $(BIN)/pytest -q $(PYTEST_ARGS) || status=1; \
	  scripts/test-postgres stop; \
	fi; \
	exit $$status

bench: $(VENV)/.installed assets
	@url=$$(scripts/test-postgres start) || exit 1; \
	MAATWERK_BENCH_POSTGRES_URL=$$url $(BIN)/python -m maatwerk.bench; status=$$?; \
	scripts/test-postgres stop; exit $$status

clean:
	rm -rf $(VENV) node_modules .tmp test-artifacts .pytest_cache
