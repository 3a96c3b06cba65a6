"""Momentum on the bowl: every eigen-direction a 2x2 linear system, predicted before a step.

torch's SGD with momentum beta and dampening 0 (gdlab/core/optimizers.py), on the
quadratic L = L* + (1/2) e^T H e whose gradient is g = H e:

    buf_{k+1} = beta buf_k + g_k,        theta_{k+1} = theta_k - lr buf_{k+1}
    Nesterov:                            theta_{k+1} = theta_k - lr (g_k + beta buf_{k+1})

torch's first step sets buf = g, which is beta * 0 + g, so the state starts at
(c_i, 0). Along eigenvector i (g_i = lambda_i c_i) the state (c_i, buf_i) moves by

    heavy ball  M_i = [[1 - lr lambda_i, -lr beta],           [lambda_i, beta]]
    Nesterov    M_i = [[1 - lr lambda_i (1 + beta), -lr beta^2], [lambda_i, beta]]

whose eigenvalues z are the roots of z^2 - tr z + det = 0. Complex roots
(under-damped) make the direction swing through the optimum with |z| = sqrt(det);
real ones (over-damped) creep in. The direction is stable when both |z| < 1:
heavy ball 0 < lr lambda < 2 (1 + beta), Nesterov 0 < lr lambda < 2 (1 + beta) / (1 + 2 beta).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gdlab.core.notation import Array
from gdlab.core.overflow import Divergence, SignPairs
from gdlab.core.swings import settle


def matrices(
    eigenvalues: Array, lr: float, beta: float, nesterov: bool = False, dampening: float = 0.0
) -> Array:
    """M_i for each eigenvalue: array of shape (p, 2, 2) acting on (c_i, buf_i).

    With dampening d the buffer takes (1 - d) g after the first step (the module's
    matrices are d = 0): M = [[1 - lr push lambda, -lr beta (beta if Nesterov)],
    [(1 - d) lambda, beta]], push = 1 - d, or 1 + beta (1 - d) for Nesterov.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    push = (1 + beta * (1 - dampening)) if nesterov else (1 - dampening)
    M = np.empty((lam.size, 2, 2))
    M[:, 0, 0] = 1 - lr * push * lam
    M[:, 0, 1] = -lr * (beta * beta if nesterov else beta)
    M[:, 1, 0] = (1 - dampening) * lam
    M[:, 1, 1] = beta
    return M


def roots(M: Array) -> NDArray[np.complex128]:
    """The two eigenvalues z of each M_i, the larger in size first: shape (p, 2)."""
    tr, det = M[:, 0, 0] + M[:, 1, 1], M[:, 0, 0] * M[:, 1, 1] - M[:, 0, 1] * M[:, 1, 0]
    root = np.sqrt((tr * tr - 4 * det).astype(np.complex128))
    z = np.stack([(tr + root) / 2, (tr - root) / 2], axis=1)
    swap = np.abs(z[:, 1]) > np.abs(z[:, 0])
    z[swap] = z[swap][:, ::-1]
    return np.asarray(z, dtype=np.complex128)


def critical_damping_beta(eigenvalues: Array, lr: float) -> Array:
    """The beta at which heavy ball's direction i is critically damped: (1 - sqrt(lr lambda_i))^2.

    Below it the direction creeps in (over-damped), above it it swings (under-damped).
    """
    return np.asarray((1 - np.sqrt(lr * np.maximum(eigenvalues, 0.0))) ** 2, dtype=np.float64)


def critical_damping_lr(eigenvalue: float, beta: Array, nesterov: bool = False) -> Array:
    """The two rates at which a direction is critically damped, for each beta: shape (2, len).

    The roots of M are equal where the discriminant tr^2 - 4 det is zero:

        heavy ball  lr lambda = (1 - sqrt(beta))^2  and  (1 + sqrt(beta))^2,
        Nesterov    lr lambda = ((1 - beta) / (1 + beta))^2  and  1.

    Between the two rates the roots are complex (the direction swings), outside
    them real (it creeps in, or flips sign each epoch).
    """
    b = np.asarray(beta, dtype=np.float64)
    if nesterov:
        low, high = ((1 - b) / (1 + b)) ** 2, np.ones_like(b)
    else:
        low, high = (1 - np.sqrt(b)) ** 2, (1 + np.sqrt(b)) ** 2
    return np.stack([low, high]) / eigenvalue


