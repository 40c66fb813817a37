# Two commands: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test e2e lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/overseer demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

# Conformance against the real Claude Code and Codex CLI (tests/e2e, pinned versions installed
# from npm into ~/.cache/overseer-e2e; skipped with the reason when npm or the registry is not
# reachable). `make test` runs them too.
e2e: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m e2e tests/e2e

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
