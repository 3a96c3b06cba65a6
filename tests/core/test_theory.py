"""Theory against algebra worked by hand, finite differences, and real runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdlab.core.model import gradients, predict
from gdlab.core.theory import analyze, for_good_each, hessian, observe, predict_run
from gdlab.record.build import run_training
from gdlab.record.config import load_config


def test_two_by_two_spectrum_worked_by_hand() -> None:
    # X = [[1], [3]]: A = [[1, 1], [3, 1]], A^T A = [[10, 4], [4, 2]], H = (2/2) A^T A.
    # Eigenvalues: trace 12, det 4, so 6 -+ sqrt(32).
    X, y = np.array([[1.0], [3.0]]), np.array([0.0, 1.0])
    analysis = analyze(X, y)
    np.testing.assert_allclose(analysis.hessian, [[10.0, 4.0], [4.0, 2.0]])
    low, high = 6 - math.sqrt(32), 6 + math.sqrt(32)
    np.testing.assert_allclose(analysis.eigenvalues, [low, high])
    assert analysis.critical_lr == pytest.approx(2 / high)
    assert analysis.best_lr == pytest.approx(2 / 12)
    assert analysis.condition_number == pytest.approx(high / low)
    # Each column is an eigenvector: H v = lambda v.
    for i in range(2):
        v = analysis.eigenvectors[:, i]
        np.testing.assert_allclose(analysis.hessian @ v, analysis.eigenvalues[i] * v, atol=1e-12)


def test_hessian_is_the_derivative_of_the_gradient() -> None:
    rng = np.random.default_rng(5)
    X, y = rng.uniform(-2, 5, size=(25, 2)), rng.normal(size=25)

    def grad(theta: np.ndarray) -> np.ndarray:
        gw, gb = gradients(X, y, predict(X, theta[:-1], float(theta[-1])))
        return np.append(gw, gb)

    theta, eps = rng.normal(size=3), 1e-5
    numeric = np.column_stack(
        [(grad(theta + eps * e) - grad(theta - eps * e)) / (2 * eps) for e in np.eye(3)]
    )
    np.testing.assert_allclose(hessian(X), numeric, rtol=1e-7, atol=1e-7)


def test_epochs_to_tolerance_worked_by_hand() -> None:
    # x = [-1, 1], y = [0, 0]: H = diag(2, 2), optimum (0, 0). From (1, 0) at lr = 0.25
    # the error halves every epoch, and 0.5^10 = 0.00098 is the first below 1e-3.
    analysis = analyze(np.array([[-1.0], [1.0]]), np.array([0.0, 0.0]))
    prediction = predict_run(analysis, 0.25, np.array([1.0, 0.0]), tol=1e-3)
    assert prediction.outcome == "converges"
    np.testing.assert_allclose(prediction.rates, [0.5, 0.5])
    assert prediction.epochs_to_tol == 10
    assert prediction.epochs_to_tol_per_param == [10, 0]
    assert predict_run(analysis, 1.0, np.array([1.0, 0.0]), tol=1e-3).outcome == "diverges"


DATA_SETS = [
    # (n_samples, x_min, x_max, true_w, noise_std, seed)
    (100, 0.0, 10.0, [3.0], 1.0, 42),
    (30, -5.0, 5.0, [-2.0], 0.5, 1),
    (200, 1.0, 4.0, [0.5], 2.0, 7),
    (50, 0.0, 3.0, [1.0, -2.0], 0.3, 3),
]


@pytest.mark.parametrize("data", DATA_SETS, ids=[f"set{i}" for i in range(len(DATA_SETS))])
@pytest.mark.parametrize("fraction", [0.2, 0.9, 1.3, 4.0])
def test_predictions_match_real_runs(data: tuple, fraction: float) -> None:  # type: ignore[type-arg]
    n, low, high, true_w, noise, seed = data
    overrides = [
        f"data.n_samples={n}",
        f"data.x_min={low}",
        f"data.x_max={high}",
        f"data.true_w={true_w}",
        f"data.noise_std={noise}",
        f"data.seed={seed}",
    ]
    config = load_config(overrides=overrides)
    from gdlab.record.build import load_data

    X, y = load_data(config)
    analysis = analyze(X, y)
    lr = fraction * analysis.critical_lr
    config = load_config(overrides=[*overrides, f"optimizer.lr={lr}", "training.epochs=3000"])
    history = run_training(config, X, y)
    theta0 = np.zeros(X.shape[1] + 1)
    prediction = predict_run(analysis, lr, theta0, tol=1e-3)
    thetas = np.column_stack([history.w, history.b])
    seen = observe(history.epoch, thetas, analysis.theta_ls, tol=1e-3)
    if fraction < 1:
        assert prediction.outcome == "converges" and history.status == "completed"
        if seen.epochs_to_tol is not None:
            assert abs(prediction.epochs_to_tol - seen.epochs_to_tol) <= 1  # type: ignore[operator]
        else:
            assert prediction.epochs_to_tol > history.epochs_run  # type: ignore[operator]
        pairs = zip(prediction.epochs_to_tol_per_param, seen.epochs_to_tol_per_param, strict=True)
        for p, o in pairs:
            assert o is None or abs(p - o) <= 1  # type: ignore[operator]
    else:
        assert prediction.outcome == "diverges" and history.status == "diverged"
        assert history.first_inf_epoch is not None
        assert abs(prediction.first_inf_epoch - history.first_inf_epoch) <= 2  # type: ignore[operator]
        if history.first_nan_epoch is not None:
            assert abs(prediction.first_nan_epoch - history.first_nan_epoch) <= 2  # type: ignore[operator]


def test_a_rate_too_small_to_move_float64_is_predicted_never_to_arrive() -> None:
    # At lr = 1e-17, 1 - lr * lambda rounds to exactly 1 for the slow eigenvalue (0.47).
    from gdlab.core.data import make_linear_data
    from gdlab.core.theory import analyze, predict_run

    X, y = make_linear_data(100, 0.0, 10.0, [3.0], 2.0, 1.0, np.random.default_rng(42))
    analysis = analyze(X, y)
    assert 1.0 - 1e-17 * analysis.eigenvalues[0] == 1.0
    prediction = predict_run(analysis, 1e-17, np.zeros(2), 1e-3)
    assert prediction.outcome == "converges"
    assert prediction.epochs_to_tol is None
    assert prediction.epochs_to_tol_per_param == [None, None]


def test_for_good_each_is_the_last_epoch_outside_plus_one_column_by_column() -> None:
    """Against a scan back from the end: columns never outside (0), outside at the end
    (None), outside in between, and nan (outside)."""
    rng = np.random.default_rng(5)
    epoch = np.arange(0, 300, 3, dtype=np.int64)  # logged every third epoch
    sizes = np.abs(rng.normal(size=(len(epoch), 40))) * np.geomspace(10, 1e-6, len(epoch))[:, None]
    sizes[:, 0] = 1e-9  # never outside
    sizes[-1, 1] = 1.0  # outside at the end
    sizes[50, 2] = np.nan

    def scanned(column: np.ndarray) -> int | None:  # type: ignore[type-arg]
        for row in range(len(epoch) - 1, -1, -1):
            if not column[row] < 1e-3:
                return int(epoch[row + 1]) if row + 1 < len(epoch) else None
        return 0

    expected = [scanned(sizes[:, k]) for k in range(sizes.shape[1])]
    assert for_good_each(epoch, sizes, 1e-3) == expected
    assert expected[:2] == [0, None] and expected[2] is not None and expected[2] >= 153
