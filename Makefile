# Two commands matter: `make run` (the observatory on http://localhost:8501) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
RAW    ?= data/raw
WAREHOUSE ?= data/curated/warehouse.duckdb
SCALE  ?= demo
SEED   ?= 42
PORT   ?= 8501

.PHONY: run test test-fast data warehouse serve bench lint lock clean help

help:
	@echo "make run       - install, generate the demo ecosystem (if data/raw is empty), build, serve the dashboard"
	@echo "make test      - install and run the whole test suite (tiers unit, build and browser)"
	@echo "make test-fast - install and run the unit tier only (pytest -m unit: no warehouse, no browser)"
	@echo "make bench     - time generate + build at SCALE=$(SCALE) (rows/s, peak memory)"
	@echo "make lint      - ruff"

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
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

run: warehouse serve

test: $(STAMP)
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q -m unit

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py --scale $(SCALE) --seed $(SEED)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-pin dependencies after editing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
