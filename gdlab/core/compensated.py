"""Sums and products in twice float64's precision (double-double), with NumPy alone.

A float64 keeps 53 bits. The exact result of a + b or a * b is the rounded
float64 result plus an error that is itself a float64, and both can be found
with float64 operations alone: Knuth's TwoSum and Dekker's TwoProduct (with
Veltkamp's split). Carrying that error beside each value, as a pair (hi, lo),
gives about 106 bits. Only IEEE round-to-nearest float64 is assumed, which
every platform NumPy runs on provides, so the digits are the same everywhere
(``np.longdouble`` is not: on some platforms it is plain float64).

Reference: T. Ogita, S. M. Rump and S. Oishi, "Accurate sum and dot product",
SIAM J. Sci. Comput. 26(6), 2005.
"""

from __future__ import annotations

import numpy as np

from gdlab.core.notation import Array

# 2^27 + 1: multiplying by it splits a float64 into two halves of 26 bits.
_SPLITTER = 134_217_729.0

Pair = tuple[Array, Array]  # (hi, lo): the value hi + lo, with |lo| <= ulp(hi) / 2


def two_sum(a: Array, b: Array) -> Pair:
    """s = fl(a + b) and the exact error e, so that s + e == a + b (Knuth's TwoSum)."""
    s = a + b
    b_virtual = s - a
    return s, (a - (s - b_virtual)) + (b - b_virtual)


def _split(a: Array) -> Pair:
    """a = hi + lo, each half with at most 26 significant bits (Veltkamp)."""
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_product(a: Array, b: Array) -> Pair:
    """p = fl(a * b) and the exact error e, so that p + e == a * b (Dekker's TwoProduct)."""
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def renormalized(hi: Array, lo: Array) -> Pair:
    """hi + lo as a pair again, when |lo| may have grown past ulp(hi) (|lo| <= |hi|)."""
    total = hi + lo
    return total, lo - (total - hi)


def add(x: Pair, y: Pair) -> Pair:
    """x + y for two pairs, with an error of about 2^-104 (|x| + |y|)."""
    s, e = two_sum(x[0], y[0])
    return renormalized(s, e + (x[1] + y[1]))


def sum_pairs(terms: Pair, axis: int = 0) -> Pair:
    """The sum along ``axis`` of hi + lo, as a pair: pairwise TwoSums for the his.

    Each level of the pairwise tree keeps its rounding errors; they and the
    los are small, so float64 sums them well enough (Ogita, Rump and Oishi's Sum2,
    in pairwise order): the result is as accurate as if summed in twice the
    precision and then rounded, however much the terms cancel.
    """
    hi = np.moveaxis(terms[0], axis, 0)
    errors = np.sum(np.moveaxis(terms[1], axis, 0), axis=0)
    while hi.shape[0] > 1:
        if hi.shape[0] % 2:
            hi = np.concatenate([hi, np.zeros_like(hi[:1])])
        hi, e = two_sum(hi[0::2], hi[1::2])
        errors = errors + e.sum(axis=0)
    top = hi[0] if hi.shape[0] else np.zeros_like(errors)
    total = top + errors
    return total, errors - (total - top)
