"""Data: synthetic lines and planes, and the shuffled mini-batches of an epoch."""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.core import data as data_module
from gdlab.core.data import batches, make_linear_data, standardize


@pytest.mark.parametrize("gather_rows", [4096, 25])
def test_batches_cover_every_sample_once_and_the_last_is_smaller(
    gather_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Row i of X is (i, 2i) and y_i is -i, so each batch says which samples it holds.
    monkeypatch.setattr(data_module, "GATHER_ROWS", gather_rows)  # gathered at once, or by 20
    X, y = np.column_stack([np.arange(103.0), 2 * np.arange(103.0)]), -np.arange(103.0)
    rng = np.random.default_rng(0)
    first, second = list(batches(X, y, 10, rng)), list(batches(X, y, 10, rng))
    for epoch in (first, second):
        assert [len(y_batch) for _, y_batch in epoch] == [10] * 10 + [3]
        for X_batch, y_batch in epoch:
            np.testing.assert_array_equal(X_batch, np.column_stack([-y_batch, -2 * y_batch]))
        assert sorted(np.concatenate([-y_batch for _, y_batch in epoch])) == list(range(103))
    order = [np.concatenate([y_batch for _, y_batch in epoch]) for epoch in (first, second)]
    assert not np.array_equal(*order)  # reshuffled
    # The epoch's order is the Generator's permutation, whatever the gathering.
    np.testing.assert_array_equal(-order[0], np.random.default_rng(0).permutation(103))


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
