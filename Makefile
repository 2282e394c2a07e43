# The two commands: `make run` (the whole system, embedded default) and `make test` (the whole suite,
# against the real PostgreSQL and RabbitMQ on this machine). Each sets itself up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PACKAGES := -e servicekit -e services/customer -e services/complaint -e services/reminder -e services/reporting -e gateway -e console
PROJECT_FILES := servicekit/pyproject.toml $(wildcard services/*/pyproject.toml) gateway/pyproject.toml console/pyproject.toml

.PHONY: run test lint bench faults clean

#: Seconds of workload and faults of `make faults` (the short run of `make test` is 30; docs/reliability.md).
DURATION ?= 30

# Each step says what it does first; pip shows what it collects and installs (the first install takes a
# minute or two: never a minute of silence).
$(BIN)/python:
	@echo "==> Creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> Upgrading pip"
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip

$(VENV)/.runtime: requirements.txt $(PROJECT_FILES) | $(BIN)/python
	@echo "==> Installing the pinned dependencies (requirements.txt) and Guanxi's packages"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -r requirements.txt $(PACKAGES)
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	@echo "==> Installing the test and lint tools (requirements-dev.txt)"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(BIN)/python deploy/local/run.py

test: $(VENV)/.dev
	@echo "==> Checking the architecture (import-linter contracts in .importlinter)"
	$(BIN)/lint-imports
	@echo "==> Checking the types (mypy, configured in mypy.ini)"
	$(BIN)/mypy
	bash deploy/local/ensure-servers.sh
	$(BIN)/pytest -n 2

lint: $(VENV)/.dev
	$(BIN)/ruff check .

bench: $(VENV)/.dev
	bash deploy/local/ensure-servers.sh
	$(BIN)/python -m bench

faults: $(VENV)/.dev
	$(BIN)/python -m tests.faults --duration $(DURATION)

clean:
	rm -rf $(VENV) var
