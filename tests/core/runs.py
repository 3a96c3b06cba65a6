"""A real run of gdlab's own training, to hold the theory's predictions against."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab.core.theory import observe
from gdlab.record.build import load_data, path_for, prepare, run_training
from gdlab.record.config import load_config


def real_run(*overrides: str) -> tuple[Any, Any, Any, np.ndarray]:  # type: ignore[type-arg]
    """(config, problem, history, theta0) of a run of the defaults with these --set items,
    4,000 epochs unless they say otherwise, on the path gdlab would choose."""
    config = load_config(None, ["training.epochs=4000", *overrides])
    problem = prepare(config, *load_data(config))
    history = run_training(config, problem.X_train, problem.y, None, path_for(config, problem))
    a = problem.trained
    return config, problem, history, a.stack(np.array(config.initial_w()), config.training.init_b)


def assert_seen_as_predicted(p: Any, history: Any, a: Any, tol: float = 1e-3) -> None:
    """A prediction ``p`` (plain, momentum or decay) against what the run did: its outcome and
    epochs to ``tol`` exactly, and where it diverges, its first inf and nan within 2 epochs."""
    columns = [history.w, history.b] if a.intercept else [history.w]
    seen = observe(history.epoch, np.column_stack(columns), a.theta_ls, tol)
    assert p.outcome == ("diverges" if history.status == "diverged" else "converges")
    assert p.epochs_to_tol == seen.epochs_to_tol
    assert p.epochs_to_tol_per_param == seen.epochs_to_tol_per_param
    if p.outcome == "diverges":
        assert history.first_inf_epoch is not None and p.first_inf_epoch is not None
        assert abs(p.first_inf_epoch - history.first_inf_epoch) <= 2
        assert (
            history.first_nan_epoch is None or abs(p.first_nan_epoch - history.first_nan_epoch) <= 2
        )
