# Soprovod — the front door. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run run-fakes test lint format bench load messages install install-test static clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

$(BIN)/.installed-bench: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed node_modules/.installed ## Create .venv and install Soprovod with its front-end packages

run: install ## Migrate, load demo data when empty, serve on http://127.0.0.1:8000 with the background worker
	$(BIN)/soprovod migrate --noinput
	$(BIN)/soprovod demo --if-empty
	$(BIN)/soprovod serve --host $(HOST) --port $(PORT)

run-fakes: install ## Like run, against a local fake Bitrix24 and a fake Telegram with a chat page (prints where to go)
	$(BIN)/soprovod migrate --noinput
	$(BIN)/soprovod demo --with-fakes --host $(HOST) --port $(PORT)

test: install ## Install what tests need and run the whole suite
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install ## ruff check + format check + the import-layers contract (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install ## Reformat the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(BIN)/.installed-bench ## Benchmarks: one line each, NAME: ratio against a baseline measured in the same run
	@for b in bench/[a-z]*.py; do [ $$b = bench/load.py ] || $(BIN)/python $$b || exit 1; done

load: $(BIN)/.installed-bench ## Load test: 75 people on gunicorn + PostgreSQL, 1M tickets (LOAD_ARGS='--tickets 50000 --duration 60')
	$(BIN)/python bench/load.py $(LOAD_ARGS)

messages: install ## Refresh the translation catalogues (needs GNU gettext)
	cd soprovod && DEBUG=1 ../$(BIN)/python ../manage.py makemessages -l ru -l en --no-location --ignore 'lib/*' --ignore '*/tests/*'
	cd soprovod && DEBUG=1 ../$(BIN)/python ../manage.py compilemessages

clean: ## Remove the virtualenv, node_modules and local data (var/)
	rm -rf $(VENV) node_modules var
