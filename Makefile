# Clearroom: `make run` serves the demo on SQLite; `make test` runs the whole suite on PostgreSQL
# and the demo paths again on SQLite; `make serve` runs the production shape locally.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Runtime dependencies and Clearroom itself (its console scripts): all `make run` needs.
RUNTIME_STAMP := $(VENV)/.installed-runtime
# The development tools on top (pytest, Playwright, ruff, ...): `make test`, `lint`, `bench`.
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's local identity provider (single sign-on for Meridian Systems), when it can run.
SSO_PORT ?= 8001
DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/clearroom
CELERY_BROKER_URL_TEST ?= redis://127.0.0.1:6379/15
# The demo paths that `make test` runs a second time on the embedded SQLite database.
SQLITE_TEST_PATHS ?= tests/demo tests/e2e tests/interop
DATABASE_URL_SERVE ?= postgres://postgres@127.0.0.1:5432/clearroom_serve
CELERY_BROKER_URL_SERVE ?= redis://127.0.0.1:6379/14

.PHONY: run serve test test-sqlite lint format bench services chromium install install-dev clean FORCE

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }

# An installation without the console script is not one (e.g. installed by an older Makefile).
ifeq ($(wildcard $(VENV)/bin/clearroom-verify),)
$(RUNTIME_STAMP): FORCE
endif
# pip's output (and setuptools' notice about editable installs) goes to a log, shown on failure.
$(RUNTIME_STAMP): pyproject.toml | $(PY)
	@echo "Installing Clearroom and its runtime dependencies (log: $(VENV)/install.log)"
	@$(PY) -m pip install --quiet -e . > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

$(DEV_STAMP): $(RUNTIME_STAMP)
	@echo "Installing the development tools (log: $(VENV)/install.log)"
	@$(PY) -m pip install --quiet -e '.[dev]' > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

install: $(RUNTIME_STAMP)
install-dev: $(DEV_STAMP)

# The embedded demo: SQLite under var/, generated secrets and keys, eager Celery, DEBUG on.
run: export DEBUG = 1
run: export CLEARROOM_DEMO = 1
run: export DATABASE_URL = sqlite:///$(CURDIR)/var/clearroom.sqlite3
run: export CELERY_BROKER_URL =
run: $(RUNTIME_STAMP)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@bash scripts/run_demo.sh $(PY) $(HOST) $(PORT) $(SSO_PORT)

# The production shape, locally: gunicorn, a Celery worker and beat, on PostgreSQL and Redis,
# DEBUG off (scripts/serve.sh; SEED_DEMO=1 seeds the demo data first).
serve: export DATABASE_URL = $(DATABASE_URL_SERVE)
serve: export CELERY_BROKER_URL = $(CELERY_BROKER_URL_SERVE)
serve: $(RUNTIME_STAMP) services
	@bash scripts/serve.sh $(HOST) $(PORT)

services:
	@bash scripts/ensure-services.sh

chromium:
	@bash scripts/ensure-chromium.sh

# The whole suite on PostgreSQL, then the demo paths on SQLite (only the PostgreSQL run when
# PYTEST_ARGS picks tests).
test: export DATABASE_URL = $(DATABASE_URL_TEST)
test: export CELERY_TEST_BROKER_URL = $(CELERY_BROKER_URL_TEST)
test: export CLEARROOM_GENERATE_SECRETS = 1
test: $(DEV_STAMP) services chromium
	$(PY) -m pytest $(PYTEST_ARGS)
	$(if $(PYTEST_ARGS),,$(MAKE) --no-print-directory test-sqlite)

# The browser journeys, the OASIS interop suite and the crawl of the seeded demo, on SQLite
# (the test database is in memory; `make run`'s var/clearroom.sqlite3 is not touched).
test-sqlite: export DATABASE_URL = sqlite:///$(CURDIR)/var/test-sqlite.sqlite3
test-sqlite: export CELERY_TEST_BROKER_URL = $(CELERY_BROKER_URL_TEST)
test-sqlite: export CLEARROOM_GENERATE_SECRETS = 1
test-sqlite: $(DEV_STAMP) services chromium
	$(PY) -m pytest $(SQLITE_TEST_PATHS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(DEV_STAMP) services
	$(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf var/clearroom.sqlite3 var/staticfiles var/exports

FORCE:
