"""Drawing helpers: forked processes that do their shares of a job, or nothing when cancelled."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest


def test_helpers_do_their_shares_in_their_own_processes_or_nothing_when_cancelled(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gdlab.plots import helpers as parallel
    from gdlab.plots.helpers import HelperFailed, Helpers

    def job(share: int, shares: int, payload: str) -> None:
        if payload == "fail" and share == 1:
            raise ValueError("cannot draw this")
        (tmp_path / f"{payload}-{share}-of-{shares}").write_text(str(os.getpid()))

    warmed = tmp_path / "warmed"
    helpers = Helpers(2, warm=lambda: warmed.write_text("yes"), job=job)
    helpers.finish("sent after the fork")
    pids = {int((tmp_path / f"sent after the fork-{k}-of-2").read_text()) for k in (0, 1)}
    assert len(pids) == 2 and os.getpid() not in pids  # two helpers, neither of them this one
    assert warmed.exists()

    Helpers(2, warm=lambda: None, job=job).cancel()
    Helpers(2, warm=lambda: time.sleep(30), job=job).cancel()  # stopped mid-warm, not waited for
    assert sorted(p.name for p in tmp_path.iterdir() if "-of-" in p.name) == [
        "sent after the fork-0-of-2",
        "sent after the fork-1-of-2",
    ]

    with pytest.raises(HelperFailed, match="^ValueError: cannot draw this$"):
        Helpers(2, warm=lambda: None, job=job).finish("fail")
    assert capfd.readouterr().err == ""  # one line, in the exception: no traceback printed
    assert (tmp_path / "fail-0-of-2").exists()  # the other share was done

    monkeypatch.setattr(parallel, "_can_fork", lambda: False)  # Windows, macOS, or a thread running
    Helpers(2, warm=lambda: None, job=job).finish("inline")
    for k in (0, 1):
        assert int((tmp_path / f"inline-{k}-of-2").read_text()) == os.getpid()


def test_ctrl_c_while_helpers_draw_lets_them_finish_their_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gdlab.plots import helpers as parallel
    from gdlab.plots.helpers import Helpers

    def job(share: int, shares: int, payload: str) -> None:
        time.sleep(0.3)
        (tmp_path / f"{payload}-{share}").write_text("whole")

    helpers = Helpers(2, warm=lambda: None, job=job)
    real_waitpid = os.waitpid

    def interrupted(pid: int, options: int) -> tuple[int, int]:
        monkeypatch.setattr(parallel.os, "waitpid", real_waitpid)
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel.os, "waitpid", interrupted)
    with pytest.raises(KeyboardInterrupt):
        helpers.finish("drawn")  # Ctrl-C arrives while the helpers draw
    helpers.cancel()  # what run_experiment does on its way out
    assert [(tmp_path / f"drawn-{k}").read_text() for k in (0, 1)] == ["whole", "whole"]
