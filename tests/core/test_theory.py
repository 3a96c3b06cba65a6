"""Theory against algebra worked by hand, finite differences, and real runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdlab.core.lstsq import least_squares, qr_of_data, standard_errors
from gdlab.core.model import gradients, predict
from gdlab.core.theory import analyze, hessian, observe, predict_run
from gdlab.record.build import run_training
from gdlab.record.config import load_config


def test_least_squares_recovers_an_exact_line() -> None:
    ls = least_squares(np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0]))
    np.testing.assert_allclose(ls.w, [2.0], atol=1e-12)
    assert ls.b == pytest.approx(1.0) and ls.loss == pytest.approx(0.0, abs=1e-20)


def test_least_squares_agrees_with_the_normal_equations() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    y = rng.normal(size=40)
    A = np.column_stack([X, np.ones(40)])
    theta = np.linalg.solve(A.T @ A, A.T @ y)
    ls = least_squares(X, y)
    np.testing.assert_allclose(np.append(ls.w, ls.b), theta, atol=1e-12)


@pytest.mark.parametrize("rows", [7, 64, 100_000])  # many blocks, a few, one
def test_least_squares_by_blocks_gives_lstsq_on_all_the_data(rows: int) -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(size=(1000, 3)) * [1.0, 50.0, 0.01] + [0.0, 300.0, 0.0]
    y = X @ np.array([2.0, -0.1, 40.0]) + 7 + rng.normal(size=1000)
    theta, (rss,), *_ = np.linalg.lstsq(np.column_stack([X, np.ones(1000)]), y, rcond=None)
    R = qr_of_data(X, y, rows=rows)
    assert R.shape == (5, 5) and np.allclose(R, np.triu(R))
    # The blocks' R is the whole data's R, up to the sign of each row.
    Q_R = np.linalg.qr(np.column_stack([X, np.ones(1000), y]), mode="r")
    np.testing.assert_allclose(np.abs(R), np.abs(Q_R), rtol=1e-9, atol=1e-9)
    ls = least_squares(X, y, rows=rows)
    np.testing.assert_allclose(np.append(ls.w, ls.b), theta, rtol=1e-10)
    assert ls.loss == pytest.approx(rss / 1000, rel=1e-10)


def test_least_squares_with_a_repeated_feature_is_lstsqs_minimum_norm_answer() -> None:
    rng = np.random.default_rng(9)
    x = rng.uniform(0, 5, size=200)
    X = np.column_stack([x, x])  # collinear: many optima, lstsq picks the shortest
    y = 3 * x + 2 + rng.normal(size=200)
    theta, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(200)]), y, rcond=None)
    ls = least_squares(X, y)
    np.testing.assert_allclose(np.append(ls.w, ls.b), theta, rtol=1e-9)
    np.testing.assert_allclose(ls.w, [1.5, 1.5], rtol=0.05)


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


def test_standard_errors_match_the_textbook_formula_for_a_line() -> None:
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 10, size=60)
    y = 3 * x + 2 + rng.normal(size=60)
    ls = least_squares(x[:, None], y)
    s2 = np.sum((y - ls.w[0] * x - ls.b) ** 2) / (60 - 2)
    sxx = np.sum((x - x.mean()) ** 2)
    expected = [math.sqrt(s2 / sxx), math.sqrt(s2 * (1 / 60 + x.mean() ** 2 / sxx))]
    np.testing.assert_allclose(standard_errors(x[:, None], y), expected, rtol=1e-10)


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


# NIST StRD Longley (16 rows: GNP deflator, GNP, unemployed, armed forces, population,
# year; y = total employment) and its certified values, computed by NIST in 500 digits.
LONGLEY = """83.0 234289 2356 1590 107608 1947 60323
88.5 259426 2325 1456 108632 1948 61122
88.2 258054 3682 1616 109773 1949 60171
89.5 284599 3351 1650 110929 1950 61187
96.2 328975 2099 3099 112075 1951 63221
98.1 346999 1932 3594 113270 1952 63639
99.0 365385 1870 3547 115094 1953 64989
100.0 363112 3578 3350 116219 1954 63761
101.2 397469 2904 3048 117388 1955 66019
104.6 419180 2822 2857 118734 1956 67857
108.4 442769 2936 2798 120445 1957 68169
110.8 444546 4681 2637 121950 1958 66513
112.6 482704 3813 2552 123366 1959 68655
114.2 502601 3931 2514 125368 1960 69564
115.7 518173 4806 2572 127852 1961 69331
116.9 554894 4007 2827 130081 1962 70551"""
# (w_1..w_6, b) and their standard deviations
LONGLEY_CERTIFIED = (
    [15.0618722713733, -0.0358191792925910, -2.02022980381683, -1.03322686717359,
     -0.0511041056535807, 1829.15146461355, -3482258.63459582],
    [84.9149257747669, 0.0334910077722432, 0.488399681651699, 0.214274163161675,
     0.226073200069370, 455.478499142212, 890420.383607373],
)  # fmt: skip


def _lre(estimate: np.ndarray, certified: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    """NIST's log relative error: the number of digits that agree."""
    return -np.log10(np.abs(estimate - certified) / np.abs(certified))  # type: ignore[no-any-return]


def test_longleys_certified_coefficients_and_standard_errors() -> None:
    from gdlab.core.theory import analyze

    table = np.array([[float(v) for v in row.split()] for row in LONGLEY.splitlines()])
    analysis = analyze(table[:, :6], table[:, 6])
    coefficients, errors = (np.array(v) for v in LONGLEY_CERTIFIED)
    assert _lre(analysis.theta_ls, coefficients).min() >= 11
    # From the triangular factor, not A^T A: the normal equations keep about 5 digits here.
    assert _lre(analysis.standard_errors, errors).min() >= 11
