"""Who writes a folder: the process that owns it, whether that process still lives, the lock
that keeps a second one out, and the signals held while finished results are written."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gdlab.record.runs import RunDirError


class FolderBusy(RunDirError):
    """Another live process owns the folder (see :func:`owned`)."""


@contextmanager
def owned(folder: Path) -> Iterator[None]:
    """Own ``folder`` while the block runs; refuse at once if a live process owns it already.

    The lock is the kernel's (flock on ``folder/.lock``): it ends with its
    process however that ends, so a lock left by a killed process is simply
    free, and nothing stale has to be cleaned up. The file says who owns it.
    """
    path = folder / ".lock"
    try:  # never through a link: the lock file is written to
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError as err:
        raise RunDirError(f"{path}: cannot be this folder's lock ({err.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = _owner_text(os.read(fd, 4096))
        os.close(fd)
        raise FolderBusy(f"{folder}: in use by {owner}; wait for it to end, or stop it") from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(process_record()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def check_free(folder: Path) -> None:
    """Refuse at once, before any other work, if a live process owns ``folder``."""
    if (folder / ".lock").exists() or (folder / ".lock").is_symlink():
        with owned(folder):
            pass


def _owner_text(raw: bytes) -> str:
    try:
        record = json.loads(raw)
        return f"process {int(record['pid'])} on {record['host']}"
    except (ValueError, KeyError, TypeError):
        return "another process"


# What stops a command: Ctrl-C, a scheduler's SIGTERM, a closed terminal's SIGHUP.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Held while finished results are written; SIGUSR1 is how a parallel sweep interrupts its
# workers (gdlab/record/launch.py).
_HELD = (*STOP_SIGNALS, signal.SIGUSR1)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM, SIGHUP and SIGUSR1 while the block runs; they arrive as it ends.

    For writing results that are already computed: an interrupt then cuts
    nothing in half. The handlers are swapped for one that notes the signal,
    not blocked: a process-directed signal goes to any thread that does not
    block it (NumPy's BLAS threads, say), and Python then runs its handler in
    the main thread all the same. Only the main thread can install handlers.
    Once the block ends, the swapped-in handler passes any signal straight on,
    so a signal that lands while the handlers are put back is never lost, nor
    one left noted for no one. A held signal raises on the way out over an
    error the block raised (the error stays its ``__context__``).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    swapped: dict[int, Any] = {}
    arrived: list[int] = []
    holding = [True]

    def note(signum: int, frame: Any) -> None:
        if holding[0]:
            if signum not in arrived:  # each is delivered once
                arrived.append(signum)
        else:
            _pass_on(signum, frame, swapped[signum])

    try:
        for signum in _HELD:
            handler = signal.getsignal(signum)
            if handler is not None:  # None: set outside Python, and it could not be put back
                swapped[signum] = handler
                signal.signal(signum, note)
        yield
    finally:
        holding[0] = False
        _put_back(swapped, note, arrived)


def _pass_on(signum: int, frame: Any, handler: Any) -> None:
    """What ``handler`` (a function, SIG_IGN or SIG_DFL) does with the signal."""
    if callable(handler):
        handler(signum, frame)
    elif handler == signal.SIG_DFL:
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)


def _put_back(swapped: dict[int, Any], note: Any, arrived: list[int]) -> None:
    """Put the handlers back in place of ``note``, then deliver each signal that arrived,
    once, in order.

    A signal that lands meanwhile runs its handler at once (``note`` passes it on),
    which may raise, between any two steps: the steps start again where they
    were, and the first exception is raised once every handler is back and every
    noted signal delivered. A handler that swapped handlers itself (the CLI's
    first stop signal does) is left as it set them.
    """
    first: BaseException | None = None
    while True:
        try:
            for signum, handler in swapped.items():
                if signal.getsignal(signum) is note:
                    signal.signal(signum, handler)
            while arrived:
                signal.raise_signal(arrived.pop(0))  # to the handler now back in place
            break
        except BaseException as err:  # noqa: BLE001 - raised below, once all is done
            first = first or err
    if first is not None:
        raise first


def process_record() -> dict[str, Any]:
    """Who is writing this folder: enough to tell later whether that process still lives."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "pid_started": _process_start(pid)}


def _process_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), so a reused pid is caught."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22, counting after the name


PID_MAX = 2**22  # the largest pid Linux hands out


def process_alive(record: object) -> bool | None:
    """Whether the recorded process still runs; None when that cannot be told.

    None for another host, and for a record that is not one gdlab wrote (a pid
    that is not a plausible whole number): the record is read, never trusted.
    """
    if not isinstance(record, dict) or record.get("host") != socket.gethostname():
        return None
    pid = record.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < PID_MAX:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    started = record.get("pid_started")
    return started is None or _process_start(pid) == started


def live_status(status: str, record: object) -> str:
    """A recorded status, with 'running' checked against the process that wrote it.

    A run killed outright (SIGKILL, power cut) never got to write its end: its
    folder still says running, but its process is gone, so it is 'crashed'.
    """
    if status != "running" or record is None:
        return status
    alive = process_alive(record)
    return "running" if alive or alive is None else "crashed"
