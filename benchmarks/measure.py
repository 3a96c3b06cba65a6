"""What every bench line measures with: timings by turns, peak memory, the seed's naive loop.

Imported by bench.py and the modules beside it (run as `python benchmarks/bench.py`,
so this folder is on sys.path).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

OUT = Path("results/bench")


def naive_loop(x: np.ndarray, y: np.ndarray, lr: float, epochs: int) -> np.ndarray:
    """The seed's loop on 1-D arrays: predict, loss, gradients, update over all N every epoch."""
    w, b = 0.0, 0.0
    trace = np.empty((epochs + 1, 3))
    for epoch in range(epochs + 1):
        y_hat = w * x + b
        residual = y_hat - y
        trace[epoch] = (np.mean(residual * residual), w, b)
        if epoch == epochs:
            break
        grad_w = 2 * np.mean(residual * x)
        grad_b = 2 * np.mean(residual)
        w, b = w - lr * grad_w, b - lr * grad_b
    return trace


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """The fastest of a few runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def in_turns(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[float, float]:
    """The best time of each of a and b, timed by turns: both meet the machine in the same mood."""
    best_a, best_b = math.inf, math.inf
    for _ in range(rounds):
        best_a = min(best_a, best_of(a, 1))
        best_b = min(best_b, best_of(b, 1))
    return best_a, best_b


def traced_peak(fn: Callable[[], object]) -> int:
    """The most memory fn's Python and NumPy allocations held at once, in bytes."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
