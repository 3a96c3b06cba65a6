"""Many runs of full-batch gradient descent, plain or with momentum, stepped together.

A sweep's points differ only in numbers (rates, momenta, seeds, starts), so instead
of running them one after another they advance side by side: column k of every
array is point k. Each point gets exactly the History that :func:`train` would
give it alone on the data's sums, bit for bit: the sums are evaluated by the
same ordered element-wise arithmetic (:class:`gdlab.core.sums.Stacked`), the
step is the seed's ``w - lr * grad`` element by element (with momentum, SGD's
rule in gdlab/core/optimizers.py, the same operations in the same order), and
the stopping rule is train's own :func:`~gdlab.core.train.stops`, applied
element-wise. Runs stepped together share one kind of step: all plain, or all
heavy ball, or all Nesterov.

The points step in blocks of :data:`BLOCK` epochs, written straight into
buffers (no allocation, no Python-level checks per epoch); after each block
the stopping rule is applied to the block's epochs, so a point ends at the
very epoch it would alone. Points that have ended step on until
the block is over; what they compute after their end is never read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gdlab.core.notation import Array
from gdlab.core.optimizers import SGD
from gdlab.core.sums import Stacked, SufficientStats
from gdlab.core.train import NEVER, History, gradient_norm, outcome, stops, train

Epochs = NDArray[np.int64]

# Epochs stepped between two looks at the stopping rule: long enough that Python's
# cost per block vanishes, short enough that ended points do little wasted work.
BLOCK = 64


@dataclass(frozen=True)
class PlainRun:
    """One run of plain full-batch gradient descent on the data's sums, as train() takes it."""

    X: Array
    y: Array
    sums: SufficientStats
    lr: float
    epochs: int
    init_w: Array
    init_b: float = 0.0
    tol: float | None = None
    momentum: float = 0.0  # SGD's, dampening 0: buf <- momentum * buf + g
    nesterov: bool = False


def kind(momentum: float, nesterov: bool) -> tuple[bool, bool]:
    """Which step a run takes: (with momentum, Nesterov). Runs stepped together share it."""
    return momentum != 0, momentum != 0 and nesterov