def optimal_pair(eigenvalues: Array) -> tuple[float, float]:
    """Heavy ball's best (lr, beta) (Polyak):

        lr = (2 / (sqrt(lmax) + sqrt(lmin)))^2,  beta = ((sqrt(k) - 1) / (sqrt(k) + 1))^2.

    Every direction then shrinks by sqrt(beta) = (sqrt(k) - 1) / (sqrt(k) + 1) per epoch,
    k = lmax / lmin, against (k - 1) / (k + 1) for plain descent at its best rate.
    """
    low, high = float(eigenvalues[0]), float(eigenvalues[-1])
    root_k = np.sqrt(high / low) if low > 0 else np.inf
    lr = (2 / (np.sqrt(high) + np.sqrt(low))) ** 2
    return float(lr), float(((root_k - 1) / (root_k + 1)) ** 2) if low > 0 else 1.0


@dataclass(frozen=True)
class MomentumPrediction:
    """What momentum will do at one (lr, beta), from one start (see the module's docstring)."""

    lr: float
    beta: float
    nesterov: bool
    outcome: str  # "converges" or "diverges"
    rates: Array  # |z| of each direction's larger root: the long-run factor per epoch
    oscillates: NDArray[np.bool_]  # complex roots: under-damped
    critical_beta: Array  # heavy ball's critical damping beta for each direction
    epochs_to_tol: int | None  # from this epoch on, ||theta - theta_ls|| < tol
    epochs_to_tol_per_param: list[int | None]  # from this epoch on, |theta_k - theta_ls_k| < tol
    first_inf_epoch: int | None
    first_nan_epoch: int | None
    frozen: int = 0  # directions whose root rounds to exactly 1: their error never moves


def predict_momentum(
    eigenvalues: Array,
    eigenvectors: Array,
    coeffs: Array,
    lr: float,
    beta: float,
    tol: float,
    nesterov: bool,
    divergence: tuple[int, SignPairs],
    weight_decay: float = 0.0,
    offsets: Array | None = None,
) -> MomentumPrediction:
    """Predict a momentum run whose error starts at sum_i coeffs_i v_i.

    ``divergence`` is (n_samples, sign patterns), what a diverging run's overflows
    follow from (gdlab/core/overflow.py). With ``weight_decay`` wd each direction's
    curvature is lambda_i + wd, ``coeffs`` are measured from the ridge optimum and
    ``offsets`` are where it lies from theta_ls along each v_i (gdlab/core/decay.py).
    """
    curvature = np.asarray(eigenvalues) + weight_decay
    M = matrices(curvature, lr, beta, nesterov)
    z = roots(M)
    rates = np.abs(z[:, 0])
    # A step so small that its root rounds to exactly 1 moves nothing, as in plain descent:
    # the error along that direction stays where it starts (never within tol, unless it is).
    frozen = (rates == 1.0) & (z[:, 0].real > 0) & (lr * curvature < 1)
    stable = bool(np.all((rates < 1) | frozen))
    per_param: list[int | None] = [None] * len(coeffs)
    total = first_inf = first_nan = None
    if stable and not frozen.any():
        d = np.zeros(len(coeffs)) if offsets is None else np.asarray(offsets)
        total, per_param = settle(M, z, np.asarray(eigenvectors), np.asarray(coeffs), d, tol)
    elif not stable:
        first_inf, first_nan = _overflows(M, z, eigenvalues, eigenvectors, coeffs, divergence)
    return MomentumPrediction(
        lr=lr,
        beta=beta,
        nesterov=nesterov,
        outcome="converges" if stable else "diverges",
        rates=rates,
        oscillates=np.abs(z[:, 0].imag) > 0,
        critical_beta=critical_damping_beta(curvature, lr),
        epochs_to_tol=total,
        epochs_to_tol_per_param=per_param,
        first_inf_epoch=first_inf,
        first_nan_epoch=first_nan,
        frozen=int(frozen.sum()),
    )


def _overflows(
    M: Array,
    z: NDArray[np.complex128],
    eigenvalues: Array,
    eigenvectors: Array,
    coeffs: Array,
    divergence: tuple[int, SignPairs],
) -> tuple[int | None, int | None]:
    """First inf and nan epochs, from each direction's dominant root (real when it grows)."""
    dominant = z[:, 0].real
    # c_i(k) = a z1^k + b z2^k from (c_i, 0): a = c_i (z1 - m22) / (z1 - z2) for distinct roots
    gap = z[:, 0] - z[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        amplitude = np.where(np.abs(gap) > 0, (coeffs * (z[:, 0] - M[:, 1, 1]) / gap).real, coeffs)
    n_samples, signs = divergence
    found = Divergence(eigenvalues, eigenvectors, n_samples, amplitude, dominant, signs)
    return found.first_inf_epoch(), found.first_nan_epoch()
