"""Who writes a folder: the process record, checked on this machine only."""

from __future__ import annotations

import os


def test_process_checks_use_this_machine_only() -> None:
    from gdlab.record.owner import live_status, process_record

    mine = process_record()
    assert live_status("running", mine) == "running"
    assert live_status("running", {**mine, "pid_started": -1}) == "crashed"  # a reused pid
    assert live_status("running", {**mine, "host": "elsewhere"}) == "running"
    assert live_status("completed", None) == "completed"
    assert os.getpid() == mine["pid"]
