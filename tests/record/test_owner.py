"""Who writes a folder: the process record, checked on this machine only."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest


def test_process_checks_use_this_machine_only() -> None:
    from gdlab.record.owner import live_status, process_record

    mine = process_record()
    assert live_status("running", mine) == "running"
    assert live_status("running", {**mine, "pid_started": -1}) == "crashed"  # a reused pid
    assert live_status("running", {**mine, "host": "elsewhere"}) == "running"
    assert live_status("completed", None) == "completed"
    assert os.getpid() == mine["pid"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_sent_while_results_are_written_waits_for_the_block(signum: int) -> None:
    """Held even when another thread could take it (as NumPy's BLAS threads would): the
    block runs to its end, then the signal reaches the handler that was in place."""
    from gdlab.record.owner import signals_held

    class Stop(Exception):
        pass

    def stop(signum: int, frame: object) -> None:
        raise Stop(signum)

    idle = threading.Event()
    other = threading.Thread(target=idle.wait)  # a thread that does not block signals
    other.start()
    before = signal.signal(signum, stop)
    done = []
    try:
        with pytest.raises(Stop), signals_held():
            os.kill(os.getpid(), signum)  # to the process, as a terminal or a scheduler sends
            time.sleep(0.05)  # time enough for any thread to have taken it
            done.append("written")
        assert done == ["written"]
        assert signal.getsignal(signum) is stop  # put back
    finally:
        signal.signal(signum, before)
        idle.set()
        other.join()
