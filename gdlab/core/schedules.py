"""Learning-rate schedules, written out by hand as torch.optim.lr_scheduler defines them.

A schedule turns the configured rate into one rate per epoch: the k-th update
(k = 0, 1, ...) uses lr_k, as a torch loop that calls ``scheduler.step()``
once after each epoch would. Every step of an epoch's mini-batches uses that
epoch's rate. The formulas are torch's closed forms, with lr the base rate:

    step         lr_k = lr gamma^floor(k / step_size)                       (StepLR)
    exponential  lr_k = lr gamma^k                                           (ExponentialLR)
    cosine       lr_k = eta_min + (lr - eta_min) (1 + cos(pi k / t_max)) / 2 (CosineAnnealingLR)
    warmup       lr_k = lr (start_factor + (end_factor - start_factor)
                           min(k, total_iters) / total_iters)                (LinearLR)

Past t_max the cosine climbs back up, as torch's closed form does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdlab.core.notation import Array

# Each schedule's own keys, in the order a config lists them.
KEYS: dict[str, tuple[str, ...]] = {
    "step": ("step_size", "gamma"),
    "exponential": ("gamma",),
    "cosine": ("t_max", "eta_min"),
    "warmup": ("start_factor", "end_factor", "total_iters"),
}
# Keys torch requires (no default): a config must give them.
REQUIRED: dict[str, tuple[str, ...]] = {
    "step": ("step_size",),
    "exponential": ("gamma",),
    "cosine": ("t_max",),
    "warmup": (),
}


@dataclass(frozen=True)
class Schedule:
    """One schedule and its settings; the defaults are torch's."""

    name: str  # step, exponential, cosine or warmup
    step_size: int = 1
    gamma: float = 0.1
    t_max: int = 1
    eta_min: float = 0.0
    start_factor: float = 1.0 / 3.0
    end_factor: float = 1.0
    total_iters: int = 5

    def to_dict(self) -> dict[str, object]:
        """The name and this schedule's own keys, as a config holds them."""
        return {"name": self.name, **{key: getattr(self, key) for key in KEYS[self.name]}}


def rates(schedule: Schedule, lr: float, epochs: int) -> Array:
    """lr_k for k = 0, ..., epochs - 1: the rate of each epoch's updates (see the module)."""
    s, k = schedule, np.arange(epochs, dtype=np.float64)
    if s.name == "step":
        return np.asarray(lr * s.gamma ** np.floor(k / s.step_size), dtype=np.float64)
    if s.name == "exponential":
        return np.asarray(lr * s.gamma**k, dtype=np.float64)
    if s.name == "cosine":
        return s.eta_min + (lr - s.eta_min) * (1 + np.cos(np.pi * k / s.t_max)) / 2
    if s.name == "warmup":
        ramp = np.minimum(k, s.total_iters) / s.total_iters
        return np.asarray(lr * (s.start_factor + (s.end_factor - s.start_factor) * ramp))
    raise ValueError(f"unknown schedule {s.name!r}")
