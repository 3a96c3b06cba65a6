"""explore.html: a run's page says what gdlab's theory says, and needs nothing but itself."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.pages import explore
from gdlab.record import runs

cli = CliRunner()
QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false"]


def train(*args: str) -> Path:
    """Train into ./results and return the run folder."""
    result = cli.invoke(app, ["train", "--quiet", *args])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip())


def page_data(folder: Path) -> dict[str, Any]:
    """The JSON a run's page holds."""
    text = (folder / "explore.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    assert found, "the page holds its data"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def analyze_prediction(lr: float, *args: str) -> dict[str, Any]:
    """What `gdlab analyze --json --set optimizer.lr=<lr>` predicts."""
    result = cli.invoke(app, ["analyze", "--json", *args, "--set", f"optimizer.lr={lr!r}"])
    assert result.exit_code == 0, result.output
    prediction: dict[str, Any] = json.loads(result.stdout)["prediction"]
    return prediction


SAME_KEYS = ("outcome", "epochs_to_tol", "epochs_to_tol_per_param", "first_inf_epoch")


def test_the_slider_says_what_summary_json_and_analyze_say() -> None:
    folder = train(*QUICK)
    data = page_data(folder)
    positions = data["slider"]["predictions"]
    rates = [q["lr"] for q in positions]
    assert rates == sorted(rates) and len(set(rates)) == len(rates)
    own = positions[data["slider"]["own"]]
    predicted = runs.read_json(folder / "summary.json")["theory"]["predicted"]
    assert own == {"lr": 0.005, **predicted}  # the run's own block, word for word
    assert own["epochs_to_tol"] == 3129
    at = {q["lr"]: q for q in positions}
    assert at[0.1]["first_inf_epoch"] == 208 and at[0.1]["first_nan_epoch"] == 419
    # Any position: what analyze prints at that rate (a sample across the slider).
    for q in [at[0.1], *positions[:: max(1, len(positions) // 6)]]:
        expected = analyze_prediction(q["lr"])
        assert {k: q[k] for k in SAME_KEYS} == {k: expected[k] for k in SAME_KEYS}, q["lr"]
        assert q["first_nan_epoch"] == expected["first_nan_epoch"]
        assert q["rates"] == pytest.approx(expected["rates"], rel=1e-15)
    # The scale: log-spaced, from far below the best rate to far above the critical one.
    assert rates[0] < data["best_lr"] / 100 and rates[-1] > data["critical_lr"] * 3
    assert max(b / a for a, b in zip(rates, rates[1:], strict=False)) < 1.34
    assert {0.001, 0.0025, 0.005, 0.01, 0.03, 0.1} <= set(rates)  # round numbers


def test_with_many_parameters_the_slider_leaves_out_each_ones_epoch() -> None:
    weights = "[" + ", ".join(str(k % 3 + 1) for k in range(explore.EACH_PARAMETER_MOST)) + "]"
    folder = train(*QUICK, "--set", f"data.true_w={weights}")  # eleven parameters with b
    slider = page_data(folder)["slider"]
    positions, own = slider["predictions"], slider["own"]
    others = positions[:own] + positions[own + 1 :]
    assert all(q["epochs_to_tol_per_param"] == {} for q in others)  # not computed
    assert len(positions[own]["epochs_to_tol_per_param"]) == 11  # the run's own, from summary
    whole = analyze_prediction(positions[3]["lr"], "--set", f"data.true_w={weights}")
    assert positions[3]["epochs_to_tol"] == whole["epochs_to_tol"]  # the whole, as before
    few = page_data(train(*QUICK, "--set", "data.true_w=[1, 2]"))["slider"]["predictions"]
    assert all(len(q["epochs_to_tol_per_param"]) == 3 for q in few)


def test_the_page_is_one_file_that_needs_no_network() -> None:
    folder = train("--set", "output.plots=false")  # the default run, all 10,000 epochs
    text = (folder / "explore.html").read_text(encoding="utf-8")
    assert len(text.encode()) < 1_000_000
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "nothing fetched"
    assert "<script src" not in text and "<link" not in text
    assert "uPlot" in text and "The MIT License" not in text  # inlined; the licence sits beside it
    data = page_data(folder)
    assert len(data["observed"]["epoch"]) <= explore.KEPT_ROWS
    assert data["observed"]["epoch"][0] == 0 and data["observed"]["epoch"][-1] == 10_000


def test_a_diverged_run_keeps_its_infinities_and_nans() -> None:
    folder = train(*QUICK, "--set", "optimizer.lr=0.1", "--set", "training.epochs=500")
    data = page_data(folder)
    assert data["observed"]["status"] == "diverged"
    assert "inf" in data["observed"]["loss"] and "nan" in data["observed"]["loss"]
    assert data["slider"]["predictions"][data["slider"]["own"]]["first_inf_epoch"] == 208


def test_the_plane_of_two_parameters_is_theirs_and_of_more_the_eigenvectors() -> None:
    two = page_data(train(*QUICK))["plane"]
    assert two["labels"] == ["w", "b"] and two["basis"] == [[1.0, 0.0], [0.0, 1.0]]
    three = page_data(train(*QUICK, "--set", "data.true_w=[3,-1]"))
    plane, vectors = three["plane"], three["eigenvectors"]
    assert plane["basis"] == [vectors[0], vectors[-1]]  # the slowest and the fastest
    assert plane["mu"] == [three["eigenvalues"][0], three["eigenvalues"][-1]]
    assert "slowest" in plane["said"] and "fastest" in plane["said"]
    one = page_data(train(*QUICK, "--set", "model.intercept=false"))
    assert one["plane"] is None and one["names"] == ["w"]


def test_the_contours_are_the_loss_of_the_bowl() -> None:
    """A point on a drawn ellipse has, by the data itself, the loss its level says."""
    import numpy as np

    from gdlab.core.model import loss, predict
    from gdlab.record.build import load_data
    from gdlab.record.config import load_config

    data = page_data(train(*QUICK))
    X, y = load_data(load_config(None, []))
    plane = data["plane"]
    center, axes, mu = (np.array(plane[k]) for k in ("center", "axes", "mu"))
    for level in plane["levels"][:4]:
        for phi in (0.3, 2.0):
            r = np.sqrt(2 * level / mu)
            w, b = center + r[0] * np.cos(phi) * axes[0] + r[1] * np.sin(phi) * axes[1]
            excess = loss(predict(X, np.array([w]), b), y) - data["loss_min"]
            assert excess == pytest.approx(level, rel=1e-6)


@pytest.fixture
def page_disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing explore.html fails as on a full disk; every other file is written."""
    real = runs.write_text

    def full_disk(path: Path, text: str) -> None:
        if path.name == explore.PAGE:
            raise OSError(28, "No space left on device", str(path))
        real(path, text)

    monkeypatch.setattr(runs, "write_text", full_disk)


@pytest.mark.usefixtures("page_disk_full")
def test_a_page_that_cannot_be_written_leaves_the_results_whole() -> None:
    result = cli.invoke(app, ["train", *QUICK])
    assert result.exit_code == 1
    assert "explore.html not drawn" in result.stderr and "No space left" in result.stderr
    assert "Traceback" not in result.output
    (folder,) = Path("results/runs").iterdir()
    summary = runs.read_json(folder / "summary.json")
    assert summary["status"] == "completed" and summary["figures"]["missing"] == ["explore.html"]
    assert not (folder / "explore.html").exists()


def test_a_momentum_slider_only_where_the_run_has_momentum_and_no_decay() -> None:
    plain = page_data(train(*QUICK))
    assert plain["momentum"] is None
    heavy = page_data(train(*QUICK, "--set", "optimizer.name=momentum"))["momentum"]
    assert heavy["betas"][heavy["own"]] == 0.9 and heavy["betas"][0] == 0.0
    assert heavy["nesterov"] is False and heavy["dampening"] == 0.0
    decayed = train(
        *QUICK, "--set", "optimizer.name=momentum", "--set", "optimizer.weight_decay=0.1"
    )
    assert page_data(decayed)["momentum"] is None  # the optimum moves: the page's bowl is not it


@pytest.mark.usefixtures("page_disk_full")
def test_a_page_that_fails_beside_the_helpers_leaves_every_figure_drawn() -> None:
    """The page is written while the helpers import Matplotlib; its failure stops no figure."""
    result = cli.invoke(app, ["train", "--set", "training.epochs=300"])
    assert result.exit_code == 1 and "explore.html not drawn" in result.stderr
    (folder,) = Path("results/runs").iterdir()
    assert (folder / "fit.png").is_file() and (folder / "eigenmodes.png").is_file()
    assert runs.read_json(folder / "summary.json")["figures"]["missing"] == ["explore.html"]


def test_a_scheduled_runs_page_keeps_constant_rates_on_its_slider() -> None:
    """The slider holds each rate for every epoch: at the run's own position it says what
    analyze says of that constant rate; the schedule's own prediction is the table's."""
    folder = train(*QUICK, "--set", "optimizer.schedule={name: step, step_size: 100, gamma: 0.5}")
    data = page_data(folder)
    run, own = data["run"], data["slider"]["predictions"][data["slider"]["own"]]
    predicted = runs.read_json(folder / "summary.json")["theory"]["predicted"]
    assert run["schedule"] == "step" and run["predicted_for_this_run"] is False
    assert run["own_block"] == predicted and own["epochs_to_tol"] == 3129  # constant 0.005
    assert predicted["epochs_to_tol"] != 3129  # the halving rate needs longer
