"""gdlab's version, in a room of its own: every layer may read it without importing ``gdlab``
itself (whose ``__init__`` reaches up to the Python API)."""

__version__ = "0.1.0"
