"""CSV data: its errors, paths relative to the config, and the data sets gdlab ships."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.core.data import DataError
from gdlab.core.lstsq import least_squares
from gdlab.record.build import load_data, prepare, run_training
from gdlab.record.config import load_config
from gdlab.record.csvdata import _read_careful, _read_fast, read_csv
from tests.conftest import REPO

cli = CliRunner()


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "d.csv"
    path.write_text(text)
    return path


CSV_ERRORS = [
    (None, ["x"], "y", ["nope.csv", "no such file"]),
    ("", ["x"], "y", ["empty"]),
    ("x,y\n1,2\n2,3\n", ["z"], "y", ["no column 'z'", "the columns are x, y"]),
    ("x,y\n1,2\n2,abc\n", ["x"], "y", ["line 3", "column 'y'", "'abc' is not a number"]),
    ("x,y\n1,2\n,3\n", ["x"], "y", ["line 3", "column 'x'", "missing"]),
    ("x,y\n1,2\n2,3\n3\n", ["x"], "y", ["line 4", "column 'y'", "missing"]),
    ("x,y\n1,2\ninf,3\n", ["x"], "y", ["line 3", "'inf' is not a finite number"]),
    ("x,y\n1,2\n", ["x"], "y", ["1 rows of data", "2 parameters"]),
    ("x,y\n4,2\n4,3\n4,5\n", ["x"], "y", ["column 'x' is constant"]),
]


@pytest.mark.parametrize(("text", "x_columns", "y_column", "words"), CSV_ERRORS)
def test_csv_errors_name_the_file_column_and_line(
    tmp_path: Path, text: str | None, x_columns: list[str], y_column: str, words: list[str]
) -> None:
    path = tmp_path / "nope.csv" if text is None else _csv(tmp_path, text)
    with pytest.raises(DataError) as caught:
        read_csv(path, x_columns, y_column)
    for word in words:
        assert word in str(caught.value)


def test_a_bad_csv_stops_train_with_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    _csv(tmp_path, "x,y\n1,2\n2,oops\n")
    config = tmp_path / "c.yaml"
    config.write_text("data:\n  source: csv\n  path: d.csv\n  x_columns: x\n  y_column: y\n")
    result = cli.invoke(app, ["train", "--config", str(config)])
    assert result.exit_code == 2
    assert "line 3, column 'y': 'oops' is not a number" in result.stderr
    assert not (tmp_path / "results").exists()


def test_csv_paths_in_a_config_are_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.csv").write_text("a,b,t\n1,0,3\n2,1,4\n0,3,2\n5,2,9\n")
    config = tmp_path / "sub" / "c.yaml"
    config.write_text("data:\n  source: csv\n  path: d.csv\n  x_columns: [a, b]\n  y_column: t\n")
    loaded = load_config(config)
    assert loaded.data.path == str(tmp_path / "sub" / "d.csv")
    X, y = load_data(loaded)
    assert X.shape == (4, 2) and y.tolist() == [3.0, 4.0, 2.0, 9.0]


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_every_anscombe_set_trains_to_the_same_least_squares_line(k: int) -> None:
    config = load_config(
        REPO / "configs" / "anscombe.yaml", [f"data.path={REPO}/data/anscombe_{k}.csv"]
    )
    X, y = load_data(config)
    history = run_training(config, X, y)
    ls = least_squares(X, y)
    assert history.final_w[0] == pytest.approx(ls.w[0], abs=1e-8)
    assert history.final_b == pytest.approx(ls.b, abs=1e-8)
    assert ls.w[0] == pytest.approx(0.5, abs=0.001) and ls.b == pytest.approx(3.0, abs=0.003)


def test_forbes_trains_standardized_to_the_least_squares_line() -> None:
    config = load_config(REPO / "configs" / "forbes.yaml")
    X, y = load_data(config)
    problem = prepare(config, X, y)
    history = run_training(config, problem.X_train, y)
    w, b = problem.scaling.to_original(history.final_w, history.final_b)
    ls = least_squares(X, y)
    assert w[0] == pytest.approx(ls.w[0], abs=1e-8) and b == pytest.approx(ls.b, abs=1e-6)
    assert X.shape == (17, 1)


def test_a_sweep_over_optimizer_and_rate_on_anscombe(tmp_path: Path) -> None:
    args = [
        "sweep",
        "--config",
        str(REPO / "configs" / "anscombe.yaml"),
        "--grid",
        "optimizer.name=gd,adam",
        "--grid",
        "optimizer.lr=0.001,0.01",
        "--set",
        "training.epochs=300",
        "--set",
        "output.plots=false",
    ]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "results" / "sweeps").iterdir()
    lines = (folder / "sweep.csv").read_text().splitlines()
    assert lines[0].startswith("index,optimizer.name,optimizer.lr,seed,status")
    assert len(lines) == 5
    assert {p.name for p in folder.iterdir()} >= {"loss_curves.png", "distance_vs_lr.png"}


def test_the_fast_and_the_careful_reader_give_identical_arrays(tmp_path: Path) -> None:
    text = (
        '\ufeff"a", b ,c,t\r\n1,0.1,-3e2,7\r\n2.5, 4 ,1e-300,8\r\n\r\n'
        "-0,3,0.30000000000000004,9\r\n"
    )
    path = _csv(tmp_path, text)
    for wanted in (["a", "b", "c", "t"], ["c", "a", "t"], ["b", "t"]):
        fast = _read_fast(path, wanted)
        assert fast is not None
        careful = _read_careful(path, wanted)
        assert fast.shape == careful.shape == (3, len(wanted))
        assert fast.tobytes() == careful.tobytes()  # bit for bit, -0 included
        assert fast.flags.c_contiguous and careful.flags.c_contiguous  # BLAS rounds alike


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1.5x", "line 12346, column 'b': '1.5x' is not a number"),
        ("", "line 12346, column 'b': the value is missing"),
        ("nan", "line 12346, column 'b': 'nan' is not a finite number"),
    ],
)
def test_a_bad_cell_deep_in_a_large_file_is_named_by_line_and_column(
    tmp_path: Path, cell: str, message: str
) -> None:
    rows = [f"{i},{i % 7},{2 * i}" for i in range(20_000)]
    rows[12_344] = f"12344,{cell},1"  # line 12,346: the header is line 1
    path = _csv(tmp_path, "a,b,y\n" + "\n".join(rows) + "\n")
    assert _read_fast(path, ["a", "b", "y"]) is None
    with pytest.raises(DataError) as caught:
        read_csv(path, ["a", "b"], "y")
    assert str(caught.value) == f"{path}, {message}"
    rows[12_344] = "12344,3,1"
    X, y = read_csv(_csv(tmp_path, "a,b,y\n" + "\n".join(rows) + "\n"), ["a", "b"], "y")
    assert X.shape == (20_000, 2) and np.array_equal(y[:3], [0.0, 2.0, 4.0])
