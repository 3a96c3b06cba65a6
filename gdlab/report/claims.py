"""The seed write-up's claims, checked against a default run and the learning-rate study,
and one gdlab adds: momentum at its optimal pair against plain descent at its best rate.

Each claim is judged by a stated rule on numbers gdlab measured, never by a
hard-coded answer: "about 3" means within three standard errors of the
least-squares fit, "about the noise variance" means inside the range the
chi-square distribution of the residuals allows, and so on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The figures the seed reported (docs/seed.md), quoted beside ours.
SEED = {
    "w": 3.015,
    "b": 1.811,
    "initial_loss": 401.84,
    "final_loss": 0.81,
    "slow_lr": 0.001,
    "stable_lr": 0.005,
    "diverging_lr": 0.1,
}


@dataclass(frozen=True)
class Claim:
    """One sentence of the seed, what it said, what gdlab found, and whether it holds."""

    claim: str
    seed: str
    ours: str
    holds: bool


# How many times fewer epochs heavy ball's optimal pair must need than the best plain rate.
MOMENTUM_SPEEDUP = 5

STUDY_RATES = tuple(SEED[k] for k in ("slow_lr", "stable_lr", "diverging_lr"))


def missing_rates(rates: set[float]) -> list[float]:
    """The seed's learning rates a study does not run (its claims need all three)."""
    return [lr for lr in STUDY_RATES if lr not in rates]


def check_claims(
    run: Mapping[str, Any],
    study: list[Mapping[str, Any]],
    plain: Mapping[str, Any],
    heavy: Mapping[str, Any],
) -> list[Claim]:
    """Judge every claim from the default run's summary, the study's sweep rows, and the
    summaries of the runs at the best plain rate (``plain``) and heavy ball's pair (``heavy``)."""
    by_lr = {float(row["optimizer.lr"]): row for row in study}
    slow, stable, fast = (by_lr[SEED[k]] for k in ("slow_lr", "stable_lr", "diverging_lr"))
    return [
        _learns_the_line(run),
        _loss_falls(run),
        _slow(slow),
        _stable(stable),
        _diverges(fast),
        _b_is_slower(run),
        _gap_is_noise(run),
        _momentum_is_faster(plain, heavy),
    ]


def _se(run: Mapping[str, Any]) -> tuple[float, float]:
    se = run["least_squares"]["standard_errors"]
    return float(se["w"][0]), float(se["b"])


def _learns_the_line(run: Mapping[str, Any]) -> Claim:
    w, b = run["final"]["w"][0], run["final"]["b"]
    true_w, true_b = run["true"]["w"][0], run["true"]["b"]
    se_w, se_b = _se(run)
    holds = (
        run["status"] != "diverged" and abs(w - true_w) <= 3 * se_w and abs(b - true_b) <= 3 * se_b
    )
    return Claim(
        f"From w = 0, b = 0, after {run['epochs_run']:,} epochs at lr = {run['lr']:g} "
        f"the model learns w ≈ {true_w:g} and b ≈ {true_b:g}",
        f"w ≈ {SEED['w']}, b ≈ {SEED['b']}",
        f"w = {w:.4f}, b = {b:.4f}: within 3 standard errors of the truth "
        f"(±{3 * se_w:.3f} for w, ±{3 * se_b:.3f} for b)",
        holds,
    )


def _loss_falls(run: Mapping[str, Any]) -> Claim:
    first, last = run["initial_loss"], run["final"]["loss"]
    n, p, var = run["n_samples"], run["n_features"] + 1, run["noise_variance"]
    # n * MSE / sigma^2 at the optimum is chi-square with n - p degrees of freedom.
    mean, sd = var * (n - p) / n, var * math.sqrt(2 * (n - p)) / n
    holds = 100 <= first < 1000 and abs(last - mean) <= 3 * sd
    return Claim(
        "The loss falls from hundreds at epoch 0 to about the noise variance",
        f"{SEED['initial_loss']} → {SEED['final_loss']}",
        f"{first:.2f} → {last:.4f}; noise variance {var:g}, and noise alone leaves "
        f"{mean:.3f} ± {3 * sd:.3f} (3 sd)",
        holds,
    )


def _slow(row: Mapping[str, Any]) -> Claim:
    predicted = row["predicted_epochs_to_tol"]
    holds = (
        row["observed_epochs_to_tol"] is None
        and predicted is not None
        and (predicted > row["epochs_run"])
    )
    return Claim(
        f"lr = {SEED['slow_lr']} is slow",
        "slow",
        f"after {row['epochs_run']:,} epochs still {row['distance_to_least_squares']:.3g} from "
        f"the optimum (tolerance {row['tol']:g}); theory says it needs {_n(predicted)} epochs",
        holds,
    )


def _stable(row: Mapping[str, Any]) -> Claim:
    seen, predicted = row["observed_epochs_to_tol"], row["predicted_epochs_to_tol"]
    holds = row["status"] != "diverged" and seen is not None and abs(seen - predicted) <= 1
    return Claim(
        f"lr = {SEED['stable_lr']} is stable and converges",
        "stable; converged after 10,000 epochs",
        f"within {row['tol']:g} of the optimum from epoch {_n(seen)} (predicted {_n(predicted)})",
        holds,
    )


