"""Update rules with their state made explicit, written as torch.optim documents them.

A step takes (w, b) and their gradients and returns the next (w, b). Plain
gradient descent is the seed's ``model.update`` itself; every other rule is
element-wise, so it works on theta = (w_1, ..., w_d, b) stacked with its
gradient g, and keeps what it remembers between steps in plain attributes, so
a learner can print them. t counts steps from 1. Weight decay, where given, applies to every
parameter, b included (as it would in one torch parameter group).

The details people get wrong, kept here on purpose: the first momentum step
starts its buffer from the gradient itself (no dampening on that step); Adam
adds eps after the bias correction; RMSprop adds eps outside the square root;
AdamW decays the weights before the step, not through the gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdlab.core import model
from gdlab.core.notation import Array


class Optimizer:
    """Maps (w, b) and their gradients to the next (w, b), remembering what its rule needs."""

    lr: float  # every rule has a rate; the range test (gdlab/core/lrfind.py) changes it per step
    t: int = 0

    def step(self, w: Array, b: float, grad_w: Array, grad_b: float) -> tuple[Array, float]:
        """One update: the rule applied to theta = (w, b) stacked, then split again."""
        self.t += 1
        theta = self.rule(stack(w, b), stack(grad_w, grad_b))
        return theta[:-1], float(theta[-1])

    def rule(self, theta: Array, grad: Array) -> Array:
        """The update rule on theta = (w_1, ..., w_d, b) and its gradient; returns the new theta."""
        raise NotImplementedError


def stack(w: Array, b: float) -> Array:
    """theta = (w_1, ..., w_d, b) as one array: np.append(w, b), at a third of its cost."""
    theta = np.empty(len(w) + 1)
    theta[:-1], theta[-1] = w, b
    return theta


@dataclass
class SGD(Optimizer):
    """Gradient descent, with optional momentum (``gd`` and ``momentum``).

    Notes
    -----
    g <- g + weight_decay * theta
    g <- D^-1 g  with ``scale`` = D^-1 = 1 / diag(H)    (Jacobi preconditioning)
    if momentum: buf <- g on the first step, else momentum * buf + (1 - dampening) * g
                 g <- g + momentum * buf if nesterov, else buf
    theta <- theta - lr * g

    With no momentum, weight decay or scale this is the seed's ``model.update``.
    ``scale`` (gdlab/core/precondition.py: jacobi) divides each parameter's gradient by
    its curvature H_jj, so plain descent follows e <- (I - lr D^-1 H) e.
    """

    lr: float
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    scale: Array | None = None
    buf: Array | None = None
    t: int = 0

    def step(self, w: Array, b: float, grad_w: Array, grad_b: float) -> tuple[Array, float]:
        if self.momentum == 0 and self.weight_decay == 0 and self.scale is None:
            self.t += 1
            return model.update(w, b, grad_w, grad_b, self.lr)  # the seed's own rule
        return super().step(w, b, grad_w, grad_b)

    def rule(self, theta: Array, grad: Array) -> Array:
        g = grad + self.weight_decay * theta if self.weight_decay else grad
        if self.scale is not None:
            g = self.scale * g
        if self.momentum:
            if self.buf is None:
                self.buf = g.copy()  # the first step: no dampening
            else:
                self.buf = self.momentum * self.buf + (1 - self.dampening) * g
            g = g + self.momentum * self.buf if self.nesterov else self.buf
        return theta - self.lr * g


@dataclass
class Adam(Optimizer):
    """Adam and, with ``decoupled``, AdamW.

    Notes
    -----
    Adam:  g <- g + weight_decay * theta
    AdamW: theta <- theta - lr * weight_decay * theta   (before the step)
    m <- beta1 m + (1 - beta1) g
    v <- beta2 v + (1 - beta2) g^2
    v_max <- max(v_max, v) if amsgrad            (the raw average, as torch keeps it)
    m_hat = m / (1 - beta1^t),  v_hat = (v_max or v) / (1 - beta2^t)
    theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)   (eps after the bias correction)
    """

    lr: float
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False
    decoupled: bool = False
    m: Array | None = None
    v: Array | None = None
    v_max: Array | None = None
    t: int = 0

    def rule(self, theta: Array, grad: Array) -> Array:
        beta1, beta2 = self.betas
        if self.decoupled:
            theta = theta * (1 - self.lr * self.weight_decay)
            g = grad
        else:
            g = grad + self.weight_decay * theta if self.weight_decay else grad
        self.m = (1 - beta1) * g if self.m is None else beta1 * self.m + (1 - beta1) * g
        self.v = (1 - beta2) * g * g if self.v is None else beta2 * self.v + (1 - beta2) * g * g
        second = self.v
        if self.amsgrad:
            self.v_max = self.v if self.v_max is None else np.maximum(self.v_max, self.v)
            second = self.v_max
        m_hat = self.m / (1 - beta1**self.t)
        v_hat = second / (1 - beta2**self.t)
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


@dataclass
class RMSprop(Optimizer):
    """RMSprop.

    Notes
    -----
    g <- g + weight_decay * theta
    v <- alpha v + (1 - alpha) g^2
    v_tilde = v - g_avg^2 with g_avg <- alpha g_avg + (1 - alpha) g, if centered; else v
    if momentum: buf <- momentum buf + g / (sqrt(v_tilde) + eps); theta <- theta - lr buf
    else:        theta <- theta - lr g / (sqrt(v_tilde) + eps)     (eps outside the root)
    """

    lr: float
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    centered: bool = False
    v: Array | None = None
    g_avg: Array | None = None
    buf: Array | None = None
    t: int = 0

    def rule(self, theta: Array, grad: Array) -> Array:
        g = grad + self.weight_decay * theta if self.weight_decay else grad
        v = np.zeros_like(g) if self.v is None else self.v
        self.v = self.alpha * v + (1 - self.alpha) * g * g
        v_tilde = self.v
        if self.centered:
            g_avg = np.zeros_like(g) if self.g_avg is None else self.g_avg
            self.g_avg = self.alpha * g_avg + (1 - self.alpha) * g
            v_tilde = self.v - self.g_avg * self.g_avg
        scaled = g / (np.sqrt(v_tilde) + self.eps)
        if self.momentum:
            buf = np.zeros_like(g) if self.buf is None else self.buf
            self.buf = self.momentum * buf + scaled
            return theta - self.lr * self.buf
        return theta - self.lr * scaled


@dataclass
class Adagrad(Optimizer):
    """Adagrad.

    Notes
    -----
    lr_t = lr / (1 + (t - 1) lr_decay)
    g <- g + weight_decay * theta
    sum <- sum + g^2
    theta <- theta - lr_t g / (sqrt(sum) + eps)
    """

    lr: float
    lr_decay: float = 0.0
    eps: float = 1e-10
    weight_decay: float = 0.0
    sum: Array | None = field(default=None)
    t: int = 0

    def rule(self, theta: Array, grad: Array) -> Array:
        lr_t = self.lr / (1 + (self.t - 1) * self.lr_decay)
        g = grad + self.weight_decay * theta if self.weight_decay else grad
        self.sum = g * g if self.sum is None else self.sum + g * g
        return theta - lr_t * g / (np.sqrt(self.sum) + self.eps)


@dataclass
class Newton(Optimizer):
    """Damped Newton: each step solves with the Hessian instead of following the gradient.

    Notes
    -----
    theta <- theta - lr * H^-1 g,   H = (2/n) A^T A = U^T U   (U = ``hessian_root``)

    H^-1 g is found by two triangular solves, U^T z = g then U d = z, never by
    inverting H or forming A^T A (gdlab/core/precondition.py: hessian_root). The
    loss is the quadratic L* + 1/2 e^T H e, so g = H e and a step maps the error
    e = theta - theta* to (1 - lr) e: at lr = 1 one step lands on the least-squares
    optimum, at lr = 1/2 each halves the error, and past lr = 2 it grows. The
    Hessian is the full data's, so a step on a mini-batch's gradient would not be
    Newton's; gdlab refuses that pairing. Without an intercept U is d x d and b
    stays where it is.
    """

    lr: float
    hessian_root: Array
    t: int = 0

    def step(self, w: Array, b: float, grad_w: Array, grad_b: float) -> tuple[Array, float]:
        self.t += 1
        d, p = len(w), self.hessian_root.shape[0]
        theta = self.rule(stack(w, b)[:p], stack(grad_w, grad_b)[:p])
        return theta[:d], float(theta[d]) if p > d else b

    def rule(self, theta: Array, grad: Array) -> Array:
        z = np.linalg.solve(self.hessian_root.T, grad)
        return theta - self.lr * np.linalg.solve(self.hessian_root, z)


__all__ = ["SGD", "Adagrad", "Adam", "Newton", "Optimizer", "RMSprop"]
