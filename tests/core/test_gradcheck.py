"""Gradient check: model.gradients against central finite differences."""

from __future__ import annotations

import numpy as np

from gdlab.core.gradcheck import check_gradients
from gdlab.core.model import gradients
from gdlab.record.build import load_data
from gdlab.record.config import load_config


def _wrong_gradients(X, y, y_hat):  # type: ignore[no-untyped-def]
    """The classic slip: forgetting the factor 2 on dL/db."""
    grad_w, grad_b = gradients(X, y, y_hat)
    return grad_w, grad_b / 2


def test_gradient_check_passes_on_the_model_and_fails_on_a_wrong_gradient() -> None:
    X, y = load_data(load_config())
    rng = np.random.default_rng(0)
    rows = check_gradients(X, y, np.zeros(2), 5, 1e-6, rng)
    assert len(rows) == 12 and all(row.passed for row in rows)
    bad = check_gradients(X, y, np.zeros(2), 5, 1e-6, rng, gradient_fn=_wrong_gradients)
    assert [row.passed for row in bad if row.parameter == "w"] == [True] * 6
    assert not any(row.passed for row in bad if row.parameter == "b")
