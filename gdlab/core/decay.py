"""Weight decay on the bowl: the same descent, walking to the ridge optimum.

torch's coupled weight decay adds wd theta to the gradient of every parameter, b
included (gdlab/core/optimizers.py). On L = L* + 1/2 e^T H e the step then follows

    H (theta - theta_ls) + wd theta = (H + wd I) (theta - theta_r),
    theta_r = (H + wd I)^-1 H theta_ls                           (the ridge optimum)

so descent, plain or with momentum, walks the bowl of H + wd I: H's eigenvectors v_i,
eigenvalues lambda_i + wd, down to theta_r instead of theta_ls. Epochs to the tolerance
are still measured from theta_ls (as summary.json observes them), so along v_i the
error is d_i + c_i(k): the offset d_i = v_i^T (theta_r - theta_ls) = -wd v_i^T theta_ls /
(lambda_i + wd) stays for ever, and c_i(k), from c_i = v_i^T (theta0 - theta_r), fades as
without decay (plain descent: c_i rho_i^k, rho_i = 1 - lr (lambda_i + wd)). Parameter j
is within tol for good only if |D_j| < tol (D = V d), the whole only if ||d|| < tol.
"""

from __future__ import annotations

import numpy as np

from gdlab.core.notation import Array
from gdlab.core.settle import settle_epoch, settle_epochs


def ridge_offsets(eigenvalues: Array, eigenvectors: Array, theta_ls: Array, wd: float) -> Array:
    """d = V^T (theta_r - theta_ls) = -wd V^T theta_ls / (lambda + wd), shape (p,); 0 if wd is."""
    if not wd:
        return np.zeros(len(eigenvalues))
    return np.asarray(-wd * (eigenvectors.T @ theta_ls) / (eigenvalues + wd), dtype=np.float64)


def settle_with_offsets(
    V: Array, coeffs: Array, offsets: Array, rho: Array, tol: float, log_rate: Array
) -> tuple[int | None, list[int | None]]:
    """Epochs from which plain descent's error from theta_ls stays within tol, overall and
    per parameter; the error along v_i is d_i + c_i rho_i^k (``offsets`` d, ``coeffs`` c).

    Parameter j's error D_j + sum_i V_ji c_i rho_i^k is a geometric sum with one term of
    rate 1. The squared norm S(k) = sum d_i^2 + sum 2 d_i c_i rho_i^k + sum c_i^2 (rho_i^2)^k
    is one too, and S < tol^2 for good is the same question (S >= 0). None where the
    lasting part (|D_j|, or ||d||) is at least tol.
    """
    one, zero = np.ones(1), np.zeros(1)
    rates, logs = np.concatenate([rho, one]), np.concatenate([log_rate, zero])
    D = V @ offsets
    per_param = settle_epochs(np.column_stack([V * coeffs, D]), rates, tol, logs)
    terms = np.concatenate([[offsets @ offsets], 2 * offsets * coeffs, coeffs * coeffs])
    total = settle_epoch(
        terms,
        np.concatenate([one, rho, rho * rho]),
        tol * tol,
        np.concatenate([zero, log_rate, 2 * log_rate]),
    )
    return total, per_param
