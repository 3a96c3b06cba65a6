"""Whole `gdlab sweep` processes against one `gdlab train` process, as people meet them.

Each sweep writes every point's run folder; the figures are off on both sides
(`--no-figures` for the sweep, `output.plots=false` for the run). Timed by turns
with the run, each in a fresh results folder, all removed once the timing is over.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from measure import OUT

from gdlab.record.budget import cores

GDLAB = [sys.executable, "-m", "gdlab"]
SCRATCH = OUT / "scratch" / "sweeps"

# The sweep process, run in this interpreter so its own peak memory can be read at the end.
PEAK_SCRIPT = """
import runpy, sys
from pathlib import Path
sys.argv = ["gdlab", *sys.argv[1:]]
try:
    runpy.run_module("gdlab", run_name="__main__")
except SystemExit as end:
    assert not end.code, end.code
status = Path("/proc/self/status").read_text()
print(int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) * 1024)
"""


def _rates(points: int) -> str:
    return ",".join(f"{lr:.6g}" for lr in np.geomspace(0.001, 0.03, points))


def _features(d: int) -> list[str]:
    """Overrides for d features: true weights 1..d, ten samples a parameter, and every 100th
    epoch logged (at d = 100 a fully logged metrics.csv is 40 MB: 100 points would time
    writing 4 GB, not gdlab)."""
    if d == 1:
        return []
    weights = ", ".join(str(k % 5 + 1) for k in range(d))
    sets = [f"data.true_w=[{weights}]", f"data.n_samples={10 * (d + 1)}", "training.log_every=100"]
    return [arg for s in sets for arg in ("--set", s)]


_FOLDERS = itertools.count()


def _timed(args: list[str], where: str) -> float:
    """One process's wall time, into a results folder of its own, kept until rows() ends.

    Not removed between turns: on ext4 without a journal (this VM's disk), for some
    seconds after files are deleted every new file scans past their freed inodes
    (the kernel's recently_deleted check, seen in `perf`); after a 1,000-point sweep's
    6,000 files a create took 0.8 ms instead of 0.07 ms, and the next sweep, which
    creates hundreds of files where a run creates a few, paid for the cleaning-up."""
    folder = SCRATCH / f"{where}-{os.getpid()}-{next(_FOLDERS)}"
    start = time.perf_counter()
    subprocess.run([*GDLAB, *args, "-r", str(folder)], check=True, capture_output=True)
    return time.perf_counter() - start


def _by_turns(one: list[str], sweep: list[str], rounds: int) -> tuple[float, float]:
    best_one, best_sweep = np.inf, np.inf
    for _ in range(rounds):
        best_one = min(best_one, _timed(one, "one"))
        best_sweep = min(best_sweep, _timed(sweep, "sweep"))
    return float(best_one), float(best_sweep)


def _row(
    what: str, baseline: str, base: float, ours: float, limit: float | None
) -> dict[str, object]:
    ratio = ours / base
    return {
        "what": what,
        "baseline": baseline,
        "baseline_s": base,
        "gdlab_s": ours,
        "ratio": ratio,
        "shown": f"{ratio:.2f}x its time",
        "target": "" if limit is None else f"<= {limit:g}x its time",
        "met": None if limit is None else ratio <= limit,
    }


def whole_sweep_rows() -> list[dict[str, object]]:
    """Learning-rate sweeps of 1 to 1000 points (d = 1, 10, 100) against one train process."""
    rows = []
    plan = [(1, 1, 5, 1.5), (10, 1, 5, 2.0), (100, 1, 3, 3.0), (1000, 1, 1, 15.0)]
    plan += [(100, 10, 3, 3.0), (100, 100, 1, 3.0)]
    for points, d, rounds, limit in plan:
        one = ["train", "--quiet", "--set", "output.plots=false", *_features(d)]
        grid = ["--grid", f"optimizer.lr={_rates(points)}"] if points > 1 else []
        if points == 1:
            grid = ["--seeds", "42"]  # a sweep of the default run alone
        sweep = ["sweep", *grid, "--no-figures", "--quiet", *_features(d)]
        base, ours = _by_turns(one, sweep, rounds)
        rows.append(
            _row(
                f"gdlab sweep of {points:,} point{'s' * (points > 1)}, d={d}"
                + (" (process)" if d == 1 else ", log_every 100 (process)"),
                "one gdlab train (process)",
                base,
                ours,
                limit,
            )
        )
    return rows


def parallel_row() -> dict[str, object]:
    """Points that cannot step together (Adam, mini-batches) on every core against one."""
    grid = ["--grid", f"optimizer.lr={_rates(12)}", "--grid", "optimizer.name=adam,gd"]
    sets = ["--set", "training.batch_size=32", "--set", "data.n_samples=1000"]
    sweep = ["sweep", *grid, *sets, "--set", "training.epochs=400", "--no-figures", "-q"]
    serial, parallel = _by_turns([*sweep, "--jobs", "1"], [*sweep, "--jobs", "2"], 2)
    row = _row(
        "gdlab sweep of 24 Adam and mini-batch points, --jobs 2",
        "the same, --jobs 1",
        serial,
        parallel,
        0.7 if cores() >= 2 else None,
    )
    row["shown"] = f"{serial / parallel:.2f}x faster"
    return row


def memory_row() -> dict[str, object]:
    """What each point adds to a sweep's peak memory (serial, 10,000 epochs a point): its
    thinned history and summary, not its whole history (the batches trained together are
    at most launch.BATCH_BYTES whatever the number of points)."""

    def peak(points: int) -> int:
        folder = SCRATCH / f"peak-{points}"
        shutil.rmtree(folder, ignore_errors=True)
        args = ["sweep", "--grid", f"optimizer.lr={_rates(points)}", "--no-figures", "-q"]
        done = subprocess.run(
            [sys.executable, "-c", PEAK_SCRIPT, *args, "--jobs", "1", "-r", str(folder)],
            check=True,
            capture_output=True,
            text=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
        return int(done.stdout.split()[-1])

    small, large = peak(300), peak(1000)
    per_point = (large - small) / 700
    return {
        "what": "memory a sweep point adds to its process (300 -> 1,000 points, one process)",
        "baseline": f"a 300-point sweep ({small / 2**20:.0f} MB)",
        "baseline_s": f"{small / 2**20:.0f} MB",
        "gdlab_s": f"{large / 2**20:.0f} MB",
        "per_point_kb": per_point / 1024,
        "shown": f"{per_point / 1024:.0f} kB a point (a history is 400 kB)",
        "target": "<= 100 kB a point",
        "met": per_point <= 100 * 1024,
    }


def rows() -> list[dict[str, object]]:
    SCRATCH.mkdir(parents=True, exist_ok=True)  # what an interrupted run left: removed after
    try:
        timed = [*whole_sweep_rows(), parallel_row()]
    finally:
        shutil.rmtree(SCRATCH)  # every timed folder (about 1.5 GB), once the timing is over
    SCRATCH.mkdir()
    return [*timed, memory_row()]


if __name__ == "__main__":  # these lines alone: python benchmarks/sweeps.py
    for row in rows():
        print(f"{row['what']}: {row['shown']} (target {row['target']}) met={row['met']}")
