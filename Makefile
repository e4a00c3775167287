# Two commands do everything on a fresh machine with Python 3.11, pip and make:
#   make run    environment + demo data (if data/raw is empty) + every asset materialized
#               (nothing new since the last publication: one line, a second; FORCE_REBUILD=1
#               rebuilds anyway)
#   make test   environment + the test suite
# The environment is .venv, installed from uv.lock (exact pins) by uv, itself pinned and
# bootstrapped with pip into .tools/.

PYTHON ?= python3.11
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Dagster reads its instance settings from $$DAGSTER_HOME/dagster.yaml: the repository's
# dagster.yaml is linked there, and run history stays in .dagster_home/ (git-ignored).
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export PYTHONPATH := $(CURDIR)

.PHONY: run test check test-unit test-integration test-deploy dev demo-data env lint typecheck bench \
	clean-data help notebooks screenshots docs

help:
	@echo "make run        build the environment, generate demo data if data/raw is empty, run every asset"
	@echo "make test       build the environment and run all the tests (unit, integration, deploy)"
	@echo "make check      at every change: ruff, mypy and the unit tests (under a minute and a half)"
	@echo "make test-unit  the fast tests only (tests/unit)"
	@echo "make test-integration  whole-graph runs, nights, recovery, report, notebooks (tests/integration)"
	@echo "make test-deploy  the deployment on a throwaway PostgreSQL server (tests/deploy)"
	@echo "make dev        open the Dagster UI (http://localhost:3000) on the same definitions"
	@echo "make demo-data  (re)generate the demo files into data/raw (FORCE=1 to overwrite)"
	@echo "make bench      benchmark: BENCH_ARGS=\"--responses 1000000\" for national scale"
	@echo "make notebooks  execute the analysts' notebooks into HTML (data/marts/notebooks/)"
	@echo "make screenshots  PNGs of the report and the Dagster lineage page, PDFs of report pages, into docs/ (needs chromium)"
	@echo "make docs       regenerate docs/data_dictionary.md from the table declarations"
	@echo "make lint       ruff and mypy"
	@echo "make typecheck mypy on citizen_metrics/ and benchmarks/"

$(UV):
	@echo "Installing the environment (once)…"
	@$(PYTHON) -m venv .tools
	@.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	@$(UV) sync --locked --quiet --python $(PYTHON)
	@touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	@ln -sf ../dagster.yaml $@

env: $(VENV)/.installed $(DAGSTER_HOME)/dagster.yaml

demo-data: env
	$(PY) -m tools.demo_data --out data/raw $(if $(FORCE),--force,)

run: env
	@if [ -z "$$(find data/raw -type f ! -name README.md ! -name .gitkeep 2>/dev/null | head -1)" ]; then \
		echo "data/raw is empty: generating the demo data"; \
		$(PY) -m tools.demo_data --out data/raw > /dev/null; \
	fi
	@$(if $(FORCE_REBUILD),PIPELINE_FORCE_REBUILD=1 ,)$(PY) -m citizen_metrics.operations.night

# The tests are in three folders (tests/support.py says what goes where): unit/ (fast, no
# whole-graph run), integration/ (end-to-end runs, nights) and deploy/ (PostgreSQL).
test: env
	$(PY) -m pytest

check: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest tests/unit

test-unit: env
	$(PY) -m pytest tests/unit

test-integration: env
	$(PY) -m pytest tests/integration

test-deploy: env
	$(PY) -m pytest tests/deploy

dev: env
	$(VENV)/bin/dagster dev -w workspace.yaml

bench: env
	$(PY) -m benchmarks.benchmark $(BENCH_ARGS)

notebooks: env
	@test -f data/marts/citizen_metrics.duckdb || $(MAKE) run
	$(PY) -m citizen_metrics.publish.notebooks

screenshots: env
	@test -f data/marts/report/rapport.html || $(MAKE) run
	$(PY) -m tools.screenshots

docs: env
	$(PY) -m citizen_metrics.publish.dictionary

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

typecheck: env
	$(VENV)/bin/mypy

clean-data:
	rm -rf data/work data/marts/citizen_metrics.duckdb data/marts/exports data/marts/report \
		data/marts/notebooks data/marts/releases data/marts/current data/marts/manifest.json
