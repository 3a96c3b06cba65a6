"""Where a sweep's points run when one machine is not enough: a Dask cluster.

:class:`Dask` is a launcher (gdlab/record/launch.py) that hands each task to
the workers of a Dask distributed cluster: one already running, reached at its
scheduler's address, or one started on this machine for the sweep
(``LocalCluster``, a worker process a core). Every task runs
:func:`launch.run_task` there, as it would here, so a point gives the same bits.

Dask is an optional extra (``pip install 'gdlab[dask]'``), imported only here
and only when a sweep asks for it.

The workers write the points' folders: on a remote cluster the results folder
must be on a filesystem every worker sees at the same path, and every worker
must run the same gdlab. Both are checked before any point starts.

Ctrl-C keeps every finished point and cancels those not started, but a point
already running on a worker is not interrupted mid-run as a local one is: a
local cluster is closed under it (its folder is left unfinished), a remote
worker finishes it after the sweep has stopped. A resumed sweep reuses what
finished and sets aside an unfinished folder.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from gdlab.record import launch, owner, prepared
from gdlab.record.budget import cores
from gdlab.record.grid import PointResult
from gdlab.version import __version__

if TYPE_CHECKING:
    from distributed import Client, Future

LauncherName = Literal["local", "dask"]
MISSING = "the dask launcher needs the extra: pip install 'gdlab[dask]'"
REACH_SECONDS = 5.0  # for a scheduler's port to accept a connection


class ClusterError(RuntimeError):
    """The cluster cannot take the sweep: the extra is missing, or the workers cannot run it."""


def check(scheduler: str | None = None) -> None:
    """Raise ClusterError (one line) unless Dask distributed can be imported and ``scheduler``
    (if given) is written as a scheduler's address and answers there (TCP): before anything
    is written, so a wrong address costs seconds, not Dask's 30 s and a failed sweep."""
    try:
        from distributed.comm.addressing import get_address_host_port, normalize_address
    except ImportError:
        raise ClusterError(MISSING) from None
    if scheduler is None:
        return
    try:
        address = normalize_address(scheduler)
        host, port = get_address_host_port(address)
    except ValueError as err:
        raise ClusterError(
            f"{scheduler!r} is not a Dask scheduler's address ({err}); "
            "one is written like tcp://10.0.0.5:8786"
        ) from None
    if address.startswith(("tcp://", "tls://")):
        try:
            socket.create_connection((host, port), timeout=REACH_SECONDS).close()
        except OSError as err:
            reason = err.strerror or type(err).__name__
            raise ClusterError(
                f"no Dask scheduler answers at {scheduler} ({reason}); start one there "
                "(dask scheduler), or leave out --scheduler for a cluster on this machine"
            ) from None
    if not address.startswith("tcp://"):
        return  # TLS takes the cluster's certificates, which the client reads itself
    import asyncio  # here: a local sweep never needs it (11 ms to import)

    try:  # Dask's own handshake: a web server on that port, say, is not a scheduler
        # On a thread of its own: the caller may be running an event loop (a notebook).
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, _handshake(address)).result(REACH_SECONDS + 1)
    except Exception as err:  # whatever answered, it was not a scheduler (or none did)
        raise ClusterError(
            f"what answers at {scheduler} is not a Dask scheduler ({type(err).__name__} in "
            "Dask's handshake); give the address the scheduler printed as it started"
        ) from None


async def _handshake(address: str) -> None:
    import asyncio

    from distributed.comm.core import connect

    comm = await asyncio.wait_for(connect(address, timeout=REACH_SECONDS), REACH_SECONDS)
    comm.abort()


def launcher_for(
    name: LauncherName,
    jobs: int | None,
    scheduler: str | None = None,
    on_epochs: Callable[[int, int], None] | None = None,
    seconds: float = math.inf,
) -> launch.Launcher:
    """The launcher asked for: this machine's (``local``, as launch.local picks it for a sweep
    of about ``seconds``), or a Dask cluster's (``dask``); ValueError for another name, or a
    scheduler without Dask."""
    if name not in get_args(LauncherName):
        raise ValueError(f"launcher must be 'local' or 'dask', not {name!r}")
    if name == "dask":
        return Dask(scheduler, jobs)
    if scheduler is not None:
        raise ValueError("a scheduler address is for the dask launcher")
    return launch.local(jobs, on_epochs, seconds)


