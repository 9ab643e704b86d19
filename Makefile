# Two commands matter: `make run` (the observatory on http://localhost:8501) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
RAW    ?= data/raw
WAREHOUSE ?= data/curated/warehouse.duckdb
RELEASES ?= data/releases
SCALE  ?= demo
SEED   ?= 42
PORT   ?= 8501
API_PORT ?= 8000

.PHONY: run test test-fast data warehouse release serve api bench lint lock clean help

help:
	@echo "make run       - install, generate the demo ecosystem (if data/raw is empty), build, write the data"
	@echo "                 release of the build (mco export: the Data downloads page), serve the dashboard"
	@echo "make release   - write the public data release of the current warehouse into $(RELEASES)"
	@echo "make test      - install and run the whole test suite (tiers unit, build and browser) on every core"
	@echo "make test-fast - install and run the unit tier only (pytest -m unit: no warehouse, no browser)"
	@echo "make api       - serve the read-only open-data API on http://127.0.0.1:$(API_PORT) (docs at /docs)"
	@echo "make bench     - time generate + build at SCALE=$(SCALE) (rows/s, peak memory)"
	@echo "make lint      - ruff, and the import layers (lint-imports)"

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	@# setuptools cautions about every editable install (a box of text, not an error): silenced
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

data: $(STAMP)
	@if ls $(RAW)/*.csv >/dev/null 2>&1 || ls $(RAW)/*/ >/dev/null 2>&1; then \
		echo "$(RAW) already holds deliveries: not generating."; \
	else \
		$(BIN)/mco generate --scale $(SCALE) --seed $(SEED) --out $(RAW); \
	fi

warehouse: data
	$(BIN)/mco build --raw $(RAW) --warehouse $(WAREHOUSE)

serve: $(STAMP)
	MCO_WAREHOUSE=$(WAREHOUSE) $(BIN)/streamlit run dashboard/app.py --server.address 127.0.0.1 \
		--server.port $(PORT) --server.headless true --browser.gatherUsageStats false

api: $(STAMP)
	$(BIN)/mco api --warehouse $(WAREHOUSE) --port $(API_PORT)

# The release of the build just made, so the Data downloads page has it (the same build gives the same
# release, byte for byte: running it again rewrites identical files).
release: $(STAMP)
	$(BIN)/mco export --warehouse $(WAREHOUSE) --out $(RELEASES)

run: warehouse release serve

# Tests run on every core (pytest-xdist; TEST_WORKERS=0 runs them in one process): tests that share a
# fixture stay on one worker, the session's warehouses are built once per run whatever the number of
# workers (tests/scheduling.py, tests/conftest.py).
TEST_WORKERS ?= auto

test: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS)

test-fast: $(STAMP)
	$(BIN)/pytest -q -m unit -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py --scale $(SCALE) --seed $(SEED)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Re-pin dependencies after editing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
