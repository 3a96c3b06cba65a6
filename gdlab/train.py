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

from gdlab.config import Config
from gdlab.model import gradients, loss, predict, update

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
    status: str  # "completed", "converged" or "diverged"
    epochs_run: int
    first_inf_epoch: int | None
    first_nan_epoch: int | None

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
    """Fit ``w`` and ``b`` to ``(X, y)`` by full-batch gradient descent.

    Stops after ``training.epochs`` updates (``completed``), when the gradient
    norm falls to ``training.tol`` (``converged``), or once the loss is no
    longer finite (``diverged``, see ``DIVERGED_GRACE_EPOCHS``).
    ``on_progress(epoch, loss)`` is called now and then, and at the end.
    """
    training, lr = config.training, config.optimizer.lr
    epochs, log_every = training.epochs, training.log_every
    w = np.asarray(config.initial_w(), dtype=np.float64)
    b = float(training.init_b)
    trace = _Trace(capacity=epochs // log_every + 2, n_features=w.shape[0])
    report_every = max(1, epochs // PROGRESS_CALLS)
    status, first_inf, first_nan = "completed", None, None

    # Overflow to inf and inf - inf = nan are results here, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs + 1):
            y_hat = predict(X, w, b)
            current = loss(y_hat, y)
            grad_w, grad_b = gradients(X, y, y_hat)
            if math.isinf(current) and first_inf is None:
                first_inf = epoch
            if math.isnan(current) and first_nan is None:
                first_nan = epoch
            diverged = first_inf is not None or first_nan is not None
            converged = training.tol is not None and _norm(grad_w, grad_b) <= training.tol
            last = (
                epoch == epochs
                or converged
                or first_nan is not None
                or (diverged and epoch - _first(first_inf, first_nan) >= DIVERGED_GRACE_EPOCHS)
            )
            if epoch % log_every == 0 or last:
                trace.append(epoch, current, w, b, grad_w, grad_b)
            if on_progress is not None and (epoch % report_every == 0 or last):
                on_progress(epoch, current)
            if last:
                status = "diverged" if diverged else "converged" if converged else "completed"
                break
            w, b = update(w, b, grad_w, grad_b, lr)
    return trace.history(status, epoch, first_inf, first_nan)


def _norm(grad_w: Array, grad_b: float) -> float:
    return math.sqrt(float(grad_w @ grad_w) + grad_b * grad_b)


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

    def append(
        self, epoch: int, loss: float, w: Array, b: float, grad_w: Array, grad_b: float
    ) -> None:
        i = self.size
        self.epoch[i], self.loss[i], self.b[i], self.grad_b[i] = epoch, loss, b, grad_b
        self.w[i], self.grad_w[i] = w, grad_w
        self.size += 1

    def history(
        self, status: str, epochs_run: int, first_inf: int | None, first_nan: int | None
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
        )
