"""`gdlab analyze`: look inside before (or instead of) training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from gdlab.cli import conditioning, tables
from gdlab.cli.app import (
    ConfigOption,
    JsonOption,
    SetOption,
    app,
    fail,
    fmt_num,
    fmt_opt,
    interruptible,
    print_json,
)
from gdlab.cli.tables import titled_table


def load_problem(config: Path | None, set_: list[str] | None) -> Any:
    """The validated config and the data a run of it trains on (standardized when it says so),
    or one clear error line and exit 2."""
    from gdlab.core.data import DataError
    from gdlab.record.build import load_data, prepare
    from gdlab.record.config import ConfigError, load_config

    try:
        cfg = load_config(config, set_ or [])
        problem = prepare(cfg, *load_data(cfg))  # as train prepares it, so both say the same
    except (ConfigError, DataError) as err:
        fail(str(err))
    return cfg, problem


@app.command(
    epilog=(
        "Examples:\n\n"
        "  gdlab analyze\n\n"
        "  gdlab analyze --set optimizer.lr=0.1     # why does this diverge?\n\n"
        "  gdlab analyze --config configs/default.yaml --set data.x_max=100"
    )
)
@interruptible
def analyze(
    config: ConfigOption = None, set_: SetOption = None, as_json: JsonOption = False
) -> None:
    """Explain a config's data before training: optimum, Hessian, rates, epochs.

    Shows the least-squares optimum three ways, the Hessian's eigenvalues and
    eigenvectors, the critical and best learning rates, what the configured rate
    will do and in how many epochs, which parameter is slow and why, what
    standardizing x would change, and four ways down the bowl (raw, standardized,
    diagonally preconditioned, Newton) compared at their best rates, with one
    recommended. Nothing is trained and nothing is written.
    """
    import numpy as np

    from gdlab.core.explain import conditioning_warning, explain
    from gdlab.record.build import column_names
    from gdlab.record.rules import is_plain_gd

    cfg, problem = load_problem(config, set_)
    X, y, trained = problem.X_train, problem.y, problem.trained
    theta0 = trained.stack(np.array(cfg.initial_w()), cfg.training.init_b)
    try:
        found = explain(
            X,
            y,
            cfg.optimizer.lr,
            theta0,
            cfg.theory.tol,
            trained,
            cfg.model.intercept,
            standardized=cfg.data.standardize,  # then there is nothing to compare with
        )
        ways, recommendation = conditioning.compare(cfg, problem, found)
    except ValueError as err:  # e.g. a constant column cannot be standardized
        fail(str(err))
    if as_json:
        report = _analysis_json(cfg, problem, found)
        print_json({**report, "conditioning_ways": conditioning.as_json(ways, recommendation)})
        return
    console = tables.console()
    console.print(_data_table(found.data))
    console.print(_optimum_table(found))
    console.print(_statistics_table(problem.original, column_names(cfg)))
    for table in _spectrum_tables(found, console):
        console.print(table)
    warning = conditioning_warning(found.analysis, cfg.data.standardize)
    if warning:
        console.print(f"[yellow]warning:[/] {warning}\n")
    console.print(_prediction_table(found, cfg.theory.tol))
    if not is_plain_gd(cfg, len(y)):
        console.print(
            f"[yellow]note:[/] these predictions are for full-batch plain gradient descent; "
            f"this config uses {cfg.optimizer.name}"
            + (f" with batches of {cfg.training.batch_size}" if cfg.training.batch_size else "")
            + ", so treat them as a reference point, not a forecast.\n"
        )
    console.print("[bold]Why one parameter is slow[/]")
    console.print(found.slow_direction + "\n")
    if cfg.data.standardize:
        console.print("x is standardized (data.standardize: true): every number above is for it.\n")
    else:
        console.print(_standardize_table(found))
        console.print(f"Try it: {_replay(config, set_, 'data.standardize=true')}\n")
    console.print(conditioning.table(ways, cfg.theory.tol))
    console.print(f"[bold]Recommended:[/] {recommendation}")


def _replay(config: Path | None, set_: list[str] | None, extra: str) -> str:
    """`gdlab train` with this command's config and --set items, and one more."""
    import shlex

    words = ["gdlab", "train"]
    if config is not None:
        words += ["--config", str(config)]
    key = extra.split("=", 1)[0]
    for item in [*(i for i in set_ or [] if i.split("=", 1)[0].strip() != key), extra]:
        words += ["--set", item]
    return shlex.join(words)


def _analysis_json(cfg: Any, problem: Any, found: Any) -> dict[str, Any]:
    """What `gdlab analyze` prints, as plain values (keys: README, JSON output)."""
    from gdlab.core.explain import conditioning_warning
    from gdlab.record.summary import least_squares_block, prediction_block

    a, p = found.analysis, found.prediction

    def prediction(q: Any) -> dict[str, Any]:
        return {"lr": q.lr, **prediction_block(q, found.names)}

    return {
        "parameters": found.names,
        "data": found.data,
        "optimum": {
            "normal_equations": found.normal_equations.tolist(),
            "numpy_lstsq": found.lstsq.tolist(),
            "gdlab": found.blocked_qr.tolist(),
        },
        "least_squares": least_squares_block(problem.original),
        "hessian": a.hessian.tolist(),
        "eigenvalues": a.eigenvalues.tolist(),
        "eigenvectors": a.eigenvectors.T.tolist(),
        "condition_number": a.condition_number,
        "critical_lr": a.critical_lr,
        "best_lr": a.best_lr,
        "warning": conditioning_warning(a, cfg.data.standardize),
        "prediction": prediction(p),
        "tol": cfg.theory.tol,
        "standardized": None
        if cfg.data.standardize
        else {
            "condition_number": found.standardized.condition_number,
            "critical_lr": found.standardized.critical_lr,
            "prediction": prediction(found.standardized_prediction),
            "at_best_lr": prediction(found.standardized_best),
        },
        "slow_direction": found.slow_direction,
    }


