"""Work finished in forked processes, side by side: how a run's figures get drawn.

A default `gdlab train` spends most of its time importing Matplotlib and
drawing. :class:`Helpers` forks before training, so the import overlaps it,
and splits the drawing between processes that run side by side.
They pay rent: `make bench` times a default `gdlab train` with them and with
``GDLAB_HELPERS=0`` (everything drawn in the process itself), by turns, in one
run; they must make it at least 25% faster.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, NoReturn


class Helpers:
    """A process forked now to finish a job later, in shares, side by side.

    Made for drawing a run's figures, most of a default `gdlab train`: the
    helper imports Matplotlib (``warm``) while this process trains; when
    :meth:`finish` sends it what training found, it forks once per extra share
    (each fork starts with Matplotlib loaded) and every process does
    ``job(share, shares, payload)``. Every figure is written on its own
    (atomic_target), so the shares never meet. Where fork is missing or unsafe
    (see _can_fork), the whole job runs here, in finish, instead. A helper that
    fails sends back one line saying why (HelperFailed), never a traceback.
    """

    def __init__(
        self, shares: int, warm: Callable[[], None], job: Callable[[int, int, Any], None]
    ) -> None:
        self.shares, self.warm, self.job = shares, warm, job
        self.pid: int | None = None
        if not _can_fork():
            return
        read, write = os.pipe()  # the payload, from here to the helper
        why_read, why_write = os.pipe()  # why a helper failed, from any helper to here
        try:
            self.pid = os.fork()
        except OSError:  # no room for another process: draw here instead
            for fd in (read, write, why_read, why_write):
                os.close(fd)
            return
        if self.pid == 0:
            os.close(write)
            os.close(why_read)
            _run_then_exit(lambda: self._serve(read, why_write), why_write)
        os.close(read)
        os.close(why_write)
        self.write: int | None = write  # None once the payload is sent
        self.why: int | None = why_read

    def finish(self, payload: Any, meanwhile: Callable[[], None] | None = None) -> None:
        """Do ``meanwhile`` here, send the helper the payload, and wait for the helper;
        HelperFailed if a share failed, saying why.

        ``meanwhile`` goes first: the helper is usually still importing Matplotlib, and
        the payload's pipe would hold this process until it is done anyway.
        """
        if self.pid is None:
            self.warm()
            for share in range(self.shares):
                self.job(share, self.shares, payload)
            if meanwhile is not None:
                meanwhile()
            return
        assert self.write is not None, "finish is called once"
        failed: Exception | None = None
        try:
            if meanwhile is not None:
                meanwhile()
        except Exception as err:  # the figures are drawn all the same; then it is told
            failed = err
        except BaseException:  # Ctrl-C, SIGTERM: the helper, given nothing yet, is stopped
            self.cancel()
            raise
        try:
            with open(self.write, "wb") as pipe:  # the file owns the descriptor from here on
                self.write = None
                pipe.write(pickle.dumps(payload))
        except BrokenPipeError:
            pass  # it has died already: waitpid says how
        status = self._wait()
        if status != 0:
            raise HelperFailed(self._why() or f"a drawing helper failed ({_exit_text(status)})")
        if failed is not None:
            raise failed

    def cancel(self) -> None:
        """Stop the helper, or, if it has its payload (Ctrl-C while it draws), let it finish.

        Before the payload it has written nothing and is stopped at once; once
        drawing, it is waited for, so no figure is cut off half-written.
        """
        if self.pid is None:
            return
        if self.write is not None:
            os.close(self.write)
            self.write = None
            os.kill(self.pid, signal.SIGTERM)
        self._wait()

    def _wait(self) -> int:
        assert self.pid is not None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return status

    def _why(self) -> str:
        """The first line any helper wrote on its way out (they have all ended by now)."""
        if self.why is None:
            return ""
        with open(self.why, "rb") as pipe:
            self.why = None
            return pipe.read().decode("utf-8", "replace").partition("\n")[0]

    def _serve(self, read: int, why: int) -> None:
        self.warm()
        with open(read, "rb") as pipe:
            data = pipe.read()
        if not data:  # the parent closed the pipe: cancelled
            return
        payload = pickle.loads(data)
        pids, mine = [], [0]
        for share in range(1, self.shares):
            try:
                pid = os.fork()
            except OSError:  # no room for another process: this one does the share too
                mine.append(share)
                continue
            if pid == 0:
                _run_then_exit(functools.partial(self.job, share, self.shares, payload), why)
            pids.append(pid)
        try:
            for share in mine:
                self.job(share, self.shares, payload)
        finally:
            failed = [os.waitpid(pid, 0)[1] for pid in pids]
        if any(failed):
            raise HelperFailed(f"a share of the job failed ({_exit_text(max(failed))})")


class HelperFailed(RuntimeError):
    """A helper's job failed; the message is the helper's own one-line reason."""


def _can_fork() -> bool:
    """Fork only on Linux, only with no other thread running, and unless GDLAB_HELPERS=0.

    Another thread could hold a lock the child would then wait for forever; on
    macOS the system frameworks are not fork-safe (Python's multiprocessing
    spawns there for that reason), and Windows has no fork.
    """
    system: str = sys.platform  # a plain str, so mypy does not fix it to this machine's
    wanted = os.environ.get("GDLAB_HELPERS", "1") != "0"
    return wanted and system.startswith("linux") and threading.active_count() == 1


def _run_then_exit(work: Callable[[], None], why: int) -> NoReturn:
    """In a forked child: do the work and leave, skipping the parent's exit handlers and buffers.

    A failure is told to the parent in one line on ``why``; the parent says it.
    """
    code = 1
    try:
        work()
        code = 0
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the parent reports it
        code = 130
    except BaseException as err:
        reason = getattr(err, "reason", None) or f"{type(err).__name__}: {err}"
        with contextlib.suppress(OSError):
            os.write(why, (" ".join(str(reason).split())[:2000] + "\n").encode())
    finally:
        os._exit(code)


def _exit_text(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    return f"exit status {code}" if code >= 0 else f"killed by signal {-code}"