class Dask:
    """Tasks on the workers of a Dask cluster: the one at ``address``, or one started here
    with ``jobs`` worker processes (None: one a core) for the sweep and closed after it."""

    def __init__(self, address: str | None = None, jobs: int | None = None) -> None:
        check(address)
        self.address = address
        self.jobs = jobs or cores()  # also how many ways to cut points that step together

    def run(
        self, tasks: Sequence[launch.Task], setting: launch.Setting, record: launch.Record
    ) -> None:
        here = setting.folder
        # A worker's working folder is its own; a task the scheduler reruns after its
        # worker died finds the first attempt's folder, and sets it aside as a resume does.
        there = replace(setting, folder=here.absolute(), resume=True)
        with self._client() as client:
            _check_workers(client, there.folder)
            # Handed over at once, so the scheduler sees them all and queues them in order.
            submitted = client.map(launch.run_task, tasks, [there] * len(tasks), pure=False)
            pending = dict(zip(submitted, tasks, strict=True))
            del submitted

            def take(future: Future[list[PointResult]]) -> None:
                record(_results(future, pending.pop(future), there.folder, here))
                # Let go: a result the cluster still held would be computed again (the point
                # run twice) if its worker died later.
                future.release()

            try:
                _collect(client, pending, take)
            except KeyboardInterrupt:
                finished = [future for future in pending if future.done()]
                client.cancel([future for future in pending if not future.done()])
                for future in finished:
                    take(future)
                raise
            with contextlib.suppress(Exception):  # a cluster that stays lets go of the data
                client.run(prepared.forget_problems)

    @contextlib.contextmanager
    def _client(self) -> Iterator[Client]:
        from distributed import Client, LocalCluster

        if self.address is not None:
            try:
                client = Client(self.address, set_as_default=False)
            except OSError as err:
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {self.address}: {err}"
                ) from None
            with client:
                yield client
            return
        with (
            LocalCluster(
                n_workers=self.jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # no fixed port to clash with another cluster's
                # Not its warnings either: cancelled tasks and workers closed under a running
                # point are how Ctrl-C stops a sweep, and a point that fails says why itself.
                silence_logs=logging.ERROR,
                preload=[__name__],  # dask_setup, below, in every worker process
            ) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            yield client


def dask_setup(worker: object) -> None:
    """In each worker process of a local cluster, as it starts: Ctrl-C in the terminal reaches
    the sweep's own process, which decides (it closes the cluster), as launch.Processes does."""
    for sig in owner.STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def _collect(
    client: Client,
    pending: dict[Future[list[PointResult]], launch.Task],
    take: Callable[[Future[list[PointResult]]], None],
) -> None:
    """Hand each task to ``take`` as it finishes, in the order they finish."""
    from distributed import as_completed

    for future in as_completed(list(pending), loop=client.loop):
        take(future)


def _check_workers(client: Client, folder: Path) -> None:
    """Every worker is one thread, runs this gdlab and sees the sweep's folder, or ClusterError
    says which not."""
    try:
        seen = client.run(_start_worker, str(folder))
    except Exception as err:  # the workers cannot unpickle gdlab's function: not installed
        raise ClusterError(
            f"the Dask workers cannot run gdlab ({type(err).__name__}: {err}); "
            f"install gdlab {__version__} on every worker"
        ) from None
    for worker, threads in sorted(client.nthreads().items()):
        if threads > 1:  # a task is a whole run: drawing and the data held are one thread's
            raise ClusterError(
                f"the Dask worker {worker} runs {threads} threads; gdlab's points each need a "
                "worker process of their own: start the workers with --nthreads 1"
            )
    here = _summary_text(str(folder))
    for worker, (version, summary) in sorted(seen.items()):
        if version != __version__:
            raise ClusterError(
                f"the Dask worker {worker} runs gdlab {version}, this sweep {__version__}: "
                "install the same gdlab on every worker"
            )
        if summary != here:
            raise ClusterError(
                f"the Dask worker {worker} does not see the sweep's folder {folder}: the "
                "results folder must be on a filesystem every worker sees, at the same path"
            )


def _start_worker(folder: str) -> tuple[str, str | None]:
    """On a worker: forget data held from an earlier sweep (its file may have changed since),
    and say which gdlab runs there and what it reads in the sweep's summary.json."""
    prepared.forget_problems()
    return __version__, _summary_text(folder)


def _summary_text(folder: str) -> str | None:
    """The sweep's summary.json (written before any point starts: it names this process)."""
    try:
        return (Path(folder) / "summary.json").read_text(encoding="utf-8")
    except OSError:
        return None


def _results(
    future: Future[list[PointResult]], task: launch.Task, there: Path, here: Path
) -> list[PointResult]:
    """A finished task's results, folders as this process names them; a task that did not
    finish on the cluster (its worker died, or the task was lost) fails its points, one line
    each."""
    try:
        results: list[PointResult] = future.result()
    except Exception as err:
        error = _describe(err)
        return [PointResult(p, error=error, folder=None) for p in task.points]
    return [_named_here(result, there, here) for result in results]


def _describe(err: Exception) -> str:
    from distributed import KilledWorker

    if isinstance(err, KilledWorker):  # its message is a paragraph
        return "WorkerDied: every Dask worker that ran it ended (killed, or out of memory)"
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def _named_here(result: PointResult, there: Path, here: Path) -> PointResult:
    """A result with its folders under ``here`` (as given) instead of ``there`` (absolute)."""
    if there == here:
        return result
    folder = None if result.folder is None else _moved(result.folder, there, here)
    run = (
        None
        if result.run is None
        else replace(result.run, path=_moved(result.run.path, there, here))
    )
    return replace(result, folder=folder, run=run)


def _moved(path: Path, there: Path, here: Path) -> Path:
    try:
        return here / path.relative_to(there)
    except ValueError:
        return path
