"""`gdlab analyze` and `gdlab gradcheck` as a user meets them."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.core import model
from gdlab.core.theory import hessian
from gdlab.record.build import load_data
from gdlab.record.config import load_config

cli = CliRunner()


def _wrong_gradients(X, y, y_hat):  # type: ignore[no-untyped-def]
    """The classic slip: forgetting the factor 2 on dL/db."""
    grad_w, grad_b = REAL_GRADIENTS(X, y, y_hat)
    return grad_w, grad_b / 2


REAL_GRADIENTS = model.gradients


def test_gradcheck_command_exits_1_on_a_wrong_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    ok = cli.invoke(app, ["gradcheck", "--points", "3"])
    assert ok.exit_code == 0 and "PASSED" in ok.stdout
    monkeypatch.setattr(model, "gradients", _wrong_gradients)
    bad = cli.invoke(app, ["gradcheck", "--points", "3"])
    assert bad.exit_code == 1 and "FAILED" in bad.stdout and "FAIL" in bad.stdout


def test_analyze_prints_the_numbers_it_derives() -> None:
    result = cli.invoke(app, ["analyze", "--set", "optimizer.lr=0.1"])
    assert result.exit_code == 0, result.output
    X, _ = load_data(load_config())
    eigenvalues = np.linalg.eigvalsh(hessian(X))
    assert f"{2 / eigenvalues[-1]:.5g}" in result.stdout  # the critical rate
    assert f"{eigenvalues[-1] / eigenvalues[0]:.5g}" in result.stdout  # the condition number
    assert "diverges" in result.stdout and "overflows to inf" in result.stdout
    assert "b converges slowest" in result.stdout
    assert "standardizing" in result.stdout
