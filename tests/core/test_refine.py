"""Double-double sums and products, and least squares refined with them, against exact rationals."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from gdlab.core import compensated as dd
from gdlab.core.data import polynomial_features
from gdlab.core.lstsq import least_squares, qr_of_data


def test_two_sum_and_two_product_lose_nothing() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=200) * 10.0 ** rng.integers(-20, 20, 200)
    b = rng.normal(size=200) * 10.0 ** rng.integers(-20, 20, 200)
    for (hi, lo), exact in (
        (dd.two_sum(a, b), [Fraction(x) + Fraction(y) for x, y in zip(a, b, strict=True)]),
        (dd.two_product(a, b), [Fraction(x) * Fraction(y) for x, y in zip(a, b, strict=True)]),
    ):
        assert [Fraction(h) + Fraction(low) for h, low in zip(hi, lo, strict=True)] == exact


def test_a_sum_in_twice_the_precision_keeps_what_float64_drops() -> None:
    terms = np.array([1e16, 1.0, -1e16, 1e-8, 3.0, -3.0 + 2**-50])
    exact = sum(Fraction(t) for t in terms)
    assert float(np.sum(terms)) != float(exact)  # float64 loses the 1 entirely
    hi, lo = dd.sum_pairs((terms, np.zeros(6)))
    assert float(Fraction(hi) + Fraction(lo)) == float(exact)


def _exact_least_squares(A: np.ndarray, y: np.ndarray) -> list[Fraction]:  # type: ignore[type-arg]
    """The oracle: the normal equations in rational arithmetic, where nothing rounds."""
    rows = [[Fraction(v) for v in row] for row in A.tolist()]
    p = len(rows[0])
    G = [[sum(r[i] * r[j] for r in rows) for j in range(p)] for i in range(p)]
    c = [sum(r[i] * Fraction(t) for r, t in zip(rows, y.tolist(), strict=True)) for i in range(p)]
    M = [[*G[i], c[i]] for i in range(p)]
    for k in range(p):  # Gauss-Jordan; exact, so no pivoting is needed
        M[k] = [v / M[k][k] for v in M[k]]
        for i in range(p):
            if i != k:
                M[i] = [a - M[i][k] * b for a, b in zip(M[i], M[k], strict=True)]
    return [M[i][p] for i in range(p)]


def test_an_ill_conditioned_polynomial_is_right_to_13_digits_where_float64_qr_keeps_6() -> None:
    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(10.0, 12.0, 40))[:, None]  # far from 0: the powers nearly collinear
    X = polynomial_features(x, 6)
    y = rng.normal(size=40)
    # The oracle gets the exact powers, as float64 cannot hold them.
    exact_powers = [[Fraction(float(v)) ** k for k in range(1, 7)] + [Fraction(1)] for v in x[:, 0]]
    A = np.array(exact_powers, dtype=object)
    truth = np.array([float(v) for v in _exact_least_squares(A, y)])

    def digits(theta: np.ndarray) -> float:  # type: ignore[type-arg]
        return float(np.min(-np.log10(np.abs(theta - truth) / np.abs(truth))))

    R = qr_of_data(X, y)
    plain = np.linalg.solve(np.triu(R[:7, :7]), R[:7, 7])  # QR in float64 alone
    ls = least_squares(X, y, degree=6)
    assert ls.refined and digits(np.append(ls.w, ls.b)) >= 13 > 9 > digits(plain)