def _diverges(row: Mapping[str, Any]) -> Claim:
    inf_seen, inf_pred = row["observed_first_inf_epoch"], row["predicted_first_inf_epoch"]
    nan_seen, nan_pred = row["observed_first_nan_epoch"], row["predicted_first_nan_epoch"]
    holds = (
        row["status"] == "diverged"
        and None not in (inf_seen, inf_pred, nan_seen, nan_pred)
        and inf_seen < nan_seen
        and abs(inf_seen - inf_pred) <= 2
        and abs(nan_seen - nan_pred) <= 2
    )
    return Claim(
        f"lr = {SEED['diverging_lr']} diverges: the loss explodes to inf, then nan",
        "loss exploded to inf then nan",
        f"inf at epoch {_n(inf_seen)} (predicted {_n(inf_pred)}), nan at epoch {_n(nan_seen)} "
        f"(predicted {_n(nan_pred)}); the critical rate 2/λmax is {row['critical_lr']:.4g}",
        holds,
    )


def _b_is_slower(run: Mapping[str, Any]) -> Claim:
    theory = run["theory"]
    seen, predicted = theory["observed"], theory["predicted"]
    w_seen, b_seen = seen["epochs_to_tol_per_param"]["w"], seen["epochs_to_tol_per_param"]["b"]
    w_pred, b_pred = (predicted["epochs_to_tol_per_param"][k] for k in ("w", "b"))
    slow = theory["eigenvectors"]["slow"]
    share_b = slow[1] ** 2 / (slow[0] ** 2 + slow[1] ** 2)
    holds = None not in (w_seen, b_seen) and b_seen > w_seen
    return Claim(
        "b converges more slowly than w",
        "no X amplification in db",
        f"w settles within {theory['tol']:g} at epoch {_n(w_seen)} (predicted {_n(w_pred)}), "
        f"b at {_n(b_seen)} (predicted {_n(b_pred)}): the slow eigenvector "
        f"(λ = {theory['eigenvalues'][0]:.4g}) is {share_b:.0%} intercept",
        holds,
    )


def _gap_is_noise(run: Mapping[str, Any]) -> Claim:
    ls = run["least_squares"]
    gap_w, gap_b = ls["w"][0] - run["true"]["w"][0], ls["b"] - run["true"]["b"]
    se_w, se_b = _se(run)
    distance = run["distance_to_least_squares"]
    holds = (
        isinstance(distance, float)
        and distance < 1e-8
        and abs(gap_w) <= 3 * se_w
        and abs(gap_b) <= 3 * se_b
    )
    return Claim(
        "The gap to the true w and b is noise, not a bug",
        "small gap in b expected: irreducible error from noise",
        f"gradient descent ends {_g(distance)} from the least-squares optimum "
        f"({ls['w'][0]:.4f}, {ls['b']:.4f}); that optimum is off the truth by "
        f"{gap_w / se_w:+.2f} and {gap_b / se_b:+.2f} standard errors",
        holds,
    )


def _momentum_is_faster(plain: Mapping[str, Any], heavy: Mapping[str, Any]) -> Claim:
    def epochs(summary: Mapping[str, Any]) -> tuple[int | None, int | None]:
        theory = summary["theory"]
        return theory["predicted"]["epochs_to_tol"], theory["observed"]["epochs_to_tol"]

    (plain_pred, plain_seen), (heavy_pred, heavy_seen) = epochs(plain), epochs(heavy)
    beta = heavy["theory"]["predicted"]["momentum"]["beta"]
    holds = (
        _within_one(plain_pred, plain_seen)
        and _within_one(heavy_pred, heavy_seen)
        and plain_seen is not None
        and heavy_seen is not None
        and plain_seen >= MOMENTUM_SPEEDUP * heavy_seen
    )
    ratio = f"{plain_seen / heavy_seen:.1f} times sooner" if plain_seen and heavy_seen else "–"
    return Claim(
        f"Heavy ball at its optimal pair reaches the tolerance at least {MOMENTUM_SPEEDUP} "
        "times sooner than plain descent at its best rate, as predicted",
        "– (gdlab's claim: the seed ran plain descent only)",
        f"within {plain['theory']['tol']:g} for good from epoch {_n(heavy_seen)} (predicted "
        f"{_n(heavy_pred)}) at lr = {heavy['lr']:.3g}, β = {beta:.3f}; plain descent at "
        f"lr = {plain['lr']:.3g} from {_n(plain_seen)} (predicted {_n(plain_pred)}): {ratio}",
        holds,
    )


def _within_one(predicted: int | None, seen: int | None) -> bool:
    return predicted is not None and seen is not None and abs(predicted - seen) <= 1


def _n(value: int | None) -> str:
    """An epoch, or words for one that never came within the run."""
    return "– (not within the run)" if value is None else f"{value:,}"


def _g(value: Any) -> str:
    return f"{value:.2g}" if isinstance(value, float) else str(value)
