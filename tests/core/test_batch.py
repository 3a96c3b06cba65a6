"""Many runs stepped together: each point's History is, bit for bit, the one it gets alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gdlab.core import train as train_module
from gdlab.core.batch import BLOCK, PlainRun, train_together
from gdlab.core.data import make_linear_data
from gdlab.core.optimizers import SGD
from gdlab.core.sums import SufficientStats
from gdlab.core.train import History, train


def _run(
    lr: float,
    seed: int = 42,
    epochs: int = 1500,
    tol: float | None = None,
    true_w: tuple[float, ...] = (3.0,),
    x_max: float = 10.0,
) -> PlainRun:
    X, y = make_linear_data(100, 0.0, x_max, list(true_w), 2.0, 1.0, np.random.default_rng(seed))
    return PlainRun(X, y, SufficientStats(X, y), lr, epochs, np.zeros(len(true_w)), 0.0, tol)


def _alone(run: PlainRun, log_every: int) -> History:
    return train(
        run.X,
        run.y,
        SGD(run.lr, run.momentum, nesterov=run.nesterov),
        run.epochs,
        init_w=run.init_w,
        init_b=run.init_b,
        tol=run.tol,
        log_every=log_every,
        sums=run.sums,
    )


def _assert_together_is_alone(group: list[PlainRun], log_every: int) -> set[str]:
    statuses = set()
    for run, together in zip(group, train_together(group, log_every), strict=True):
        alone = _alone(run, log_every)
        for field in ("epoch", "loss", "w", "b", "grad_w", "grad_b"):
            np.testing.assert_array_equal(getattr(together, field), getattr(alone, field))
        assert (
            together.status,
            together.epochs_run,
            together.first_inf_epoch,
            together.first_nan_epoch,
        ) == (alone.status, alone.epochs_run, alone.first_inf_epoch, alone.first_nan_epoch)
        statuses.add(alone.status)
    return statuses


@pytest.mark.parametrize("log_every", [1, 7])
def test_points_trained_together_match_runs_trained_alone(log_every: int) -> None:
    tol = None if log_every == 1 else 1e-4
    group = [_run(lr, seed, tol=tol) for lr in (0.001, 0.02, 0.0314, 0.05, 0.1) for seed in (1, 42)]
    assert len(_assert_together_is_alone(group, log_every)) > 1  # it tells its points apart


def test_points_with_several_features_and_their_own_ends_match_runs_trained_alone() -> None:
    # Three weights (p = 4: the ordered sums are longer than two terms), epochs that end
    # inside a block and between logged rows, tolerances met and missed, a divergence.
    group = [
        _run(lr, epochs=epochs, tol=tol, true_w=(1.0, -2.0, 0.5), x_max=3.0)
        for lr, epochs, tol in (
            (0.002, 1000, None),
            (0.02, 777, 1e-3),  # tol not met: completes
            (0.1, 2000, 1e-3),  # converges
            (0.05, 2000, 1e-9),
            (0.3, 1500, None),  # diverges
            (0.001, 63, None),
        )
    ]
    statuses = _assert_together_is_alone(group, log_every=5)
    assert statuses == {"completed", "converged", "diverged"}
    _assert_together_is_alone(group[1:2], log_every=5)  # a batch of one


@pytest.mark.parametrize("nesterov", [False, True], ids=["heavy ball", "nesterov"])
def test_momentum_runs_trained_together_match_runs_trained_alone(nesterov: bool) -> None:
    # Rates and momenta around the stability edge lr = 2(1 + beta)/lambda_max (0.0314 at
    # beta 0): creeping, swinging, converging to a tolerance, overflowing to inf and nan.
    group = [
        replace(_run(lr, seed, epochs=1200, tol=tol), momentum=beta, nesterov=nesterov)
        for lr, beta, tol in (
            (0.001, 0.9, None),
            (0.02, 0.5, 1e-6),
            (0.05, 0.7, 1e-6),
            (0.03, 0.99, None),
            (0.07, 0.3, None),  # beyond the edge: diverges
            (0.5, 0.9, None),  # far beyond: inf, then nan
        )
        for seed in (1, 42)
    ]
    statuses = _assert_together_is_alone(group, log_every=3)
    assert {"completed", "converged", "diverged"} <= statuses
    assert any(h.first_nan_epoch is not None for h in train_together(group[-2:]))


@pytest.mark.parametrize("nesterov", [False, True], ids=["heavy ball", "nesterov"])
def test_a_batch_of_one_momentum_run_is_that_run_alone(nesterov: bool) -> None:
    """A sweep deals a group into batches, and a batch can hold one point: it keeps its step."""
    run = replace(_run(0.02, epochs=600), momentum=0.5, nesterov=nesterov)
    _assert_together_is_alone([run], log_every=3)


def test_runs_of_different_kinds_of_step_are_not_stepped_together() -> None:
    with pytest.raises(ValueError, match="share their kind"):
        train_together([_run(0.01), replace(_run(0.01), momentum=0.9)])


@pytest.mark.parametrize("grace", [25, BLOCK, 100])
def test_a_point_ends_at_the_grace_boundary_exactly_as_alone(
    grace: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Just above the critical rate (0.0314 here) the loss overflows long before the
    # parameters do, so these runs end when the grace after their first inf runs out,
    # each at its own epoch and mostly inside a block.
    monkeypatch.setattr(train_module, "DIVERGED_GRACE_EPOCHS", grace)
    group = [_run(lr, seed, epochs=20_000) for lr in (0.04, 0.05, 0.06) for seed in (1, 2)]
    alone = [_alone(run, 1) for run in group]
    assert all(h.first_nan_epoch is None for h in alone)
    assert all(h.epochs_run == h.first_inf_epoch + grace for h in alone)  # type: ignore[operator]
    assert len({h.epochs_run % BLOCK for h in alone}) > 1
    _assert_together_is_alone(group, log_every=1)


def test_an_interrupt_keeps_every_points_finished_epochs(monkeypatch: pytest.MonkeyPatch) -> None:
    from gdlab.core import batch

    real, calls = batch._descend, []

    def ctrl_c_in_the_third_block(*args: object) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "_descend", ctrl_c_in_the_third_block)
    group = [_run(0.005), _run(0.02, tol=1e-3), _run(0.1, epochs=50)]
    histories = train_together(group, log_every=10)
    last = 2 * BLOCK - 1  # the last epoch of the second, whole, block
    assert [h.status for h in histories] == ["interrupted", "interrupted", "completed"]
    for run, together in zip(group[:2], histories[:2], strict=True):
        assert together.epochs_run == last and together.epoch[-1] == last
        alone = _alone(PlainRun(**{**run.__dict__, "epochs": last}), 10)  # the same run, cut
        for field in ("epoch", "loss", "w", "b", "grad_w", "grad_b"):
            np.testing.assert_array_equal(getattr(together, field), getattr(alone, field))
    assert histories[2].epochs_run == 50  # it had ended before: untouched


def test_progress_follows_the_epochs_stepped_together() -> None:
    seen: list[int] = []
    group = [_run(0.005, epochs=1000), _run(0.02, epochs=300)]
    histories = train_together(group, on_progress=seen.append)
    assert seen == sorted(seen) and seen[0] == BLOCK - 1
    assert seen[-1] >= 1000 - BLOCK  # followed to the last block
    assert [h.epochs_run for h in histories] == [1000, 300]


def test_points_with_ten_features_match_runs_trained_alone() -> None:
    # p = 11: the sums by matrix, one np.einsum per point, on each point's own data and
    # on data all points share (one matrix for the batch). A tolerance met, one missed,
    # a divergence to nan.
    w = (1.0, -2.0, 0.5, 0.0, 1.0, 2.0, -1.0, 3.0, 0.5, -0.5)
    settings = ((0.002, None), (0.03, 1e-9), (0.035, 1e-2), (0.06, None))
    apart = [_run(lr, seed, 1200, tol, w, 3.0) for seed, (lr, tol) in enumerate(settings)]
    shared = [_run(lr, 1, 1200, tol, w, 3.0) for lr, tol in settings]
    for group in (apart, shared):
        statuses = _assert_together_is_alone(group, log_every=3)
        assert statuses == {"completed", "converged", "diverged"}
    assert _alone(shared[3], 1).first_nan_epoch is not None
