"""Data: synthetic lines and planes, and the shuffled mini-batches of an epoch."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core.data import make_linear_data, standardize
from gdlab.core.train import batches


def test_batches_cover_every_sample_once_and_the_last_is_smaller() -> None:
    rng = np.random.default_rng(0)
    first = batches(103, 10, rng)
    second = batches(103, 10, rng)
    for epoch in (first, second):
        assert [len(b) for b in epoch] == [10] * 10 + [3]
        assert sorted(np.concatenate(epoch).tolist()) == list(range(103))
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))  # reshuffled


def test_synthetic_data_follows_its_line_and_its_seed() -> None:
    X, y = make_linear_data(500, 2.0, 4.0, [1.5, -2.0], 3.0, 0.0, np.random.default_rng(5))
    assert X.shape == (500, 2) and X.min() >= 2.0 and X.max() < 4.0
    np.testing.assert_allclose(y, X @ [1.5, -2.0] + 3.0)
    again, _ = make_linear_data(500, 2.0, 4.0, [1.5, -2.0], 3.0, 0.0, np.random.default_rng(5))
    np.testing.assert_array_equal(X, again)


def test_scaling_round_trips_and_refuses_a_constant_column() -> None:
    X = np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    with pytest.raises(ValueError, match="feature 2 is constant"):
        standardize(X)
    scaling = standardize(X[:, :1])
    w, b = scaling.to_original(*scaling.to_scaled(np.array([2.5]), -1.0))
    np.testing.assert_allclose(w, [2.5])
    assert b == pytest.approx(-1.0)
