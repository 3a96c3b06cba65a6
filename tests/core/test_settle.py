"""When a parameter settles: exponential-sum zeros against an epoch-by-epoch scan."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gdlab.core import settle
from gdlab.core.notation import Array
from gdlab.core.settle import settle_epoch, settle_epochs


def _powers(rho: Array, epochs: int) -> Array:
    """rho_i^t for every epoch t (rows) and rate (columns)."""
    with np.errstate(under="ignore"):
        powers: Array = rho[None, :] ** np.arange(epochs)[:, None]
    return powers


def _scan(
    terms: Array, rho: Array, tol: float, epochs: int = 0, powers: Array | None = None
) -> int:
    """The oracle: every epoch up to ``epochs`` evaluated, the last one outside the band
    found by eye (``powers``: :func:`_powers` of rho for them, when rows share the rates)."""
    error = (_powers(rho, epochs) if powers is None else powers) @ terms
    outside = np.flatnonzero(np.abs(error) >= tol)
    return 0 if outside.size == 0 else int(outside[-1]) + 1


@pytest.mark.parametrize("scan", [settle._SCAN, 1])  # the quick scan, and the zeros alone
def test_settle_epoch_agrees_with_scanning_every_epoch(
    scan: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settle, "_SCAN", scan)
    rng = np.random.default_rng(1)
    for _ in range(60):
        m = int(rng.integers(1, 6))
        rho = rng.uniform(-0.999, 0.9999, m)  # oscillating and monotone modes
        if rng.random() < 0.3:
            rho = 1 - 10 ** rng.uniform(-4, -2, m)  # slow modes
        terms = rng.normal(size=m) * 10 ** rng.uniform(-1, 2, m)
        if m >= 2 and rng.random() < 0.4:  # two nearly cancelling modes: a loose bound
            terms[1], rho[1] = -terms[0] * (1 + 1e-3 * rng.normal()), rho[0] * (1 - 1e-4)
        tol = float(10 ** rng.uniform(-4, 0))
        assert settle_epoch(terms, rho, tol) == _scan(terms, rho, tol, 150_000), (terms, rho, tol)


@pytest.mark.parametrize("scan", [settle._SCAN, 1])
def test_settle_epochs_agrees_row_by_row_with_scanning_every_epoch(
    scan: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parameters sharing their rates (one row each), settling at epochs near each other
    and far apart, some never: the scan's answer for every row."""
    monkeypatch.setattr(settle, "_SCAN", scan)
    rng = np.random.default_rng(2)
    for _ in range(40):
        m, rows = int(rng.integers(1, 7)), int(rng.integers(1, 9))
        rho = rng.uniform(-0.999, 0.9999, m)
        if rng.random() < 0.3:
            rho = 1 - 10 ** rng.uniform(-4, -2, m)
        if rng.random() < 0.2:
            rho[0] = 1.0  # a term that stays: rows with a large one never settle
        terms = rng.normal(size=(rows, m)) * 10 ** rng.uniform(-3, 2, (rows, m))
        terms[rng.random((rows, m)) < 0.2] = 0.0
        if m >= 2 and rng.random() < 0.4:
            terms[:, 1], rho[1] = -terms[:, 0] * (1 + 1e-3 * rng.normal()), rho[0] * (1 - 1e-4)
        tol = float(10 ** rng.uniform(-4, 0))
        powers = _powers(rho, 150_000)
        expected = [
            None if rho[0] == 1.0 and abs(row[0]) >= tol else _scan(row, rho, tol, powers=powers)
            for row in terms
        ]
        assert settle_epochs(terms, rho, tol) == expected, (terms, rho, tol)


def test_a_sum_that_leaves_the_band_long_before_its_bound_is_scanned_wide(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two nearly cancelling terms leave the band 400 epochs before their bound does: past
    the near scan, within the wide one, so no row is left to the zeros."""

    def no_zeros(*args: object) -> None:
        raise AssertionError("left to the zeros, row by row")

    monkeypatch.setattr(settle, "_last_outside", no_zeros)
    rho, tol = np.array([0.99, 0.9901]), 1e-3
    terms = np.array([[1.0, -1.0], [2.0, 0.5]])  # the second row leaves with its bound

    def bound(t: int) -> float:
        return float(np.sum(np.abs(terms[0]) * rho**t))

    settled = settle_epochs(terms, rho, tol)
    assert settled == [_scan(row, rho, tol, 20_000) for row in terms] == [360, 781]
    assert settle._NEAR < settle.first_below(bound, tol) - settled[0] < settle._SCAN


def test_far_rows_beside_rows_that_settle_at_once() -> None:
    """A row past float64's whole epochs (its zeros, row by row) among rows of one pass."""
    rho = np.array([1 - 1e-12, 1 - 2e-12, 0.5])
    terms = np.array([[5.0, -5.0001, 3.0], [0.0, 0.0, 3.0], [1e-5, 0.0, 0.0]])
    far, *near = settle_epochs(terms, rho, 1e-3)
    assert near == [12, 0]  # 3 / 2^t < 1e-3 from t = 12; 1e-5 from the start
    assert far is not None and far > 10**12

    def error(epoch: int) -> float:
        return abs(float(np.sum(terms[0] * rho ** float(epoch))))

    assert error(far - 1) >= 1e-3 and all(error(far + k) < 1e-3 for k in (0, 1, 10, 10**6))


def test_a_trillion_epochs_take_milliseconds_and_are_exact_at_the_edge() -> None:
    rho = np.array([1 - 1e-12, 1 - 2e-12, 0.5])
    terms = np.array([5.0, -5.0001, 3.0])  # cancel at first, then the slow mode wins
    start = time.process_time()
    t = settle_epoch(terms, rho, 1e-3)
    assert time.process_time() - start < 1.0  # generous: a scan would take hours
    assert t is not None and t > 10**12

    def error(epoch: int) -> float:
        return abs(float(np.sum(terms * rho ** float(epoch))))

    assert error(t - 1) >= 1e-3
    assert all(error(t + k) < 1e-3 for k in (0, 1, 2, 10, 10**6, 10**11))


def test_a_term_that_never_moves_never_settles() -> None:
    assert settle_epoch(np.array([2.0, 1.0]), np.array([1.0, 0.5]), 0.1) is None
    assert settle_epoch(np.array([0.01, 1.0]), np.array([1.0, 0.5]), 0.1) == 4
    assert settle_epoch(np.array([3.0]), np.array([0.0]), 0.1) == 1  # gone after one step
