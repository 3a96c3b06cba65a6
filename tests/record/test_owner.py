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


def test_a_signal_between_the_steps_of_putting_back_is_passed_on_not_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A handler runs between any two bytecodes: Ctrl-C while the hold looks at SIGTERM's
    handler raises there, and yet every handler is put back and the SIGTERM noted during
    the block still reaches its handler."""
    from gdlab.record.owner import signals_held

    got: list[str] = []
    real_getsignal = signal.getsignal
    block_done: list[bool] = []

    def racing_getsignal(signum: int) -> object:
        if signum == signal.SIGTERM and block_done and len(block_done) == 1:
            block_done.append(True)
            os.kill(os.getpid(), signal.SIGINT)  # its handler runs before this returns
        return real_getsignal(signum)

    term_before = signal.signal(signal.SIGTERM, lambda signum, frame: got.append("SIGTERM"))
    try:
        before = _handlers()
        monkeypatch.setattr(signal, "getsignal", racing_getsignal)
        with pytest.raises(KeyboardInterrupt), signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            got.append("written")
            block_done.append(True)
        monkeypatch.setattr(signal, "getsignal", real_getsignal)
        assert len(block_done) == 2 and _handlers() == before
        assert got == ["written", "SIGTERM"]
    finally:
        signal.signal(signal.SIGTERM, term_before)


def test_a_handler_left_swapped_in_passes_signals_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should putting back be cut short (a signal raising in the one place no retry covers),
    a handler left in place is harmless: once the block ends it passes signals on."""
    from gdlab.record import owner

    got: list[str] = []
    held = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1)
    before = {signum: signal.getsignal(signum) for signum in held}

    def term(signum: int, frame: object) -> None:
        got.append("SIGTERM")

    signal.signal(signal.SIGTERM, term)
    monkeypatch.setattr(owner, "_put_back", lambda *args: None)  # cut short before any step
    try:
        with owner.signals_held():
            pass
        assert signal.getsignal(signal.SIGTERM) is not term  # the hold's, left in place
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        assert got == ["SIGTERM"]
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


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
