# resbot: `make serve` and `make test` work on a fresh machine; both build on `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install install-test serve test test-fast lint typecheck pytest eval check clean \
	system-deps bench bench-deps chaos

# pip's own output goes to $(LOG), shown only when an install fails.
LOG := $(VENV)/install.log
PIP := $(BIN)/python -m pip install --disable-pip-version-check

install: $(STAMP)

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "make: installing resbot and its dependencies into $(VENV) (log: $(LOG))"
	@{ $(PIP) --upgrade pip && $(PIP) -e .; } > $(LOG) 2>&1 || { tail -n 40 $(LOG); exit 1; }
	@touch $@

install-test: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP) pyproject.toml
	@echo "make: installing the test tools into $(VENV) (log: $(LOG))"
	@$(PIP) -e '.[test]' >> $(LOG) 2>&1 || { tail -n 40 $(LOG); exit 1; }
	@touch $@

# System packages the test suite drives for real (installed when missing; in CI a missing
# one is a failure, never a skip).
system-deps:
	@bash .ci/system-deps
	@bash .ci/browser-deps

serve: install
	@echo "make: serving knowledge/ and intents/ with in-memory sessions. Try:"
	@echo "  the widget   http://$(HOST):$(PORT)/demo      the FAQ  http://$(HOST):$(PORT)/faq"
	@echo "  the API      curl -s http://$(HOST):$(PORT)/api/ask -H 'Content-Type: application/json' \\"
	@echo "                 -d '{\"sender\":\"me\",\"message\":\"What does the resolution urge States to do?\"}'"
	@echo "  Ctrl-C stops the server."
	@$(BIN)/resbot serve --host $(HOST) --port $(PORT)

check: install
	$(BIN)/resbot check

lint: install-test
	@echo "make: ruff (lint and format)"
	@$(BIN)/ruff check bot tests
	@$(BIN)/ruff format --check bot tests

typecheck: install-test
	@echo "make: mypy (strict on bot/core)"
	@$(BIN)/mypy

pytest: install-test system-deps
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

# The edit loop: everything but the tests that start processes, browsers or redis-server.
test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow"

# The shipped evaluation sets (tests/fixtures/eval): dev.yaml on knowledge/, then the held-out
# sets, each with the resolutions its `document:`/`documents:` names loaded (set:file,file...).
EVAL := tests/fixtures/eval
EVAL_SETS := icc_73_7:A_RES_73_7 space_73_6:A_RES_73_6 cuba_73_8:A_RES_73_8 \
	heldout_multi:A_RES_71_194,A_RES_73_3,A_RES_51_100 \
	heldout_four:A_RES_71_194,A_RES_73_6,A_RES_73_7,A_RES_73_8 \
	heldout_fresh:A_RES_71_194,A_RES_73_3,A_RES_51_100,A_RES_73_6,A_RES_73_7,A_RES_73_8 \
	heldout_51_100:A_RES_51_100 heldout_73_3:A_RES_73_3 \
	heldout_lay:A_RES_71_194,A_RES_73_6,A_RES_73_7,A_RES_73_8 heldout_tb_plain:A_RES_73_3 \
	heldout_plain_four:A_RES_71_194,A_RES_73_6,A_RES_73_7,A_RES_73_8 \
	heldout_lists:A_RES_73_3,A_RES_51_100,A_RES_72_999 heldout_asks:A_RES_73_3 heldout_ramble:A_RES_73_3 \
	heldout_round6:A_RES_71_194,A_RES_73_3,A_RES_51_100,A_RES_73_6,A_RES_73_7,A_RES_73_8
eval: install
	@echo "== $(EVAL)/dev.yaml (knowledge/)"
	@$(BIN)/resbot eval $(EVAL)/dev.yaml
	@set -e; for set in $(EVAL_SETS); do \
		name=$${set%%:*}; files=$${set#*:}; dir=$$(mktemp -d); \
		for doc in $$(echo $$files | tr , ' '); do \
			cp $$(ls tests/fixtures/resolutions/$$doc.txt tests/fixtures/layout/$$doc.txt knowledge/$$doc.txt 2>/dev/null | head -n 1) $$dir/; \
		done; \
		echo "== $(EVAL)/$$name.yaml ($$files)"; \
		$(BIN)/resbot --knowledge $$dir eval $(EVAL)/$$name.yaml | sed -n '/^kind/,/^$$/p'; \
		rm -rf $$dir; \
	done

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
	$(BIN)/python -m pytest -q -m chaos

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts
