"""What a run will cost before it starts: memory, disk and time, estimated and checked.

gdlab refuses what this machine cannot do (more memory than half of it, more
disk than the results folder has free) before anything is written, naming the
keys to change, and announces what is merely long. The estimates are rough on
purpose (within a factor of about two); they exist to catch a typo's extra
zeros, not to plan a schedule.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from gdlab.core.data import DataError
from gdlab.core.fastpath import SUMS_FROM_SAMPLE_EPOCHS
from gdlab.record.rules import can_batch
from gdlab.record.schema import Config, ConfigError

MEMORY_SHARE = 0.5  # of this machine's memory, the most one command may plan to use
LONG_SECONDS = 60.0  # a run expected to take longer is announced
MAX_POINTS = 10_000  # the most points one sweep may have
# What a point stepping with others costs (measured on 2 cores, d = 1 to 100): its summary
# and files, its share of the steps, each number of its metrics.csv, and its predictions
# (~6 ms at d = 100: they grow with the square of the parameters).
BATCHED_SECONDS = 2e-3
BATCHED_SECONDS_PER_EPOCH = 2e-7
SECONDS_PER_LOGGED_NUMBER = 5e-8
THEORY_SECONDS_PER_PARAMETER_PAIR = 6e-7
CSV_MEMORY_PER_BYTE = 40  # reading a CSV holds its text as Python strings: ~31x measured
TEXT_BYTES_PER_NUMBER = 22  # a float written by repr, and its comma
TEXT_MEMORY_PER_BYTE = 3  # a CSV's text is built as lines, then joined


def physical_memory() -> int:
    """This machine's memory in bytes (8 GiB where the system will not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def memory_budget() -> int:
    """The most memory one command may plan to use."""
    return int(physical_memory() * MEMORY_SHARE)


@dataclass(frozen=True)
class Cost:
    """A run's estimated peak memory (bytes), files written (bytes) and training time (s)."""

    memory: float
    disk: float
    seconds: float


def run_cost(config: Config, n_samples: int) -> Cost:
    """Estimate a run of ``config`` on ``n_samples`` samples."""
    t, d = config.training, config.n_features
    metrics_text = logged_numbers(config) * TEXT_BYTES_PER_NUMBER
    data = n_samples * (d + 1) * 8 * (2 if config.data.standardize else 1)
    data_text = n_samples * (d + 1) * TEXT_BYTES_PER_NUMBER if config.data.save_csv else 0
    steps = 0
    if t.log_steps:
        batches = math.ceil(n_samples / t.batch_size) if t.batch_size else 1
        steps = t.epochs * batches * (d + 3)
    memory = (
        data
        + logged_numbers(config) * 8
        + TEXT_MEMORY_PER_BYTE * (metrics_text + data_text)
        + steps * 100  # steps are kept as Python floats in lists
    )
    # The numbers only: figures that do not fit are recorded as missing beside them.
    disk = metrics_text + data_text + steps * TEXT_BYTES_PER_NUMBER
    return Cost(memory, disk, _seconds(config, n_samples))


def _seconds(config: Config, n_samples: int) -> float:
    """Training time: the four functions cost ~10 us an epoch plus ~10 ns a sample and feature;
    the data's sums (long full-batch runs) ~4 us plus ~0.5 ns per pair of parameters."""
    t, d = config.training, config.n_features
    if t.batch_size and t.batch_size < n_samples:
        steps = math.ceil(n_samples / t.batch_size)
        return t.epochs * (steps * 15e-6 + 10e-9 * n_samples * d)
    if n_samples * t.epochs >= SUMS_FROM_SAMPLE_EPOCHS and t.fast is not False:
        return t.epochs * (4e-6 + 0.5e-9 * (d + 1) ** 2)
    return t.epochs * (10e-6 + 10e-9 * n_samples * d)


def check_data_size(config: Config, where: str) -> None:
    """Refuse synthetic data too large to hold, before it is drawn."""
    d = config.data
    need = d.n_samples * (config.n_features + 1) * 8 * 3  # X, y, and the noise while drawing
    if d.source == "synthetic" and need > memory_budget():
        raise ConfigError(
            where,
            f"would take about {_bytes(need)} of memory to draw; this machine allows "
            f"{_bytes(memory_budget())} (half of its memory): lower it",
            "data.n_samples",
            d.n_samples,
        )


def check_csv_size(path: Path) -> None:
    """Refuse a CSV file too large to read into memory (as the csv module holds it)."""
    size = path.stat().st_size
    if size * CSV_MEMORY_PER_BYTE > memory_budget():
        raise DataError(
            f"{path}: is {_bytes(size)}; reading it takes about "
            f"{_bytes(size * CSV_MEMORY_PER_BYTE)} of memory and this machine allows "
            f"{_bytes(memory_budget())}"
        )


def check_run(config: Config, n_samples: int, results: Path, where: str) -> Cost:
    """Refuse a run this machine cannot hold or store; return its cost (for a 'long' notice)."""
    cost = run_cost(config, n_samples)
    _check_memory(cost.memory, where, config)
    _check_disk(cost.disk, results)
    return cost


def check_sweep(configs: list[tuple[Config, int]], results: Path, where: str) -> Cost:
    """The same for a sweep's points (config, n_samples). The disk holds them all; memory
    holds one point (or batch) at a time in each worker, one worker a core at most, and
    the time is shared among them. Points that step together cost a fraction of a run."""
    costs = [run_cost(config, n) for config, n in configs]
    workers = max(1, min(len(costs), cores()))
    seconds = [
        batched_seconds(config) if can_batch(config) else c.seconds
        for (config, _), c in zip(configs, costs, strict=True)
    ]
    total = Cost(
        max((c.memory for c in costs), default=0.0) * workers,
        sum(c.disk for c in costs),
        sum(seconds) / workers,
    )
    _check_memory(total.memory, where, configs[0][0] if configs else None)
    _check_disk(total.disk, results)
    return total


def logged_numbers(config: Config) -> int:
    """The numbers a run's history holds (metrics.csv's cells): every logged epoch (the last
    too, logged or not) times epoch, loss, w..., b, grad_w..., grad_b."""
    t = config.training
    return (t.epochs // t.log_every + 2) * (2 * config.n_features + 4)


def batched_seconds(config: Config) -> float:
    """The time a point that steps with others takes, from training to its written folder."""
    p = config.n_features + 1
    return (
        BATCHED_SECONDS
        + BATCHED_SECONDS_PER_EPOCH * config.training.epochs
        + SECONDS_PER_LOGGED_NUMBER * logged_numbers(config)
        + THEORY_SECONDS_PER_PARAMETER_PAIR * p * p
    )


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_points(count: int, where: str) -> None:
    """Refuse a grid with more points than one sweep may have, before it is expanded."""
    if count > MAX_POINTS:
        raise ConfigError(
            where,
            f"the grid has {count:,} points; one sweep runs at most {MAX_POINTS:,}: "
            "split it into several sweeps",
        )


def _check_memory(memory: float, where: str, config: Config | None) -> None:
    if memory <= memory_budget():
        return
    raise ConfigError(
        where,
        f"would keep about {_bytes(memory)} in memory; this machine allows "
        f"{_bytes(memory_budget())} (half of its memory): raise training.log_every, or lower "
        "training.epochs or data.n_samples",
        "training.epochs" if config else None,
        config.training.epochs if config else None,
    )


def _check_disk(disk: float, results: Path) -> None:
    try:
        existing = results
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        free = shutil.disk_usage(existing).free
    except OSError:
        return  # nothing to measure against (a name too long, say): the writes will say
    if disk > free:
        raise ConfigError(
            f"results folder {results}",
            f"about {_bytes(disk)} to write and {_bytes(free)} free: raise training.log_every, "
            "set data.save_csv false, or write elsewhere (--results-dir)",
        )


def _bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"


def describe_seconds(seconds: float) -> str:
    """'about 3 minutes', 'about 2.5 hours', 'about 4 days'."""
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"about {seconds / size:.2g} {unit}"
    return f"about {seconds:.0f} seconds"
