"""The ``gdlab`` command line: a thin layer over the runner. The only Typer/Rich importer.

Each module registers its commands on the one Typer ``app`` when imported.
"""

from gdlab.cli import explain, runs, sweep, train  # noqa: F401  (registers the commands)
from gdlab.cli.app import app


def main() -> None:
    """Entry point of the ``gdlab`` console script."""
    app()


__all__ = ["app", "main"]
