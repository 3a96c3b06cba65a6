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


def _handlers() -> dict[int, object]:
    return {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}


@pytest.mark.parametrize("moment", ["while swapped in", "while put back"])
def test_a_signal_while_the_handlers_are_swapped_leaves_every_one_in_place(
    moment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """signal.signal runs a pending signal's handler first, which may raise: the hold still
    puts every handler back (none left noting signals no one reads), and the signal lands.
    Swapping in, SIGHUP (not yet held) stops the hold before its block; putting back, Ctrl-C
    (its handler back already) arrives after the block."""
    from gdlab.record.owner import signals_held

    class Hangup(Exception):
        pass

    def hang_up(signum: int, frame: object) -> None:
        raise Hangup

    real = signal.signal
    monkeypatch.setattr(signal, "signal", real)  # put back at the end, whatever happens
    hangup_before = real(signal.SIGHUP, hang_up)
    before = _handlers()
    sent: list[int] = []

    def racing(signum: int, handler: object) -> object:
        if signum == signal.SIGTERM and not sent:
            swapping_in = handler is not before[signum]
            if swapping_in == (moment == "while swapped in"):
                sent.append(signal.SIGHUP if swapping_in else signal.SIGINT)
                os.kill(os.getpid(), sent[0])  # its handler runs in the next call
        return real(signum, handler)  # type: ignore[arg-type]

    monkeypatch.setattr(signal, "signal", racing)
    ran = []
    expected = Hangup if moment == "while swapped in" else KeyboardInterrupt
    try:
        with pytest.raises(expected), signals_held():
            ran.append("block")
        monkeypatch.setattr(signal, "signal", real)
        assert sent and _handlers() == before
        assert ran == ([] if moment == "while swapped in" else ["block"])
    finally:
        real(signal.SIGHUP, hangup_before)


def test_two_signals_while_held_both_arrive_after_the_block() -> None:
    from gdlab.record.owner import signals_held

    got: list[str] = []
    before = signal.signal(signal.SIGTERM, lambda signum, frame: got.append("SIGTERM"))
    try:
        with pytest.raises(KeyboardInterrupt), signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            got.append("written")
        assert got == ["written", "SIGTERM"]  # and Ctrl-C's KeyboardInterrupt, raised last
    finally:
        signal.signal(signal.SIGTERM, before)
