"""`gdlab lr-find`: the learning-rate range test, beside the rates the theory predicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gdlab.cli import tables
from gdlab.cli.app import (
    EXIT_FAILED,
    ConfigOption,
    JsonOption,
    ResultsOption,
    SetOption,
    app,
    fail,
    interruptible,
    print_json,
)
from gdlab.cli.tables import titled_table


@app.command(
    "lr-find",
    epilog=(
        "Examples:\n\n"
        "  gdlab lr-find\n\n"
        "  gdlab lr-find --start 1e-5 --end 1 --steps 100\n\n"
        "  gdlab lr-find --set optimizer.name=adam --name adam\n\n"
        "  gdlab lr-find --config configs/forbes.yaml --json\n\n"
        "Each test writes results/lr_find/<UTC timestamp>-<name>/ with config.yaml, "
        "lr_find.csv (step, lr, loss, smoothed), summary.json and lr_find.png."
    ),
)
@interruptible
def lr_find(
    config: ConfigOption = None,
    set_: SetOption = None,
    start: Annotated[
        float, typer.Option("--start", metavar="LR", help="The rate of the first step.")
    ] = 1e-6,
    end: Annotated[
        float, typer.Option("--end", metavar="LR", help="The rate of the last step.")
    ] = 10.0,
    steps: Annotated[
        int, typer.Option("--steps", metavar="N", help="Steps, one per rate (at least 10).")
    ] = 200,
    results_dir: ResultsOption = Path("results"),
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", metavar="NAME", help="Name (default: the config's stem)."),
    ] = None,
    as_json: JsonOption = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the folder's path.")
    ] = False,
) -> None:
    """Find a learning rate the empirical way, and see it beside the exact answer.

    The range test (Leslie Smith; fastai's lr_find): from the config's start,
    one step of its optimizer per rate, the rates growing geometrically from
    --start to --end, the loss recorded after each step and smoothed (moving
    average, β = 0.98), stopping once the smoothed loss passes 4 times its best.
    It suggests the rate where the loss falls fastest (and, beside it, a tenth
    of the rate at the lowest loss), and sets both against gdlab's critical rate
    2/λmax and best fixed rate 2/(λmin+λmax), in a table and in lr_find.png.
    """
    from gdlab.core.data import DataError
    from gdlab.core.lrfind import check_range
    from gdlab.plots.lrfind import draw_lr_find
    from gdlab.record import runner, runs
    from gdlab.record.build import load_data, prepare
    from gdlab.record.config import ConfigError, load_config
    from gdlab.record.lrfind import find_lr, summarize, write_lr_find

    try:
        check_range(start, end, steps)
        cfg = load_config(config, set_ or [])
        test_name = runs.check_name(name or (config.stem if config else "default"))
        problem = prepare(cfg, *load_data(cfg))
    except (ConfigError, DataError, ValueError) as err:
        fail(str(err))
    test = find_lr(cfg, problem, start, end, steps)
    summary = summarize(cfg, problem, test, start, end)
    try:
        result = write_lr_find(
            cfg, problem, test, summary, results_dir / "lr_find", test_name, draw_lr_find
        )
    except runs.RunDirError as err:
        fail(str(err))
    except OSError as err:
        fail(runner.describe_error(err), EXIT_FAILED)
    if as_json:
        print_json({**summary, "path": result.path})
    elif quiet:
        typer.echo(str(result.path))
    else:
        _print_table(summary, result.path)


def _print_table(summary: dict[str, Any], path: Path) -> None:
    """The suggested rates and the theory's, with what gdlab analyze predicts of each."""
    critical = summary["critical_lr"]
    table = titled_table(
        "Learning-rate range test", "rate", "lr", "× critical", "gdlab analyze says"
    )
    predicted = summary["predicted"]
    rows = [
        ("suggested: steepest fall", summary["suggested_lr"], predicted["suggested"]),
        ("minimum / 10", summary["minimum_over_10_lr"], predicted["minimum_over_10"]),
        ("best fixed 2/(λmin+λmax)", summary["best_lr"], predicted["best"]),
        ("critical 2/λmax", critical, None),
    ]
    for label, lr, verdict in rows:
        if lr is None:
            table.add_row(label, "–", "", "the loss never fell: lower --start")
            continue
        table.add_row(label, f"{lr:.4g}", f"{lr / critical:.3g}", _verdict_words(verdict))
    console = tables.console()
    console.print(table)
    tol = predicted["suggested"]["tol"] if predicted["suggested"] else None
    if tol is not None:
        console.print(f"epochs: until within theory.tol = {tol:g} of the optimum, for good")
    console.print(f"stopped: {summary['stopped_why']}")
    if not summary["predicted"]["config_is_plain_gd"]:
        console.print(
            "[yellow]note:[/] gdlab analyze's verdicts are for full-batch plain gradient "
            f"descent; this test used {summary['optimizer']}"
            + (f" with batches of {summary['batch_size']}." if summary["batch_size"] else ".")
        )
    console.print(f"folder: {path}")


def _verdict_words(verdict: dict[str, Any] | None) -> str:
    """'converges in N epochs' or 'diverges', as gdlab analyze would say of a rate."""
    if verdict is None:
        return "diverges from here up"
    if verdict["outcome"] != "converges":
        return "[red]diverges[/]"
    epochs = verdict["epochs_to_tol"]
    if epochs is None:
        return "converges, slowly"
    return f"converges: {epochs:,} epoch{'' if epochs == 1 else 's'}"
