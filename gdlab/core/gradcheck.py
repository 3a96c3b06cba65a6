"""Gradient check: the calculus in model.gradients against central finite differences.

dL/dtheta_k ~ (L(theta + h e_k) - L(theta - h e_k)) / (2h). The MSE is
quadratic, so the central difference is exact but for rounding, and any real
disagreement means the analytic formula is wrong. The rounding is what the step
h must beat: each loss is off by about eps * L, and the loss grows as
L + H_kk h^2 away from theta, so the error in the difference, about
eps (L + H_kk h^2) / 2h, is smallest at h_k = sqrt(L / H_kk) (H_kk = 2 mean x_k^2,
or 2 for b). A fixed h of 1e-6 instead cancels badly where L is large and the
gradient small, and reports correct gradients as wrong. Without an intercept b
is held at 0 and only w is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdlab.core import model
from gdlab.core.lstsq import least_squares
from gdlab.core.notation import Array, param_names

GradientFn = Callable[[Array, Array, Array], tuple[Array, float]]

THRESHOLD = 1e-6  # largest relative error that passes


@dataclass(frozen=True)
class GradientRow:
    """One parameter at one point: the two gradients and how far apart they are."""

    point: str
    parameter: str
    analytic: float
    numeric: float
    relative_error: float

    @property
    def passed(self) -> bool:
        """Whether the relative error is within THRESHOLD."""
        return self.relative_error <= THRESHOLD


def relative_error(analytic: float, numeric: float) -> float:
    """|a - n| / (|a| + |n|), or the plain difference when both are below 1e-8."""
    return abs(analytic - numeric) / max(abs(analytic) + abs(numeric), 1e-8)


def check_point(
    X: Array,
    y: Array,
    theta: Array,
    label: str,
    eps: float | None = None,
    gradient_fn: GradientFn | None = None,
    intercept: bool = True,
) -> list[GradientRow]:
    """Compare ``gradient_fn`` (default: model.gradients) with central differences at theta.

    theta is (w, b), or w alone without an ``intercept`` (b is then 0). ``eps``
    fixes the step h for every parameter; by default each gets its own (:func:`steps`).
    """
    gradient_fn = gradient_fn or model.gradients

    def split(t: Array) -> tuple[Array, float]:
        return (t[:-1], float(t[-1])) if intercept else (t, 0.0)

    def loss_at(t: Array) -> float:
        return model.loss(model.predict(X, *split(t)), y)

    grad_w, grad_b = gradient_fn(X, y, model.predict(X, *split(theta)))
    analytic = np.append(grad_w, grad_b) if intercept else np.asarray(grad_w)
    h = steps(X, theta, loss_at(theta), intercept) if eps is None else np.full(theta.shape, eps)
    rows = []
    for k, name in enumerate(param_names(X.shape[1], intercept)):
        step = np.zeros_like(theta)
        step[k] = h[k]
        numeric = float((loss_at(theta + step) - loss_at(theta - step)) / (2 * h[k]))
        a = float(analytic[k])
        rows.append(GradientRow(label, name, a, numeric, relative_error(a, numeric)))
    return rows


def steps(X: Array, theta: Array, loss: float, intercept: bool = True) -> Array:
    """h_k = sqrt(L / H_kk), where the rounding of the two losses is least (see above).

    At a perfect fit (L = 0) the rounding vanishes too, and a small step relative
    to theta_k is used instead.
    """
    curvature = 2.0 * np.mean(X * X, axis=0)  # H_kk: 2 mean x_k^2, and 2 for b
    curvature = np.append(curvature, 2.0) if intercept else curvature
    floor = 1e-6 * (1.0 + np.abs(theta))
    with np.errstate(divide="ignore"):
        return np.maximum(np.sqrt(max(loss, 0.0) / curvature), floor)


def check_gradients(
    X: Array,
    y: Array,
    theta0: Array,
    n_points: int,
    eps: float | None,
    rng: np.random.Generator,
    gradient_fn: GradientFn | None = None,
    intercept: bool = True,
    theta_ls: Array | None = None,
) -> list[GradientRow]:
    """Check at the initial parameters and at ``n_points`` random ones around them.

    The random points are spread over the scale of the least-squares optimum
    (``theta_ls``, when the caller's analysis has it), so they land where
    training actually goes.
    """
    if theta_ls is None:
        ls = least_squares(X, y, intercept=intercept)
        theta_ls = np.append(ls.w, ls.b) if intercept else ls.w
    scale = np.abs(theta_ls) + 1.0
    points = [("initial", np.asarray(theta0, dtype=np.float64))]
    points += [(f"random {i}", rng.normal(theta_ls, scale)) for i in range(1, n_points + 1)]
    return [
        row
        for label, theta in points
        for row in check_point(X, y, theta, label, eps, gradient_fn, intercept)
    ]
