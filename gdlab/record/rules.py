"""Which runs gdlab's theory predicts, and which sweep points may step together.

Rules read off a validated config (and, where it matters, the data's size): they
decide what summary.json's theory block holds and which path a sweep takes.
"""

from __future__ import annotations

from gdlab.record.schema import Config


def is_full_batch(config: Config, n_samples: int) -> bool:
    """Whether every step sees all the data (a batch as large as the data is the whole of it)."""
    size = config.training.batch_size
    return size is None or size >= n_samples


def is_plain_gd(config: Config, n_samples: int | None = None) -> bool:
    """Full-batch gradient descent with no momentum, decay or preconditioner: what
    theory.py predicts.

    A batch as large as the data (``n_samples``, when known) is the full batch.
    """
    c = config.optimizer
    plain = c.name in ("gd", "momentum") and not c.momentum and not c.weight_decay
    plain = plain and c.precondition == "none"
    size = config.training.batch_size
    return plain and (size is None or (n_samples is not None and size >= n_samples))


def is_predicted(config: Config, n_samples: int | None = None) -> bool:
    """Whether gdlab's theory predicts this run: full-batch descent, plain (theory.py) or
    with momentum, heavy ball or Nesterov, dampening 0 (momentum.py), with or without
    torch's weight decay (decay.py); no preconditioner. With a schedule, plain descent
    alone (scheduled.py)."""
    c = config.optimizer
    if c.schedule is not None:
        return is_plain_gd(config, n_samples)
    sgd = c.name in ("gd", "momentum") and not (c.momentum and c.dampening)
    sgd = sgd and c.precondition == "none"
    size = config.training.batch_size
    full = size is None or (n_samples is not None and size >= n_samples)
    return sgd and full


def can_batch(config: Config) -> bool:
    """Whether a sweep point may step together with others (gdlab/core/batch.py): full-batch
    descent, plain or with momentum (heavy ball or Nesterov, dampening 0), no weight decay,
    preconditioner or schedule, an intercept, and nothing logged per step."""
    o, t = config.optimizer, config.training
    sgd = o.name in ("gd", "momentum") and not o.dampening and not o.weight_decay
    sgd = sgd and o.precondition == "none" and not o.schedule and t.batch_size is None
    return sgd and config.model.intercept and t.fast is not False and not t.log_steps
