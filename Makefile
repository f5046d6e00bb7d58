# yiwang: a few verbs. `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
# Use uv from PATH, else the one pip installs as a module.
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
DEMO_DIR ?= var/demo

.PHONY: install browser demo airflow test lint format bench clean help bi bi-env

help:  ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.venv/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

# The scripts and styles GX's data docs load from CDNs, pinned (quality/data_docs.py serves them locally).
DOCS_ASSETS := quality/data_docs_assets
$(DOCS_ASSETS)/node_modules/.package-lock.json: $(DOCS_ASSETS)/package.json $(DOCS_ASSETS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix $(DOCS_ASSETS) --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else echo "npm not found: the data docs will load their scripts from CDNs (install Node.js for offline data docs)"; fi

install: .venv/.installed $(DOCS_ASSETS)/node_modules/.package-lock.json  ## create .venv from the lock file (uv) and the data docs' assets (npm)

# The run report's test opens the report in Debian's headless Chromium; without a CJK font every
# Chinese label renders as a box, so the font comes with the browser.
CHROMIUM := $(shell command -v chromium 2>/dev/null)
CJK_FONT := $(shell fc-list :lang=zh 2>/dev/null | head -1)
BROWSER_PACKAGES := chromium fonts-noto-cjk
browser:  ## install Debian's chromium and the Noto CJK font for the report test (needs root or sudo)
ifeq ($(and $(CHROMIUM),$(CJK_FONT)),)
	@echo "installing Debian's $(BROWSER_PACKAGES) for the report test"
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; fi
endif

demo: install  ## simulate a tiny city and run the whole pipeline on embedded defaults
	$(UV) run --frozen yiwang demo --out $(DEMO_DIR)

AIRFLOW_PORT ?= 8080
airflow: install  ## the Airflow UI (api-server, scheduler, dag-processor) on YIWANG_HOME, else the demo workspace; Ctrl-C stops it
	$(UV) run --frozen yiwang airflow --home $(or $(YIWANG_HOME),$(DEMO_DIR)) --port $(AIRFLOW_PORT)

test: install browser bi-env  ## lint and run the test suite
	$(UV) run --frozen ruff check .
	$(UV) run --frozen pytest -n 2 --dist loadgroup

lint: install  ## ruff check and format check
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format: install  ## apply ruff formatting and fixes
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

bench: install  ## run the benchmarks under bench/ (slow; city scale)
	$(UV) run --frozen python -m bench

# Superset in its own virtualenv (.venv-bi), pinned by docker/superset/requirements.txt, never in
# yiwang's uv.lock. `make bi` serves it on the published PostgreSQL warehouse (docs/bi.md).
.venv-bi/.requirements.sha256: docker/superset/requirements.txt .venv/.installed
	$(UV) run --frozen python -c "from yiwang.bi import ensure_env; ensure_env()"

bi-env: .venv-bi/.requirements.sha256  ## create Superset's own environment (.venv-bi)

bi: install bi-env  ## Apache Superset on the published PostgreSQL warehouse, read-only (docs/bi.md)
	$(UV) run --frozen python -m yiwang.bi serve $(BI_ARGS)

clean:  ## remove generated data (var/) and caches
	rm -rf var .venv-bi .pytest_cache .ruff_cache dbt_project/target dbt_project/logs $(DOCS_ASSETS)/node_modules
