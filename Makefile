# Two commands do everything: `make run` (set up, then regenerate) and `make test`
# (set up, then run the whole test suite). `make help` lists every target.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

UV := $(BIN)/uv
# uv.lock's entry for uv itself, as a pip requirement with the hashes of its files
UV_REQUIREMENT := import tomllib; uv = next(p for p in tomllib.load(open("uv.lock", "rb"))["package"] if p["name"] == "uv"); \
	print("uv==" + uv["version"], *("--hash=" + f["hash"] for f in [*uv["wheels"], uv["sdist"]]))

# uv, bootstrapped with the standard library's venv and pip at the version and hashes uv.lock holds for it;
# `uv sync` then keeps it (it is in the dev extra) and removes pip.
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(PYTHON) -c '$(UV_REQUIREMENT)' > $(VENV)/uv-requirement.txt
	$(BIN)/python -m pip install --quiet --quiet --require-hashes --requirement $(VENV)/uv-requirement.txt

# Exactly uv.lock (packages not in it are removed), with the project editable and every extra; --locked
# stops when uv.lock was not made from this pyproject.toml. uv's message then says to run `uv lock`; the
# project's way is `make lock` (the uv that uv.lock pins), so the message is made to say that.
$(STAMP): uv.lock pyproject.toml | $(UV)
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --all-extras --compile-bytecode --quiet 2>$(VENV)/sync.log; \
	status=$$?; sed 's/run `uv lock`/run `make lock`, then `make setup` again/' $(VENV)/sync.log >&2; exit $$status
	touch $(STAMP)

.PHONY: help setup lock run report check extract list refresh lab test test-fast coverage lint bench
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv and install exactly uv.lock: the project with its test, lab and dev extras

lock: | $(UV) ## update uv.lock after editing pyproject.toml's dependencies (locked versions that still fit are kept; `make setup` then installs it)
	$(UV) lock

run: $(STAMP) ## set up, then regenerate the figures whose inputs changed, validating the data first (the scheduled job)
	$(BIN)/tip-norway run

report: $(STAMP) ## build the report site in output/site/ from the last published run (after `make run`; executes nothing)
	$(BIN)/tip-norway report

check: $(STAMP) ## validate the curated data only
	$(BIN)/tip-norway check

extract: $(STAMP) ## read the GLOTIP workbooks and World Bank files in data/raw/ into data/processed/ (deterministic)
	$(BIN)/tip-norway extract

list: $(STAMP) ## show the notebooks and their parameters
	$(BIN)/tip-norway list

refresh: $(STAMP) ## rerun every notebook and rewrite its committed reference outputs (after an edit)
	$(BIN)/tip-norway refresh

lab: $(STAMP) ## open JupyterLab on notebooks/ with the project's environment as the python3 kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(STAMP) ## time regeneration against the papermill CLI and the kernel floor, the test suite and its parts, and the report build; write the tables of docs/speed.md and docs/report.md
	$(BIN)/python benchmarks/bench_regenerate.py
	$(BIN)/python benchmarks/bench_suite.py
	$(BIN)/python benchmarks/bench_report.py

test: $(STAMP) ## set up and run the whole test suite
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## the edit-and-test loop: the tests that start no kernel, no browser and take under a second, one worker a core
	$(BIN)/python -m pytest -p no:nbval -o addopts="-ra" -n auto --dist loadfile -m "not kernel and not browser and not slow" tests

coverage: $(STAMP) ## the whole suite with coverage of analysis/, its subprocesses and kernels included: the lines missed, failing under 90 %
	$(BIN)/python -m pytest --cov=analysis --cov-report=term-missing:skip-covered --cov-fail-under=90

lint: $(STAMP) ## ruff on the package, tests, benchmarks and notebooks
	$(BIN)/ruff check analysis tests benchmarks notebooks
