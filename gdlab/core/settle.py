"""When a sum of geometric sequences enters a band for good, in time independent of when.

One parameter's error under gradient descent is e(t) = sum_i a_i rho_i^t, one
term per eigenvector (gdlab/core/theory.py). It is within tol for good from
the epoch after the last t with |e(t)| >= tol. Scanning t one by one costs as
many steps as the answer, which can be billions. Instead: with rho_i =
sign_i exp(-mu_i), on epochs of one parity e(t) is an exponential sum
h(t) = sum_i c_i exp(-mu_i t) of a real t, and such a sum of m terms has at
most m - 1 real zeros (Descartes' rule of signs, for exponential sums: no
more than the sign changes of c_i in order of mu_i). Rolle's theorem finds
them: multiplied by exp(mu_1 t), h keeps its zeros and its derivative has one
term fewer, so the zeros of a sum of m terms come from those of m - 1 terms,
each by bisection between them. |e(t)| = tol where h -+ tol = 0, so the
last epoch outside lies next to the largest such zero. The cost grows with
the number of terms and the digits of t, never with t itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gdlab.core.notation import Array

_SCAN = 4096  # epochs checked one by one, at most, before the zeros are sought
_NEAR = 64  # epochs checked first: where the sum nearly always leaves the band
_BISECTIONS = 200  # halvings of an interval of real t: enough to reach float64's spacing
_EXACT = 2.0**53  # past this, float64 no longer holds every whole epoch


def settle_epoch(terms: Array, rho: Array, tol: float, log_rate: Array | None = None) -> int | None:
    """First t after which |sum_i terms_i rho_i^t| < tol for good; None if it never is.

    All |rho_i| <= 1; rho_i = 1 (a step that rounds to no step) keeps its
    term for ever, and -1 is excluded (it neither grows nor shrinks).
    ``log_rate`` is log |rho_i| when known more precisely than from rho.
    The one-row case of :func:`settle_epochs`.
    """
    return settle_epochs(np.asarray(terms)[None, :], rho, tol, log_rate)[0]


def settle_epochs(
    terms: Array, rho: Array, tol: float, log_rate: Array | None = None
) -> list[int | None]:
    """:func:`settle_epoch` for each row of ``terms`` (one parameter's a row, the rates
    shared), in one pass: the band's bound and the epochs near its end are evaluated
    for every row at once (a hundred parameters: a hundred times fewer calls). A row
    whose crossing lies before the scanned epochs is left to the zeros, row by row.
    """
    terms = np.asarray(terms, dtype=np.float64)
    last = [0 if abs(float(np.sum(row))) >= tol else -1 for row in terms]  # t = 0: rho^0 = 1
    moving = rho != 0  # a rho of 0 leaves nothing after t = 0
    c, r = terms[:, moving], rho[moving]
    mu = -np.log(np.abs(r)) if log_rate is None else -log_rate[moving]
    mu = np.maximum(mu, 0.0)  # |rho| <= 1: a rounding above 1 is 1
    # Oscillating terms: even and odd epochs are two exponential sums (a row whose
    # oscillating terms are all 0 gets the same epochs either way).
    sequences = [(2 - p, 2, np.where(r < 0, (-1.0) ** p, 1.0)) for p in (0, 1)]
    if not np.any(r < 0):
        sequences = [(1, 1, np.ones(r.shape))]
    settled: list[int | None] = list(last)
    for start, step, signs in sequences:
        found = _last_outside_each(c * signs, mu, tol, start, step)
        settled = [
            None if a is None or b is None else max(a, b)
            for a, b in zip(settled, found, strict=True)
        ]
    return [None if t is None else t + 1 for t in settled]


def _last_outside_each(C: Array, mu: Array, tol: float, start: int, step: int) -> list[int | None]:
    """_last_outside for each row of C (the rates mu shared)."""
    merged, rates = _merged_rows(C, mu)
    lasting = np.sum(merged[:, rates == 0], axis=1)  # one column at most
    size, rate = np.abs(merged[:, rates > 0]), rates[rates > 0]
    found: list[int | None] = [None] * len(C)
    settling = [int(k) for k in np.flatnonzero(np.abs(lasting) < tol)]  # others never: None

    def bound(t: NDArray[np.int64]) -> Array:
        return np.asarray(np.abs(lasting) + np.sum(size * _exponentials(rate, t), axis=1))

    end, far = _first_below_each(bound, tol, np.abs(lasting) < tol)
    tops = start + (end - 1 - start) // step * step  # each row's last epoch before its end
    for k in settling:
        if end[k] <= start and not far[k]:
            found[k] = -1
    scanned = [k for k in settling if end[k] > start and not far[k]]
    # Nearly always the sum leaves the band an epoch or so before its bound does: a short
    # scan finds it; the rows it does not settle are scanned again, wide.
    for window in dict.fromkeys((min(_NEAR, _SCAN), _SCAN)):  # one pass if _SCAN is short
        scanned = [k for k in scanned if found[k] is None]
        lows = np.maximum(start, tops - window * step)
        _scan_each(merged, rates, tol, start, step, window, scanned, lows, tops, found)
    for k in settling:  # the rest: the zeros, row by row
        if found[k] is None:
            found[k] = _last_outside(C[k], mu, tol, start, step)
    return found


def _scan_each(
    merged: Array,
    rates: Array,
    tol: float,
    start: int,
    step: int,
    window: int,
    rows: list[int],
    lows: NDArray[np.int64],
    tops: NDArray[np.int64],
    found: list[int | None],
) -> None:
    """For each of ``rows``, its last epoch from lows to tops with |sum| >= tol, into
    ``found``; -1 if none and the scan reached ``start``; left None otherwise."""
    groups = _near_each_other(rows, lows, tops, step, window)  # rows that share a table
    widest = max((int(tops[g].max() - lows[g].min()) // step + 1 for g in groups), default=0)
    # exp(-mu (first + j step)) = exp(-mu first) exp(-mu j step): one table of the second
    # for every group, the first folded into the group's terms.
    table = _exponentials(rates, step * np.arange(widest))
    for group in groups:
        first, last = int(lows[group].min()), int(tops[group].max())
        epochs = np.arange(first, last + 1, step)
        terms = merged[group] * _exponentials(rates, np.array([first]))
        values = np.abs(table[: epochs.size] @ terms.T)
        for j, k in enumerate(group):
            span = slice((int(lows[k]) - first) // step, (int(tops[k]) - first) // step + 1)
            outside = np.flatnonzero(values[span, j] >= tol)
            if outside.size:
                found[k] = int(epochs[span][outside[-1]])
            elif lows[k] == start:
                found[k] = -1


def _near_each_other(
    rows: list[int], lows: NDArray[np.int64], tops: NDArray[np.int64], step: int, window: int
) -> list[list[int]]:
    """The rows in groups, by their last epochs, whose scans together span at most twice
    one row's: each group's epochs are evaluated once for all its rows."""
    groups: list[list[int]] = []
    for k in sorted(rows, key=lambda k: int(tops[k])):
        if groups and tops[k] - lows[groups[-1][0]] <= 2 * window * step:
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def _first_below_each(
    falling: Callable[[NDArray[np.int64]], Array], tol: float, rows: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """first_below for each row of ``falling`` (a function of one epoch per row), and which
    rows are past float64's whole numbers (``far``: left to first_below itself)."""
    low = np.zeros(len(rows), dtype=np.int64)
    high = np.zeros(len(rows), dtype=np.int64)
    searching = rows & ~(falling(high) < tol)
    high[searching] = 1
    far = np.zeros(len(rows), dtype=bool)
    while True:  # double until below
        growing = searching & ~far & ~(falling(high) < tol)
        if not growing.any():
            break
        low[growing], high[growing] = high[growing], high[growing] * 2
        far |= high > _EXACT
    while True:  # then halve the interval
        halving = searching & ~far & (high - low > 1)
        if not halving.any():
            return high, far
        middle = (low + high) // 2
        below = falling(middle) < tol
        high[halving & below] = middle[halving & below]
        low[halving & ~below] = middle[halving & ~below]


