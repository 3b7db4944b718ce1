# Two commands do everything: `make run` (set up, then regenerate) and `make test`
# (set up, then run the whole test suite). `make help` lists every target.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[test,lab,dev]'
	touch $(STAMP)

.PHONY: help setup run check test lint
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv and install the project with its test, lab and dev extras

run: $(STAMP) ## set up, validate the curated data and print what it holds
	$(BIN)/tip-norway check

check: $(STAMP) ## validate the curated data only
	$(BIN)/tip-norway check

test: $(STAMP) ## set up and run the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff on the package and tests
	$(BIN)/ruff check analysis tests
