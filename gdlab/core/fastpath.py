"""Which way a full-batch run computes its loss and gradients, and why.

By default every epoch calls the four functions of gdlab/core/model.py, so a
learner who edits one sees the run change. The data's sums
(gdlab/core/sums.py) give the same numbers in O(d^2) per epoch whatever n is,
but they work from the normal equations A^T A theta = A^T y, which square the
data's condition number: on ill-conditioned data their optimum drifts from
the least-squares one. So gdlab takes the sums only when asked
(``fast=True``), or on its own when both hold:

- the run is long: n_samples x epochs >= SUMS_FROM_SAMPLE_EPOCHS (about a
  second or more of the four functions), or its points step together in a
  sweep (gdlab/core/batch.py);
- they are faster: an epoch of the four functions reads X, n x d numbers,
  twice; one of the sums reads their p x 2p matrix once (p = d + 1). Below
  SUMS_AT_ANY_SIZE_BELOW parameters that matrix is small enough that the sums
  won at every n measured (n >= p, or the data could not determine the
  parameters); from there on they need n >= SUMS_SAMPLES_PER_PARAMETER x p.
  With fewer samples X is hardly larger than the matrix, and the four
  functions' matrix products (BLAS, on every core) beat the sums' ordered
  element-wise arithmetic; in a sweep on different data each run's matrix
  even streams from memory. (Measured on 2 cores, d up to 1000, alone and
  stacked: `make bench` keeps the d = 10 and d = 100 lines.)
- they are accurate: their optimum lies within ``tol * SUMS_SHARE_OF_TOL`` of
  the least-squares optimum (found by QR), so no prediction measured at
  ``tol`` can tell the two paths apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdlab.core.notation import Array
from gdlab.core.sums import SufficientStats
from gdlab.core.theory import Analysis

SUMS_FROM_SAMPLE_EPOCHS = 10**8
SUMS_SHARE_OF_TOL = 1e-3
SUMS_AT_ANY_SIZE_BELOW = 100  # parameters
SUMS_SAMPLES_PER_PARAMETER = 4

FOUR_FUNCTIONS = "four functions"
SUMS = "sums"


@dataclass(frozen=True)
class PathChoice:
    """The path a run takes (FOUR_FUNCTIONS or SUMS), in words why, and the sums if taken."""

    path: str
    reason: str
    sums: SufficientStats | None = None


def choose_path(
    X: Array,
    y: Array,
    analysis: Analysis,
    *,
    fast: bool | None,
    epochs: int,
    tol: float,
    full_batch: bool = True,
    in_sweep: bool = False,
    sums: SufficientStats | None = None,
) -> PathChoice:
    """Decide the path of a run on (X, y) by the rule above; ``fast=None`` lets gdlab decide.

    ``analysis`` is the data's (its least-squares optimum and condition number);
    ``in_sweep`` says the run would step together with others; ``sums`` are the
    data's, when an earlier choice already built them.
    """
    ignored = " (training.fast: true does not apply)" if fast else ""
    if not full_batch:
        return PathChoice(FOUR_FUNCTIONS, f"mini-batches need the samples themselves{ignored}")
    if fast is False:
        return PathChoice(FOUR_FUNCTIONS, "training.fast is false")
    if not analysis.intercept:
        return PathChoice(
            FOUR_FUNCTIONS, f"a fit through the origin (the sums hold an intercept){ignored}"
        )
    size = len(y) * epochs
    if fast is None and not in_sweep and size < SUMS_FROM_SAMPLE_EPOCHS:
        return PathChoice(
            FOUR_FUNCTIONS,
            f"the default: {len(y):,} samples x {epochs:,} epochs = {size:,} sample-epochs, "
            f"below the {SUMS_FROM_SAMPLE_EPOCHS:,} from which gdlab may use the data's sums",
        )
    slower = _sums_slower(len(y), X.shape[1] + 1)
    if fast is None and slower:
        return PathChoice(FOUR_FUNCTIONS, f"the default: {slower}")
    kappa = f"condition number {analysis.condition_number:.3g}"
    try:
        sums = sums if sums is not None else SufficientStats(X, y)
    except np.linalg.LinAlgError:  # A^T A is not even positive definite in float64
        return PathChoice(
            FOUR_FUNCTIONS,
            f"the data's sums cannot be used: at {kappa} the normal equations they solve "
            f"have no solution in float64{ignored}",
        )
    gap = float(np.linalg.norm(sums.theta_star - analysis.theta_ls))
    limit = tol * SUMS_SHARE_OF_TOL
    conditioning = f"at {kappa} their optimum is {gap:.2g} from the least-squares optimum"
    if fast:
        warning = "; warning: the run ends there" if gap > limit else ""
        warning += f"; note: {slower}" if slower else ""
        return PathChoice(
            SUMS,
            "training.fast is true (in the config, or set by a sweep that steps its points "
            f"together); {conditioning}{warning}",
            sums,
        )
    if gap > limit:
        return PathChoice(
            FOUR_FUNCTIONS,
            f"the data's sums would be faster, but {conditioning}, more than theory.tol x "
            f"{SUMS_SHARE_OF_TOL:g} = {limit:.2g}",
        )
    why = (
        "the sweep steps its points together"
        if in_sweep
        else f"{len(y):,} samples x {epochs:,} epochs = {size:,} sample-epochs"
    )
    return PathChoice(SUMS, f"{why}, and {conditioning} (within {limit:.2g})", sums)


def _sums_slower(n_samples: int, n_params: int) -> str:
    """Why the sums would be slower per epoch than the four functions on this data, or ""."""
    if n_params < SUMS_AT_ANY_SIZE_BELOW or n_samples >= SUMS_SAMPLES_PER_PARAMETER * n_params:
        return ""
    return (
        f"{n_samples:,} samples for {n_params:,} parameters, fewer than "
        f"{SUMS_SAMPLES_PER_PARAMETER} per parameter: the four functions are faster than "
        "the data's sums there"
    )
