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


def _scaled_like_diabetes() -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """Ten centred features of sd 0.05 and a target near 150 (as the diabetes set is scaled):
    losses of 1e4 and more beside gradients as small as 1e-2, where a fixed step cancels."""
    rng = np.random.default_rng(1)
    X = rng.normal(0, 0.0476, size=(442, 10))
    y = X @ rng.normal(0, 500, 10) + 152 + rng.normal(0, 55, 442)
    return X, y


def test_no_false_alarm_where_the_loss_dwarfs_the_gradient() -> None:
    X, y = _scaled_like_diabetes()
    fixed = check_gradients(X, y, np.zeros(11), 5, 1e-6, np.random.default_rng(0))
    assert not all(row.passed for row in fixed)  # the old fixed step: correct, yet "FAIL"
    scaled = check_gradients(X, y, np.zeros(11), 5, None, np.random.default_rng(0))
    assert all(row.passed for row in scaled)
    assert max(row.relative_error for row in scaled) < 1e-10


def test_a_gradient_wrong_by_one_part_in_ten_thousand_still_fails() -> None:
    X, y = _scaled_like_diabetes()

    def slightly_wrong(X, y, y_hat):  # type: ignore[no-untyped-def]
        grad_w, grad_b = gradients(X, y, y_hat)
        return grad_w * (1 + 1e-4), grad_b * (1 + 1e-4)

    rows = check_gradients(X, y, np.zeros(11), 5, None, np.random.default_rng(0), slightly_wrong)
    assert not any(row.passed for row in rows)
