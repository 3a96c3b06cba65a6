"""`gdlab gradcheck`: the gradients of gdlab/core/model.py against central differences."""

from __future__ import annotations

from typing import Annotated

import typer

from gdlab.cli import tables
from gdlab.cli.app import (
    ConfigOption,
    JsonOption,
    SetOption,
    app,
    interruptible,
    print_json,
)
from gdlab.cli.explain import load_problem
from gdlab.cli.tables import titled_table


@app.command(
    epilog=(
        "Examples:\n\n"
        "  gdlab gradcheck\n\n"
        "  gdlab gradcheck --points 20 --eps 1e-5\n\n"
        "Exit status 0 when every relative error is within the threshold, 1 otherwise."
    )
)
@interruptible
def gradcheck(
    config: ConfigOption = None,
    set_: SetOption = None,
    points: Annotated[
        int,
        typer.Option("--points", min=0, metavar="N", help="Random points besides the initial one."),
    ] = 5,
    eps: Annotated[
        float | None,
        typer.Option(
            "--eps",
            metavar="H",
            min=1e-12,
            max=1.0,
            help="A fixed finite-difference step h (default: each parameter's own, sqrt(L/H_kk)).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check the analytic gradients against central finite differences.

    At the initial parameters and at random points, compares dL/dw and dL/db
    from gdlab.core.model.gradients with (L(θ + h) − L(θ − h)) / 2h.
    """
    import numpy as np

    from gdlab.core.gradcheck import THRESHOLD, check_gradients

    cfg, problem = load_problem(config, set_)
    X, y = problem.X_train, problem.y
    theta0 = problem.trained.stack(np.array(cfg.initial_w()), cfg.training.init_b)
    rng = np.random.default_rng(cfg.data.seed)
    rows = check_gradients(
        X,
        y,
        theta0,
        points,
        eps,
        rng,
        intercept=cfg.model.intercept,
        theta_ls=problem.trained.theta_ls,  # the optimum prepare() already found
    )
    if as_json:
        failed = [row for row in rows if not row.passed]
        print_json(
            {
                "threshold": THRESHOLD,
                "passed": not failed,
                "worst": max(row.relative_error for row in rows),
                "rows": [{**vars(row), "passed": row.passed} for row in rows],
            }
        )
        if failed:
            raise typer.Exit(1)
        return
    table = titled_table(
        f"Gradient check (h = {eps:g})" if eps else "Gradient check (h = sqrt(L / H_kk) each)",
        "point",
        "parameter",
        "analytic",
        "numeric",
        "relative error",
        "",
    )
    for row in rows:
        mark = "[green]ok[/]" if row.passed else "[bold red]FAIL[/]"
        table.add_row(
            row.point,
            row.parameter,
            f"{row.analytic:.10g}",
            f"{row.numeric:.10g}",
            f"{row.relative_error:.2e}",
            mark,
        )
    console = tables.console()
    console.print(table)
    failed = [row for row in rows if not row.passed]
    worst = max(row.relative_error for row in rows)
    if failed:
        console.print(
            f"[bold red]FAILED[/]: {len(failed)} of {len(rows)} above {THRESHOLD:g} "
            f"(worst {worst:.2e})"
        )
        raise typer.Exit(1)
    console.print(
        f"[bold green]PASSED[/]: all {len(rows)} within {THRESHOLD:g} (worst {worst:.2e})"
    )
