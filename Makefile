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
.PHONY: help run test test-production prod

help:
	@echo "make run   - set up, migrate, seed demo data, print a login, serve on http://$(HOST):$(PORT)/"
	@echo "make test  - set up and run the whole test suite"
	@echo "make test-production - the suite again on local PostgreSQL + Redis with a real Celery worker"
	@echo "make prod  - web, worker and beat against DATABASE_URL and CELERY_BROKER_URL"

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
