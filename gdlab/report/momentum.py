"""The report's section on momentum: plain descent's best rate against heavy ball's best pair.

Both runs train the default experiment on the seed's data; only the optimizer
changes, to the settings the default run's theory block names (``best_lr``
and ``best_momentum``), so every number in the section comes from real runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdlab.report.render import Block, Heading, Paragraph, TableBlock, figure

# The names of the two runs' folders under <results-dir>/runs/.
PLAIN, HEAVY = "best_plain", "best_momentum"


@dataclass(frozen=True)
class MomentumRuns:
    """The run at plain descent's best rate and the run at heavy ball's optimal pair."""

    plain_dir: Path
    plain: Mapping[str, Any]  # its summary.json
    heavy_dir: Path
    heavy: Mapping[str, Any]


def run_overrides(theory: Mapping[str, Any]) -> dict[str, list[str]]:
    """The ``--set`` items of the two runs, by name, from the default run's theory block.

    The plain run draws no figures (the report shows none of it); the momentum run
    draws its own, eigenmodes.png among them.
    """
    best = theory["best_momentum"]
    return {
        PLAIN: [f"optimizer.lr={theory['best_lr']!r}", "output.plots=false"],
        HEAVY: [
            "optimizer.name=momentum",
            f"optimizer.lr={best['lr']!r}",
            f"optimizer.momentum={best['beta']!r}",
        ],
    }


def momentum_blocks(runs: MomentumRuns) -> list[Block]:
    """The section: the two runs side by side, predicted and observed, and why momentum wins."""
    theory = runs.plain["theory"]
    kappa = theory["condition_number"]
    plain_factor, heavy_factor = _factor(runs.plain), _factor(runs.heavy)
    plain_epochs = runs.plain["theory"]["observed"]["epochs_to_tol"]
    heavy_epochs = runs.heavy["theory"]["observed"]["epochs_to_tol"]
    sooner = (
        f"{plain_epochs:,} epochs against {heavy_epochs:,}, {plain_epochs / heavy_epochs:.1f} "
        "times fewer"
        if plain_epochs and heavy_epochs
        else "the table says how many epochs each took"
    )
    return [
        Heading("Momentum: the best plain rate against heavy ball's best pair"),
        Paragraph(
            f"Two more runs of the default experiment ({runs.plain['epochs_run']:,} epochs "
            "from w = 0, b = 0), differing only in the optimizer: plain descent at its best "
            "fixed rate 2/(λmin + λmax), and heavy ball (torch's SGD with momentum β, "
            "dampening 0) at Polyak's optimal pair lr = (2/(√λmax + √λmin))², "
            "β = ((√κ − 1)/(√κ + 1))². Epochs to the tolerance are for good: from that epoch "
            f"on the run stays within {theory['tol']:g} of the least-squares optimum."
        ),
        TableBlock(
            ["run", "lr", "β", "factor per epoch", "epochs to tol (pred / seen)"],
            [
                _row("plain descent, best rate", runs.plain),
                _row("heavy ball, optimal pair", runs.heavy),
            ],
        ),
        Paragraph(
            f"Why: the condition number κ = λmax/λmin = {kappa:.4g} enters momentum through "
            f"its square root. Plain descent at its best rate shrinks the error by "
            f"(κ − 1)/(κ + 1) = {plain_factor:.4f} per epoch; heavy ball at its optimal pair "
            f"shrinks every direction by √β = (√κ − 1)/(√κ + 1) = {heavy_factor:.4f}, "
            f"{math.log(heavy_factor) / math.log(plain_factor):.1f} times as many orders of "
            f"magnitude per epoch (√κ = {math.sqrt(kappa):.1f}). To this tolerance it is "
            f"{sooner}: at the optimal pair the slowest and fastest directions are critically "
            "damped (a double root), so each error falls as (a + b·k)·(√β)^k after k epochs, "
            "and the factor k costs epochs early on."
        ),
        _eigenmodes(runs.heavy_dir, heavy_factor),
    ]


def _factor(summary: Mapping[str, Any]) -> float:
    """The predicted long-run factor per epoch: the slowest direction's."""
    return float(max(summary["theory"]["predicted"]["rates"]))


def _row(label: str, summary: Mapping[str, Any]) -> list[str]:
    theory = summary["theory"]
    predicted, seen = theory["predicted"]["epochs_to_tol"], theory["observed"]["epochs_to_tol"]
    beta = theory["predicted"].get("momentum")
    return [
        label,
        f"{summary['lr']:.4g}",
        "0" if beta is None else f"{beta['beta']:.3f}",
        f"{_factor(summary):.4f}",
        f"{_n(predicted)} / {_n(seen)}",
    ]


def _eigenmodes(run_dir: Path, factor: float) -> Block:
    return figure(
        run_dir / "eigenmodes.png",
        "the error along each eigenvector per epoch, heavy ball at the optimal pair",
        f"Heavy ball at the optimal pair: the error along each eigenvector on a log axis, "
        f"measured (solid) against the 2×2 systems' prediction (dashed). Both directions fall "
        f"at the same {factor:.3f} per epoch, so the slow one no longer holds the run back; "
        "the steep one first grows (the k of its double root) and reaches the tolerance last.",
    )


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"
