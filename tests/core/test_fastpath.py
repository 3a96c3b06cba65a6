"""Which path a run takes: the four functions by default, the sums only when long and accurate."""

from __future__ import annotations

import numpy as np

from gdlab.core.data import make_linear_data
from gdlab.core.fastpath import FOUR_FUNCTIONS, SUMS, SUMS_FROM_SAMPLE_EPOCHS, choose_path
from gdlab.core.notation import Array
from gdlab.core.theory import analyze


def _seed_data(n: int = 100) -> tuple[Array, Array]:
    return make_linear_data(n, 0.0, 10.0, [3.0], 2.0, 1.0, np.random.default_rng(42))


def _far_from_zero() -> tuple[Array, Array]:
    """x in [10^4, 10^4 + 1]: a Hessian condition number near 10^17, as raw Forbes-like data."""
    return make_linear_data(100, 1e4, 1e4 + 1, [3.0], 2.0, 0.1, np.random.default_rng(1))


def test_the_seed_run_takes_the_four_functions_and_says_why() -> None:
    X, y = _seed_data()
    choice = choose_path(X, y, analyze(X, y), fast=None, epochs=10_000, tol=1e-3)
    assert choice.path == FOUR_FUNCTIONS and choice.sums is None
    assert "1,000,000 sample-epochs" in choice.reason


def test_a_long_run_on_well_conditioned_data_takes_the_sums() -> None:
    X, y = _seed_data(1000)
    epochs = SUMS_FROM_SAMPLE_EPOCHS // 1000
    choice = choose_path(X, y, analyze(X, y), fast=None, epochs=epochs, tol=1e-3)
    assert choice.path == SUMS and choice.sums is not None
    just_short = choose_path(X, y, analyze(X, y), fast=None, epochs=epochs - 1, tol=1e-3)
    assert just_short.path == FOUR_FUNCTIONS


def test_ill_conditioned_data_keeps_the_four_functions_and_names_the_condition_number() -> None:
    X, y = _far_from_zero()
    analysis = analyze(X, y)
    choice = choose_path(X, y, analysis, fast=None, epochs=10**7, tol=1e-3)
    assert choice.path == FOUR_FUNCTIONS
    assert f"condition number {analysis.condition_number:.3g}" in choice.reason


def test_asked_for_the_sums_it_takes_them_and_warns_where_they_drift() -> None:
    X, y = _far_from_zero()
    choice = choose_path(X, y, analyze(X, y), fast=True, epochs=10, tol=1e-3)
    assert choice.path == SUMS and "warning" in choice.reason
    X, y = _seed_data()
    choice = choose_path(X, y, analyze(X, y), fast=True, epochs=10, tol=1e-3)
    assert choice.path == SUMS and "warning" not in choice.reason


def test_mini_batches_and_fast_false_always_take_the_four_functions() -> None:
    X, y = _seed_data()
    analysis = analyze(X, y)
    for fast, full_batch in ((True, False), (None, False), (False, True)):
        choice = choose_path(X, y, analysis, fast=fast, epochs=10**9, tol=1, full_batch=full_batch)
        assert choice.path == FOUR_FUNCTIONS


def test_points_stepping_together_take_the_sums_whatever_their_length() -> None:
    X, y = _seed_data()
    choice = choose_path(X, y, analyze(X, y), fast=None, epochs=10, tol=1e-3, in_sweep=True)
    assert choice.path == SUMS and "sweep" in choice.reason
