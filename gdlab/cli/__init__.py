"""The ``gdlab`` command line: a thin layer over the runner. The only Typer/Rich importer.

It may import every other layer (core, record, plots, report) and nothing imports
it; the commands import what they need inside themselves, so ``gdlab --help``
loads neither NumPy's users nor Matplotlib.

Each module registers its commands on the one Typer ``app`` when imported, and
``gdlab --help`` lists them in this order: train, sweep, reproduce, analyze,
gradcheck, lr-find, runs, verify, nist, open, config.
"""
# isort: skip_file

from gdlab.cli import train  # noqa: F401  (registers train)
from gdlab.cli import sweep  # noqa: F401  (registers sweep)
from gdlab.cli import reproduce  # noqa: F401  (registers reproduce)
from gdlab.cli import explain  # noqa: F401  (registers analyze)
from gdlab.cli import gradcheck  # noqa: F401  (registers gradcheck)
from gdlab.cli import lrfind  # noqa: F401  (registers lr-find)
from gdlab.cli import runs  # noqa: F401  (registers runs list and compare)
from gdlab.cli import show  # noqa: F401  (registers runs show)
from gdlab.cli import housekeeping  # noqa: F401  (registers runs rm, restore and tag)
from gdlab.cli import verify  # noqa: F401  (registers verify)
from gdlab.cli import nist  # noqa: F401  (registers nist)
from gdlab.cli import browse  # noqa: F401  (registers open)
from gdlab.cli import config  # noqa: F401  (registers config)
from gdlab.cli.app import app, handle_stop_signals
from gdlab.record.bootstrap import importing_in_a_worker


def main() -> None:
    """Entry point of the ``gdlab`` console script."""
    if importing_in_a_worker():  # a script running the CLI unguarded, imported again by a
        raise SystemExit(1)  # sweep's worker: it ends here, writing nothing
    handle_stop_signals()
    app()


__all__ = ["app", "main"]
