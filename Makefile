# The front door. Every target works from a fresh clone with only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint format train reproduce clean

# Re-install whenever pyproject.toml changes; the stamp marks a finished install.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "gdlab needs Python 3.10 or newer, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check gdlab tests
	$(BIN)/ruff format --check gdlab tests
	$(BIN)/mypy gdlab

format: $(STAMP)
	$(BIN)/ruff check --fix gdlab tests
	$(BIN)/ruff format gdlab tests

train: $(STAMP)
	MPLBACKEND=Agg $(BIN)/gdlab train

reproduce: $(STAMP)
	MPLBACKEND=Agg $(BIN)/gdlab reproduce

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find results -mindepth 1 -maxdepth 1 ! -name README.md ! -name .gitignore -exec rm -rf {} +
