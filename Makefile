# The two commands of the README: `make run` and `make test`. Each sets up what it needs:
# a virtual environment in .venv with crudeflow and its dependencies from PyPI, and (for the
# browser tests) Debian's chromium from apt when it is missing.
# `make test` leaves out the tests marked `slow` (pyproject.toml) to stay near 10 minutes on
# two cores; `make test-slow` runs only those, `make test-all` both. CI (.ci/run) runs both.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
REPORT ?= report.html
# pytest-xdist workers: one per core (PYTEST_WORKERS=0 runs in this process, for debugging)
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS)

.PHONY: run test test-slow test-all lint typecheck install chromium clean bench bench-web fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# --force: the report of the previous `make run` is replaced (written atomically).
run: $(STAMP)
	$(BIN)/crudeflow run --report $(REPORT) --force

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

test: $(STAMP) chromium lint typecheck
	$(PYTEST) -m "not slow"

test-slow: $(STAMP) chromium
	$(PYTEST) -m slow

test-all: test test-slow

fuzz: $(STAMP)
	CRUDEFLOW_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest tests/fuzz -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/plan_bench.py

bench-web: $(STAMP)
	$(BIN)/python bench/load_web.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache out
