"""`gdlab analyze`'s comparison of four ways to walk the bowl (gdlab/core/precondition.py)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from gdlab.cli.app import fmt_num
from gdlab.cli.tables import titled_table

_LABELS = {
    "raw": "raw (x as given)",
    "standardized": "standardized x",
    "diagonal": "diagonal preconditioner",
    "newton": "Newton",
}


def compare(cfg: Any, problem: Any, found: Any) -> tuple[list[Any], str]:
    """The four ways on the config's data as given, from its start, and the recommendation;
    ``found`` is explain's, whose standardized analysis (of x as given) is reused."""
    import numpy as np

    from gdlab.core.precondition import compare_ways, recommend

    original = problem.original
    theta0 = original.stack(np.array(cfg.initial_w()), cfg.training.init_b)
    known = None if found.scaling is None else (found.scaling, found.standardized)
    ways = compare_ways(
        problem.X, problem.y, theta0, cfg.theory.tol, original, cfg.model.intercept, known
    )
    return ways, recommend(ways)[1]


def table(ways: list[Any], tol: float) -> Table:
    """One row per way: the matrix its steps see, and the epochs at its best rate."""
    out = titled_table(
        "Four ways down the same bowl",
        "way",
        "condition number",
        "critical lr",
        "best lr",
        f"epochs to {tol:g} at the best lr",
    )
    for way in ways:
        epochs = "never (float64)" if way.epochs_to_tol is None else f"{way.epochs_to_tol:,}"
        epochs += " (exact arithmetic; float64 rounds more)" if way.exact_only else ""
        out.add_row(
            _LABELS[way.name],
            fmt_num(way.condition_number, 4),
            fmt_num(way.critical_lr, 5),
            fmt_num(way.best_lr, 5),
            epochs,
        )
    return out


def as_json(ways: list[Any], recommendation: str) -> dict[str, Any]:
    """The table as plain values: analyze --json's ``conditioning_ways``."""
    from dataclasses import asdict

    return {"ways": [asdict(way) for way in ways], "recommendation": recommendation}
