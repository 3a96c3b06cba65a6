"""`gdlab nist`: gdlab's least squares against the NIST certified values, beside NumPy's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from gdlab.cli.app import app, fail, interruptible


@app.command(
    epilog=(
        "Examples:\n\n"
        "  gdlab nist\n\n"
        "  make nist\n\n"
        "Each cell holds the digits right (LRE, at most 15) of the worst coefficient, "
        "the worst standard error, the residual SD and R², in that order. "
        "Exit status 0 when gdlab has at least 12 everywhere, 1 otherwise."
    )
)
@interruptible
def nist(
    configs: Annotated[
        Path,
        typer.Option("--configs", metavar="<dir>", help="The sets' configs, one YAML per set."),
    ] = Path("configs/nist"),
    certified: Annotated[
        Path,
        typer.Option("--certified", metavar="<file>", help="NIST's certified values."),
    ] = Path("data/nist/certified.json"),
) -> None:
    """Score least squares on the eleven NIST StRD sets against their certified values.

    For each set: the digits gdlab gets (what a run's summary.json holds), and
    what numpy.linalg.lstsq and the normal equations get on the same data.
    """
    from gdlab.core.data import DataError
    from gdlab.record.config import ConfigError
    from gdlab.record.nist import Digits, read_certified, score_set

    try:
        sets = read_certified(certified)
    except (OSError, ValueError, KeyError) as err:
        fail(f"{certified}: cannot read the certified values ({err})")
    table = Table(
        title="[bold]Digits right (LRE): coefficients, standard errors, residual SD, R²[/]",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for column in ("set", "gdlab", "numpy lstsq", "normal equations"):
        table.add_column(column, justify="left" if column == "set" else "right")

    def cell(d: Digits) -> str:
        return " ".join(
            f"{v:4.1f}" for v in (d.coefficients, d.standard_errors, d.residual_sd, d.r_squared)
        )

    worst = 15.0
    for key, cert in sets.items():
        try:
            row = score_set(configs / f"{key}.yaml", cert)
        except (ConfigError, DataError) as err:
            fail(str(err))
        worst = min(worst, row.gdlab.worst)
        table.add_row(cert.name, cell(row.gdlab), cell(row.lstsq), cell(row.normal))
    Console(highlight=False).print(table)
    if worst < 12:
        typer.echo(f"gdlab's least squares fall below 12 digits (worst {worst:.1f})", err=True)
        raise typer.Exit(1)
