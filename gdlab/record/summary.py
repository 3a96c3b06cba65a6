"""summary.json: a run's results, deterministic (no clock, no paths), theory beside observation."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab.core.decay import ridge_offsets
from gdlab.core.explain import conditioning_warning, frozen_note
from gdlab.core.fastpath import SUMS, PathChoice
from gdlab.core.momentum import MomentumPrediction, optimal_pair, predict_momentum
from gdlab.core.notation import Array, param_names
from gdlab.core.scheduled import predict_scheduled
from gdlab.core.theory import Analysis, Prediction, observe, predict_run
from gdlab.core.train import History
from gdlab.record.build import Problem, scheduled_rates
from gdlab.record.config import Config
from gdlab.record.rules import is_predicted


def summarize(
    config: Config, history: History, problem: Problem, path: PathChoice
) -> dict[str, Any]:
    """The run's results as summary.json holds them (deterministic: no clock, no paths).

    ``problem.trained`` analyses the data as trained on, ``problem.original`` as
    given; they are the same analysis unless x was standardized. ``path`` says
    how the loss and gradients were computed, and why.
    """
    trained, original, scaling = problem.trained, problem.original, problem.scaling
    final_w, final_b = scaling.to_original(history.final_w, history.final_b)
    with np.errstate(over="ignore", invalid="ignore"):
        distance = float(np.linalg.norm(original.stack(final_w, final_b) - original.theta_ls))
    d = config.data
    summary = {
        "status": history.status,
        "epochs_run": history.epochs_run,
        "lr": config.optimizer.lr,
        "optimizer": config.optimizer.name,
        "path": path.path,
        "path_reason": path.reason,
        "n_samples": original.n_samples,
        "n_features": config.n_features,
        "initial_loss": float(history.loss[0]),
        "final": {"w": final_w.tolist(), "b": final_b, "loss": history.final_loss},
        "first_inf_epoch": history.first_inf_epoch,
        "first_nan_epoch": history.first_nan_epoch,
        "least_squares": least_squares_block(original),
        "distance_to_least_squares": distance,
        "true": {"w": list(d.true_w), "b": d.true_b} if d.source == "synthetic" else None,
        "noise_variance": d.noise_std**2 if d.source == "synthetic" else None,
    }
    if not scaling.is_identity:
        summary["standardized"] = {
            "note": standardized_note(config.model.intercept, config.model.degree),
            "mean": scaling.mean.tolist(),
            "std": scaling.std.tolist(),
            "final": {"w": history.final_w.tolist(), "b": history.final_b},
            "least_squares": {"w": trained.ls.w.tolist(), "b": trained.ls.b},
            "condition_number_original": original.condition_number,
        }
    thetas = trained.stack(history.w, history.b)
    summary["theory"] = theory_block(config, history, trained, thetas, path.path == SUMS)
    return summary


def least_squares_block(analysis: Analysis) -> dict[str, Any]:
    """The optimum and its statistics, as NIST certifies them: standard errors of each
    parameter (b's is null when b is held at 0, or unknown), residual standard deviation and R^2
    (uncentered for a fit through the origin)."""
    ls, intercept = analysis.ls, analysis.intercept
    errors = ls.standard_errors
    return {
        "w": ls.w.tolist(),
        "b": ls.b,
        "intercept": intercept,
        "loss": ls.loss,
        "standard_errors": {
            "w": (errors[:-1] if intercept else errors).tolist(),
            "b": float(errors[-1]) if intercept and np.isfinite(errors[-1]) else None,
        },
        "residual_sd": ls.residual_sd,
        "r_squared": ls.r_squared,
        "r_squared_kind": "centered" if intercept else "uncentered (about 0)",
        "refined": ls.refined,
    }


def standardized_note(intercept: bool, degree: int) -> str:
    """How x was scaled for training, and which numbers are in which units."""
    columns = "each power x^j of x" if degree > 1 else "x"
    how = (
        f"x_scaled = (x - mean) / std, for {columns}"
        if intercept
        else f"x_scaled = x / std, std the root mean square of {columns} (no shift: the fit "
        "goes through the origin)"
    )
    return (
        f"Training ran on {how}. 'final', 'least_squares' and "
        "'distance_to_least_squares' are in the original units of x; this block, the theory "
        "block, metrics.csv, params.png and contour.png are in the standardized units."
    )


def theory_block(
    config: Config, history: History, analysis: Analysis, thetas: Array, sums: bool = False
) -> dict[str, Any]:
    """The spectrum, and what it predicts for this run beside what the run did.

    The predictions are for full-batch gradient descent, plain or with momentum;
    for any other rule ``predicted`` is null and ``predicted_for`` says why.
    """
    tol = config.theory.tol
    names = param_names(config.n_features, analysis.intercept)
    seen = observe(history.epoch, thetas, analysis.theta_ls, tol)
    grew = history.status == "diverged" or seen.final_distance > seen.initial_distance
    return {
        "tol": tol,
        **_spectrum(analysis),
        "condition_number": analysis.condition_number,
        "warning": conditioning_warning(analysis, config.data.standardize),
        "critical_lr": analysis.critical_lr,
        "best_lr": analysis.best_lr,
        "best_momentum": _best_momentum(analysis),
        "predicted_for": "full-batch gradient descent, plain or with momentum (heavy ball or "
        "Nesterov, dampening 0), with or without weight decay (torch's, through the "
        "gradient), without preconditioner; with a learning-rate schedule, plain descent "
        "alone (no momentum, no weight decay)",
        "predicted": _predicted(config, analysis, names, sums)
        if is_predicted(config, analysis.n_samples)
        else None,
        "observed": {
            "outcome": "diverges" if grew else "converges",
            "epochs_to_tol": seen.epochs_to_tol,
            "epochs_to_tol_per_param": dict(zip(names, seen.epochs_to_tol_per_param, strict=True)),
            "first_inf_epoch": history.first_inf_epoch,
            "first_nan_epoch": history.first_nan_epoch,
        },
    }


_SPECTRA: dict[int, tuple[Analysis, dict[str, Any]]] = {}  # by id(analysis), kept alive


def _spectrum(analysis: Analysis) -> dict[str, Any]:
    """The Hessian, eigenvalues and eigenvectors as lists, made once for each analysis: a
    sweep's points share theirs (20,000 numbers at d = 100; shared, so never changed)."""
    kept = _SPECTRA.get(id(analysis))
    if kept is None or kept[0] is not analysis:
        if len(_SPECTRA) >= 8:
            _SPECTRA.clear()
        p = len(analysis.eigenvalues)
        vectors = ("slow", "fast") if p == 2 else [f"v_{i + 1}" for i in range(p)]
        V = analysis.eigenvectors
        lists = {
            "hessian": analysis.hessian.tolist(),
            "eigenvalues": analysis.eigenvalues.tolist(),
            "eigenvectors": {n: V[:, i].tolist() for i, n in enumerate(vectors)},
        }
        kept = _SPECTRA[id(analysis)] = (analysis, lists)
    return kept[1]


def _predicted(config: Config, analysis: Analysis, names: list[str], sums: bool) -> dict[str, Any]:
    theta0 = analysis.stack(np.array(config.initial_w()), config.training.init_b)
    o, tol = config.optimizer, config.theory.tol
    wd = o.weight_decay or 0.0
    if o.schedule is not None:  # plain descent alone (is_predicted), the factors multiplied
        rates = scheduled_rates(config, config.training.epochs)
        assert rates is not None
        return scheduled_block(predict_scheduled(analysis, rates, theta0, tol), names, config)
    spectrum = (analysis.eigenvalues, analysis.eigenvectors)
    offsets = ridge_offsets(*spectrum, analysis.theta_ls, wd)
    if o.momentum:  # its own theory; the sums path is plain descent's alone
        coeffs = analysis.eigenvectors.T @ (theta0 - analysis.theta_ls) - offsets
        m = predict_momentum(
            *spectrum,
            coeffs,
            o.lr,
            o.momentum,
            tol,
            o.nesterov,
            (analysis.n_samples, analysis.signs),
            wd,
            offsets,
        )
        block = momentum_block(m, names)
    else:
        block = prediction_block(predict_run(analysis, o.lr, theta0, tol, sums, wd), names)
    if wd:  # why a run with decay may never come within tol of theta_ls
        block["weight_decay"] = {
            "wd": wd,
            "note": "the run walks to the ridge optimum (H + wd I)^-1 H theta_ls, not to "
            "least squares; epochs to tol are measured from least squares, so they are "
            "never reached where the ridge optimum is tol or more away",
            "distance_to_least_squares": float(np.linalg.norm(offsets)),
        }
    return block


def scheduled_block(p: Prediction, names: list[str], config: Config) -> dict[str, Any]:
    """A scheduled run's prediction: plain descent's keys, and what the schedule changes."""
    block = prediction_block(p, names)
    assert config.optimizer.schedule is not None
    block["schedule"] = {
        **config.optimizer.schedule.to_dict(),
        "note": "rates are each direction's factor per epoch on average over the run, "
        "|prod_t (1 - lr_t lambda)|^(1/epochs); epochs to tol are counted within the run's "
        "own epochs; the first nan epoch is not predicted with a schedule",
    }
    return block


def momentum_block(m: MomentumPrediction, names: list[str]) -> dict[str, Any]:
    """A momentum prediction as the ``predicted`` block holds it: plain descent's keys, and
    how each eigen-direction moves."""
    return {
        **_epochs_block(m, names),  # rates: each direction's long-run factor per epoch, |z|
        "frozen": f"at lr = {m.lr:g}, beta = {m.beta:g}, the root of {m.frozen} of the "
        f"{len(m.rates)} eigen-directions rounds to exactly 1 in float64: there the steps do "
        "not move the parameters at all"
        if m.frozen
        else None,
        "momentum": {
            "beta": m.beta,
            "nesterov": m.nesterov,
            "oscillates": m.oscillates.tolist(),  # under-damped directions swing through
            "critical_damping_beta": m.critical_beta.tolist(),
        },
    }


def _best_momentum(analysis: Analysis) -> dict[str, float]:
    """Heavy ball's optimal pair for this data, and the factor per epoch it gives."""
    lr, beta = optimal_pair(analysis.eigenvalues)
    return {"lr": lr, "beta": beta, "rate": float(np.sqrt(beta))}


def prediction_block(p: Prediction, names: list[str]) -> dict[str, Any]:
    """A prediction as summary.json's ``predicted`` block holds it (and analyze --json, and
    each position of a run's page)."""
    return {**_epochs_block(p, names), "frozen": frozen_note(p)}


def _epochs_block(p: Prediction | MomentumPrediction, names: list[str]) -> dict[str, Any]:
    """What every prediction says, plain or with momentum: the outcome, the factors per
    epoch, the epochs to the tolerance and the first inf and nan."""
    return {
        "outcome": p.outcome,
        "rates": p.rates.tolist(),
        "epochs_to_tol": p.epochs_to_tol,
        "epochs_to_tol_per_param": dict(zip(names, p.epochs_to_tol_per_param, strict=True)),
        "first_inf_epoch": p.first_inf_epoch,
        "first_nan_epoch": p.first_nan_epoch,
    }
