"""`gdlab analyze` and `gdlab gradcheck` as a user meets them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.core import model
from gdlab.core.theory import hessian
from gdlab.record.build import load_data
from gdlab.record.config import load_config

cli = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def _wrong_gradients(X, y, y_hat):  # type: ignore[no-untyped-def]
    """The classic slip: forgetting the factor 2 on dL/db."""
    grad_w, grad_b = REAL_GRADIENTS(X, y, y_hat)
    return grad_w, grad_b / 2


REAL_GRADIENTS = model.gradients


def test_gradcheck_command_exits_1_on_a_wrong_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    ok = cli.invoke(app, ["gradcheck", "--points", "3"])
    assert ok.exit_code == 0 and "PASSED" in ok.stdout
    monkeypatch.setattr(model, "gradients", _wrong_gradients)
    bad = cli.invoke(app, ["gradcheck", "--points", "3"])
    assert bad.exit_code == 1 and "FAILED" in bad.stdout and "FAIL" in bad.stdout


def test_analyze_prints_the_numbers_it_derives() -> None:
    result = cli.invoke(app, ["analyze", "--set", "optimizer.lr=0.1"])
    assert result.exit_code == 0, result.output
    X, _ = load_data(load_config())
    eigenvalues = np.linalg.eigvalsh(hessian(X))
    assert f"{2 / eigenvalues[-1]:.5g}" in result.stdout  # the critical rate
    assert f"{eigenvalues[-1] / eigenvalues[0]:.5g}" in result.stdout  # the condition number
    assert "diverges" in result.stdout and "overflows to inf" in result.stdout
    assert "b converges slowest" in result.stdout
    assert "standardizing" in result.stdout


def test_analyze_and_train_agree_on_a_standardized_config(tmp_path: Path) -> None:
    import json
    import re

    from tests.conftest import REPO

    forbes = str(REPO / "configs" / "forbes.yaml")  # data.standardize: true
    analyzed = cli.invoke(app, ["analyze", "-c", forbes, "--set", "optimizer.lr=0.3"])
    assert analyzed.exit_code == 0, analyzed.output
    assert "At lr = 0.3 gradient descent converges" in analyzed.stdout
    predicted = re.search(r"to ‖θ − θ_ls‖ < 0\.001\s+(\d+)", analyzed.stdout)
    assert predicted is not None and "x is standardized" in analyzed.stdout
    trained = cli.invoke(app, ["train", "-c", forbes, "--set", "optimizer.lr=0.3", "-q"])
    summary = json.loads((Path(trained.stdout.strip()) / "summary.json").read_text())
    assert summary["theory"]["predicted"]["epochs_to_tol"] == int(predicted.group(1))
    assert summary["theory"]["observed"]["epochs_to_tol"] == int(predicted.group(1))


SHIPPED = sorted((Path(__file__).resolve().parents[2] / "configs").glob("**/*.yaml"))


def _off_by_1e4(X, y, y_hat):  # type: ignore[no-untyped-def]
    """A gradient wrong by one part in 10^4: a slip gradcheck must catch."""
    grad_w, grad_b = REAL_GRADIENTS(X, y, y_hat)
    return grad_w * (1 + 1e-4), grad_b * (1 + 1e-4)


@pytest.mark.parametrize("standardize", ["true", "false"])
def test_gradcheck_passes_every_shipped_data_set_and_catches_a_1e4_slip(
    standardize: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configs = [c for c in SHIPPED if "quartet" not in c.name and "lr_study" not in c.name]
    assert len(configs) >= 14  # the NIST sets, Forbes, Anscombe, the default
    for config in configs:
        args = ["gradcheck", "--config", str(config), "--set", f"data.standardize={standardize}"]
        ok = cli.invoke(app, args)
        assert ok.exit_code == 0 and "PASSED" in ok.stdout, (config, ok.output)
    monkeypatch.setattr(model, "gradients", _off_by_1e4)
    for config in configs:
        args = ["gradcheck", "--config", str(config), "--set", f"data.standardize={standardize}"]
        bad = cli.invoke(app, args)
        assert bad.exit_code == 1, (config, bad.output)


def test_analyze_on_raw_longley_warns_and_prints_the_certified_digits() -> None:
    config = str(Path(__file__).resolve().parents[2] / "configs" / "nist" / "longley.yaml")
    result = cli.invoke(app, ["analyze", "--config", config, "--set", "data.standardize=false"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "Traceback" not in result.output
    # NIST's certified intercept and its standard deviation, to the last printed digit.
    assert "-3482258.63459582" in result.output and "890420.383607373" in result.output


def test_nist_command_prints_every_set_and_exits_0() -> None:
    root = Path(__file__).resolve().parents[2]
    result = cli.invoke(
        app,
        [
            "nist",
            "--configs",
            str(root / "configs" / "nist"),
            "--certified",
            str(root / "data" / "nist" / "certified.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley", "Wampler5"):
        assert name in result.output


def test_analyze_speaks_of_growth_at_a_diverging_rate_and_replays_the_whole_command() -> None:
    forbes = str(Path(__file__).resolve().parents[2] / "configs" / "forbes.yaml")
    args = ["analyze", "--config", forbes, "--set", "data.standardize=false"]
    result = cli.invoke(app, [*args, "--set", "optimizer.lr=0.5"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "grows by" in text and "shrinks the error" not in text
    # The suggestion is the same command, config and all, with standardizing on.
    assert (
        f"gdlab train --config {forbes} --set optimizer.lr=0.5 --set data.standardize=true" in text
    )


def test_analyze_compares_four_ways_on_forbes_data_and_recommends_one() -> None:
    result = cli.invoke(app, ["analyze", "--config", str(REPO / "configs" / "forbes.yaml")])
    assert result.exit_code == 0, result.output
    rows = {
        line.split("  ")[1].strip(): line.split()[-4:]
        for line in result.stdout.splitlines()
        if line.strip().startswith(("raw (x", "standardized x", "diagonal pre", "Newton"))
    }
    # Raw: boiling points near 200 F make the bowl 5e7 times longer than wide.
    assert rows["raw (x as given)"][0] == "5.442e+07" and rows["raw (x as given)"][-1] == (
        "307,579,391"
    )
    assert rows["standardized x"] == ["1", "1", "0.5", "1"]
    # Dividing by diag(H) alone does not centre x: w and b stay tied together.
    assert rows["diagonal preconditioner"] == ["5279", "1.0002", "1", "32,067"]
    assert rows["Newton"] == ["1", "2", "1", "1"]
    assert "Recommended: standardized: 1 epoch at lr = 0.5 against 307,579,391 raw" in (
        result.stdout
    )


def test_analyze_json_holds_the_four_ways() -> None:
    import json

    result = cli.invoke(app, ["analyze", "--json", "--set", "model.intercept=false"])
    assert result.exit_code == 0, result.output
    ways = json.loads(result.stdout)["conditioning_ways"]
    assert [w["name"] for w in ways["ways"]] == ["raw", "standardized", "diagonal", "newton"]
    # One weight and no intercept: every way sees a 1 x 1 Hessian, one step at its best rate.
    assert all(w["condition_number"] == 1 and w["epochs_to_tol"] == 1 for w in ways["ways"])
    assert ways["recommendation"].startswith("raw: 1 epoch")
