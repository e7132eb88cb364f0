# groundswell — every set-up step lives here, so `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ASSET := src/groundswell/report/assets/map.js
DASHBOARD := src/groundswell/web/static/dashboard.js

.PHONY: all setup assets demo test lint docs wheel-check bench bench-quick lock clean

all: setup

setup: $(VENV)/.installed $(ASSET) $(DASHBOARD)

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

# one build writes both bundles (the report's map and the dashboard)
$(ASSET) $(DASHBOARD) &: frontend/node_modules/.package-lock.json frontend/build.mjs $(wildcard frontend/src/*)
	cd frontend && npm run --silent build

assets: $(ASSET) $(DASHBOARD)

demo: setup
	$(BIN)/groundswell demo

test: setup
	$(BIN)/python -m pytest -n 2 -q

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/groundswell

# The documentation site (user guide, API reference from the docstrings, CLI reference from
# the commands, gallery) in site/; strict: any warning fails the build.
docs: setup
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --strict --quiet --site-dir site

# The wheel and sdist as a user gets them, installed without node (see .ci/wheel-check).
wheel-check: setup
	bash .ci/wheel-check $(BIN)/python

# Every benchmark, recorded in docs/performance.md (under an hour on 2 cores; bench/scale.py
# writes 1.6 GiB of Parquet under bench/out and lets DuckDB use 3 GB, spilling beyond).
bench: setup
	$(BIN)/python bench/aggregate.py --write docs/performance.md
	$(BIN)/python bench/mbox.py --write docs/performance.md
	$(BIN)/python bench/slack.py --write docs/performance.md
	$(BIN)/python bench/constraint.py --write docs/performance.md
	$(BIN)/python bench/analysis.py --write docs/performance.md
	$(BIN)/python bench/diffusion.py --write docs/performance.md
	$(BIN)/python bench/scale.py --write docs/performance.md
	$(BIN)/python bench/dashboard.py --write docs/performance.md
	$(BIN)/python bench/timeline.py --write docs/performance.md

# The same benchmarks at small sizes (a few minutes), written to bench/out/performance-quick.md
# so the documented full-size figures stay as measured.
QUICK := bench/out/performance-quick.md
bench-quick: setup
	mkdir -p bench/out
	$(BIN)/python bench/aggregate.py --quick --write $(QUICK)
	$(BIN)/python bench/mbox.py --quick --write $(QUICK)
	$(BIN)/python bench/slack.py --quick --write $(QUICK)
	$(BIN)/python bench/constraint.py --quick --write $(QUICK)
	$(BIN)/python bench/analysis.py --quick --write $(QUICK)
	$(BIN)/python bench/diffusion.py --quick --write $(QUICK)
	$(BIN)/python bench/scale.py --quick --write $(QUICK)
	$(BIN)/python bench/dashboard.py --people 1000 --loads 1 --clients 5 --requests 5 --write $(QUICK)
	$(BIN)/python bench/timeline.py --people 2000 --months 4 --write $(QUICK)

# Re-resolve the pinned dependency set after changing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra docs --extra bench --extra spark --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) frontend/node_modules $(ASSET) $(DASHBOARD) demo .pytest_cache site dist build
