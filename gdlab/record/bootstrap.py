"""Whether this process is a sweep's worker still importing the script that started it.

Worker processes (gdlab/record/launch.py) import the calling script again as they
start. A script that calls gdlab (``gdlab.train``, ``gdlab.sweep``, or the command
line through runpy) outside ``if __name__ == "__main__":`` would run it again there
and write folders of its own; its entry points end such a process instead, writing
nothing, and the sweep says why its points failed (launch: WorkerDied). Light: the
command line asks on every start.
"""

from __future__ import annotations

import sys


def importing_in_a_worker() -> bool:
    """True only while a new multiprocessing process imports the main script: the flag
    multiprocessing itself checks (a task that calls gdlab later, in a pool of the user's
    own, is not stopped). A process that never loaded multiprocessing is no such worker."""
    multiprocessing = sys.modules.get("multiprocessing")
    return multiprocessing is not None and bool(
        getattr(multiprocessing.current_process(), "_inheriting", False)
    )
