# Clinic: the two commands are `make run` and `make test`. Both create the
# virtual environment and install the pinned requirements when needed.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000

BIN := $(VENV)/bin
# Touched after a successful install: reinstall only when requirements.txt changes.
STAMP := $(VENV)/.requirements-installed

.DEFAULT_GOAL := help
.PHONY: help run test lint test-production prod

help:
	@echo "make run   - set up, migrate, seed demo data, print a login, serve on http://$(HOST):$(PORT)/"
	@echo "make test  - set up and run the whole test suite"
	@echo "make lint  - set up and run ruff (lint, import order) and mypy; configured in pyproject.toml"
	@echo "make test-production - the suite again on local PostgreSQL + Redis with a real Celery worker"
	@echo "make prod  - web (pages and API on WSGI threads, live updates on ASGI, one port), worker and beat"
	@echo "             against DATABASE_URL and CELERY_BROKER_URL"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	touch $@

# The embedded mode: SQLite file beside manage.py, Celery tasks run in-process.
# Open live-update streams (SSE) never end by themselves: Ctrl-C gives them 3 s.
run: export DEBUG ?= 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py demo_login --url http://$(HOST):$(PORT)/
	$(BIN)/uvicorn clinic.asgi:application --host $(HOST) --port $(PORT) --lifespan off --timeout-graceful-shutdown 3

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Production mode against local services; each run gets its own database and
# queue, so runs on one machine never collide.
PROD_DATABASE ?= postgres://127.0.0.1:5432
PROD_BROKER ?= redis://127.0.0.1:6379/0
test-production: $(STAMP)
	run=$$(date +%s)_$$$$; \
	DATABASE_URL=$(PROD_DATABASE)/clinic_$$run CELERY_BROKER_URL=$(PROD_BROKER) CLINIC_QUEUE=clinic-test-$$run \
	$(MAKE) --no-print-directory test

prod: $(STAMP)
	VENV=$(VENV) HOST=$(HOST) PORT=$(PORT) scripts/serve-production

# Benchmarks (bench/, README "Benchmarks"). `make bench` runs the quick preset on
# SQLite and on the PostgreSQL server at BENCH_DATABASE (a database of its own is
# created there and dropped; skipped if the server is not reachable);
# `make bench SIZE=full` the full preset. `make bench-lag` measures projection lag
# over HTTP with 1 and 2 Celery workers (needs that PostgreSQL and BENCH_BROKER).
# `make bench-http` loads web stacks over the wire (bench/http.py; STACKS= picks them,
# e.g. STACKS=deployed,wsgi,floor,gthread,uvicorn-asgi).
SIZE ?= quick
BENCH_DATABASE ?= $(or $(DATABASE_URL),postgres://127.0.0.1:5432/postgres)
BENCH_BROKER ?= $(or $(CELERY_BROKER_URL),redis://127.0.0.1:6379/0)
BENCH_STAMP := $(VENV)/.bench-requirements-installed
STACKS ?= deployed,wsgi,floor
.PHONY: bench bench-lag bench-shadow bench-http

$(BENCH_STAMP): bench/requirements.txt $(STAMP)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r bench/requirements.txt
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench --preset $(SIZE) --database-url $(BENCH_DATABASE)

bench-http: $(BENCH_STAMP)
	$(BIN)/python -m bench.http --preset $(SIZE) --database-url $(BENCH_DATABASE) --stacks $(STACKS)

bench-lag: $(BENCH_STAMP)
	$(BIN)/python -m bench.lag --database-url $(BENCH_DATABASE) --redis-url $(BENCH_BROKER)

# A shadow rebuild of 1,000,000 events while web, worker and beat serve a load.
bench-shadow: $(BENCH_STAMP)
	$(BIN)/python -m bench.shadow --database-url $(BENCH_DATABASE) --redis-url $(BENCH_BROKER) --verify
