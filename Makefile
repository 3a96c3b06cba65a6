# The front door. Every target works from a fresh clone with only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test e2e lint format train reproduce figures bench nist clean

# Re-install whenever pyproject.toml changes; the stamp marks a finished install.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "gdlab needs Python 3.10 or newer, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The suite but its slow end-to-end group (a minute at most on 2 cores); `make e2e` runs
# that group, and CI (.ci/run) runs both.
test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 -m "not e2e"

e2e: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 -m e2e

lint: $(STAMP)
	$(BIN)/ruff check gdlab tests benchmarks
	$(BIN)/ruff format --check gdlab tests benchmarks
	$(BIN)/mypy gdlab
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix gdlab tests benchmarks
	$(BIN)/ruff format gdlab tests benchmarks

train: $(STAMP)
	MPLBACKEND=Agg $(BIN)/gdlab train

reproduce: $(STAMP)
	MPLBACKEND=Agg $(BIN)/gdlab reproduce

# gdlab's least squares on the NIST reference sets, against lstsq and the normal equations.
nist: $(STAMP)
	$(BIN)/gdlab nist

# Speed and memory against the naive loop, as ratios measured in the same run.
bench: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python benchmarks/bench.py

# Re-draw the README's pictures (docs/images/) from real runs.
figures: $(STAMP)
	rm -rf results/figures
	MPLBACKEND=Agg $(BIN)/gdlab train --animate --name readme --results-dir results/figures --quiet
	MPLBACKEND=Agg $(BIN)/gdlab train --set optimizer.lr=0.1 --name diverge --results-dir results/figures --quiet
	MPLBACKEND=Agg $(BIN)/gdlab sweep --config configs/lr_study.yaml --set output.plots=false --results-dir results/figures
	mkdir -p docs/images
	cp results/figures/runs/*-readme/contour.png results/figures/runs/*-readme/evolution.png \
	   results/figures/runs/*-readme/evolution.gif results/figures/runs/*-readme/params.png \
	   results/figures/runs/*-readme/eigenmodes.png docs/images/
	cp results/figures/runs/*-diverge/contour.png docs/images/contour_diverged.png
	cp results/figures/sweeps/*-lr_study/loss_curves.png docs/images/

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
	find results -mindepth 1 -maxdepth 1 ! -name README.md ! -name .gitignore -exec rm -rf {} +
