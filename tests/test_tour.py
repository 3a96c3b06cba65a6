"""docs/tour.ipynb runs top to bottom in a fresh kernel, and finds what its prose says."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

TOUR = REPO / "docs" / "tour.ipynb"

# Numbers the tour's prose and the README state, as its cells print them.
PROMISED = [
    "w is within 0.001 of its optimum from epoch 2330",
    "b is within 0.001 of its optimum from epoch 3123",
    "critical rate 2 / λ_max: 0.03138",
    "98% b",
    "epochs_to_tol             predicted 3129",
    "lr = 0.005 completed   within 0.001 at 3129 / 3129",
    "inf at 208 / 208   nan at 419 / 419",
    "after 10,000 epochs: 0.0139 from the optimum",
    "reached 0.001 at epoch 15656 - predicted 15656",
]


@pytest.mark.e2e  # a whole notebook in a fresh kernel: `make e2e` and CI
def test_the_tour_runs_in_a_fresh_kernel_and_finds_what_it_says(tmp_path: Path) -> None:
    notebook = nbformat.read(TOUR, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert not any(cell.outputs for cell in code), "store the tour without outputs"
    # Raises CellExecutionError, naming the cell, if any cell fails; writes only in tmp_path.
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    outputs = [output for cell in code for output in cell.outputs]
    printed = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stdout")
    warned = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert not warned
    assert len(figures) == 4
    for line in PROMISED:
        assert line in printed
    assert len(list(tmp_path.glob("results/runs/*/metrics.csv"))) == 2
    assert not (TOUR.parent / "results").exists()
