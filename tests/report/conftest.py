"""The evidence the report's claims are judged on, trained once for the tests of this folder."""

from __future__ import annotations

from typing import Any

import pytest

from gdlab.record.config import load_config
from gdlab.record.grid import load_sweep
from gdlab.record.runner import run_experiment
from gdlab.record.sweep import run_sweep
from gdlab.record.sweep_files import sweep_rows
from gdlab.report.momentum import MAP_NAME, MomentumRuns, map_sweep, run_overrides
from tests.conftest import REPO

STUDY = REPO / "configs" / "lr_study.yaml"


@pytest.fixture(scope="session")
def evidence(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, Any], list[Any], MomentumRuns]:
    """The default run, the full study, the two momentum runs and the (lr, β) sweep, without
    figures."""
    folder = tmp_path_factory.mktemp("evidence")
    config = load_config(overrides=["output.plots=false"])
    run = run_experiment(config, folder / "runs", "seed", ["test"])
    sweep = load_sweep(STUDY, overrides=["output.plots=false"])
    results = run_sweep(sweep, folder / "sweep", ["test"])
    raced = [
        run_experiment(
            load_config(overrides=[*overrides, "output.plots=false"]),
            folder / "runs",
            name,
            ["test"],
        )
        for name, overrides in run_overrides(run.summary["theory"]).items()
    ]
    map_grid, map_overrides = map_sweep()
    map_spec = load_sweep(None, map_grid, overrides=map_overrides, name=MAP_NAME)
    map_results = run_sweep(map_spec, folder / "map", ["test"])
    momentum = MomentumRuns(
        raced[0].path,
        raced[0].summary,
        raced[1].path,
        raced[1].summary,
        folder / "map",
        sweep_rows(map_results, folder / "map"),
    )
    return run.summary, sweep_rows(results, folder / "sweep"), momentum
