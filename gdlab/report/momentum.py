"""The report's section on momentum: plain descent's best rate against heavy ball's best pair.

Both runs train the default experiment on the seed's data; only the optimizer
changes, to the settings the default run's theory block names (``best_lr``
and ``best_momentum``). A small sweep over heavy ball's (lr, beta) on the same
data draws the map around that pair (gdlab/plots/lrbeta.py). Every number in
the section comes from these runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdlab.report.render import Block, Heading, Paragraph, TableBlock, figure

# The names of the two runs' folders under <results-dir>/runs/.
PLAIN, HEAVY = "best_plain", "best_momentum"

# The (lr, beta) map's sweep: 6 rates x 5 momenta on the seed's data, short runs without
# their own figures (the sweep still draws lr_beta_map.png). The rates straddle the
# stability edge 2(1 + beta)/lambda_max and the optimal pair (lr 0.0533, beta 0.710).
MAP_NAME = "lr_beta"
MAP_LRS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.08)
MAP_BETAS = (0.0, 0.5, 0.7, 0.9, 0.99)
MAP_EPOCHS = 3000
MAP_FILE = "lr_beta_map.png"  # what gdlab/plots/lrbeta.py draws in the sweep folder


@dataclass(frozen=True)
class MomentumRuns:
    """The run at plain descent's best rate and the run at heavy ball's optimal pair."""

    plain_dir: Path
    plain: Mapping[str, Any]  # its summary.json
    heavy_dir: Path
    heavy: Mapping[str, Any]
    map_dir: Path  # the (lr, beta) sweep's folder
    map_rows: Sequence[Mapping[str, Any]]  # its sweep.csv rows


def map_sweep() -> tuple[list[str], list[str]]:
    """The (lr, beta) sweep's ``--grid`` and ``--set`` items, on the default (seed's) data."""
    grid = [
        "optimizer.lr=" + ",".join(f"{lr:g}" for lr in MAP_LRS),
        "optimizer.momentum=" + ",".join(f"{beta:g}" for beta in MAP_BETAS),
    ]
    overrides = [
        "optimizer.name=momentum",
        f"training.epochs={MAP_EPOCHS}",
        "output.plots=false",
    ]
    return grid, overrides


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
        figure(
            runs.map_dir / MAP_FILE,
            "observed epochs to tolerance over heavy ball's (lr, β), the theory drawn on",
            map_caption(runs.map_rows, runs.plain, runs.heavy),
        ),
    ]


@dataclass(frozen=True)
class MapReading:
    """What the (lr, beta) sweep's rows say, for the map's caption."""

    runs: int
    epochs: int  # each run's length
    fastest: tuple[float, float, int]  # lr, beta, observed epochs to tol
    diverged: int
    diverged_right: int  # of those, right of the stability edge
    converged_right: int  # runs right of the edge that did not diverge
    not_reached: list[tuple[float, float]]  # (lr, beta) not within tol by the last epoch
    top_beta: float
    top_beta_fewest: int | None  # the fewest epochs to tol along the largest beta


def read_map(rows: Sequence[Mapping[str, Any]]) -> MapReading:
    """The fastest cell, the diverged ones against the stability edge, the slow ones."""
    diverged = [r for r in rows if r["status"] == "diverged" or r["observed_outcome"] == "diverges"]
    calm = [r for r in rows if r not in diverged]
    reached = [r for r in calm if r["observed_epochs_to_tol"] is not None]

    def right_of_edge(row: Mapping[str, Any]) -> bool:  # lr > 2(1 + beta)/lambda_max
        beta = float(row["optimizer.momentum"])
        return float(row["optimizer.lr"]) > float(row["critical_lr"]) * (1 + beta)

    best = min(reached, key=lambda r: int(r["observed_epochs_to_tol"]))
    top = max(float(r["optimizer.momentum"]) for r in rows)
    along_top = [
        int(r["observed_epochs_to_tol"]) for r in reached if float(r["optimizer.momentum"]) == top
    ]
    return MapReading(
        runs=len(rows),
        epochs=max(int(r["epochs_run"]) for r in calm),
        fastest=(
            float(best["optimizer.lr"]),
            float(best["optimizer.momentum"]),
            int(best["observed_epochs_to_tol"]),
        ),
        diverged=len(diverged),
        diverged_right=sum(map(right_of_edge, diverged)),
        converged_right=sum(map(right_of_edge, calm)),
        not_reached=[
            (float(r["optimizer.lr"]), float(r["optimizer.momentum"]))
            for r in calm
            if r["observed_epochs_to_tol"] is None
        ],
        top_beta=top,
        top_beta_fewest=min(along_top) if along_top else None,
    )


def map_caption(
    rows: Sequence[Mapping[str, Any]], plain: Mapping[str, Any], heavy: Mapping[str, Any]
) -> str:
    """The map's caption: what to look at, every number read from the sweep and the two runs."""
    if not rows:
        return "The (lr, β) sweep ran no points."
    seen = read_map(rows)
    lr, beta, epochs = seen.fastest
    pair = heavy["theory"]["predicted"]
    predicted, plain_predicted = (
        pair["epochs_to_tol"],
        plain["theory"]["predicted"]["epochs_to_tol"],
    )
    if predicted is None or epochs == predicted:
        against = f"as many as the {_n(predicted)} predicted"
    else:
        against = f"{'fewer' if epochs < predicted else 'more'} than the {predicted:,} predicted"
    why = (
        ": the pair is best for the factor per epoch in the long run, not for the epochs to "
        "one tolerance from one start"
        if predicted is not None and epochs < predicted
        else ""
    )
    text = [
        f"Heavy ball's (lr, β) on the seed's data: {seen.runs} runs of {seen.epochs:,} epochs, "
        f"one per cell, coloured and labelled with the epoch from which each stays within "
        f"{rows[0]['tol']:g} of the optimum. Look first at the fastest cell (blue square), "
        f"lr {lr:g}, β {beta:g}: {epochs:,} epochs, {against} at the optimal pair beside it "
        f"(the star, lr {heavy['lr']:.3g}, β {pair['momentum']['beta']:.3f}){why}; plain "
        f"descent's best rate (the diamond on β = 0) is predicted to take {_n(plain_predicted)}."
    ]
    if seen.diverged_right == seen.diverged and seen.converged_right == 0:
        text.append(
            f"Then to the right: the {seen.diverged} diverged runs (hatched red) are exactly "
            "those right of the red stability edge lr = 2(1 + β)/λmax, which leans right as β "
            "grows."
        )
    else:
        text.append(
            f"Then to the right: {seen.diverged} runs diverged (hatched red), "
            f"{seen.diverged_right} of them right of the red stability edge "
            f"lr = 2(1 + β)/λmax, and {seen.converged_right} "
            f"run{'' if seen.converged_right == 1 else 's'} right of it did not."
        )
    if seen.top_beta_fewest is not None:
        text.append(
            f"At the top, β {seen.top_beta:g}, too much momentum: the runs swing through the "
            f"optimum, an under-damped direction's swing shrinking by only "
            f"√β = {math.sqrt(seen.top_beta):.3f} per epoch, and no rate gets there in fewer "
            f"than {seen.top_beta_fewest:,} epochs."
        )
    if seen.not_reached:
        cells = "; ".join(f"lr {a:g}, β {b:g}" for a, b in seen.not_reached)
        text.append(f"Grey: not within the tolerance after {seen.epochs:,} epochs ({cells}).")
    return " ".join(text)


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
