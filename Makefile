# Mobicase — everyday commands. `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SIZE ?= small
SEED ?= 42
# PostgreSQL for `make test-postgres`: a local role with CREATEDB (the tests create test_$(PG_DB)).
PG_USER ?= mobicase
PG_PASSWORD ?= mobicase
PG_DB ?= mobicase
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
POSTGRES_URL ?= postgres://$(PG_USER):$(PG_PASSWORD)@$(PG_HOST):$(PG_PORT)/$(PG_DB)
# Commands run as root here (CI, containers) and through sudo on a workstation.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AS_POSTGRES := $(if $(SUDO),sudo -u postgres,runuser -u postgres --)

# A Python >= 3.12: python3.13, python3.12, python3, then pyenv's interpreters.
PYTHON ?= $(shell \
  for candidate in python3.13 python3.12 python3; do \
    if command -v $$candidate >/dev/null 2>&1 && $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
      command -v $$candidate; exit 0; fi; \
  done; \
  if command -v pyenv >/dev/null 2>&1; then \
    for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]' | sort -rV); do \
      candidate="$$(pyenv root)/versions/$$v/bin/python3"; \
      if [ -x "$$candidate" ]; then echo "$$candidate"; exit 0; fi; \
    done; \
  fi; \
  for candidate in $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
    if [ -x "$$candidate" ]; then echo "$$candidate"; exit 0; fi; \
  done)

.PHONY: help install demo serve migrate seed test test-security test-postgres postgres quality format bench clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python >= 3.12 introuvable : installez python3.12 ou python3.13." >&2; exit 1; fi
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip
	$(VENV_PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the dependencies

migrate: install ## Apply the database migrations and create the cache table (rate limits)
	$(VENV_PY) manage.py migrate --noinput
	$(VENV_PY) manage.py createcachetable

seed: migrate ## Load territories and demo data (SIZE=small|large, SEED=N)
	$(VENV_PY) manage.py load_territories
	$(VENV_PY) manage.py seed_demo --size $(SIZE) --seed $(SEED) --logins-json demo-logins.json

demo: seed ## Install, migrate, seed, print the demo logins and serve on 127.0.0.1:8000
	@$(VENV_PY) manage.py demo_logins demo-logins.json
	@echo "Mobicase : http://$(HOST):$(PORT)/ (tâches de fond : var/worker.log)"
	@mkdir -p var
	@DEBUG=1 $(VENV_PY) manage.py db_worker --no-reload > var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  DEBUG=1 $(VENV_PY) manage.py runserver $(HOST):$(PORT)

serve: install ## Serve the current database on 127.0.0.1:8000
	DEBUG=1 $(VENV_PY) manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole test suite (DATABASE_URL=postgres://… for PostgreSQL)
	$(VENV_PY) -m pytest -n auto --dist loadfile -q $(PYTEST_ARGS)

test-security: install ## Tenant isolation suite and API fuzzing only (also part of `make test`)
	$(VENV_PY) -m pytest -n 2 --dist loadfile -q tests/security $(PYTEST_ARGS)

postgres: ## Start the local PostgreSQL server, create the role and database (idempotent)
	@command -v pg_isready >/dev/null || { echo "PostgreSQL introuvable : installez les paquets postgresql et postgresql-contrib." >&2; exit 1; }
	@pg_isready -q -h $(PG_HOST) -p $(PG_PORT) || $(SUDO) service postgresql start
	@pg_isready -q -h $(PG_HOST) -p $(PG_PORT) -t 30 || { echo "PostgreSQL ne répond pas sur $(PG_HOST):$(PG_PORT)." >&2; exit 1; }
	@cd /tmp && $(AS_POSTGRES) psql -q -v ON_ERROR_STOP=1 -d postgres -c "DO \$$\$$ BEGIN \
	  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$(PG_USER)') THEN \
	    CREATE ROLE \"$(PG_USER)\" LOGIN CREATEDB PASSWORD '$(PG_PASSWORD)'; \
	  ELSE ALTER ROLE \"$(PG_USER)\" LOGIN CREATEDB PASSWORD '$(PG_PASSWORD)'; END IF; END \$$\$$;"
	@cd /tmp && $(AS_POSTGRES) psql -tA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$(PG_DB)'" | grep -q 1 \
	  || (cd /tmp && $(AS_POSTGRES) createdb -O $(PG_USER) $(PG_DB))
	@echo "PostgreSQL prêt : rôle $(PG_USER) (CREATEDB), base $(PG_DB) sur $(PG_HOST):$(PG_PORT)."

test-postgres: install postgres ## Run the whole test suite on the local PostgreSQL (see PG_* variables)
	@$(VENV_PY) -c "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=10).close(); print('psycopg se connecte à PostgreSQL.')" "$(POSTGRES_URL)"
	DATABASE_URL=$(POSTGRES_URL) $(MAKE) --no-print-directory test

quality: install ## Lint, format check, migrations check, template lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV_PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/djlint templates --lint

format: install ## Format the code and templates
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

BENCH_DATABASE_URL ?= sqlite:///$(CURDIR)/var/bench.sqlite3
BENCH_ENV := DATABASE_URL=$(BENCH_DATABASE_URL) SECURE_SSL_REDIRECT=0 DEBUG=0

bench: install ## Benchmarks on a large seed in var/bench.sqlite3 (median, p95, queries)
	@mkdir -p var
	$(BENCH_ENV) $(VENV_PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(VENV_PY) manage.py createcachetable
	@if ! $(BENCH_ENV) $(VENV_PY) manage.py shell -c "from cases.models import Case; import sys; sys.exit(Case.objects.count() < 50000)" 2>/dev/null; then \
	  echo "Données volumineuses absentes : seed_demo --size large (plusieurs minutes, une seule fois)…"; \
	  $(BENCH_ENV) $(VENV_PY) manage.py load_territories && \
	  $(BENCH_ENV) $(VENV_PY) manage.py seed_demo --size large --seed 1; \
	fi
	$(BENCH_ENV) $(VENV_PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) $(VENV_PY) manage.py run_benchmarks --json var/bench-results.json

clean: ## Remove the virtualenv, the demo database and collected files
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles demo-logins.json