def _data_table(data: dict[str, Any]) -> Table:
    table = titled_table(
        f"Data: {data['n_samples']} samples", "column", "mean", "std", "min", "max"
    )
    for name, stats in data["columns"].items():
        table.add_row(name, *(fmt_num(stats[k], 4) for k in ("mean", "std", "min", "max")))
    return table


def _optimum_table(found: Any) -> Table:
    import numpy as np

    ways = (found.normal_equations, found.lstsq, found.blocked_qr)
    table = titled_table(
        "Least-squares optimum, three ways",
        "parameter",
        "normal equations",
        "numpy lstsq",
        "gdlab (runs)",
    )
    for k, name in enumerate(found.names):
        table.add_row(name, *(fmt_num(way[k], 10) for way in ways))
    gap = max(float(np.max(np.abs(a - b))) for a in ways for b in ways)
    table.add_section()
    table.add_row("largest difference", f"{gap:.2g}", "", "")
    return table


def _statistics_table(original: Any, columns: list[str]) -> Table:
    """The optimum in x's own units with the statistics NIST certifies."""
    ls = original.ls
    names = [*(f"w ({c})" for c in columns), *(["b"] if original.intercept else [])]
    estimates = [*ls.w, *([ls.b] if original.intercept else [])]
    how = "refined in double-double" if ls.refined else "QR in float64"
    table = titled_table(
        f"Least squares in x's own units ({how})", "", "estimate", "standard error"
    )
    for name, value, error in zip(names, estimates, ls.standard_errors, strict=True):
        table.add_row(name, fmt_num(value, 15), fmt_num(error, 15))
    table.add_section()
    table.add_row("residual standard deviation", fmt_num(ls.residual_sd, 15), "")
    kind = "R²" if original.intercept else "R² (uncentered: through the origin)"
    table.add_row(kind, fmt_num(ls.r_squared, 15), "")
    return table


def _spectrum_tables(found: Any, out: Console) -> list[Table]:
    """H's rows, then each eigenvector as a row under its eigenvalue; in blocks of columns
    that fit the terminal, and the rates they set."""
    a = found.analysis
    design = "[X, 1]" if a.intercept else "X (b held at 0)"
    title = f"The Hessian H = (2/n) AᵀA, A = {design}, then its eigenvectors"
    rows = [[name, *(fmt_num(v, 5) for v in a.hessian[k])] for k, name in enumerate(found.names)]
    rows += [
        [f"λ{i + 1} = {value:.5g}", *(f"{v:.3f}" for v in a.eigenvectors[:, i])]
        for i, value in enumerate(a.eigenvalues)
    ]
    columns = [tables.Column(name, numeric=True) for name in found.names]
    key = tables.Column("", wrap=False)
    parts = tables.blocks(out, key, columns, rows, title=f"[bold]{title}[/]")
    rates = titled_table("What the spectrum sets", "", "")
    rates.add_row("condition number", fmt_num(a.condition_number, 5))
    rates.add_row("critical lr 2/λmax", fmt_num(a.critical_lr, 5))
    rates.add_row("best fixed lr", fmt_num(a.best_lr, 5))
    return [*parts, rates]


def _prediction_table(found: Any, tol: float) -> Table:
    p = found.prediction
    verdict = "[green]converges[/]" if p.outcome == "converges" else "[bold red]diverges[/]"
    table = titled_table(f"At lr = {found.lr:g} gradient descent {verdict}", "quantity", "epochs")
    table.add_row(f"to ‖θ − θ_ls‖ < {tol:g}", fmt_opt(p.epochs_to_tol))
    for name, epochs in zip(found.names, p.epochs_to_tol_per_param, strict=True):
        table.add_row(f"{name} within {tol:g} for good", fmt_opt(epochs))
    if p.outcome == "diverges":
        table.add_row("loss overflows to inf at", fmt_opt(p.first_inf_epoch))
        table.add_row("loss turns nan at", fmt_opt(p.first_nan_epoch))
    if p.outcome == "converges" and (p.rates == 1.0).any():
        table.add_row("in float64, 1 − lr·λ rounds to exactly 1", "the error there never moves")
    rates = ", ".join(f"{r:.6g}" for r in p.rates)
    table.add_section()
    table.add_row("error factor per epoch, per eigenvector", rates)
    return table


def _standardize_table(found: Any) -> Table:
    a, s = found.analysis, found.standardized
    table = titled_table("What standardizing x would do", "", "as given", "standardized")
    table.add_row(
        "condition number", fmt_num(a.condition_number, 4), fmt_num(s.condition_number, 4)
    )
    table.add_row("critical lr", fmt_num(a.critical_lr, 4), fmt_num(s.critical_lr, 4))
    table.add_row(
        f"epochs to tolerance at lr = {found.lr:g}",
        fmt_opt(found.prediction.epochs_to_tol),
        fmt_opt(found.standardized_prediction.epochs_to_tol),
    )
    best = found.standardized_best
    table.add_row(
        "epochs to tolerance at the best rate",
        "",
        f"{fmt_opt(best.epochs_to_tol)} (lr = {s.best_lr:.3g})",
    )
    return table
