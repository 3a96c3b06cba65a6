"""`gdlab analyze` without the terminal: the numbers that explain a run, and sentences
written from them, before any training happens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdlab.core.data import Scaling, standardize
from gdlab.core.lstsq import lstsq_on_all_the_data, normal_equations
from gdlab.core.notation import Array, feature_names, param_names
from gdlab.core.theory import Analysis, Prediction, analyze, predict_run


@dataclass(frozen=True)
class Explanation:
    """Everything `gdlab analyze` shows, as plain values."""

    names: list[str]  # parameter names: w (or w_1..w_d), then b
    data: dict[str, Any]
    normal_equations: Array
    lstsq: Array  # numpy.linalg.lstsq on [X, 1] itself
    blocked_qr: Array  # what runs use: QR by blocks, refined when digits are at stake
    analysis: Analysis
    lr: float
    prediction: Prediction
    slow_direction: str  # why one parameter is slow, in words
    # What standardizing x would change; None when x is standardized already.
    scaling: Scaling | None
    standardized: Analysis | None
    standardized_prediction: Prediction | None
    standardized_best: Prediction | None


def explain(
    X: Array,
    y: Array,
    lr: float,
    theta0: Array,
    tol: float,
    analysis: Analysis | None = None,
    intercept: bool = True,
    standardized: bool = False,
) -> Explanation:
    """Analyse the data, and what standardizing it would change unless it is ``standardized``
    already, and predict a run at ``lr`` from ``theta0``.

    ``theta0`` holds the parameters learned: (w, b), or w alone without an
    ``intercept``. Pass the data's analysis when it is known.
    """
    names = param_names(X.shape[1], intercept)
    analysis = analysis if analysis is not None else analyze(X, y, intercept=intercept)
    scaling = scaled = scaled_prediction = scaled_best = None
    if not standardized:
        scaling = standardize(X, intercept)
        scaled = analyze(scaling.apply(X), y, intercept=intercept)
        w0, b0 = (theta0[:-1], float(theta0[-1])) if intercept else (theta0, 0.0)
        theta0_scaled = scaled.stack(*scaling.to_scaled(w0, b0))
        scaled_prediction = predict_run(scaled, lr, theta0_scaled, tol)
        scaled_best = predict_run(scaled, scaled.best_lr, theta0_scaled, tol)
    return Explanation(
        names=names,
        data=_data_summary(X, y),
        normal_equations=_or_nan(lambda: normal_equations(X, y, intercept), len(names)),
        lstsq=lstsq_on_all_the_data(X, y, intercept),
        blocked_qr=analysis.theta_ls,
        analysis=analysis,
        lr=lr,
        prediction=predict_run(analysis, lr, theta0, tol),
        slow_direction=slow_direction_words(X, analysis, names, lr),
        scaling=scaling,
        standardized=scaled,
        standardized_prediction=scaled_prediction,
        standardized_best=scaled_best,
    )


def _or_nan(solve: Any, size: int) -> Array:
    """The normal equations' answer, or nan where A^T A is singular in float64."""
    try:
        return np.asarray(solve(), dtype=np.float64)
    except np.linalg.LinAlgError:
        return np.full(size, np.nan)


def _data_summary(X: Array, y: Array) -> dict[str, Any]:
    columns = dict(zip(feature_names("x", X.shape[1]), X.T, strict=True))
    columns["y"] = y
    return {
        "n_samples": len(y),
        "columns": {
            name: {
                "mean": float(v.mean()),
                "std": float(v.std()),
                "min": float(v.min()),
                "max": float(v.max()),
            }
            for name, v in columns.items()
        },
    }


def slow_direction_words(X: Array, analysis: Analysis, names: list[str], lr: float) -> str:
    """Say which parameter the slowest eigenvector is made of, and why, from the numbers."""
    slow = analysis.eigenvectors[:, 0]
    shares = slow**2 / np.sum(slow**2)
    main = int(np.argmax(shares))
    H = analysis.hessian
    parts = ", ".join(f"{shares[k]:.0%} {names[k]}" for k in np.argsort(-shares))
    low, high = float(analysis.eigenvalues[0]), float(analysis.eigenvalues[-1])
    text = (
        f"The slowest direction (λmin = {low:.4g}) is {parts}, so {names[main]} converges slowest. "
    )
    if names[main] == "b":
        means = ", ".join(f"{v:.3g}" for v in X.mean(axis=0))
        text += (
            "b's gradient, (2/n) Σ (ŷ − y), has no x in it, while w's is weighted by x: "
            f"the curvature along w is H_ww = 2·mean(x²) = {H[0, 0]:.4g} against H_bb = "
            f"{H[-1, -1]:.4g} for b, and mean(x) = {means} ties the two together. "
        )
    kappa = f"the condition number λmax/λmin = {analysis.condition_number:.4g}"
    if lr >= 2 / high:  # diverging: the steep direction grows, whatever the slow one does
        text += (
            f"At lr = {lr:g}, above the critical 2/λmax = {2 / high:.4g}, the error along the "
            f"steepest direction grows by |1 − lr·λmax| = {abs(1 - lr * high):.6g} per epoch; "
            f"no rate fast enough for the slow direction is stable, as {kappa} says."
        )
        return text
    text += (
        f"A rate stable along the steepest direction (lr < 2/λmax = {2 / high:.4g}) shrinks "
        f"the error along the slowest by only |1 − lr·λmin| = {abs(1 - lr * low):.6g} per "
        f"epoch at lr = {lr:g}; {kappa} says how much slower that direction is."
    )
    return text


def frozen_note(prediction: Prediction) -> str | None:
    """Say so when a rate is too small for float64 to move the error along some eigenvector."""
    frozen = prediction.frozen
    if not frozen:
        return None
    return (
        f"at lr = {prediction.lr:g}, 1 - lr·λ rounds to exactly 1 in float64 along {frozen} of "
        f"the {len(prediction.rates)} eigenvectors: there the steps do not move the "
        "parameters at all, so the error along them stays as it starts"
    )


WARN_CONDITION = 1e6  # from here on the conditioning costs digits and epochs worth a word


def conditioning_warning(analysis: Analysis, standardized: bool) -> str | None:
    """What the Hessian's condition number costs, with advice; None when it costs little."""
    kappa = analysis.condition_number
    if kappa < WARN_CONDITION:
        return None
    digits = min(16.0, math.log10(kappa)) if math.isfinite(kappa) else 16.0
    advice = (
        "the features are nearly collinear even standardized: drop or combine some"
        if standardized
        else "standardize x (data.standardize: true) to bring it near 1"
    )
    return (
        f"the Hessian's condition number is {kappa:.3g}: the slowest direction converges "
        f"about that many times more slowly than the fastest, and anything computed from "
        f"A^T A (the data's sums) loses about {digits:.0f} of float64's 16 digits; {advice}"
    )
