# Clearroom: `make run` serves the demo on SQLite; `make test` runs the whole suite on PostgreSQL.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/clearroom
CELERY_BROKER_URL_TEST ?= redis://127.0.0.1:6379/15

.PHONY: run test lint format bench services chromium install demo-db clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The embedded demo: SQLite under var/, generated secrets and keys, eager Celery, DEBUG on.
run: export DEBUG = 1
run: export DATABASE_URL = sqlite:///$(CURDIR)/var/clearroom.sqlite3
run: export CELERY_BROKER_URL =
run: $(STAMP)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Clearroom demo: http://$(HOST):$(PORT)/  (demo logins in README.md)"
	$(PY) manage.py runserver $(HOST):$(PORT)

services:
	@bash scripts/ensure-services.sh

chromium:
	@bash scripts/ensure-chromium.sh

test: export DATABASE_URL = $(DATABASE_URL_TEST)
test: export CELERY_TEST_BROKER_URL = $(CELERY_BROKER_URL_TEST)
test: export CLEARROOM_GENERATE_SECRETS = 1
test: $(STAMP) services chromium
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP) services
	$(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf var/clearroom.sqlite3 var/staticfiles var/exports
