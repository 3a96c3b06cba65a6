"""metrics.csv read cheaply: the sampled rows are real rows, first and last included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gdlab.record.metrics import HEAD_ROWS, WHOLE_FILE_BYTES, sample_metrics


def _metrics(path: Path, epochs: int, features: int = 1, tail: str = "") -> dict[int, list[float]]:
    """Write a metrics.csv of ``epochs + 1`` rows; the rows by epoch (the oracle)."""
    names = ["w"] if features == 1 else [f"w_{i}" for i in range(1, features + 1)]
    header = ["epoch", "loss", *names, "b", *(f"grad_{n}" for n in names), "grad_b"]
    rows = {}
    lines = [",".join(header)]
    for epoch in range(epochs + 1):
        row = [float(epoch), 300.0 / (epoch + 1) + 0.123456789, *[0.5 * epoch] * (2 * features + 2)]
        rows[epoch] = row
        lines.append(",".join([str(epoch), *(repr(v) for v in row[1:])]))
    path.write_text("\n".join(lines) + "\n" + tail)
    return rows


@pytest.mark.parametrize("epochs", [10_000, 150, 5])
def test_sampled_rows_are_real_rows_with_the_first_and_last(tmp_path: Path, epochs: int) -> None:
    path = tmp_path / "metrics.csv"
    truth = _metrics(path, epochs)
    sample = sample_metrics(path, 200, ("loss", "w"))
    assert sample.columns == ["epoch", "loss", "w"]
    epochs_seen = sample.column("epoch")
    assert epochs_seen[0] == 0 and epochs_seen[-1] == epochs
    assert epochs_seen == sorted(set(epochs_seen))
    assert len(sample.rows) == min(epochs + 1, 200)
    assert epochs_seen[: min(HEAD_ROWS, epochs + 1)] == list(range(min(HEAD_ROWS, epochs + 1)))
    for epoch, loss, w in sample.rows:
        assert [loss, w] == truth[int(epoch)][1:3]


def test_a_big_file_is_sampled_about_evenly(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    _metrics(path, 10_000)
    assert path.stat().st_size > WHOLE_FILE_BYTES  # the seeking path, not the whole read
    epochs = sample_metrics(path, 200).column("epoch")[HEAD_ROWS:]
    gaps = [b - a for a, b in zip(epochs, epochs[1:], strict=False)]
    assert max(gaps) < 2 * 10_000 / 180


def test_wide_rows_that_a_first_read_cannot_hold_twenty_of(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    truth = _metrics(path, 300, features=200)  # ~9 kB a line
    sample = sample_metrics(path, 50, ("loss", "w_200"))
    assert sample.column("epoch")[0] == 0 and sample.column("epoch")[-1] == 300
    for epoch, loss, w in sample.rows:
        assert [loss, w] == [truth[int(epoch)][1], truth[int(epoch)][201]]


@pytest.mark.parametrize("epochs", [10_000, 100])
def test_a_last_line_cut_short_is_left_out(tmp_path: Path, epochs: int) -> None:
    path = tmp_path / "metrics.csv"
    _metrics(path, epochs, tail=f"{epochs + 1},0.95")  # a writer stopped mid-line
    assert sample_metrics(path).column("epoch")[-1] == epochs


def test_a_damaged_row_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    _metrics(path, 10)
    lines = path.read_text().splitlines()
    lines[4] = "3,not a number,1,2,3,4"
    lines[6] = "5,1.0"
    path.write_text("\n".join(lines) + "\n")
    assert 3 not in sample_metrics(path).column("epoch")
    assert 5 not in sample_metrics(path).column("epoch")


@pytest.mark.parametrize(
    "text, columns, message",
    [
        ("", ("loss",), "not a metrics.csv"),
        ("x,y\n1,2\n", ("loss",), "not a metrics.csv"),
        ("epoch,loss\n", ("loss",), "no row"),
        ("epoch,loss\n0,1.0\n", ("w",), "not a metrics.csv with w"),
    ],
)
def test_what_is_not_a_metrics_csv_is_refused(
    tmp_path: Path, text: str, columns: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        sample_metrics(path, 200, columns)


def test_inf_and_nan_are_read_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text(
        "epoch,loss,w,b,grad_w,grad_b\n0,1.0,0,0,1,1\n1,inf,1e308,0,inf,1\n2,nan,nan,inf,nan,nan\n"
    )
    loss = sample_metrics(path).column("loss")
    assert loss[0] == 1.0 and loss[1] == float("inf") and loss[2] != loss[2]


def test_a_fifo_is_refused_not_read_forever(tmp_path: Path) -> None:
    fifo = tmp_path / "metrics.csv"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        sample_metrics(fifo)