def _merged_rows(C: Array, mu: Array) -> tuple[Array, Array]:
    """:func:`_merged` for each row of C (the rates mu shared): terms of the same mu added
    in order, increasing mu; a mu whose terms add to 0 in every row dropped."""
    unique, index = np.unique(mu, return_inverse=True)
    summed = np.zeros((len(unique), len(C)))
    np.add.at(summed, index, C.T)
    keep = np.any(summed != 0, axis=1)
    return summed[keep].T, unique[keep]


def _exponentials(mu: Array, t: NDArray[np.floating[Any] | np.integer[Any]]) -> Array:
    """exp(-mu_i t) for each t (rows) and i (columns)."""
    with np.errstate(under="ignore"):
        return np.exp(-np.multiply.outer(np.asarray(t, dtype=np.float64), mu))


def _last_outside(c: Array, mu: Array, tol: float, start: int, step: int) -> int | None:
    """Last t in start, start + step, ... with |sum c_i exp(-mu_i t)| >= tol (-1 if none).

    None if the sum never stays within tol (the terms with mu = 0 add up to tol or more).
    """
    c, mu = _merged(c, mu)
    lasting = float(np.sum(c[mu == 0]))
    if abs(lasting) >= tol:
        return None
    size, rate = np.abs(c[mu > 0]), mu[mu > 0]  # the fading terms

    def bound(t: int) -> float:
        with np.errstate(under="ignore"):
            return abs(lasting) + float(np.sum(size * np.exp(-rate * t)))

    end = first_below(bound, tol)  # from here on inside for good
    if end <= start:
        return -1
    top = start + (end - 1 - start) // step * step  # the last t of the sequence before end
    near = np.arange(top, max(start, top - _SCAN * step) - 1, -step)
    outside = np.flatnonzero(np.abs(_evaluate(c, mu, near)) >= tol)
    if outside.size:
        return int(near[outside[0]])
    if near[-1] == start:
        return -1
    # The crossing lies before the scanned epochs: find it from the zeros of h -+ tol.
    zeros = [
        z
        for sign in (1.0, -1.0)
        for z in _zeros(*_merged(np.append(c, -sign * tol), np.append(mu, 0.0)), start, end)
    ]
    for z in sorted(zeros, reverse=True):
        low = start + max(0, int(np.ceil((z - 2.5 - start) / step))) * step
        candidates = np.arange(low, min(z + 0.5, end), step)
        candidates = candidates[candidates <= top]
        if not candidates.size and z > _EXACT:  # beyond float64's integers: the zero itself
            return start + int((z - start) // step) * step
        hits = candidates[np.abs(_evaluate(c, mu, candidates)) >= tol]
        if hits.size:
            return int(hits[-1])
    return -1


def _evaluate(c: Array, mu: Array, t: NDArray[np.floating[Any] | np.integer[Any]]) -> Array:
    """sum_i c_i exp(-mu_i t) at each t."""
    return np.asarray(_exponentials(mu, t) @ c, dtype=np.float64)


def _merged(c: Array, mu: Array) -> tuple[Array, Array]:
    """Terms with the same mu added together, zero terms dropped, in increasing mu."""
    summed, unique = _merged_rows(c[None, :], mu)
    return summed[0], unique


def _zeros(c: Array, mu: Array, low: float, high: float) -> list[float]:
    """The real zeros of h(t) = sum c_i exp(-mu_i t) in [low, high] (c, mu from _merged).

    exp(mu_1 t) h(t) has the same zeros, and its derivative is a sum of one
    term fewer: between its zeros (recursively) h is monotone, so each
    interval holds at most one zero, found by bisection.
    """
    if c.size < 2 or np.all(c > 0) or np.all(c < 0):
        return []  # one term, or no change of sign: no zero at all
    shifted = mu - mu[0]
    turns = _zeros(-shifted[1:] * c[1:], shifted[1:], low, high)
    edges = np.array([low, *[z for z in turns if low < z < high], high])
    values = _evaluate(c, shifted, edges)
    found = [float(edges[i]) for i in range(len(edges)) if values[i] == 0]
    for i in np.flatnonzero(values[:-1] * values[1:] < 0):
        found.append(
            _bisect(
                lambda t: float(_evaluate(c, shifted, np.array([t]))[0]), edges[i], edges[i + 1]
            )
        )
    return found


def _bisect(f: Callable[[float], float], a: float, b: float) -> float:
    """A zero of f between a and b, where f changes sign."""
    fa = f(a)
    for _ in range(_BISECTIONS):
        middle = 0.5 * (a + b)
        if middle in (a, b):
            break
        fm = f(middle)
        if (fm < 0) == (fa < 0):
            a, fa = middle, fm
        else:
            b = middle
    return 0.5 * (a + b)


def first_below(
    falling: Callable[[int], float], tol: float, high: int | None = None, low: int = 0
) -> int:
    """Smallest t >= low with falling(t) < tol; falling never rises, and gets there
    (by ``high``, when known)."""
    if falling(low) < tol:
        return low
    # falling(low) >= tol and falling(high) < tol from here on
    if high is None:
        high = low + 1
        while not falling(high) < tol:
            low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if falling(middle) < tol else (middle, high)
    return high
