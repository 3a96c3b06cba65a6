"""Check the NIST StRD linear least squares files in this folder by exact computation.

For every set in certified.json this script reads <key>.csv, builds the design
matrix (a column of ones when the model has an intercept, then x, x**2, ...,
x**degree; for Longley ones and the six x columns), turns every CSV string into an
exact rational (fractions.Fraction), solves the normal equations exactly by
Gauss-Jordan elimination on Fractions, and compares with NIST's certified strings:

* the parameter estimates B0, B1, ...
* their standard deviations sqrt(s**2 * diag((X'X)**-1)), s**2 = RSS / (n - p)
* the residual standard deviation s
* R**2: centered, 1 - RSS / sum((y - mean(y))**2), for models with an intercept;
  uncentered, 1 - RSS / sum(y**2), for NoInt1 and NoInt2, as NIST certifies them
* the ANOVA table's residual and regression sums of squares

Agreement is measured by the log relative error LRE = -log10(|computed - certified|
/ |certified|), capped at 15; where the certified value is 0 (Wampler1 and
Wampler2) the log absolute error -log10(|computed|) is used instead. The script
prints one line per set with the worst LRE of each group and exits with status 1
if any is below 13 (the certified values carry 15 significant digits, so a correct
copy of the data agrees to about 15).

A stricter, informational column ("last digit") counts the certified strings
(estimates, standard deviations, residual SD, R**2 and the ANOVA sums of squares,
mean squares and F) that are exactly the computed value rounded to the digits NIST
prints; any that are not are listed under the table. This catches a wrong last
digit in a copied certified value, which the LRE test cannot see.

Only the standard library is used. Run from anywhere:

    python data/nist/verify.py
"""

from __future__ import annotations

import csv
import json
import math
import sys
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
THRESHOLD = 13.0
CAP = 15.0
PREC = 60  # decimal digits used for square roots and logarithms

Number = Fraction | Decimal
Matrix = list[list[Fraction]]
ZERO = Fraction(0)
ONE = Fraction(1)


@dataclass
class Result:
    """Worst LRE per group for one set, and the last-digit check."""

    estimates: float
    std_devs: float
    resid_sd: float
    r_squared: float
    anova_ss: float = math.nan
    n_checked: int = 0
    not_rounded: list[str] = field(default_factory=list)

    def worst(self) -> float:
        groups = [self.estimates, self.std_devs, self.resid_sd, self.r_squared]
        if not math.isnan(self.anova_ss):
            groups.append(self.anova_ss)
        return min(groups)


