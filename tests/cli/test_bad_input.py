"""Bad input, as a catalogue: every case exits 2 with one line naming the problem,
prints no traceback, and leaves nothing in the results folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gdlab.cli import app

cli = CliRunner()

CSV_CONFIG = "data:\n  source: csv\n  path: d.csv\n  x_columns: [x]\n  y_column: y\n"

# (command line, files to create {name: text}, words the one line must contain)
CATALOGUE: list[tuple[str, dict[str, str], list[str]]] = [
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
    ("train -c c.yaml", {"c.yaml": "data:\n  source: csv\n"}, ["data.path", "required"]),
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
]


@pytest.mark.parametrize(("line", "files", "words"), CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_input_exits_2_with_one_clear_line(
    tmp_path: Path, line: str, files: dict[str, str], words: list[str]
) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = cli.invoke(app, line.split())
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
