"""The lecture's notation: parameter and column names."""

from __future__ import annotations

from gdlab.core.notation import feature_names, param_names


def test_one_feature_is_plain_and_several_are_numbered_from_one() -> None:
    assert feature_names("w", 1) == ["w"]
    assert feature_names("x", 3) == ["x_1", "x_2", "x_3"]
    assert param_names(1) == ["w", "b"]
    assert param_names(2) == ["w_1", "w_2", "b"]
