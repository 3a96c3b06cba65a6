"""What a sweep writes: disagreements between prediction and observation, by stated rules."""

from __future__ import annotations

from typing import Any

import pytest

from gdlab.record.sweep_files import disagreements


def _row(**changes: Any) -> dict[str, Any]:
    row = {
        "index": 1,
        "status": "completed",
        "epochs_run": 5000,
        "predicted_outcome": "converges",
        "observed_outcome": "converges",
        "predicted_epochs_to_tol": 3129,
        "observed_epochs_to_tol": 3129,
        "predicted_first_inf_epoch": None,
        "observed_first_inf_epoch": None,
    }
    return {**row, **changes}


# (changes to an agreeing row, how many disagreements)
CASES = [
    ({}, 0),
    ({"observed_epochs_to_tol": 3130}, 0),  # within one epoch
    ({"observed_epochs_to_tol": 3131}, 1),
    ({"observed_epochs_to_tol": None}, 1),  # predicted within the run, never seen
    ({"predicted_epochs_to_tol": 9000, "observed_epochs_to_tol": None}, 0),  # past the run
    ({"observed_outcome": "diverges"}, 1),
    ({"predicted_first_inf_epoch": 208, "observed_first_inf_epoch": 210}, 0),  # within two
    ({"predicted_first_inf_epoch": 208, "observed_first_inf_epoch": 211}, 1),
    ({"log_every": 100, "observed_epochs_to_tol": 3200}, 0),  # read off every 100th epoch
    ({"log_every": 100, "observed_epochs_to_tol": 3230}, 1),
    ({"status": "failed", "observed_outcome": None}, 0),  # nothing ran
    ({"predicted_outcome": None, "observed_outcome": "diverges"}, 0),  # nothing predicted
]


@pytest.mark.parametrize(("changes", "count"), CASES)
def test_disagreements_follow_the_stated_slack(changes: dict[str, Any], count: int) -> None:
    assert len(disagreements([_row(**changes)])) == count
