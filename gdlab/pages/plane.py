"""The plane a run's page draws its loss surface on, and that surface's contours.

The loss is a quadratic bowl, L(theta) = L* + (1/2) e^T H e with e = theta - theta_ls,
so its contours on any plane are ellipses, with axes along H's eigenvectors
there and half-widths sqrt(2 (L - L*) / lambda). With two parameters the plane
is theirs, (w, b); with more, it is the plane through the optimum spanned by
the slowest and fastest eigenvectors, where the path is drawn as seen from above.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from gdlab.core.notation import param_names
from gdlab.core.theory import Analysis

Array = NDArray[np.float64]

# The contours drawn: the start's excess loss times LEVEL_RATIO ** -j for j in LEVELS.
LEVEL_RATIO = 4.0
LEVELS = range(-2, 10)


def plane_of(a: Analysis, theta0: Array) -> dict[str, Any] | None:
    """The plane's axes, frame and contours, or None for a run with one parameter.

    ``basis`` (2 x p) and ``origin`` (p) turn parameters into the plane's
    coordinates: basis @ (theta - origin).
    """
    p = len(a.theta_ls)
    if p == 1:
        return None
    names = param_names(len(a.theta_ls) - (1 if a.intercept else 0), a.intercept)
    if p == 2:
        basis, origin = np.eye(2), np.zeros(2)
        axes, mu = a.eigenvectors.T, a.eigenvalues  # H's own eigenvectors, in (w, b)
        labels, said = names, f"The loss over ({names[0]}, {names[1]})"
    else:
        basis, origin = a.eigenvectors[:, [0, -1]].T, a.theta_ls
        axes, mu = np.eye(2), a.eigenvalues[[0, -1]]
        labels = ["along the slowest eigenvector", "along the fastest eigenvector"]
        said = (
            f"The loss over the plane through the optimum spanned by the slowest and the "
            f"fastest of the {p} eigenvectors; the path is drawn as seen from above it"
        )
    start = basis @ (theta0 - origin)
    center = basis @ (a.theta_ls - origin)
    excess = 0.5 * float(np.sum(mu * (axes @ (start - center)) ** 2))
    return {
        "labels": labels,
        "said": said,
        "basis": basis.tolist(),
        "origin": origin.tolist(),
        "center": center.tolist(),
        "axes": axes.tolist(),
        "mu": mu.tolist(),
        "levels": [excess * LEVEL_RATIO**-j for j in LEVELS] if excess > 0 else [],
        "frame": _frame(start, center),
    }


def _frame(start: Array, center: Array) -> list[list[float]]:
    """The x and y ranges that hold the start and the optimum, with a margin."""
    frame = []
    for lo, hi in zip(np.minimum(start, center), np.maximum(start, center), strict=True):
        margin = 0.2 * float(hi - lo) or max(1.0, abs(float(hi)))
        frame.append([float(lo) - margin, float(hi) + margin])
    return frame
