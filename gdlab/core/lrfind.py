"""The learning-rate range test (Smith 2017; fastai's ``lr_find``), one step per rate.

From the start (init_w, init_b), take ``steps`` steps of an optimizer with the
rate growing geometrically from ``start`` to ``end``,

    lr_i = start * (end / start) ** (i / (steps - 1)),   i = 0 .. steps - 1,

and record the loss on all the data after each step. The losses are smoothed
by an exponential moving average, bias-corrected as fastai's ``AvgSmoothLoss``,
and the test stops early, as fastai's ``LRFinder`` does, once the smoothed loss
is above 4 times the best smoothed loss so far or the loss is no longer finite.

Two rules of thumb read a rate off the curve, as fastai's ``steep`` and
``minimum`` do (over the smoothed losses, the first tenth and last five left out):
the rate where the loss falls fastest, d loss / d log lr most negative, and a
tenth of the rate at the lowest loss. Neither is the answer the theory gives
(gdlab/core/theory.py: 2 / lambda_max and 2 / (lambda_min + lambda_max)); the
figure puts them side by side.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from gdlab.core import model
from gdlab.core.data import batches
from gdlab.core.notation import Array
from gdlab.core.optimizers import Optimizer
from gdlab.core.train import ProgressCallback

BETA = 0.98  # fastai's smoothing of the loss
DIVERGE_FACTOR = 4.0  # stop once the smoothed loss is above this times its best
MIN_STEPS = 10
MAX_STEPS = 100_000  # a few hundred is the test; a million rows is a mistake
SKIP_END = 5  # fastai leaves out the last five losses when it suggests a rate


@dataclass(frozen=True)
class RangeTest:
    """What the range test saw: row i is the state after step i + 1, taken at ``lr[i]``."""

    lr: Array  # shape (n_taken,): the rate of each step taken
    loss: Array  # shape (n_taken,): the loss on all the data after that step
    smoothed: Array  # shape (n_taken,): the bias-corrected moving average of ``loss``
    initial_loss: float  # at (init_w, init_b), before any step
    steps: int  # the steps asked for; len(lr) are taken
    stopped: str  # "completed", "diverged" (4x the best) or "not finite"


@dataclass(frozen=True)
class Suggestion:
    """The two rules of thumb read off a range test; None when too few losses are left."""

    steepest: (
        float | None
    )  # where the smoothed loss falls fastest per log lr (None: it never falls)
    minimum: float | None  # the rate at the lowest smoothed loss
    minimum_over_10: float | None  # minimum / 10


def check_range(start: float, end: float, steps: int) -> None:
    """Raise ValueError (one line) unless 0 < start < end, both finite, and 10 <= steps <= 1e5."""
    for name, value in (("--start", start), ("--end", end)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} = {value:g}: expected a finite rate > 0")
    if start >= end:
        raise ValueError(f"--start = {start:g} must be below --end = {end:g}")
    if not MIN_STEPS <= steps <= MAX_STEPS:
        raise ValueError(f"--steps = {steps}: expected {MIN_STEPS} to {MAX_STEPS:,}")


def rates(start: float, end: float, steps: int) -> Array:
    """The ``steps`` rates from ``start`` to ``end``, each the same factor above the last."""
    # in logarithms: end / start itself overflows for a range like 1e-300 to 1e300
    return np.asarray(np.geomspace(start, end, steps), dtype=np.float64)


class Smoother:
    """The bias-corrected exponential moving average of losses, fed one at a time.

    Notes
    -----
    avg_i = beta * avg_(i-1) + (1 - beta) * loss_i,   avg_0 = 0
    smoothed_i = avg_i / (1 - beta^i)                 (i counts from 1)

    Dividing by 1 - beta^i undoes the pull towards the 0 the average starts
    from, so smoothed_1 = loss_1.
    """

    def __init__(self, beta: float = BETA) -> None:
        self.beta, self.avg, self.count = beta, 0.0, 0

    def add(self, loss: float) -> float:
        """Take in the next loss; return the smoothed loss so far."""
        self.count += 1
        self.avg = self.beta * self.avg + (1 - self.beta) * loss
        return self.avg / (1 - self.beta**self.count)


def smooth(loss: Array, beta: float = BETA) -> Array:
    """The bias-corrected moving average of a sequence of losses (:class:`Smoother`)."""
    smoother = Smoother(beta)
    return np.array([smoother.add(float(value)) for value in loss], dtype=np.float64)


def range_test(
    X: Array,
    y: Array,
    optimizer: Optimizer,
    start: float,
    end: float,
    steps: int,
    *,
    init_w: Array | None = None,
    init_b: float = 0.0,
    batch_size: int | None = None,
    shuffle: np.random.Generator | None = None,
    intercept: bool = True,
    on_progress: ProgressCallback | None = None,
) -> RangeTest:
    """Step ``optimizer`` once per rate of :func:`rates`, recording the loss after each step.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    optimizer : Optimizer
        Fresh; its ``lr`` is set before each step, and its state (momentum,
        Adam's averages) carries on from step to step.
    start, end : float
        The rates of the first and the last step, 0 < start < end.
    steps : int
        How many steps, one per rate (MIN_STEPS to MAX_STEPS).
    init_w : ndarray of shape (n_features,), optional
    init_b : float
    batch_size : int, optional
        Step on the next mini-batch of a fresh shuffle per pass (drawn from
        ``shuffle``), as a run's epochs are cut; None: on all the data.
    intercept : bool
        False holds b at init_b (a line through the origin).
    on_progress : callable, optional
        ``on_progress(step, loss)`` after each step.

    Returns
    -------
    RangeTest

    Notes
    -----
    step i (from 1):  lr_i = start (end / start)^((i - 1) / (steps - 1))
                      (w, b) <- optimizer step at lr_i with dL/dw, dL/db on the batch
                      loss_i = L(w, b) on all the data; smoothed_i as :class:`Smoother`
    stop after step i when :func:`stop_reason` says so.
    """
    check_range(start, end, steps)
    w = np.zeros(X.shape[1]) if init_w is None else np.array(init_w, dtype=np.float64)
    b = float(init_b)
    initial = model.loss(model.predict(X, w, b), y)
    taken, losses, smoothed = rates(start, end, steps), np.empty(steps), np.empty(steps)
    data = _batches(X, y, batch_size, shuffle)
    smoother, best, stopped, n = Smoother(), math.inf, "completed", 0
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is a result here
        for n, lr in enumerate(taken, start=1):
            optimizer.lr = float(lr)
            X_batch, y_batch = next(data)
            y_hat = model.predict(X_batch, w, b)
            grad_w, grad_b = model.gradients(X_batch, y_batch, y_hat)
            w, b = optimizer.step(w, b, grad_w, grad_b if intercept else 0.0)
            losses[n - 1] = model.loss(model.predict(X, w, b), y)
            smoothed[n - 1] = smoother.add(float(losses[n - 1]))
            if on_progress is not None:
                on_progress(n, float(losses[n - 1]))
            best = min(best, float(smoothed[n - 1]))
            stopped = stop_reason(float(losses[n - 1]), float(smoothed[n - 1]), best)
            if stopped != "completed":
                break
    return RangeTest(taken[:n], losses[:n], smoothed[:n], initial, steps, stopped)


def stop_reason(loss: float, smoothed: float, best: float) -> str:
    """fastai's rule: "not finite" once the loss is inf or nan, "diverged" once the smoothed
    loss is above DIVERGE_FACTOR times its best so far, else "completed" (go on)."""
    if not (math.isfinite(loss) and math.isfinite(smoothed)):
        return "not finite"
    return "diverged" if smoothed > DIVERGE_FACTOR * best else "completed"


def suggest(test: RangeTest) -> Suggestion:
    """fastai's ``steep`` and ``minimum`` over the smoothed losses, the first tenth of the
    steps asked for and the last SKIP_END taken left out (all of them if too few are left)."""
    lr, loss = test.lr, test.smoothed
    keep = slice(test.steps // 10, len(lr) - SKIP_END)
    if len(lr[keep]) >= 3:
        lr, loss = lr[keep], loss[keep]
    finite = np.isfinite(loss)
    lr, loss = lr[finite], loss[finite]
    if len(lr) < 2:
        return Suggestion(None, None, None)
    slopes = np.diff(loss) / np.diff(np.log(lr))
    falls = slopes.min() < 0  # a loss that only rises has no steepest fall to suggest
    steepest = float(lr[int(np.argmin(slopes))]) if falls else None  # the segment's left end
    lowest = float(lr[int(np.argmin(loss))])
    return Suggestion(steepest, lowest, lowest / 10)


def _batches(
    X: Array, y: Array, batch_size: int | None, rng: np.random.Generator | None
) -> Iterator[tuple[Array, Array]]:
    """Endless: all the data, or the mini-batches of one shuffle after another."""
    if batch_size is None or batch_size >= len(y):
        while True:
            yield X, y
    rng = rng if rng is not None else np.random.default_rng(0)
    while True:
        yield from batches(X, y, batch_size, rng)


__all__ = ["RangeTest", "Smoother", "Suggestion", "check_range", "range_test", "rates", "smooth"]
