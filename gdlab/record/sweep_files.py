"""What a sweep writes: sweep.yaml, sweep.csv (predicted beside observed) and the
figures that compare its runs. :mod:`gdlab.record.sweep` expands and runs the points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gdlab.core.notation import feature_names
from gdlab.record import runs
from gdlab.record.grid import PointResult, Sweep


def sweep_rows(results: list[PointResult], sweep_folder: Path) -> list[dict[str, Any]]:
    """One row per point for sweep.csv: swept values, outcome, and predicted beside observed."""
    return [_row(result, sweep_folder) for result in results]


def _row(result: PointResult, sweep_folder: Path) -> dict[str, Any]:
    point = result.point
    row: dict[str, Any] = {"index": point.index}
    row.update({key: _cell(value) for key, value in point.values.items()})
    row.update(seed=point.config.data.seed, status=result.status)
    if result.run is None:
        row.update(error=result.error, folder=_relative(result.folder, sweep_folder))
        return row
    summary = result.run.summary
    final_w = summary["final"]["w"]
    theory = summary["theory"]
    observed = theory["observed"]
    predicted = theory["predicted"] or _NO_PREDICTION
    row.update(
        epochs_run=summary["epochs_run"],
        path=summary["path"],
        final_loss=summary["final"]["loss"],
        **dict(zip(feature_names("w", len(final_w)), final_w, strict=True)),
        b=summary["final"]["b"],
        distance_to_least_squares=summary["distance_to_least_squares"],
        critical_lr=theory["critical_lr"],
        tol=theory["tol"],
        predicted_outcome=predicted["outcome"],
        observed_outcome=observed["outcome"],
        predicted_epochs_to_tol=predicted["epochs_to_tol"],
        observed_epochs_to_tol=observed["epochs_to_tol"],
    )
    for name, seen in observed["epochs_to_tol_per_param"].items():
        row[f"predicted_epochs_to_tol_{name}"] = predicted["epochs_to_tol_per_param"].get(name)
        row[f"observed_epochs_to_tol_{name}"] = seen
    for key in ("first_inf_epoch", "first_nan_epoch"):
        row[f"predicted_{key}"] = predicted[key]
        row[f"observed_{key}"] = observed[key]
    row.update(log_every=point.config.training.log_every)
    row.update(error=None, folder=_relative(result.folder, sweep_folder))
    return row


# What a row says where the theory does not apply (momentum, Adam, mini-batches...).
_NO_PREDICTION: dict[str, Any] = {
    "outcome": None,
    "epochs_to_tol": None,
    "epochs_to_tol_per_param": {},
    "first_inf_epoch": None,
    "first_nan_epoch": None,
}


def _cell(value: Any) -> Any:
    return "[" + " ".join(map(str, value)) + "]" if isinstance(value, list) else value


def _relative(path: Path | None, start: Path) -> str | None:
    if path is None:
        return None
    try:
        return str(path.relative_to(start))
    except ValueError:
        return str(path)


def disagreements(rows: list[dict[str, Any]]) -> list[str]:
    """Where prediction and observation differ by more than the stated tolerance.

    Outcomes must match; epochs to tolerance within 1 (within log_every when only
    every log_every-th epoch was logged); the inf epoch within 2.
    Any line here is a bug in the theory or in the training loop.
    """
    problems = []
    for row in rows:
        if row["status"] == "failed" or row["predicted_outcome"] is None:
            continue  # nothing ran, or nothing was predicted
        label = f"point {row['index']}"
        if row["predicted_outcome"] != row["observed_outcome"]:
            problems.append(
                f"{label}: predicted {row['predicted_outcome']}, observed {row['observed_outcome']}"
            )
        # Epochs to tolerance are read off the logged rows: late by up to log_every - 1.
        every = int(row.get("log_every") or 1)
        for key, slack in (("epochs_to_tol", max(1, every)), ("first_inf_epoch", 2)):
            p, o = row[f"predicted_{key}"], row[f"observed_{key}"]
            seen_too_late = o is not None and (p is None or abs(p - o) > slack)
            missed = o is None and p is not None and p <= row["epochs_run"]
            if seen_too_late or missed:
                problems.append(f"{label}: {key} predicted {p}, observed {o}")
    return problems


def start_sweep_folder(sweep: Sweep, results_dir: Path) -> Path:
    """Create ``results_dir/sweeps/<UTC timestamp>-<name>/`` holding sweep.yaml."""
    runs.ensure_writable(results_dir)
    folder = runs.create_run_dir(results_dir / "sweeps", sweep.name, runs.now())
    text = yaml.safe_dump(sweep.to_dict(), sort_keys=False, default_flow_style=None)
    runs.write_text(folder / "sweep.yaml", text)
    return folder


class SweepTable:
    """sweep.csv, a row added as each point finishes: appended, not rewritten.

    Its columns are those of the first row; a later row with other columns (a
    failed point first, or data with more features) rewrites the file with all
    of them. :meth:`finish` writes it whole, in the points' order.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / "sweep.csv"
        self.header: list[str] = []
        self.rows: list[dict[str, Any]] = []

    def add(self, result: PointResult) -> None:
        row = _row(result, self.path.parent)
        self.rows.append(row)
        if not self.header or any(key not in self.header for key in row):
            self._write_all(self.rows)
            return
        with self.path.open("a", encoding="utf-8") as f:
            f.write(runs.rows_csv([row], self.header).split("\n", 1)[1])

    def finish(self, results: list[PointResult]) -> list[dict[str, Any]]:
        """Write sweep.csv whole from ``results``; returns its rows."""
        self.rows = sweep_rows(results, self.path.parent)
        self._write_all(self.rows)
        return self.rows

    def _write_all(self, rows: list[dict[str, Any]]) -> None:
        self.header = runs.columns_of(rows)
        runs.write_text(self.path, runs.rows_csv(rows, self.header))
