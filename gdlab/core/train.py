"""The training loop: gradient descent with the four seed functions, recorded.

No printing and no files here: the loop returns a :class:`History` and
reports progress through an optional callback, leaving the terminal and the
run folder to its caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gdlab.core.model import gradients, loss, predict
from gdlab.core.optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop
from gdlab.core.sums import SufficientStats
from gdlab.record.schema import Config, OptimizerConfig

Array = NDArray[np.float64]

# After the loss first overflows, keep stepping until it turns nan (the seed saw
# "inf then nan") but never more than this many further epochs: a rate just
# above the critical one can take very long to overflow the parameters too.
DIVERGED_GRACE_EPOCHS = 1000

# The callback is called about this many times per run, whatever the epochs.
PROGRESS_CALLS = 200

ProgressCallback = Callable[[int, float], None]


@dataclass(frozen=True)
class History:
    """What one run did, epoch by epoch.

    Row ``i`` of the traces is the state after ``epoch[i]`` updates: the
    parameters, the loss there, and the gradient there (the next step's).
    """

    epoch: NDArray[np.int64]
    loss: Array
    w: Array  # shape (n_logged, n_features)
    b: Array
    grad_w: Array  # shape (n_logged, n_features)
    grad_b: Array
    status: str  # "completed", "converged", "diverged" or "interrupted"
    epochs_run: int
    first_inf_epoch: int | None
    first_nan_epoch: int | None
    steps: Array | None = None  # with training.log_steps: one row per step (see _Stepper.log)

    @property
    def final_w(self) -> Array:
        """Weights after the last update."""
        return np.asarray(self.w[-1], dtype=np.float64)

    @property
    def final_b(self) -> float:
        """Intercept after the last update."""
        return float(self.b[-1])

    @property
    def final_loss(self) -> float:
        """Loss at the final parameters."""
        return float(self.loss[-1])


def train(
    config: Config, X: Array, y: Array, on_progress: ProgressCallback | None = None
) -> History:
    """Fit ``w`` and ``b`` to ``(X, y)`` with the configured update rule.

    One epoch is one pass over the data: a single full-batch step, or one step
    per shuffled mini-batch. Row e of the history is the state after e epochs,
    with the loss and gradient on the full data there. Stops after
    ``training.epochs`` epochs (``completed``), when the full gradient's norm
    falls to ``training.tol`` (``converged``), or once the loss is no longer
    finite (``diverged``, see ``DIVERGED_GRACE_EPOCHS``).
    ``on_progress(epoch, loss)`` is called now and then, and at the end.
    """
    training = config.training
    epochs, log_every = training.epochs, training.log_every
    # theta = (w_1, ..., w_d, b): one vector, so the update rules see one array.
    theta = np.append(config.initial_w(), training.init_b).astype(np.float64)
    optimizer = make_optimizer(config.optimizer)
    stepper = _Stepper(X, y, training.batch_size, config.data.seed, training.log_steps)
    trace = _Trace(capacity=epochs // log_every + 2, n_features=theta.shape[0] - 1)
    report_every = max(1, epochs // PROGRESS_CALLS)
    status, first_inf, first_nan = "completed", None, None

    sums = SufficientStats(X, y) if uses_sums(config) else None
    finished: tuple[int, float, Array, Array] | None = None
    # Overflow to inf and inf - inf = nan are results here, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            for epoch in range(epochs + 1):
                if sums is not None:
                    current, grad = sums.evaluate(theta)
                else:
                    current, grad = reference_loss_and_gradient(X, y, theta)
                finished = (epoch, current, theta, grad)
                if math.isinf(current) and first_inf is None:
                    first_inf = epoch
                if math.isnan(current) and first_nan is None:
                    first_nan = epoch
                diverged = first_inf is not None or first_nan is not None
                converged = training.tol is not None and gradient_norm(grad) <= training.tol
                last = (
                    epoch == epochs
                    or converged
                    or first_nan is not None
                    or (diverged and epoch - _first(first_inf, first_nan) >= DIVERGED_GRACE_EPOCHS)
                )
                if epoch % log_every == 0 or last:
                    trace.append(epoch, current, theta, grad)
                if on_progress is not None and (epoch % report_every == 0 or last):
                    on_progress(epoch, current)
                if last:
                    status = "diverged" if diverged else "converged" if converged else "completed"
                    break
                theta = stepper.epoch(optimizer, epoch + 1, theta, grad)
        except KeyboardInterrupt:
            # Ctrl-C is a result too: keep every finished epoch, and say it stopped early.
            if finished is None:
                raise
            status = "interrupted"
            if trace.size == 0 or trace.epoch[trace.size - 1] != finished[0]:
                trace.append(*finished)
            epoch = finished[0]
    return trace.history(status, epoch, first_inf, first_nan, stepper.log())


def make_optimizer(config: OptimizerConfig) -> Optimizer:
    """A fresh optimizer (no state yet) from a validated, resolved optimizer config."""
    c = config
    momentum, weight_decay = c.momentum or 0.0, c.weight_decay or 0.0
    eps = c.eps if c.eps is not None else 1e-8
    if c.name in ("gd", "momentum"):
        return SGD(c.lr, momentum, c.dampening, c.nesterov, weight_decay)
    if c.name in ("adam", "adamw"):
        betas = (float(c.betas[0]), float(c.betas[1]))
        return Adam(c.lr, betas, eps, weight_decay, c.amsgrad, decoupled=c.name == "adamw")
    if c.name == "rmsprop":
        return RMSprop(c.lr, c.alpha, eps, weight_decay, momentum, c.centered)
    return Adagrad(c.lr, c.lr_decay, eps, weight_decay)


def uses_sums(config: Config) -> bool:
    """Whether the full-batch loss and gradient come from the data's sums (gdlab/sums.py).

    Mini-batches need the samples themselves; ``training.fast: false`` forces the
    reference path (the seed's functions over every sample, every epoch).
    """
    return config.training.fast and config.training.batch_size is None


def is_plain_gd(config: Config) -> bool:
    """Full-batch gradient descent with no momentum or decay: what theory.py predicts."""
    c = config.optimizer
    plain = c.name in ("gd", "momentum") and not c.momentum and not c.weight_decay
    return plain and config.training.batch_size is None


def batches(n_samples: int, batch_size: int, rng: np.random.Generator) -> list[NDArray[np.int64]]:
    """One epoch's mini-batches: a fresh shuffle, cut in order; the last may be smaller."""
    order = rng.permutation(n_samples)
    return [order[i : i + batch_size] for i in range(0, n_samples, batch_size)]


class _Stepper:
    """Takes one epoch's steps: one on the full gradient, or one per mini-batch."""

    def __init__(
        self, X: Array, y: Array, batch_size: int | None, seed: int, log_steps: bool
    ) -> None:
        self.X, self.y = X, y
        self.batch_size = batch_size if batch_size and batch_size < len(y) else None
        # Its own stream, so shuffling never changes the data drawn from the same seed.
        self.rng = np.random.default_rng([seed, 1])
        self.rows: list[list[float]] | None = [] if log_steps else None
        self.step = 0

    def epoch(self, optimizer: Optimizer, epoch: int, theta: Array, grad: Array) -> Array:
        if self.batch_size is None:  # full batch: the gradient is already computed
            return self._step(optimizer, epoch, theta, grad, math.nan)
        for index in batches(len(self.y), self.batch_size, self.rng):
            batch_loss, batch_grad = reference_loss_and_gradient(
                self.X[index], self.y[index], theta
            )
            theta = self._step(optimizer, epoch, theta, batch_grad, batch_loss)
        return theta

    def _step(
        self, optimizer: Optimizer, epoch: int, theta: Array, grad: Array, batch_loss: float
    ) -> Array:
        self.step += 1
        theta = optimizer.step(theta, grad)
        if self.rows is not None:
            self.rows.append([self.step, epoch, batch_loss, *theta])
        return theta

    def log(self) -> Array | None:
        """steps.csv's rows: step, epoch, loss on the batch before the step, w..., b after it."""
        return None if self.rows is None else np.array(self.rows, dtype=np.float64)


def gradient_norm(grad: NDArray[np.float64]) -> NDArray[np.float64] | float:
    """||grad|| over the first axis, g_1^2 + g_2^2 + ... added in that order.

    Summed by hand, not by np.sum (which adds pairwise in an order of its own), so a
    run alone and the same run in a batch (gdlab/batch.py) get the same bits.
    """
    total = grad[0] * grad[0]
    for g in grad[1:]:
        total = total + g * g
    return np.sqrt(total)  # type: ignore[no-any-return]


def reference_loss_and_gradient(X: Array, y: Array, theta: Array) -> tuple[float, Array]:
    """The seed's way: predict, loss and gradients over every sample, at theta = (w, b)."""
    y_hat = predict(X, theta[:-1], float(theta[-1]))
    grad_w, grad_b = gradients(X, y, y_hat)
    return loss(y_hat, y), np.append(grad_w, grad_b)


def _first(a: int | None, b: int | None) -> int:
    return min(e for e in (a, b) if e is not None)


class _Trace:
    """Preallocated per-epoch records, so logging every epoch stays cheap."""

    def __init__(self, capacity: int, n_features: int) -> None:
        self.size = 0
        self.epoch = np.zeros(capacity, dtype=np.int64)
        self.loss = np.zeros(capacity)
        self.w = np.zeros((capacity, n_features))
        self.b = np.zeros(capacity)
        self.grad_w = np.zeros((capacity, n_features))
        self.grad_b = np.zeros(capacity)

    def append(self, epoch: int, loss: float, theta: Array, grad: Array) -> None:
        i = self.size
        self.epoch[i], self.loss[i], self.b[i], self.grad_b[i] = epoch, loss, theta[-1], grad[-1]
        self.w[i], self.grad_w[i] = theta[:-1], grad[:-1]
        self.size += 1

    def history(
        self,
        status: str,
        epochs_run: int,
        first_inf: int | None,
        first_nan: int | None,
        steps: Array | None,
    ) -> History:
        n = self.size
        return History(
            epoch=self.epoch[:n],
            loss=self.loss[:n],
            w=self.w[:n],
            b=self.b[:n],
            grad_w=self.grad_w[:n],
            grad_b=self.grad_b[:n],
            status=status,
            epochs_run=epochs_run,
            first_inf_epoch=first_inf,
            first_nan_epoch=first_nan,
            steps=steps,
        )
