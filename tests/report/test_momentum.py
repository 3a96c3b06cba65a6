"""The report's section on momentum: its numbers are the two runs', and it says why."""

from __future__ import annotations

import math
from typing import Any

from gdlab.report.momentum import momentum_blocks
from gdlab.report.render import TableBlock, to_markdown


def _epochs(summary: dict[str, Any]) -> str:
    theory = summary["theory"]
    return f"{theory['predicted']['epochs_to_tol']:,} / {theory['observed']['epochs_to_tol']:,}"


def test_the_section_puts_the_best_plain_rate_beside_the_optimal_pair(evidence: Any) -> None:
    _, _, momentum = evidence
    plain, heavy = momentum.plain, momentum.heavy
    blocks = momentum_blocks(momentum)
    (table,) = [b for b in blocks if isinstance(b, TableBlock)]
    best = plain["theory"]["best_momentum"]
    assert [row[1:] for row in table.rows] == [
        [
            f"{plain['theory']['best_lr']:.4g}",
            "0",
            f"{max(plain['theory']['predicted']['rates']):.4f}",
            _epochs(plain),
        ],
        [f"{best['lr']:.4g}", f"{best['beta']:.3f}", f"{best['rate']:.4f}", _epochs(heavy)],
    ]
    # The why: plain descent's factor (κ − 1)/(κ + 1) against √β = (√κ − 1)/(√κ + 1).
    kappa = plain["theory"]["condition_number"]
    root = math.sqrt(kappa)
    text = to_markdown(blocks, momentum.heavy_dir)
    assert f"(κ − 1)/(κ + 1) = {(kappa - 1) / (kappa + 1):.4f}" in text
    assert f"√β = (√κ − 1)/(√κ + 1) = {(root - 1) / (root + 1):.4f}" in text
    seen = [s["theory"]["observed"]["epochs_to_tol"] for s in (plain, heavy)]
    assert f"{seen[0]:,} epochs against {seen[1]:,}, {seen[0] / seen[1]:.1f} times fewer" in text
    assert "Not drawn: the error along each eigenvector" in text  # the evidence drew nothing
