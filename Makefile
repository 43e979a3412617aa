# resbot: `make serve` and `make test` work on a fresh machine; both build on `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install install-test serve test lint typecheck pytest eval check clean system-deps bench bench-deps chaos

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install-test: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# System packages the test suite drives for real (installed when missing; in CI a missing
# one is a failure, never a skip).
system-deps:
	@bash .ci/system-deps
	@bash .ci/browser-deps

serve: install
	$(BIN)/resbot serve --host $(HOST) --port $(PORT)

check: install
	$(BIN)/resbot check

lint: install-test
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests

typecheck: install-test
	$(BIN)/mypy

pytest: install-test system-deps
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

eval: install
	$(BIN)/resbot eval ../shared/eval/dev.yaml

# `make bench`: latency, cold start, scale and HTTP figures beside their targets (issue 6).
# BENCH_ARGS passes options through, e.g. BENCH_ARGS="--sizes 100,1000 --skip http --json".
BENCH_ARGS ?=

bench: install bench-deps
	$(BIN)/resbot bench $(BENCH_ARGS)

# wrk (Debian package) when missing, and the Python packages the bench imports.
bench-deps: install
	@command -v wrk >/dev/null 2>&1 || RESBOT_SYSTEM_DEPS="wrk:wrk" bash .ci/system-deps
	@$(BIN)/python -c "import bm25s, tqdm, pyinstrument" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -e '.[bench]'

# `make chaos`: Redis frozen, killed and restarted with its data, then restarted empty, under
# two `resbot serve` processes and 40 senders; prints failed requests, wrong-context and
# lost-context answers (docs/hardening.md). Bounded: about 30 s of load, 60,000 requests at most,
# a private redis-server, 127.0.0.1 only. CHAOS_ARGS passes options, e.g. "--scale 2 --json".
CHAOS_ARGS ?=

chaos: install-test system-deps
	$(BIN)/python -m tests.ops.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts
