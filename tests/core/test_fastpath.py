"""Which path a run takes: the four functions by default, the sums only when long, accurate
and faster."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core import fastpath
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


def _many_features(n: int, d: int) -> tuple[Array, Array]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, d))
    return X, X @ rng.normal(size=d) + 1 + rng.normal(size=n)


def test_with_few_samples_for_many_parameters_the_faster_four_functions_are_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # From SUMS_AT_ANY_SIZE_BELOW parameters on, the sums' p x 2p matrix costs more per
    # epoch than X does unless there are SUMS_SAMPLES_PER_PARAMETER samples per parameter.
    # The rule at a size that analyses fast: from 4 parameters (d = 3) on.
    monkeypatch.setattr(fastpath, "SUMS_AT_ANY_SIZE_BELOW", 4)
    d, p = 3, 4
    few = fastpath.SUMS_SAMPLES_PER_PARAMETER * p - 1
    for n, path in ((few, FOUR_FUNCTIONS), (few + 1, SUMS)):
        X, y = _many_features(n, d)
        analysis = analyze(X, y)
        for size in ({"in_sweep": True}, {"epochs": SUMS_FROM_SAMPLE_EPOCHS // n + 1}):
            choice = choose_path(X, y, analysis, fast=None, tol=1e-3, **{"epochs": 10, **size})
            assert choice.path == path
            assert (f"{few} samples for {p} parameters" in choice.reason) == (path != SUMS)
    # One parameter fewer, the sums are taken at any n; asked for, at any size, with a note.
    X, y = _many_features(few, d - 1)
    assert choose_path(X, y, analyze(X, y), fast=None, epochs=1, tol=1, in_sweep=True).path == SUMS
    X, y = _many_features(few, d)
    asked = choose_path(X, y, analyze(X, y), fast=True, epochs=10, tol=1e-3)
    assert asked.path == SUMS and "the four functions are faster" in asked.reason
