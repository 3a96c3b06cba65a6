"""A real run of gdlab's own training, to hold the theory's predictions against."""

from __future__ import annotations

from typing import Any

import numpy as np

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
