"""Many runs of plain full-batch gradient descent, stepped together as arrays.

A sweep's points differ only in numbers (rates, seeds, starts), so instead of
running them one after another they advance side by side: row k of every
array is point k. Each point gets exactly the History that :func:`train` would
give it alone, bit for bit: the sums are evaluated by the same ordered
element-wise arithmetic (:class:`gdlab.sums.Stacked`), the step is the seed's
``w - lr * grad`` element by element, and the stopping rules are train's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from gdlab import train as single
from gdlab.schema import Config
from gdlab.sums import Stacked, SufficientStats
from gdlab.train import History, gradient_norm, is_plain_gd, uses_sums

Array = NDArray[np.float64]


def can_batch(config: Config) -> bool:
    """Whether a config's run can step with others: plain gd on the data's sums."""
    return is_plain_gd(config) and uses_sums(config) and not config.training.log_steps


def train_together(configs: Sequence[Config], data: Sequence[tuple[Array, Array]]) -> list[History]:
    """Train every config on its (X, y) at once; all must pass :func:`can_batch`.

    They must share the number of features and ``training.log_every``.
    """
    P = len(configs)
    stacked = Stacked([SufficientStats(X, y) for X, y in data])
    # (p, P): row i is parameter i of every point (contiguous for the arithmetic).
    theta = np.array([np.append(c.initial_w(), c.training.init_b) for c in configs]).T.copy()
    lr = np.array([c.optimizer.lr for c in configs])
    epochs = np.array([c.training.epochs for c in configs])
    tol = np.array([np.nan if c.training.tol is None else c.training.tol for c in configs])
    any_tol = bool((~np.isnan(tol)).any())
    log_every = configs[0].training.log_every
    rows = _Rows(P, int(epochs.max()) // log_every + 1, theta.shape[0])
    active = np.ones(P, dtype=bool)
    first_inf = np.full(P, -1)
    first_nan = np.full(P, -1)
    status = np.array(["completed"] * P, dtype=object)
    epochs_run = np.zeros(P, dtype=int)
    next_end = int(epochs.min())  # the first epoch at which some point runs out
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(int(epochs.max()) + 1):
            loss, grad = stacked.evaluate(theta)
            if epoch % log_every == 0:
                rows.log(epoch // log_every, epoch, loss, theta, grad)
            # Most epochs nothing ends: every loss finite, no tolerance, no point out of epochs.
            quiet = epoch < next_end and not any_tol and bool((np.isfinite(loss) | ~active).all())
            if not quiet:
                first_inf[active & np.isinf(loss) & (first_inf < 0)] = epoch
                first_nan[active & np.isnan(loss) & (first_nan < 0)] = epoch
                diverged = (first_inf >= 0) | (first_nan >= 0)
                converged = ~np.isnan(tol) & (gradient_norm(grad.T) <= tol)
                first = np.where(first_inf >= 0, first_inf, first_nan)
                first = np.where((first_nan >= 0) & (first_nan < first), first_nan, first)
                last = active & (
                    (epoch == epochs)
                    | converged
                    | (first_nan >= 0)
                    | (diverged & (epoch - first >= single.DIVERGED_GRACE_EPOCHS))
                )
                for k in np.flatnonzero(last):
                    rows.finish(int(k), epoch, log_every, loss, theta, grad)
                status[last & diverged] = "diverged"
                status[last & ~diverged & converged] = "converged"
                epochs_run[last] = epoch
                active &= ~last
                if not active.any():
                    break
                next_end = int(epochs[active].min())
            # The seed's update, w <- w - lr * dL/dw, element by element. Points that have
            # ended step on too (it is cheaper than masking); their rows are never read.
            theta = theta - lr * grad
    return [
        rows.history(k, str(status[k]), int(epochs_run[k]), first_inf[k], first_nan[k])
        for k in range(P)
    ]


class _Rows:
    """Logged rows for every point: row slot i holds epoch i * log_every for all points.

    A point that ends between two logged epochs gets its last row in an extra slot.
    """

    def __init__(self, points: int, capacity: int, p: int) -> None:
        self.epoch = np.zeros((capacity, points), dtype=np.int64)
        self.loss = np.zeros((capacity, points))
        self.theta = np.zeros((capacity, p, points))
        self.grad = np.zeros((capacity, p, points))
        self.last: dict[int, tuple[int, float, Array, Array]] = {}
        self.size = np.zeros(points, dtype=int)

    def log(self, slot: int, epoch: int, loss: Array, theta: Array, grad: Array) -> None:
        self.epoch[slot] = epoch
        self.loss[slot] = loss
        self.theta[slot] = theta
        self.grad[slot] = grad

    def finish(
        self, k: int, epoch: int, log_every: int, loss: Array, theta: Array, grad: Array
    ) -> None:
        self.size[k] = epoch // log_every + 1
        if epoch % log_every:
            self.last[k] = (epoch, float(loss[k]), theta[:, k].copy(), grad[:, k].copy())

    def history(self, k: int, status: str, epochs_run: int, inf: int, nan: int) -> History:
        n = self.size[k]
        epoch, loss = self.epoch[:n, k], self.loss[:n, k]
        theta, grad = self.theta[:n, :, k], self.grad[:n, :, k]
        if k in self.last:
            e, l_, t, g = self.last[k]
            epoch, loss = np.append(epoch, e), np.append(loss, l_)
            theta, grad = np.vstack([theta, t]), np.vstack([grad, g])
        return History(
            epoch=np.array(epoch),
            loss=np.array(loss),
            w=np.array(theta[:, :-1]),
            b=np.array(theta[:, -1]),
            grad_w=np.array(grad[:, :-1]),
            grad_b=np.array(grad[:, -1]),
            status=status,
            epochs_run=epochs_run,
            first_inf_epoch=int(inf) if inf >= 0 else None,
            first_nan_epoch=int(nan) if nan >= 0 else None,
        )