def read_table(path: Path, columns: list[str]) -> Matrix:
    """The named columns of a CSV file with a header, each value an exact Fraction."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    index = [header.index(c) for c in columns]
    return [[Fraction(row[i]) for i in index] for row in rows[1:] if row]


def design(entry: dict[str, Any], table: Matrix) -> tuple[Matrix, list[Fraction]]:
    """Rows of the design matrix and the response, from rows [x..., y]."""
    X: Matrix = []
    y: list[Fraction] = []
    for *xs, yi in table:
        row = [ONE] if entry["intercept"] else []
        if len(xs) == 1:  # one predictor: its powers 1..degree
            row += [xs[0] ** k for k in range(1, entry["degree"] + 1)]
        else:  # Longley: the x columns as they are
            row += xs
        X.append(row)
        y.append(yi)
    return X, y


def solve_exact(A: Matrix, B: Matrix) -> Matrix:
    """Solve A Z = B exactly (Gauss-Jordan, pivoting on the first nonzero entry)."""
    n = len(A)
    M = [A[i][:] + B[i][:] for i in range(n)]
    for c in range(n):
        pivot = next(r for r in range(c, n) if M[r][c] != 0)  # StopIteration: singular
        M[c], M[pivot] = M[pivot], M[c]
        inv = ONE / M[c][c]
        M[c] = [v * inv for v in M[c]]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c]
                M[r] = [a - f * b for a, b in zip(M[r], M[c], strict=True)]
    return [row[n:] for row in M]


def to_decimal(q: Number) -> Decimal:
    if isinstance(q, Decimal):
        return q
    with localcontext() as ctx:
        ctx.prec = PREC
        return Decimal(q.numerator) / Decimal(q.denominator)


def sqrt_decimal(q: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PREC
        return to_decimal(q).sqrt()


def rounds_to(computed: Number, certified: str) -> bool:
    """True if ``computed`` rounded to the last decimal place of ``certified`` equals it."""
    cert = Decimal(certified)
    exponent = cert.as_tuple().exponent
    assert isinstance(exponent, int), certified
    with localcontext() as ctx:
        ctx.prec = PREC
        step = Decimal(1).scaleb(exponent)
        return to_decimal(computed).quantize(step, rounding=ROUND_HALF_EVEN) == cert


def lre(computed: Number, certified: str) -> float:
    """-log10 of the relative error (absolute where the certified value is 0), capped at 15."""
    cert = Decimal(certified)
    with localcontext() as ctx:
        ctx.prec = PREC
        err = abs(to_decimal(computed) - cert)
        if cert != 0:
            err = err / abs(cert)
        if err == 0:
            return CAP
        return min(CAP, float(-err.log10()))


def check(key: str, entry: dict[str, Any]) -> Result:
    """Fit one set exactly and compare with its certified values."""
    table = read_table(HERE / f"{key}.csv", [*entry["x_columns"], entry["y_column"]])
    if len(table) != entry["observations"]:
        raise SystemExit(f"{key}: {len(table)} rows in the CSV, NIST says {entry['observations']}")
    X, y = design(entry, table)
    n, p = len(X), len(X[0])
    params = entry["parameters"]
    if p != len(params):
        raise SystemExit(f"{key}: {p} design columns but {len(params)} certified parameters")

    XtX = [[sum((X[i][a] * X[i][b] for i in range(n)), ZERO) for b in range(p)] for a in range(p)]
    Xty = [sum((X[i][a] * y[i] for i in range(n)), ZERO) for a in range(p)]
    rhs = [[Xty[a]] + [ONE if a == b else ZERO for b in range(p)] for a in range(p)]
    Z = solve_exact(XtX, rhs)  # column 0: the estimates; columns 1..p: (X'X)**-1
    beta = [Z[a][0] for a in range(p)]

    residuals = [y[i] - sum((X[i][a] * beta[a] for a in range(p)), ZERO) for i in range(n)]
    rss = sum((r * r for r in residuals), ZERO)
    if entry["intercept"]:
        mean = sum(y, ZERO) / n
        tss = sum(((v - mean) ** 2 for v in y), ZERO)
    else:
        tss = sum((v * v for v in y), ZERO)
    s2 = rss / (n - p)
    r2 = 1 - rss / tss
    sds = [sqrt_decimal(s2 * Z[a][1 + a]) for a in range(p)]
    resid_sd = sqrt_decimal(s2)

    result = Result(
        estimates=min(lre(beta[a], q["estimate"]) for a, q in enumerate(params)),
        std_devs=min(lre(sds[a], q["standard_deviation"]) for a, q in enumerate(params)),
        resid_sd=lre(resid_sd, entry["residual_standard_deviation"]),
        r_squared=lre(r2, entry["r_squared"]),
    )
    # (label, exact value, certified string) for the last-digit check
    pairs: list[tuple[str, Number, str]] = []
    pairs += [(f"{q['name']} estimate", beta[a], q["estimate"]) for a, q in enumerate(params)]
    pairs += [
        (f"{q['name']} std. dev.", sds[a], q["standard_deviation"]) for a, q in enumerate(params)
    ]
    pairs.append(("residual standard deviation", resid_sd, entry["residual_standard_deviation"]))
    pairs.append(("R-squared", r2, entry["r_squared"]))

    anova = entry.get("anova")
    if anova:
        reg, res = anova["regression"], anova["residual"]
        df_reg = p - 1 if entry["intercept"] else p
        if res["degrees_of_freedom"] != n - p or reg["degrees_of_freedom"] != df_reg:
            raise SystemExit(f"{key}: the certified degrees of freedom do not fit n = {n}, p = {p}")
        ssr = tss - rss
        result.anova_ss = min(lre(rss, res["sum_of_squares"]), lre(ssr, reg["sum_of_squares"]))
        msr, mse = ssr / df_reg, rss / (n - p)
        pairs.append(("regression sum of squares", ssr, reg["sum_of_squares"]))
        pairs.append(("residual sum of squares", rss, res["sum_of_squares"]))
        pairs.append(("regression mean square", msr, reg["mean_square"]))
        pairs.append(("residual mean square", mse, res["mean_square"]))
        if mse != 0:  # NIST writes "Infinity" for Wampler1 and Wampler2
            pairs.append(("F statistic", msr / mse, reg["f_statistic"]))

    result.n_checked = len(pairs)
    result.not_rounded = [
        f"{label} {cert} (exact value {to_decimal(value):.25g})"
        for label, value, cert in pairs
        if not rounds_to(value, cert)
    ]
    return result


def main() -> int:
    certified = json.loads((HERE / "certified.json").read_text(encoding="utf-8"))
    keys = [k for k in certified if not k.startswith("_")]
    groups = ["estimates", "std_devs", "resid_sd", "r_squared", "anova_ss"]
    print(f"{'set':<9} {'n':>3} {'p':>3}  " + " ".join(f"{g:>9}" for g in groups), end="")
    print(f"  {'last digit':>10}")
    failed: list[str] = []
    notes: list[str] = []
    for key in keys:
        entry = certified[key]
        r = check(key, entry)
        ok = r.worst() >= THRESHOLD
        if not ok:
            failed.append(entry["name"])
        notes += [f"  {entry['name']}: {text}" for text in r.not_rounded]
        values = [r.estimates, r.std_devs, r.resid_sd, r.r_squared, r.anova_ss]
        exact = f"{r.n_checked - len(r.not_rounded)}/{r.n_checked}"
        print(
            f"{entry['name']:<9} {entry['observations']:>3} {len(entry['parameters']):>3}  "
            + " ".join(f"{v:>9.1f}" for v in values)
            + f"  {exact:>10}  {'ok' if ok else f'BELOW {THRESHOLD:g}'}"
        )
    print("(columns: worst LRE of each group, capped at 15; last digit: certified strings")
    print(" that equal the exact value rounded to the digits NIST prints)")
    if notes:
        print("certified strings that are not the exact value rounded (informational):")
        print("\n".join(notes))
    if failed:
        print(f"FAILED: {', '.join(failed)}: fewer than {THRESHOLD:g} digits agree with NIST")
        return 1
    print(
        f"all {len(keys)} sets agree with NIST's certified values to at least {THRESHOLD:g} digits"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
