"""Bad input, as a catalogue: every case exits 2 with one line naming the problem,
prints no traceback, and leaves nothing in the results folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app

cli = CliRunner()

CSV_CONFIG = "data:\n  source: csv\n  path: d.csv\n  x_columns: [x]\n  y_column: y\n"
FIFO = "<a FIFO>"  # a file the test makes as a named pipe, not as text


def _csv_config(x_columns: str = "[x]", y: str = "y", path: str = "d.csv") -> str:
    return f"data:\n  source: csv\n  path: {path}\n  x_columns: {x_columns}\n  y_column: {y}\n"


BIG = str(10**400)  # an integer far beyond float64
WIDE_GRID = "sweep --grid optimizer.lr=" + ",".join(f"0.00{i}" for i in range(1, 102))
WIDE_GRID += " --grid training.epochs=" + ",".join(str(e) for e in range(1, 101))

# (command line, files to create {name: text}, words the one line must contain)
CATALOGUE: list[tuple[str | list[str], dict[str, str], list[str]]] = [
    # configs
    ("train -c missing.yaml", {}, ["missing.yaml", "no such file"]),
    ("train -c folder", {"folder/x": ""}, ["folder", "is a folder"]),
    ("train -c c.yaml", {"c.yaml": "optimizer:\n  lr: [0.1\n"}, ["c.yaml, line", "invalid YAML"]),
    (
        "train -c c.yaml",
        {"c.yaml": "!!python/object/apply:os.system ['true']\n"},
        ["c.yaml", "python/object"],
    ),
    ("train -c c.yaml", {"c.yaml": "- 1\n- 2\n"}, ["c.yaml", "expected a mapping"]),
    ("train -c c.yaml", {"c.yaml": "optimiser:\n  lr: 0.1\n"}, ["did you mean 'optimizer.lr'"]),
    ("train -c c.yaml", {"c.yaml": "training:\n  epoch: 5\n"}, ["did you mean 'training.epochs'"]),
    ("train -c c.yaml", {"c.yaml": "optimizer: 0.1\n"}, ["optimizer", "expected a mapping"]),
    ("train -c c.yaml", {"c.yaml": "optimizer:\n  lr: fast\n"}, ["optimizer.lr = 'fast'"]),
    ("train -c c.yaml", {"c.yaml": "optimizer:\n  lr: -0.1\n"}, ["optimizer.lr = -0.1", "> 0"]),
    ("train -c c.yaml", {"c.yaml": "training:\n  epochs: 0\n"}, ["training.epochs = 0", ">= 1"]),
    ("train -c c.yaml", {"c.yaml": "training:\n  epochs: 2.5\n"}, ["training.epochs", "whole"]),
    ("train -c c.yaml", {"c.yaml": "data:\n  n_samples: 1\n"}, ["data.n_samples = 1", ">= 2"]),
    ("train -c c.yaml", {"c.yaml": "data:\n  noise_std: -1\n"}, ["data.noise_std", ">= 0"]),
    ("train -c c.yaml", {"c.yaml": "data:\n  x_min: 3\n  x_max: 3\n"}, ["data.x_max", "empty"]),
    ("train -c c.yaml", {"c.yaml": "training:\n  init_w: [1, 2]\n"}, ["training.init_w"]),
    (
        "train -c c.yaml",
        {"c.yaml": "optimizer:\n  betas: [0.9, 0.99, 0.9]\n"},
        ["optimizer.betas", "two numbers"],
    ),
    (
        "train -c c.yaml",
        {"c.yaml": "optimizer:\n  name: momentum\n  nesterov: true\n  dampening: 0.5\n"},
        ["optimizer.nesterov", "dampening 0"],
    ),
    ("train -c c.yaml", {"c.yaml": "optimizer:\n  name: sgd\n"}, ["optimizer.name = 'sgd'"]),
    ("train -c c.yaml", {"c.yaml": "training:\n  batch_size: 0\n"}, ["training.batch_size"]),
    # Newton and the diagonal preconditioner
    (
        "train --set optimizer.name=newton --set training.batch_size=10",
        {},
        ["training.batch_size = 10", "optimizer.name = newton", "Hessian"],
    ),
    (
        "train --set optimizer.name=newton --set optimizer.weight_decay=0.1",
        {},
        ["optimizer.weight_decay = 0.1", "newton"],
    ),
    ("train --set optimizer.precondition=jacobi", {}, ["optimizer.precondition = 'jacobi'"]),
    (
        "train --set optimizer.name=adam --set optimizer.precondition=diagonal",
        {},
        ["optimizer.precondition = 'diagonal'", "optimizer.name = adam", "gd and momentum"],
    ),
    ("train -c c.yaml", {"c.yaml": "data:\n  source: csv\n"}, ["data.path", "required"]),
    # learning-rate schedules: each key named, with what it must be
    ("train --set optimizer.schedule=step", {}, ["optimizer.schedule = 'step'", "mapping"]),
    (
        ["train", "--set", "optimizer.schedule={name: linear}"],
        {},
        ["optimizer.schedule.name = 'linear'", "step, exponential, cosine, warmup"],
    ),
    (
        ["train", "--set", "optimizer.schedule={name: step}"],
        {},
        ["optimizer.schedule.step_size", "required by the step schedule"],
    ),
    (
        ["train", "--set", "optimizer.schedule={name: step, step_size: 0}"],
        {},
        ["optimizer.schedule.step_size = 0", "a whole number >= 1"],
    ),
    (
        ["train", "--set", "optimizer.schedule={name: exponential, gamma: -0.5}"],
        {},
        ["optimizer.schedule.gamma = -0.5", "> 0"],
    ),
    (
        ["train", "--set", "optimizer.schedule={name: cosine, t_max: 10, gamma: 0.5}"],
        {},
        ["optimizer.schedule.gamma", "not a key of the cosine schedule", "t_max, eta_min"],
    ),
    (
        "train -c c.yaml",
        {"c.yaml": "optimizer:\n  schedule:\n    name: cosine\n    t_max: 5.5\n"},
        ["c.yaml", "optimizer.schedule.t_max = 5.5", "a whole number >= 1"],
    ),
    (
        ["train", "--set", "optimizer.schedule={name: warmup, start_factor: 0}"],
        {},
        ["optimizer.schedule.start_factor = 0", "(0, 1]"],
    ),
    (
        ["train", "--set", "optimizer.schedule={name: warmup, end_factor: 2}"],
        {},
        ["optimizer.schedule.end_factor = 2", "[0, 1]"],
    ),
    # the model
    ("train --set model.degree=0", {}, ["model.degree = 0", "from 1 to 20"]),
    ("train --set model.degree=two", {}, ["model.degree = 'two'"]),
    ("train --set model.degree=2", {}, ["data.true_w", "2 numbers", "each power"]),
    ("train --set model.intercept=false --set training.init_b=1", {}, ["training.init_b = 1"]),
    (
        "train -c c.yaml --set model.degree=2",
        {"c.yaml": _csv_config("[x, z]"), "d.csv": "x,z,y\n1,2,3\n4,5,6\n7,8,1\n"},
        ["model.degree = 2", "2 x columns", "single column"],
    ),
    (
        "train -c c.yaml --set model.degree=4",
        {"c.yaml": CSV_CONFIG, "d.csv": "x,y\n1,2\n2,3\n3,5\n4,4\n"},
        ["d.csv", "4 rows cannot determine 5 parameters", "at most 3"],
    ),
    (
        "train --set model.degree=2 --set data.true_w=[1,2] --set data.x_max=1e200",
        {},
        ["x^2 overflows float64", "lower the degree"],
    ),
    # --set values
    ("train --set optimizer.lr", {}, ["--set", "KEY=VALUE"]),
    ("train --set lr=0.1", {}, ["unknown key 'lr'", "optimizer.lr"]),
    ("train --set optimizer.lr=[0.1", {}, ["--set", "not valid YAML"]),
    ("train --set optimizer.lr=true", {}, ["optimizer.lr = true"]),
    ("train --set output.plots=maybe", {}, ["output.plots", "true or false"]),
    ("train --name ../../outside", {}, ["--name", "'../../outside'"]),
    ("train --results-dir blocker/sub", {"blocker": ""}, ["results folder", "cannot write"]),
    # sweep grids
    ("sweep --grid optimizer.lrr=0.1,0.2", {}, ["unknown key 'optimizer.lrr'"]),
    ("sweep --grid optimizer.lr=", {}, ["--grid", "KEY=V1,V2"]),
    ("sweep --grid optimizer.lr=0.1,-2", {}, ["grid point 2", "optimizer.lr = -2"]),
    ("sweep --seeds 1,two", {}, ["--seeds", "whole numbers"]),
    ("sweep -c s.yaml", {"s.yaml": "grid:\n  optimizer.lr: 0.1\n"}, ["grid", "non-empty list"]),
    (
        "sweep -c s.yaml",
        {"s.yaml": "grid:\n  optimizer.lr: [0.1]\ngrdi: 1\n"},
        ["unknown key 'grdi'", "grid"],
    ),
    ("sweep --resume somewhere --grid optimizer.lr=0.1", {}, ["--resume", "leave out"]),
    ("sweep --resume nowhere", {}, ["nowhere", "no such file"]),
    # CSV files
    ("train -c c.yaml", {"c.yaml": CSV_CONFIG}, ["d.csv", "no such file"]),
    (
        "train -c c.yaml",
        {"c.yaml": CSV_CONFIG, "d.csv": "a,y\n1,2\n2,3\n"},
        ["no column 'x'", "the columns are a, y"],
    ),
    (
        "train -c c.yaml",
        {"c.yaml": CSV_CONFIG, "d.csv": "x,y\n1,2\n2,n/a\n"},
        ["line 3", "column 'y'", "'n/a' is not a number"],
    ),
    ("train -c c.yaml", {"c.yaml": CSV_CONFIG, "d.csv": "x,y\n1,2\n2,\n"}, ["line 3", "missing"]),
    (
        "train -c c.yaml",
        {"c.yaml": CSV_CONFIG, "d.csv": "x,y\n1,2\n-inf,3\n"},
        ["line 3", "not a finite number"],
    ),
    ("train -c c.yaml", {"c.yaml": CSV_CONFIG, "d.csv": "x,y\n1,2\n"}, ["needs at least 2"]),
    (
        "train -c c.yaml",
        {"c.yaml": CSV_CONFIG, "d.csv": "x,y\n5,2\n5,3\n5,1\n"},
        ["column 'x' is constant"],
    ),
    ("sweep -c c.yaml --grid optimizer.lr=0.1,0.2", {"c.yaml": CSV_CONFIG}, ["no such file"]),
    ("analyze -c c.yaml", {"c.yaml": CSV_CONFIG, "d.csv": "x,y\n1,2\n2,x\n"}, ["not a number"]),
    # run ids
    ("runs show nosuchrun", {}, ["'nosuchrun'", "no run"]),
    ("verify nosuchrun", {}, ["'nosuchrun'", "no run"]),
    ("runs compare only-one", {}, ["two or more"]),
    ("runs list --status foo", {}, ["--status 'foo'", "completed", "diverged"]),
    (
        "train -c s.yaml",
        {"s.yaml": "name: study\ngrid:\n  optimizer.lr: [0.1, 0.01]\n"},
        ["s.yaml", "sweep file", "gdlab sweep --config"],
    ),
    (
        "train -c c.yaml --set model.degree=9 --set data.standardize=true",
        {
            "c.yaml": CSV_CONFIG,
            "d.csv": "x,y\n" + "".join(f"{1e30 * (1 + i)},{i}\n" for i in range(12)),
        },
        ["d.csv", "too large for float64 once squared"],
    ),
    (
        "train -c c.yaml --set data.standardize=true",
        {
            "c.yaml": CSV_CONFIG,
            "d.csv": "x,y\n" + "".join(f"{1e-200 * (1 + i)},{i}\n" for i in range(5)),
        },
        ["d.csv", "too close to 0"],
    ),
    ("runs list --where optimiser.lr=0.1", {}, ["unknown key 'optimiser.lr'", "optimizer.lr"]),
    ("runs list --where lr~1", {}, ["--where 'lr~1'", "KEY=VALUE"]),
    ("runs list --sort loss", {}, ["unknown key 'loss'", "final_loss"]),
    ("sweep --set training.epochs=5", {}, ["needs values to sweep", "--grid"]),
    (
        "reproduce --study s.yaml",
        {"s.yaml": "name: other\ngrid:\n  optimizer.lr: [0.01, 0.1]\n"},
        ["s.yaml", "0.001, 0.005, 0.1", "lacks 0.001, 0.005"],
    ),
    # numbers that do not fit float64, or this machine
    (f"train --set training.epochs={BIG}", {}, ["training.epochs", "whole number"]),
    (f"train --set optimizer.lr={BIG}", {}, ["optimizer.lr", "a number > 0"]),
    ("train --set optimizer.lr=1e400", {}, ["optimizer.lr = '1e400'"]),
    ("train --set training.tol=1e-400", {}, ["training.tol", "> 0"]),
    ("train --set data.noise_std=1e309", {}, ["data.noise_std"]),
    ("train --set data.true_w=[1e308]", {}, ["too large for float64"]),
    ("train --set data.x_min=-1e308 --set data.x_max=1e308", {}, ["data.x_max", "fits in float64"]),
    ("train --set data.n_samples=10000000000000", {}, ["data.n_samples", "of memory"]),
    ("train --set training.epochs=1000000000000", {}, ["in memory", "training.log_every"]),
    (WIDE_GRID, {}, ["10,100 points", "at most 10,000"]),
    ("train --set data.n_samples=2 --set data.true_w=[1,2]", {}, ["data.n_samples = 2", "3"]),
    ("train --set data.seed=-1", {}, ["data.seed = -1", ">= 0"]),
    # special files, and files too large to be what they claim
    ("train -c f.yaml", {"f.yaml": FIFO}, ["f.yaml", "not a regular file"]),
    ("train -c /dev/null", {}, ["/dev/null", "not a regular file"]),
    ("train -c c.yaml", {"c.yaml": _csv_config(path="d.csv"), "d.csv": FIFO}, ["d.csv", "FIFO"]),
    ("train -c c.yaml", {"c.yaml": _csv_config(path="/dev/zero")}, ["/dev/zero", "regular"]),
    ("train -c c.yaml", {"c.yaml": _csv_config(path="sub"), "sub/x": ""}, ["sub", "a folder"]),
    ("train -c big.yaml", {"big.yaml": "# " + "x" * 1_100_000 + "\n"}, ["big.yaml", "1 MB"]),
    ("verify r/runs/x", {"r/runs/x/config.yaml": FIFO}, ["config.yaml", "not a regular"]),
    # names and the places gdlab writes
    (["train", "--name", "run\n"], {}, ["--name", "letters, digits"]),
    (["train", "--name", "a\tb"], {}, ["--name"]),
    ("sweep -c s.yaml", {"s.yaml": 'name: "a\\nb"\ngrid:\n  optimizer.lr: [0.1]\n'}, ["--name"]),
    ("train -r r", {"r/runs": ""}, ["results folder r/runs", "cannot write"]),
    ("sweep -r r --grid optimizer.lr=0.1", {"r/sweeps": ""}, ["r/sweeps", "cannot write"]),
    (
        "reproduce --study s.yaml -r r",
        {"s.yaml": "grid:\n  optimizer.lr: [0.001, 0.005, 0.1]\n", "r/sweeps": ""},
        ["r/sweeps"],
    ),
    ("runs list -r nowhere", {}, ["results folder nowhere", "no such folder"]),
    ("train -r " + "a" * 300, {}, ["cannot write", "name too long"]),
    ("train --set training.init_b=1e308", {}, ["loss at the start", "inf"]),
    ("train --set data.seed=1e30", {}, ["data.seed = '1e30'", "whole number"]),
    (
        "train -c c.yaml",
        {"c.yaml": CSV_CONFIG, "d.csv": "x,y\n1,2,9\n2,3\n3,5\n"},
        ["line 2", "3 fields"],
    ),
    ("sweep --resume s", {"s/.lock/x": ""}, ["s/.lock", "cannot be this folder's lock"]),
    ("runs list -r f", {"f": ""}, ["results folder f", "not a folder"]),
    # duplicates, resolved by no one's "last one wins"
    (
        "train -c c.yaml",
        {"c.yaml": "optimizer:\n  lr: 0.1\n  lr: 0.2\n"},
        ["'lr' appears twice", "lines 2 and 3"],
    ),
    (
        "train -c c.yaml",
        {"c.yaml": "data:\n  seed: 1\ndata:\n  seed: 2\n"},
        ["'data' appears twice"],
    ),
    (
        "sweep -c s.yaml",
        {"s.yaml": "grid:\n  optimizer.lr: [0.1]\n  optimizer.lr: [0.2]\n"},
        ["appears twice"],
    ),
    (
        "sweep --grid optimizer.lr=0.1 --grid optimizer.lr=0.2",
        {},
        ["optimizer.lr is already swept"],
    ),
    (
        "train -c c.yaml",
        {"c.yaml": _csv_config(), "d.csv": "x,x,y\n1,2,3\n2,3,4\n"},
        ["'x' appears twice", "columns 1 and 2"],
    ),
    (
        "train -c c.yaml",
        {"c.yaml": _csv_config("[x, x]"), "d.csv": "x,y\n1,2\n2,3\n"},
        ["data.x_columns", "twice"],
    ),
    (
        "train -c c.yaml",
        {"c.yaml": _csv_config("[x, y]"), "d.csv": "x,y\n1,2\n2,3\n"},
        ["data.y_column", "also an x column"],
    ),
    # data that cannot determine w and b, or does not fit float64
    (
        "train -c c.yaml",
        {"c.yaml": _csv_config("[a, b]"), "d.csv": "a,b,y\n1,2,3\n2,4,5\n3,6,8\n4,8,9\n"},
        ["column 'b' is a linear combination of 'a' and the intercept"],
    ),
    (
        "analyze -c c.yaml",
        {"c.yaml": _csv_config("[a, b]"), "d.csv": "a,b,y\n1,2,3\n2,4,5\n3,6,8\n"},
        ["'b' is a linear combination"],
    ),
    (
        "train -c c.yaml",
        {
            "c.yaml": _csv_config("[a, b, c]"),
            "d.csv": "a,b,c,y\n1,0,1,1\n0,1,1,2\n1,1,2,3\n2,1,3,5\n",
        },
        ["column 'c'"],
    ),
    (
        "train -c c.yaml",
        {
            "c.yaml": CSV_CONFIG,
            "d.csv": "x,y\n100000000,1\n100000000.00000003,2\n100000000.00000006,3\n",
        },
        ["'x' barely varies"],
    ),
    (
        "train -c c.yaml",
        {"c.yaml": CSV_CONFIG, "d.csv": "x,y\n1e200,1\n2e200,2\n3e200,4\n"},
        ["too large for float64"],
    ),
    (
        "train -c c.yaml",
        {"c.yaml": CSV_CONFIG, "d.csv": 'x,y\n1,"' + "9" * 200_000 + '"\n'},
        ["d.csv", "field larger"],
    ),
]


def _case_id(case: tuple[str | list[str], dict[str, str], list[str]]) -> str:
    line = case[0] if isinstance(case[0], str) else " ".join(map(repr, case[0]))
    return line[:80]


@pytest.mark.parametrize(
    ("line", "files", "words"), CATALOGUE, ids=[_case_id(c) for c in CATALOGUE]
)
def test_bad_input_exits_2_with_one_clear_line(
    tmp_path: Path, line: str | list[str], files: dict[str, str], words: list[str]
) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text == FIFO:
            os.mkfifo(path)
        else:
            path.write_text(text)
    result = cli.invoke(app, line.split() if isinstance(line, str) else line)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    written = [
        p
        for p in tmp_path.rglob("*")
        if p.is_file()
        and p.name not in files
        and not any(p.is_relative_to(tmp_path / n) for n in files)
    ]
    assert written == [], written


def test_a_value_in_brackets_is_shown_as_given() -> None:
    """Rich would read [true] as markup and print nothing."""
    result = cli.invoke(app, ["train", "--set", "model.intercept=[true]"])
    assert result.exit_code == 2 and "model.intercept = [true]:" in result.stderr
