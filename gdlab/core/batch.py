"""Many runs of plain full-batch gradient descent, stepped together as arrays.

A sweep's points differ only in numbers (rates, seeds, starts), so instead of
running them one after another they advance side by side: column k of every
array is point k. Each point gets exactly the History that :func:`train` would
give it alone, bit for bit: the sums are evaluated by the same ordered
element-wise arithmetic (:class:`gdlab.core.sums.Stacked`), the step is the seed's
``w - lr * grad`` element by element, and the stopping rules are train's.

The points step in blocks of :data:`BLOCK` epochs, written straight into
buffers (no allocation, no Python-level checks per epoch); after each block
the stopping rules are applied to the block's epochs in order, so a point
ends at the very epoch it would alone. Points that have ended step on until
the block is over; what they compute after their end is never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gdlab.core import train as single
from gdlab.core.sums import Stacked, SufficientStats
from gdlab.core.train import History, gradient_norm, is_plain_gd, uses_sums
from gdlab.record.schema import Config

Array = NDArray[np.float64]
Epochs = NDArray[np.int64]

# Epochs stepped between two looks at the stopping rules (at most
# DIVERGED_GRACE_EPOCHS, so a point's grace never ends inside the block it began in).
BLOCK = 64
NEVER = np.iinfo(np.int64).max // 4  # "no such epoch", larger than any epoch plus the grace


def can_batch(config: Config) -> bool:
    """Whether a config's run can step with others: plain gd on the data's sums."""
    return is_plain_gd(config) and uses_sums(config) and not config.training.log_steps


def train_together(configs: Sequence[Config], data: Sequence[tuple[Array, Array]]) -> list[History]:
    """Train every config on its (X, y) at once; all must pass :func:`can_batch`.

    They must share the number of features and ``training.log_every``.
    """
    if len(configs) == 1:  # nothing to step with: the very same run, alone
        return [single.train(configs[0], *data[0])]
    stacked = Stacked([SufficientStats(X, y) for X, y in data])
    p, P = stacked.theta_star.shape
    lr = np.tile([c.optimizer.lr for c in configs], (p, 1))  # (p, P): no broadcast per step
    ends = _Ends(configs)
    log_every = configs[0].training.log_every
    rows = _Rows(P, int(ends.epochs.max()) // log_every + 1, p, log_every)

    # Epoch `start + i` of the block lives in row i: theta before the step, the
    # gradient (rows :p) with R e (rows p:), and the loss. The views are made once.
    theta = np.empty((BLOCK + 1, p, P))
    theta[0] = np.array([np.append(c.initial_w(), c.training.init_b) for c in configs]).T
    evaluated = np.empty((BLOCK, 2 * p, P))
    loss = np.empty((BLOCK, P))
    step = np.empty((p, P))
    views = [
        (theta[i], evaluated[i], evaluated[i, :p], evaluated[i, p:], loss[i], theta[i + 1])
        for i in range(BLOCK)
    ]

    start = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            size = min(BLOCK, int(ends.epochs.max()) - start + 1)
            _descend(stacked, lr, views[:size], step)
            grads = evaluated[:size, :p]
            rows.log(start, loss[:size], theta[:size], grads)
            for k, epoch in ends.check(start, loss[:size], grads):
                i = epoch - start
                rows.finish(k, epoch, loss[i, k], theta[i, :, k], grads[i, :, k])
            if not ends.active.any():
                break
            theta[0] = theta[size]
            start += size
    return [
        rows.history(k, ends.status[k], int(ends.run[k]), ends.first_inf[k], ends.first_nan[k])
        for k in range(P)
    ]


def _descend(stacked: Stacked, lr: Array, views: Sequence[tuple[Any, ...]], step: Array) -> None:
    """Take one block's epochs: evaluate at each row's theta, write the next row's."""
    for now, out, grad, r_e, loss, after in views:
        stacked.evaluate(now, out, grad, r_e, loss)
        # The seed's update, w <- w - lr * dL/dw, element by element.
        np.multiply(lr, grad, out=step)
        np.subtract(now, step, out=after)