def train_together(
    runs: Sequence[PlainRun],
    log_every: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> list[History]:
    """Train every run at once; each History is the one :func:`train` gives it alone.

    They must share the number of features. ``on_progress(epoch)`` is called
    after each block with the last epoch stepped.
    """
    if len(runs) == 1:  # nothing to step with: the very same run, alone
        r = runs[0]
        return [
            train(
                r.X,
                r.y,
                SGD(r.lr, r.momentum, nesterov=r.nesterov),
                r.epochs,
                init_w=r.init_w,
                init_b=r.init_b,
                tol=r.tol,
                log_every=log_every,
                sums=r.sums,
            )
        ]
    if len({kind(r.momentum, r.nesterov) for r in runs}) > 1:
        raise ValueError("runs stepped together must share their kind of step")
    stacked = Stacked([r.sums for r in runs])
    p, P = stacked.theta_star.shape
    lr = np.tile([r.lr for r in runs], (p, 1))  # (p, P): no broadcast per step
    step = _Step(lr, np.tile([r.momentum for r in runs], (p, 1)), runs[0].nesterov)
    ends = _Ends(runs)
    rows = _Rows(P, int(ends.epochs.max()) // log_every + 1, p, log_every)

    # Epoch `start + i` of the block lives in row i: theta before the step, the
    # gradient (rows :p) with R e (rows p:), and the loss. The views are made once.
    theta = np.empty((BLOCK + 1, p, P))
    theta[0] = np.array([np.append(r.init_w, r.init_b) for r in runs]).T
    evaluated = np.empty((BLOCK, 2 * p, P))
    loss = np.empty((BLOCK, P))
    views = [
        (theta[i], evaluated[i], evaluated[i, :p], evaluated[i, p:], loss[i], theta[i + 1])
        for i in range(BLOCK)
    ]

    start = 0
    done: tuple[int, Array, Array, Array] | None = None  # the last epoch of the last whole block
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            while True:
                size = min(BLOCK, int(ends.epochs.max()) - start + 1)
                _descend(stacked, views[:size], step, start)
                grads = evaluated[:size, :p]
                rows.log(start, loss[:size], theta[:size], grads)
                for k, epoch in ends.check(start, loss[:size], grads):
                    i = epoch - start
                    rows.finish(k, epoch, loss[i, k], theta[i, :, k], grads[i, :, k])
                if not ends.active.any():
                    break
                last = size - 1
                done = (start + last, loss[last].copy(), theta[last].copy(), grads[last].copy())
                if on_progress is not None:
                    on_progress(start + last)
                theta[0] = theta[size]
                start += size
        except KeyboardInterrupt:
            # As train does alone: every point still running keeps its finished epochs.
            if done is None:
                raise
            epoch, done_loss, done_theta, done_grad = done
            for k in ends.interrupt(epoch):
                rows.finish(k, epoch, done_loss[k], done_theta[:, k], done_grad[:, k])
    return [
        rows.history(k, ends.status[k], int(ends.run[k]), ends.first_inf[k], ends.first_nan[k])
        for k in range(P)
    ]


def _descend(stacked: Stacked, views: Sequence[tuple[Any, ...]], step: _Step, start: int) -> None:
    """Take one block's epochs (from ``start``): evaluate at each row's theta, write the next."""
    for i, (now, out, grad, r_e, loss, after) in enumerate(views):
        stacked.evaluate(now, out, grad, r_e, loss)
        step.take(now, grad, after, first=start + i == 0)


class _Step:
    """The update of every run, into preallocated arrays (an epoch allocates nothing).

    Plain: theta <- theta - lr * g, the seed's update. With momentum, as SGD.rule:
    buf <- g on the first step, else momentum * buf + g (dampening 0: (1 - 0) * g is g);
    then theta <- theta - lr * buf, or with Nesterov theta - lr * (g + momentum * buf).
    """

    def __init__(self, lr: Array, momentum: Array, nesterov: bool) -> None:
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov
        self.moving = bool(momentum.any())
        self.buf = np.zeros_like(lr)
        self.scratch = np.empty_like(lr)
        self.direction = np.empty_like(lr)

    def take(self, now: Array, grad: Array, after: Array, first: bool) -> None:
        direction = grad
        if self.moving:
            if first:
                self.buf[...] = grad
            else:
                np.multiply(self.momentum, self.buf, out=self.scratch)
                np.add(self.scratch, grad, out=self.buf)
            direction = self.buf
            if self.nesterov:
                np.multiply(self.momentum, self.buf, out=self.scratch)
                np.add(grad, self.scratch, out=self.direction)
                direction = self.direction
        np.multiply(self.lr, direction, out=self.scratch)
        np.subtract(now, self.scratch, out=after)


class _Ends:
    """:func:`gdlab.core.train.stops`, applied to a block of epochs of every point at once."""

    def __init__(self, runs: Sequence[PlainRun]) -> None:
        P = len(runs)
        self.epochs = np.array([r.epochs for r in runs], dtype=np.int64)
        self.tol = np.array([np.nan if r.tol is None else r.tol for r in runs])
        self.any_tol = bool((~np.isnan(self.tol)).any())
        self.active = np.ones(P, dtype=bool)
        self.first_bad = np.full(P, NEVER)
        self.first_inf = np.full(P, NEVER)
        self.first_nan = np.full(P, NEVER)
        self.run = np.zeros(P, dtype=np.int64)
        self.status = ["completed"] * P

    def check(self, start: int, loss: Array, grads: Array) -> list[tuple[int, int]]:
        """Apply the rule to epochs start.. of the block; return the (point, epoch) that end.

        loss is (size, P) and grads (size, p, P); row i is epoch start + i.
        """
        epoch = np.arange(start, start + loss.shape[0])[:, None]
        bad_at = np.where(np.isfinite(loss), NEVER, epoch)
        first_bad = np.minimum(self.first_bad, np.minimum.accumulate(bad_at, axis=0))
        norm: Array | float = np.inf
        if self.any_tol:
            with np.errstate(invalid="ignore"):
                norm = gradient_norm(grads[:, :-1].transpose(1, 0, 2), grads[:, -1])
        with np.errstate(invalid="ignore"):
            ending = stops(epoch, self.epochs, norm, self.tol, first_bad, np.isnan(loss))
        ending = np.asarray(ending) & self.active
        ends_at = np.where(ending.any(axis=0), start + ending.argmax(axis=0), NEVER)
        # What happens after a point's end never happened: it had stopped.
        seen = (epoch <= ends_at) & self.active
        self.first_inf = np.minimum(self.first_inf, _first(np.isinf(loss) & seen, start))
        self.first_nan = np.minimum(self.first_nan, _first(np.isnan(loss) & seen, start))
        self.first_bad = first_bad[-1]
        ended = []
        for k in np.flatnonzero(ends_at < NEVER):
            e = int(ends_at[k])
            converged = bool(np.broadcast_to(norm, loss.shape)[e - start, k] <= self.tol[k])
            self.status[k] = outcome(bool(first_bad[e - start, k] <= e), converged)
            self.run[k] = e
            ended.append((int(k), e))
        self.active &= ends_at == NEVER
        return ended

    def interrupt(self, epoch: int) -> list[int]:
        """End every running point at ``epoch``, interrupted; returns those points."""
        running = [int(k) for k in np.flatnonzero(self.active)]
        for k in running:
            self.status[k], self.run[k] = "interrupted", epoch
        # A block cut short may have seen later epochs: they never finished.
        for first in (self.first_inf, self.first_nan):
            first[self.active & (first > epoch)] = NEVER
        self.active[:] = False
        return running


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
        # Views into the rows, not copies: a batch's histories are held once, not twice.
        return History(
            epoch=epoch,
            loss=loss,
            w=theta[:, :-1],
            b=theta[:, -1],
            grad_w=grad[:, :-1],
            grad_b=grad[:, -1],
            status=status,
            epochs_run=epochs_run,
            first_inf_epoch=int(inf) if inf < NEVER else None,
            first_nan_epoch=int(nan) if nan < NEVER else None,
        )
