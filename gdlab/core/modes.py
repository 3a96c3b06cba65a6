"""The error along each eigenvector of the Hessian, epoch by epoch, predicted without running.

On the quadratic bowl of the mean squared error (gdlab/core/theory.py) the gradient
is H e, e = theta - theta*. Write the error in the Hessian's eigenvectors,
e = sum_i c_i v_i: the gradient along v_i is lambda_i c_i, and no step mixes one
direction with another. Each direction can be followed on its own, which is what
``eigenmodes.png`` draws beside the run's own numbers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gdlab.core.momentum import matrices
from gdlab.core.notation import Array
from gdlab.core.swings import matrix_powers


def mode_errors(
    eigenvalues: Array,
    c0: Array,
    lr: float,
    epochs: NDArray[np.int64],
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
) -> Array:
    """The coordinates c_i(k) of the error along each eigenvector after k epochs of full-batch
    gradient descent with torch's SGD rule; shape (len(epochs), p).

    Parameters
    ----------
    eigenvalues : ndarray of shape (p,)
        The Hessian's eigenvalues lambda_i.
    c0 : ndarray of shape (p,)
        The error at epoch 0 along each eigenvector, c_i(0) = v_i^T (theta_0 - theta*).
    lr, momentum, dampening, nesterov
        The optimizer's settings, as ``torch.optim.SGD`` reads them.
    epochs : ndarray of shape (n_epochs,)
        The epochs k >= 0 to report (one step per epoch).

    Returns
    -------
    ndarray of shape (n_epochs, p)
        c_i(k), signed; its absolute value is the size of the error along v_i. Values
        that overflow are inf or nan (a diverging run), never a warning.

    Notes
    -----
    Without momentum each step multiplies c_i by rho_i = 1 - lr lambda_i:

        c_i(k) = c_i(0) (1 - lr lambda_i)^k

    With momentum beta and dampening d, the gradient along v_i is g = lambda_i c_i and
    the state is (c_i, buf_i). The first step takes buf = g (no dampening), then

        buf <- beta buf + (1 - d) g
        c   <- c - lr step,   step = buf (heavy ball) or g + beta buf (Nesterov)

    so, after the first step, (c, buf) <- M (c, buf) with

        heavy ball:  M = [[1 - lr (1 - d) lambda,           -lr beta  ],
                          [    (1 - d) lambda,                 beta   ]]
        Nesterov:    M = [[1 - lr (1 + beta (1 - d)) lambda, -lr beta^2],
                          [    (1 - d) lambda,                 beta   ]]

    and (c(k), buf(k)) = M^(k-1) (c(1), buf(1)) with c(1) = c(0) (1 - lr lambda) (heavy
    ball) or c(0) (1 - lr (1 + beta) lambda) (Nesterov) and buf(1) = lambda c(0). M^(k-1)
    is built by repeated squaring, every requested epoch at once.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    c0 = np.asarray(c0, dtype=np.float64)
    k = np.asarray(epochs, dtype=np.int64)
    with np.errstate(all="ignore"):  # a diverging direction overflows: that is its answer
        if not momentum:
            powers = np.power(1.0 - lr * lam, k[:, None].astype(np.float64))
            return np.where(c0 == 0, 0.0, c0 * powers)
        return _momentum_modes(lam, c0, lr, k, momentum, dampening, nesterov)


def _momentum_modes(
    lam: Array, c0: Array, lr: float, k: NDArray[np.int64], beta: float, d: float, nesterov: bool
) -> Array:
    """mode_errors with momentum > 0: the 2x2 system of each direction (see its Notes)."""
    M = matrices(lam, lr, beta, nesterov, d)  # gdlab/core/momentum.py: one home for M
    first = (1 + beta) if nesterov else 1.0  # the first step's buf is g itself
    state1 = np.stack([c0 * (1 - lr * first * lam), lam * c0], axis=-1)  # (p, 2)
    powers = matrix_powers(M, np.maximum(k - 1, 0))  # (n_epochs, p, 2, 2)
    c = np.einsum("epj,pj->ep", powers[:, :, 0, :], state1)
    return np.where(k[:, None] == 0, c0[None, :], np.where(c0 == 0, 0.0, c))