class _Ends:
    """train's stopping rules, applied to a block of epochs for every point at once."""

    def __init__(self, configs: Sequence[Config]) -> None:
        P = len(configs)
        self.epochs = np.array([c.training.epochs for c in configs], dtype=np.int64)
        self.tol = np.array([np.nan if c.training.tol is None else c.training.tol for c in configs])
        self.any_tol = bool((~np.isnan(self.tol)).any())
        self.active = np.ones(P, dtype=bool)
        self.first_inf = np.full(P, NEVER)
        self.first_nan = np.full(P, NEVER)
        self.run = np.zeros(P, dtype=np.int64)
        self.status = ["completed"] * P

    def check(self, start: int, loss: Array, grads: Array) -> list[tuple[int, int]]:
        """Record what happened in epochs start.. of the block; return (point, epoch) that end.

        loss is (size, P) and grads (size, p, P). A point ends at the first epoch
        where train would stop it: its last epoch, a gradient norm at or below
        tol, a nan loss, or DIVERGED_GRACE_EPOCHS after its loss stopped being finite.
        """
        size = loss.shape[0]
        inf_at = _first(np.isinf(loss), start)
        nan_at = _first(np.isnan(loss), start)
        first_inf = np.minimum(self.first_inf, inf_at)
        first_nan = np.minimum(self.first_nan, nan_at)
        diverged_at = np.minimum(first_inf, first_nan)
        end = np.minimum(first_nan, diverged_at + single.DIVERGED_GRACE_EPOCHS)
        end = np.minimum(end, np.where(self.epochs >= start, self.epochs, NEVER))
        converged = np.zeros(loss.shape, dtype=bool)
        if self.any_tol:
            with np.errstate(invalid="ignore"):
                converged = gradient_norm(grads.transpose(1, 0, 2)) <= self.tol
            end = np.minimum(end, _first(converged, start))
        ending = self.active & (end < start + size)
        # What happens after a point's end never happened: it had stopped.
        self.first_inf = np.where(self.active & (first_inf <= end), first_inf, self.first_inf)
        self.first_nan = np.where(self.active & (first_nan <= end), first_nan, self.first_nan)
        ended = []
        for k in np.flatnonzero(ending):
            epoch = int(end[k])
            if min(self.first_inf[k], self.first_nan[k]) <= epoch:
                self.status[k] = "diverged"
            elif converged[epoch - start, k]:
                self.status[k] = "converged"
            self.run[k] = epoch
            ended.append((int(k), epoch))
        self.active &= ~ending
        return ended


def _first(happened: NDArray[np.bool_], start: int) -> Epochs:
    """Per point, the first epoch of the block (rows from start) where it happened, or NEVER."""
    return np.where(happened.any(axis=0), start + happened.argmax(axis=0), NEVER)


class _Rows:
    """Logged rows for every point: row i holds epoch i * log_every.

    Stored point by point (point, row, parameter), so each point's History is
    cut from contiguous memory. A point that ends between two logged epochs gets
    its last row in an extra slot.
    """

    def __init__(self, points: int, capacity: int, p: int, log_every: int) -> None:
        self.log_every = log_every
        self.loss = np.zeros((points, capacity))
        self.theta = np.zeros((points, capacity, p))
        self.grad = np.zeros((points, capacity, p))
        self.last: dict[int, tuple[int, float, Array, Array]] = {}
        self.size = np.zeros(points, dtype=int)

    def log(self, start: int, loss: Array, theta: Array, grad: Array) -> None:
        """Keep the block's epochs (start, start + 1, ...) that fall on log_every."""
        first = -start % self.log_every
        if first >= loss.shape[0]:
            return
        kept = slice(first, None, self.log_every)
        slot = (start + first) // self.log_every
        slots = slice(slot, slot + len(range(first, loss.shape[0], self.log_every)))
        self.loss[:, slots] = loss[kept].T
        self.theta[:, slots] = theta[kept].transpose(2, 0, 1)
        self.grad[:, slots] = grad[kept].transpose(2, 0, 1)

    def finish(self, k: int, epoch: int, loss: float, theta: Array, grad: Array) -> None:
        self.size[k] = epoch // self.log_every + 1
        if epoch % self.log_every:
            self.last[k] = (epoch, float(loss), theta.copy(), grad.copy())

    def history(self, k: int, status: str, epochs_run: int, inf: int, nan: int) -> History:
        n = self.size[k]
        epoch = np.arange(n, dtype=np.int64) * self.log_every
        loss, theta, grad = self.loss[k, :n], self.theta[k, :n], self.grad[k, :n]
        if k in self.last:
            e, l_, t, g = self.last[k]
            epoch, loss = np.append(epoch, e), np.append(loss, l_)
            theta, grad = np.vstack([theta, t]), np.vstack([grad, g])
        return History(
            epoch=epoch,
            loss=np.array(loss),
            w=np.array(theta[:, :-1]),
            b=np.array(theta[:, -1]),
            grad_w=np.array(grad[:, :-1]),
            grad_b=np.array(grad[:, -1]),
            status=status,
            epochs_run=epochs_run,
            first_inf_epoch=int(inf) if inf < NEVER else None,
            first_nan_epoch=int(nan) if nan < NEVER else None,
        )
