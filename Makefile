# Everything a developer types twice. `make demo` and `make test` work on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install serve migrate lint typecheck schema bench fuzz clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/bondfire db upgrade
	$(BIN)/bondfire demo
	$(BIN)/bondfire serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

serve: install
	$(BIN)/bondfire serve --host $(HOST) --port $(PORT)

migrate: install
	$(BIN)/bondfire db upgrade

lint: install
	$(BIN)/ruff check api domain search migrations tests bench
	$(BIN)/ruff format --check api domain search migrations tests bench

typecheck: install
	$(BIN)/mypy api domain search

schema: install
	$(BIN)/bondfire schema export > frontend-contract/schema.graphql

# Schema-driven fuzz and authorization sweep (CI runs the same tests with 3 fixed examples per
# root field); a long run on demand: BONDFIRE_FUZZ_EXAMPLES=5000 make fuzz
FUZZ_EXAMPLES := $(or $(BONDFIRE_FUZZ_EXAMPLES),200)
fuzz: install
	@echo "fuzz budget: $(FUZZ_EXAMPLES) generated operations per root field, fresh examples each run"
	BONDFIRE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -rA $(PYTEST_ARGS) \
		tests/hardening/test_fuzz.py tests/hardening/test_fuzz_regressions.py \
		tests/hardening/test_authorization_sweep.py

bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
