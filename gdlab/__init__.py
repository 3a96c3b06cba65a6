"""gdlab: gradient descent from the inside.

From Python: ``gdlab.train``, ``gdlab.sweep`` and ``gdlab.load_run`` (gdlab/api.py),
loaded on first use, so ``import gdlab`` (and ``gdlab --help``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gdlab.version import __version__

if TYPE_CHECKING:
    from gdlab.api import Run, SweepResult, load_run, sweep, train

__all__ = ["Run", "SweepResult", "__version__", "load_run", "sweep", "train"]

_API = ("Run", "SweepResult", "load_run", "sweep", "train")


def __getattr__(name: str) -> Any:
    """The Python API, imported when first asked for (it loads NumPy and the runner)."""
    if name in _API:
        from gdlab import api

        return getattr(api, name)
    raise AttributeError(f"module 'gdlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
