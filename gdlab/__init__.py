"""gdlab: gradient descent from the inside."""

from gdlab.version import __version__

__all__ = ["__version__"]
