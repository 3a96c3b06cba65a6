"""`gdlab analyze` without the terminal: the numbers, and the sentences written from them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdlab.core.explain import explain


def test_analysis_of_a_two_point_line_worked_by_hand() -> None:
    # x = [1, 3]: H = [[10, 4], [4, 2]], eigenvalues 6 -+ sqrt(32); the slow eigenvector is
    # proportional to (4, lambda_min - 10), so b's share is 93.25 / (16 + 93.25) = 85%.
    X, y = np.array([[1.0], [3.0]]), np.array([2.0, 5.0])
    found = explain(X, y, lr=0.1, theta0=np.zeros(2), tol=1e-3)
    np.testing.assert_allclose(found.normal_equations, [1.5, 0.5])
    np.testing.assert_allclose(found.lstsq, found.normal_equations, atol=1e-12)
    np.testing.assert_allclose(found.blocked_qr, found.normal_equations, atol=1e-12)
    assert found.analysis.critical_lr == pytest.approx(2 / (6 + math.sqrt(32)))
    assert "85% b, 15% w" in found.slow_direction
    # Standardized, x = [-1, 1]: H = diag(2, 2), condition number 1, best rate 0.5,
    # which reaches the optimum in one step.
    assert found.standardized.condition_number == pytest.approx(1.0)
    assert found.standardized_best.epochs_to_tol == 1
