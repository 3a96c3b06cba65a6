"""Claims judged from real runs, the report's two renderings, and `gdlab reproduce`."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.record.config import load_config
from gdlab.record.grid import load_sweep
from gdlab.record.runner import run_experiment
from gdlab.record.sweep import run_sweep
from gdlab.record.sweep_files import sweep_rows
from gdlab.report.claims import check_claims
from gdlab.report.document import THE_SEED, reproduce_blocks
from gdlab.report.render import to_html
from tests.conftest import REPO
from tests.report.pages import check_reads_on_a_phone, figures, text

STUDY = REPO / "configs" / "lr_study.yaml"


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[Any]]:
    """The default run and the full study, without figures: what the claims are judged on."""
    folder = tmp_path_factory.mktemp("evidence")
    config = load_config(overrides=["output.plots=false"])
    run = run_experiment(config, folder / "runs", "seed", ["test"])
    sweep = load_sweep(STUDY, overrides=["output.plots=false"])
    results = run_sweep(sweep, folder / "sweep", ["test"])
    return run.summary, sweep_rows(results, folder / "sweep")


def test_every_seed_claim_holds_on_the_seed_experiment(evidence: Any) -> None:
    summary, rows = evidence
    claims = check_claims(summary, rows)
    assert len(claims) == 7
    assert [c.holds for c in claims] == [True] * 7, [c for c in claims if not c.holds]


def test_claims_fail_when_the_evidence_says_otherwise(evidence: Any) -> None:
    summary, rows = evidence
    wrong = copy.deepcopy(summary)
    wrong["final"]["w"] = [3.5]  # 14 standard errors from the truth
    wrong["distance_to_least_squares"] = 0.5
    claims = check_claims(wrong, rows)
    assert not claims[0].holds and not claims[6].holds
    rows = copy.deepcopy(rows)
    rows[2]["observed_first_nan_epoch"] = rows[2]["predicted_first_nan_epoch"] + 5
    rows[1]["observed_epochs_to_tol"] = None
    claims = check_claims(summary, rows)
    assert not claims[3].holds and not claims[4].holds


def test_reproduce_writes_the_report_and_every_claim_holds(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["reproduce", "--study", str(STUDY), "-r", "out"])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "out" / "REPORT.md").read_text()
    assert md.count("✓ holds") == 7 and "✗" not in md
    html = (tmp_path / "out" / "REPORT.html").read_text()
    assert html.count("data:image/png;base64,") == 9
    assert "7 of 7 claims" in md and "7 of 7 claims" in html
    check_reads_on_a_phone(html)
    # A reader who never saw the seed is told what it is, apart from the data seed.
    assert THE_SEED in md and THE_SEED.replace("`", "") in text(html)
    # The pictures the README leans on, each the very file the run drew.
    shown = figures(html)
    (run,) = (tmp_path / "out" / "runs").iterdir()
    (sweep,) = (tmp_path / "out" / "sweeps").iterdir()
    # The seed run's page, the study's page and the dashboard that links them.
    assert (run / "explore.html").is_file() and (sweep / "sweep.html").is_file()
    assert run.name in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    drawn = {
        "loss contours with the path of gradient descent": run / "contour.png",
        "the fitted line over the data at a few epochs": run / "evolution.png",
        "a diverging path on the loss surface at lr = 0.1": sweep / "runs/003-lr=0.1/contour.png",
    }
    for alt, path in drawn.items():
        assert shown[alt] == path.read_bytes(), alt
        assert f"![{alt}]({path.relative_to(tmp_path / 'out')})" in md


def test_a_report_whose_runs_drew_nothing_says_so(evidence: Any, tmp_path: Path) -> None:
    summary, rows = evidence
    blocks = reproduce_blocks(
        tmp_path / "run", summary, tmp_path / "sweep", rows, check_claims(summary, rows)
    )
    page = to_html(blocks, "t")
    assert "data:image" not in page
    assert page.count("Not drawn: ") == 9
    assert "Not drawn: a diverging path on the loss surface at lr = 0.1" in page


def test_the_readme_says_what_the_seed_is_as_the_report_does() -> None:
    readme = (REPO / "README.md").read_text()
    prose = " ".join(re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", readme).split())  # links as text
    assert THE_SEED in prose
    assert "data seed" in THE_SEED and "`data.seed`" in THE_SEED
