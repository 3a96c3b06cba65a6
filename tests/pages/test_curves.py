"""What the pages embed of a run's curves (gdlab/pages/curves.py): how many rows each keeps."""

from __future__ import annotations

import pytest

from gdlab.pages import curves


@pytest.mark.parametrize(
    ("runs", "rows"), [(1, 200), (250, 200), (251, 199), (1000, 50), (1250, 40), (10**5, 40)]
)
def test_a_sweeps_points_share_a_budget_of_rows(runs: int, rows: int) -> None:
    assert curves.rows_per_run(runs) == rows
