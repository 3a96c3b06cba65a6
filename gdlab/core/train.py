"""The training loop: the four functions of gdlab/core/model.py, one epoch at a time, recorded.

No printing, no files and no configs here: :func:`train` takes arrays and an
optimizer, returns a :class:`History`, and reports progress through an
optional callback, leaving the terminal and the run folder to its caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gdlab.core import model
from gdlab.core.data import batches
from gdlab.core.notation import Array
from gdlab.core.optimizers import Optimizer
from gdlab.core.sums import SufficientStats

# After the loss first overflows, keep stepping until it turns nan (the seed saw
# "inf then nan") but never more than this many further epochs: a rate just
# above the critical one can take very long to overflow the parameters too.
DIVERGED_GRACE_EPOCHS = 1000

# "No such epoch yet": later than any epoch, even with the grace added.
NEVER = np.iinfo(np.int64).max // 4

# The callback is called about this many times per run, whatever the epochs.
PROGRESS_CALLS = 200

ProgressCallback = Callable[[int, float], None]


@dataclass(frozen=True)
class History:
    """What one run did, epoch by epoch.

    Row ``i`` of the traces is the state after ``epoch[i]`` updates: the
    parameters, and the loss and its gradient there, on all the data.
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
    steps: Array | None = None  # with log_steps: step, epoch, batch loss, w..., b per step

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
    X: Array,
    y: Array,
    optimizer: Optimizer,
    epochs: int,
    *,
    init_w: Array | None = None,
    init_b: float = 0.0,
    tol: float | None = None,
    log_every: int = 1,
    batch_size: int | None = None,
    shuffle: np.random.Generator | None = None,
    log_steps: bool = False,
    sums: SufficientStats | None = None,
    intercept: bool = True,
    on_progress: ProgressCallback | None = None,
    rates: Array | None = None,
) -> History:
    """Fit ``w`` and ``b`` to ``(X, y)`` by gradient descent, from (init_w, init_b).

    One epoch: predict, loss and gradients on all the data, record them, then
    update (one step, or with ``batch_size`` one step per shuffled mini-batch,
    drawn from ``shuffle``). The record comes before the update because row e
    of the history is the state after e updates. :func:`stops` ends the run.
    ``sums`` (gdlab/core/sums.py) computes the same full-batch loss and
    gradients from the data's sums instead of the four functions. Without an
    ``intercept`` the line goes through the origin: b stays at init_b (0).
    ``on_progress(epoch, loss)`` is called now and then, and at the end.
    ``rates`` (gdlab/core/schedules.py) sets ``optimizer.lr`` to rates[epoch] before
    each epoch's update(s); None keeps the optimizer's own rate throughout.

    >>> from gdlab.core.optimizers import SGD
    >>> X, y = np.array([[0.0], [1.0], [2.0]]), np.array([2.0, 5.0, 8.0])
    >>> history = train(X, y, SGD(lr=0.1), epochs=2000)
    >>> round(float(history.final_w[0]), 6), round(history.final_b, 6)
    (3.0, 2.0)
    """
    w = np.zeros(X.shape[1]) if init_w is None else np.array(init_w, dtype=np.float64)
    b = float(init_b)
    log = _Log(epochs // log_every + 2, X.shape[1], log_every)
    steps: list[list[float]] | None = [] if log_steps else None
    watch = _Watch(epochs, tol)
    report_every = max(1, epochs // PROGRESS_CALLS)
    status, epoch = "completed", 0
    # Overflow to inf and inf - inf = nan are results here, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            for epoch in range(epochs + 1):  # epoch 0 is the start; `epochs` updates follow
                # Where are we? The predictions, the loss and its gradients at (w, b).
                if sums is None:  # the four functions of gdlab/core/model.py
                    y_hat = model.predict(X, w, b)
                    current = model.loss(y_hat, y)
                    grad_w, grad_b = model.gradients(X, y, y_hat)
                else:  # the same loss and gradients, from the data's sums
                    current, grad_w, grad_b = sums.loss_and_gradients(w, b)
                if not intercept:  # b is not a parameter of a line through the origin
                    grad_b = 0.0
                # Record this epoch (row e: the state after e updates); stop if the rule says so.
                ending = watch.check(epoch, current, grad_w, grad_b)
                log.record(epoch, current, w, b, grad_w, grad_b, keep=ending is not None)
                if on_progress is not None and (epoch % report_every == 0 or ending):
                    on_progress(epoch, current)
                if ending is not None:
                    status = ending
                    break
                # Update: one step downhill (one per mini-batch with batch_size).
                if rates is not None:  # a schedule: this epoch's rate, for all its steps
                    optimizer.lr = float(rates[epoch])
                if batch_size is None or batch_size >= len(y):
                    w, b = optimizer.step(w, b, grad_w, grad_b)
                    if steps is not None:  # one step an epoch; its loss is the epoch's own
                        steps.append([epoch + 1, epoch + 1, math.nan, *w, b])
                else:
                    w, b = minibatch_epoch(
                        X, y, w, b, optimizer, batch_size, shuffle, steps, epoch, intercept
                    )
        except KeyboardInterrupt:
            # Ctrl-C is a result too: keep every finished epoch, and say it stopped early.
            if not log.keep_last():
                raise
            status, epoch = "interrupted", int(log.epoch[log.size - 1])
    inf, nan = watch.first_inf, watch.first_nan
    return log.history(status, epoch, inf, nan, None if steps is None else np.array(steps))


def stops(
    epoch: int | NDArray[np.int64],
    last_epoch: int | NDArray[np.int64],
    grad_norm: float | Array,
    tol: float | Array,
    first_bad: int | NDArray[np.int64],
    nan_now: bool | NDArray[np.bool_],
) -> bool | NDArray[np.bool_]:
    """Whether a run ends at this epoch: the stopping rule of every run, alone or in a sweep.

    It ends at its last epoch; once the gradient's norm is at most ``tol``
    (nan: no tolerance); at its first nan loss; or DIVERGED_GRACE_EPOCHS after
    its loss first stopped being finite (``first_bad``, NEVER while finite).
    Element-wise, so a sweep's batch applies it to all its points at once.
    """
    grace_over = epoch - first_bad >= DIVERGED_GRACE_EPOCHS
    return (epoch == last_epoch) | (grad_norm <= tol) | nan_now | grace_over


def outcome(diverged: bool, converged: bool) -> str:
    """The status of a run that :func:`stops`: a divergence outranks a small gradient."""
    return "diverged" if diverged else "converged" if converged else "completed"


def gradient_norm(grad_w: Array, grad_b: float | Array) -> float | Array:
    """||(grad_w, grad_b)||, the squares added in the order w_1, ..., w_d, b.

    Added by hand, not by np.sum (which adds pairwise in an order of its own), so
    a run alone and the same run in a sweep's batch (gdlab/core/batch.py, where
    each entry is an array over the points) get the same bits.
    """
    total = grad_w[0] * grad_w[0]
    for g in grad_w[1:]:
        total = total + g * g
    return np.sqrt(total + grad_b * grad_b)  # type: ignore[no-any-return]


def minibatch_epoch(
    X: Array,
    y: Array,
    w: Array,
    b: float,
    optimizer: Optimizer,
    batch_size: int,
    shuffle: np.random.Generator | None,
    steps: list[list[float]] | None,
    epoch: int,
    intercept: bool = True,
) -> tuple[Array, float]:
    """One epoch of mini-batches: predict, gradients and update on each batch in turn."""
    rng = shuffle if shuffle is not None else np.random.default_rng(0)
    for X_batch, y_batch in batches(X, y, batch_size, rng):
        y_hat = model.predict(X_batch, w, b)
        grad_w, grad_b = model.gradients(X_batch, y_batch, y_hat)
        grad_b = grad_b if intercept else 0.0
        if steps is not None:  # the batch's loss before its step, then where the step led
            batch_loss = model.loss(y_hat, y_batch)
        w, b = optimizer.step(w, b, grad_w, grad_b)
        if steps is not None:
            steps.append([len(steps) + 1, epoch + 1, batch_loss, *w, b])
    return w, b


class _Watch:
    """Follows the loss and gradient of one run, and applies :func:`stops` to each epoch."""

    def __init__(self, epochs: int, tol: float | None) -> None:
        # No tolerance is tol = nan: no norm is <= nan, so none ever ends the run.
        self.epochs, self.tol = epochs, math.nan if tol is None else tol
        self.first_inf: int | None = None
        self.first_nan: int | None = None
        self.first_bad = int(NEVER)

    def check(self, epoch: int, current: float, grad_w: Array, grad_b: float) -> str | None:
        """The run's status if it ends at this epoch, else None."""
        if not math.isfinite(current):
            if math.isinf(current) and self.first_inf is None:
                self.first_inf = epoch
            if math.isnan(current) and self.first_nan is None:
                self.first_nan = epoch
            self.first_bad = min(self.first_bad, epoch)
        # Without a tolerance the norm is never needed, so it is never computed.
        norm = math.inf if math.isnan(self.tol) else gradient_norm(grad_w, grad_b)
        if not stops(epoch, self.epochs, norm, self.tol, self.first_bad, math.isnan(current)):
            return None
        return outcome(self.first_bad <= epoch, bool(norm <= self.tol))


class _Log:
    """Preallocated rows: every log_every-th epoch, the last, and on Ctrl-C the last finished."""

    def __init__(self, capacity: int, n_features: int, log_every: int) -> None:
        self.size, self.log_every = 0, log_every
        self.epoch = np.zeros(capacity, dtype=np.int64)
        self.loss = np.zeros(capacity)
        self.w = np.zeros((capacity, n_features))
        self.b = np.zeros(capacity)
        self.grad_w = np.zeros((capacity, n_features))
        self.grad_b = np.zeros(capacity)
        self.pending: tuple[int, float, Array, float, Array, float] | None = None

    def record(
        self, epoch: int, loss: float, w: Array, b: float, grad_w: Array, grad_b: float, keep: bool
    ) -> None:
        """Keep this epoch if it falls on log_every or ``keep``; else hold it for Ctrl-C."""
        if epoch % self.log_every and not keep:
            self.pending = (epoch, loss, w, b, grad_w, grad_b)  # one assignment: never half-set
            return
        i = self.size
        self.epoch[i], self.loss[i], self.b[i], self.grad_b[i] = epoch, loss, b, grad_b
        self.w[i], self.grad_w[i] = w, grad_w
        self.size = i + 1  # last: a row counts only once it is whole
        self.pending = None

    def keep_last(self) -> bool:
        """After Ctrl-C: keep the last finished epoch too; False if no epoch finished."""
        last = int(self.epoch[self.size - 1]) if self.size else -1
        if self.pending is not None and self.pending[0] > last:  # not one already kept
            self.record(*self.pending, keep=True)
        return self.size > 0

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
