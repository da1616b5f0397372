# Mobicase — everyday commands. `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SIZE ?= small
SEED ?= 42

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

.PHONY: help install demo serve migrate seed test test-postgres quality format bench clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python >= 3.12 introuvable : installez python3.12 ou python3.13." >&2; exit 1; fi
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip
	$(VENV_PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the dependencies

migrate: install ## Apply the database migrations
	$(VENV_PY) manage.py migrate --noinput

seed: migrate ## Load territories and demo data (SIZE=small|large, SEED=N)
	$(VENV_PY) manage.py load_territories
	$(VENV_PY) manage.py seed_demo --size $(SIZE) --seed $(SEED) --logins-json demo-logins.json

demo: seed ## Install, migrate, seed, print the demo logins and serve on 127.0.0.1:8000
	@$(VENV_PY) manage.py demo_logins demo-logins.json
	@echo "Mobicase : http://$(HOST):$(PORT)/"
	DEBUG=1 $(VENV_PY) manage.py runserver $(HOST):$(PORT)

serve: install ## Serve the current database on 127.0.0.1:8000
	DEBUG=1 $(VENV_PY) manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole test suite (DATABASE_URL=postgres://… for PostgreSQL)
	$(VENV_PY) -m pytest -n auto --dist loadfile -q $(PYTEST_ARGS)

quality: install ## Lint, format check, migrations check, template lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV_PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/djlint templates --lint

format: install ## Format the code and templates
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## Benchmarks on a large seed (figures printed)
	$(VENV_PY) manage.py run_benchmarks

clean: ## Remove the virtualenv, the demo database and collected files
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles demo-logins.json
