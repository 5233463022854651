# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install install-test run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[local]'

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet -e examples/mrp-plugin-example
	@# the OpenID provider and axe-core the tests run, from package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	 else echo "npm not found: the sign-in and accessibility tests will be skipped"; fi

## make run: install, migrate, load demo data, start a local IMAP server with the poller,
## mail in sample reports, and serve the API and dashboard on SQLite
run: install
	$(BIN)/mrp local --host $(HOST) --port $(PORT)

## make test: install with test extras, lint, check the layers, and run the whole suite
test: install-test
	$(BIN)/ruff check service tests bench examples
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check service tests bench examples
	$(BIN)/lint-imports
	$(BIN)/ruff format --check service tests bench examples

bench: install-test
	$(BIN)/python bench/api.py
	$(BIN)/python bench/validation.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/intake_workers.py

clean:
	rm -rf $(VENV) instance .pytest_cache
