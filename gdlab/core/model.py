"""The four functions of the seed: predict, loss, gradients, update.

Everything gdlab trains comes down to these. They work on any number of
features: ``X`` has shape ``(n_samples, n_features)`` and ``w`` shape
``(n_features,)``; the seed's line is the case ``n_features == 1``.
"""

from __future__ import annotations

import numpy as np

from gdlab.core.notation import Array


def predict(X: Array, w: Array, b: float) -> Array:
    """Predict targets with a linear model.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    w : ndarray of shape (n_features,)
    b : float

    Returns
    -------
    y_hat : ndarray of shape (n_samples,)

    Notes
    -----
    y_hat = X w + b
    """
    return X @ w + b


def loss(y_hat: Array, y: Array) -> float:
    """Mean squared error between predictions and targets.

    Parameters
    ----------
    y_hat : ndarray of shape (n_samples,)
    y : ndarray of shape (n_samples,)

    Returns
    -------
    float

    Notes
    -----
    L = (1/n) sum_i (y_hat_i - y_i)^2

    There is no 1/2 factor (d2l uses one), so the gradients below carry a 2.
    """
    residual = y_hat - y
    return float(np.mean(residual * residual))


def gradients(X: Array, y: Array, y_hat: Array) -> tuple[Array, float]:
    """Gradients of the mean squared error with respect to w and b.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    y_hat : ndarray of shape (n_samples,)
        Predictions at the current parameters, ``predict(X, w, b)``.

    Returns
    -------
    grad_w : ndarray of shape (n_features,)
    grad_b : float

    Notes
    -----
    dL/dw = (2/n) X^T (y_hat - y)
    dL/db = (2/n) sum_i (y_hat_i - y_i)

    grad_b has no X in it: the intercept's gradient is not amplified by the
    size of x, which is why b converges more slowly than w on the seed's data.
    """
    n_samples = y.shape[0]
    residual = y_hat - y
    grad_w = (2.0 / n_samples) * (X.T @ residual)
    grad_b = (2.0 / n_samples) * float(residual.sum())
    return grad_w, grad_b


def update(w: Array, b: float, grad_w: Array, grad_b: float, lr: float) -> tuple[Array, float]:
    """Take one gradient-descent step downhill.

    Parameters
    ----------
    w : ndarray of shape (n_features,)
    b : float
    grad_w : ndarray of shape (n_features,)
    grad_b : float
    lr : float
        The learning rate, the size of the step.

    Returns
    -------
    w : ndarray of shape (n_features,)
    b : float

    Notes
    -----
    w <- w - lr * dL/dw
    b <- b - lr * dL/db
    """
    return w - lr * grad_w, b - lr * grad_b
