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

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from gdlab.core.notation import Array
from gdlab.core.overflow import Divergence, SignPairs
from gdlab.core.settle import first_below

_BLOCK = 4096  # epochs evaluated at once, from the powers of M kept for a block
_SCAN = 1 << 22  # epochs scanned at a time below the bound that guarantees "within for good"
_WINDOWS = 8  # how many such windows, back from the bound, before its answer must do


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
        total, per_param = _settle(M, z, np.asarray(eigenvectors), np.asarray(coeffs), d, tol)
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


def _settle(
    M: Array, z: NDArray[np.complex128], V: Array, coeffs: Array, offsets: Array, tol: float
) -> tuple[int | None, list[int | None]]:
    """The epochs from which the whole error, and each parameter's, stay within tol.

    The error along v_i is offsets_i + c_i(k) (offsets: weight decay's, else 0). A bound
    that only falls says when everything is inside for good; the epochs below it are
    then run through, a block at a time, and the last one outside counts. What the
    offsets alone keep at tol or beyond (||d||, |D_j|) is never inside: None.
    """
    size = _bound(M, z, np.abs(coeffs))
    weights = np.vstack([np.ones((1, len(coeffs))), np.abs(V)])  # the norm, then each parameter
    lasting = np.abs(np.append(np.linalg.norm(offsets), V @ offsets))
    settles = lasting < tol
    if not settles.any():
        return None, [None] * len(coeffs)
    end = max(
        first_below(partial(_weighted, size, w, left), tol)
        for w, left in zip(weights[settles], lasting[settles], strict=True)
    )
    last = np.full(len(weights), -1)
    powers = _block_powers(M)
    start = end
    for _ in range(_WINDOWS):  # windows of _SCAN epochs, back from the bound's answer
        stop, start = start, max(0, start - _SCAN)
        todo = last < 0  # what a later window found outside is found for good
        last[todo] = _last_outside(M, powers, V, coeffs, offsets, tol, start, stop)[todo]
        if start == 0 or (last[settles] >= 0).all():
            break
    # Never outside in the epochs run through: inside from the start, or (more than
    # _WINDOWS * _SCAN epochs below the bound, never seen in the tests) from at most there.
    found: list[int | None] = [
        None if not inside else int(k) + 1 if k >= 0 else start
        for k, inside in zip(last, settles, strict=True)
    ]
    return found[0], found[1:]


def _last_outside(
    M: Array,
    powers: Array,
    V: Array,
    coeffs: Array,
    offsets: Array,
    tol: float,
    start: int,
    stop: int,
) -> NDArray[np.int64]:
    """The last epoch in [start, stop) outside tol, for the norm and each parameter (-1: none)."""
    last = np.full(1 + V.shape[0], -1)
    state = np.stack([coeffs, np.zeros_like(coeffs)], axis=1)
    state = np.einsum("pij,pj->pi", _power(M, start), state)
    for k0 in range(start, stop, _BLOCK):
        c = np.einsum("pkij,pj->kpi", powers, state)[:, :, 0]  # c_i at epochs k0 .. k0 + block
        c = c[: stop - k0] + offsets  # the error from theta_ls along each v_i
        errors = np.column_stack([np.sqrt(np.sum(c * c, axis=1)), c @ V.T])
        outside = ~(np.abs(errors) < tol)
        hit = outside.any(axis=0)
        last[hit] = k0 + len(c) - 1 - np.argmax(outside[::-1], axis=0)[hit]
        state = np.einsum("pij,pj->pi", powers[:, -1] @ M, state)
    return last


def _weighted(size: Callable[[int], Array], weights: Array, lasting: float, k: int) -> float:
    return lasting + float(weights @ size(k))


def _bound(M: Array, z: NDArray[np.complex128], c0: Array) -> Callable[[int], Array]:
    """k -> an upper bound on each |c_i(k)| that never rises: the lesser of two.

    With distinct roots c_i(k) = a z1^k + b z2^k (from (c_i, 0): a + b = c_i and
    a z1 + b z2 = c_i(1) = M_00 c_i), so |c_i(k)| <= |a| |z1|^k + |b| |z2|^k: tight, but
    a and b grow without limit as the roots meet. From M's Schur form M = U T U*,
    T = [[z1, t], [0, z2]], T^k has z^k on its diagonal and at most |t| k r^(k-1) above
    it, so ||M^k s|| <= ||s|| (r^k + |t| k r^(k-1)), r = |z1|: loose by k, but never
    undefined. That one is held at its peak until it has passed it, so both only fall.
    """
    r = np.abs(z[:, 0])
    t = _schur_corner(M, z)
    peak = np.where((t > 0) & (r < 1), np.ceil(-1 / np.log(np.maximum(r, 1e-300))), 0)

    gap = z[:, 0] - z[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.abs((M[:, 0, 0] - z[:, 1]) / gap) * c0
        b = np.abs((z[:, 0] - M[:, 0, 0]) / gap) * c0
    distinct = (np.abs(gap) > 0) & np.isfinite(a) & np.isfinite(b)
    r2 = np.abs(z[:, 1])

    def size(k: int) -> Array:
        kk = np.maximum(k, peak)
        with np.errstate(under="ignore", divide="ignore", invalid="ignore", over="ignore"):
            grow = np.where(t > 0, t * kk * r ** np.maximum(kk - 1, 0), 0.0)
            schur = c0 * (r**kk + grow)
            roots_apart = np.where(distinct, a * r**k + b * r2**k, np.inf)
            return np.asarray(np.minimum(schur, roots_apart), dtype=np.float64)

    return size


def _schur_corner(M: Array, z: NDArray[np.complex128]) -> Array:
    """|t| of each M_i's Schur form: how far M_i is from a rotation-free scaling."""
    corner = np.zeros(len(M))
    for i, (m, root) in enumerate(zip(M, z[:, 0], strict=True)):
        # an eigenvector u of root, then w orthogonal to it: t = u* M w
        u = np.array([m[0, 1], root - m[0, 0]], dtype=np.complex128)
        if np.abs(u).max() == 0:
            u = np.array([root - m[1, 1], m[1, 0]], dtype=np.complex128)
        if np.abs(u).max() == 0:  # M is already diagonal
            continue
        u = u / np.linalg.norm(u)
        w = np.array([-np.conj(u[1]), np.conj(u[0])])
        corner[i] = abs(np.conj(u) @ m @ w)
    return corner


def _power(M: Array, k: int) -> Array:
    return (
        np.stack([np.linalg.matrix_power(m, k) for m in M])
        if k
        else np.tile(np.eye(2), (len(M), 1, 1))
    )


def _block_powers(M: Array) -> Array:
    """M^0 .. M^(block - 1) for every direction: shape (p, block, 2, 2)."""
    powers = np.empty((len(M), _BLOCK, 2, 2))
    powers[:, 0] = np.eye(2)
    for k in range(1, _BLOCK):
        powers[:, k] = M @ powers[:, k - 1]
    return powers


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
