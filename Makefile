# The two commands a newcomer needs: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install build serve test lint types pytest bench clean a11y

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' pytest ruff mypy
	touch $(STAMP)

build: install
	$(BIN)/blog build

serve: build
	@echo "Serving Intrablog at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/blog serve --host $(HOST) --port $(PORT)

pytest: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy

# Everything CI checks. pytest exits 5 when it collects no tests, which fails here too.
test: pytest lint types

clean:
	rm -rf output .pytest_cache .mypy_cache .ruff_cache

# The speed benchmark (not part of `make test`): plain Pelican vs Intrablog, one table.
# BENCH_POSTS=1000 make bench for a quicker run; BENCH_DIR holds the corpus and builds.
bench: install
	$(BIN)/python bench/run.py

# Only the search service part of the benchmark (reuses the Intrablog build in BENCH_DIR).
bench-search: install
	$(BIN)/python bench/run.py --search-only

# Access log reader (blog stats): time and peak memory on generated logs; SIZES in MB.
.PHONY: bench-stats
SIZES ?= 50 500
bench-stats: install
	$(BIN)/python bench/stats_bench.py --sizes $(SIZES)

# Accessibility (not part of `make test`: needs Chromium and the npm registry).
# Builds the sample, serves it on A11Y_PORT and runs axe-core on every kind of page.
A11Y_PORT ?= 8765
A11Y_PAGES ?= / /posts/2026/zero-downtime-postgres-migrations-part-1/ /people/ /people/ana-lopez/ \
	/teams/ /teams/storage/ /experts/ /stats/ /stats/storage/ /search?q=postgres /search?q=zzzzqqq \
	/tags/ /tags/postgres/ /archives/ /archives/2025/ /categories/ /pages/writing-guide/ /no-such-page
a11y: build
	cd a11y && npm install --silent --no-save axe-core playwright-core
	$(BIN)/blog serve --port $(A11Y_PORT) & pid=$$!; sleep 2; \
	node a11y/axe-check.js http://127.0.0.1:$(A11Y_PORT) $(A11Y_PAGES); status=$$?; kill $$pid; exit $$status
