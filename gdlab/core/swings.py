"""When momentum's errors stay within the tolerance for good (gdlab/core/momentum.py).

Each eigen-direction's state (c_i, buf_i) moves by its 2x2 matrix M_i. A bound on
|c_i(k)| that only falls says from which epoch everything is inside for good; the
epochs below it are then run through, a block of epochs at a time from the powers
of M, and the last one outside counts.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from numpy.typing import NDArray

from gdlab.core.notation import Array
from gdlab.core.settle import first_below

_BLOCK = 4096  # epochs evaluated at once, from the powers of M kept for a block
_SCAN = 1 << 22  # epochs scanned at a time below the bound that guarantees "within for good"
_WINDOWS = 8  # how many such windows, back from the bound, before its answer must do


def settle(
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
    state = np.einsum("pij,pj->pi", matrix_powers(M, np.array([start]))[0], state)
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


def matrix_powers(M: Array, n: NDArray[np.int64]) -> Array:
    """M^n for each n, M of shape (p, 2, 2): shape (len(n), p, 2, 2), by repeated squaring."""
    result = np.broadcast_to(np.eye(2), (n.size, *M.shape)).copy()
    square, left = M.copy(), n.copy()
    while left.any():
        odd = (left & 1).astype(bool)
        result[odd] = result[odd] @ square
        square = square @ square
        left >>= 1
    return np.asarray(result, dtype=np.float64)


def _block_powers(M: Array) -> Array:
    """M^0 .. M^(block - 1) for every direction: shape (p, block, 2, 2)."""
    powers = np.empty((len(M), _BLOCK, 2, 2))
    powers[:, 0] = np.eye(2)
    done, step = 1, M[:, None]  # step = M^done: the next `done` powers are step @ those known
    while done < _BLOCK:
        more = min(done, _BLOCK - done)
        powers[:, done : done + more] = step @ powers[:, :more]
        done += more
        step = step @ step
    return powers
