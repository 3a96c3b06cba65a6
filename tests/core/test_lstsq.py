"""Least squares by QR, against numpy's lstsq, the normal equations, textbook formulas and NIST."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdlab.core.lstsq import RankDeficient, least_squares, qr_of_data


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


def test_a_repeated_feature_is_refused_not_silently_truncated() -> None:
    rng = np.random.default_rng(9)
    x = rng.uniform(0, 5, size=200)
    y = 3 * x + 2 + rng.normal(size=200)
    # Collinear: many optima. lstsq would pick the shortest without a word; gdlab names it.
    with pytest.raises(RankDeficient) as caught:
        least_squares(np.column_stack([x, 2 * x]), y)
    assert caught.value.column == 1
    with pytest.raises(RankDeficient) as caught:  # a constant column is the intercept again
        least_squares(np.column_stack([x, np.full(200, 7.0)]), y)
    assert caught.value.column == 2


def test_standard_errors_match_the_textbook_formula_for_a_line() -> None:
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 10, size=60)
    y = 3 * x + 2 + rng.normal(size=60)
    ls = least_squares(x[:, None], y)
    s2 = np.sum((y - ls.w[0] * x - ls.b) ** 2) / (60 - 2)
    sxx = np.sum((x - x.mean()) ** 2)
    expected = [math.sqrt(s2 / sxx), math.sqrt(s2 * (1 / 60 + x.mean() ** 2 / sxx))]
    np.testing.assert_allclose(ls.standard_errors, expected, rtol=1e-10)


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
    relative = np.abs(estimate - certified) / np.abs(certified)
    return np.minimum(15.0, -np.log10(np.maximum(relative, 1e-300)))  # type: ignore[no-any-return]


def test_longleys_certified_coefficients_and_standard_errors() -> None:
    from gdlab.core.theory import analyze

    table = np.array([[float(v) for v in row.split()] for row in LONGLEY.splitlines()])
    analysis = analyze(table[:, :6], table[:, 6])
    coefficients, errors = (np.array(v) for v in LONGLEY_CERTIFIED)
    assert _lre(analysis.theta_ls, coefficients).min() >= 11
    # From the triangular factor, not A^T A: the normal equations keep about 5 digits here.
    assert _lre(analysis.standard_errors, errors).min() >= 11
