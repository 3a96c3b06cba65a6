"""Claims judged from real runs, the report's two renderings, and `gdlab reproduce`."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.report.claims import MOMENTUM_SPEEDUP, check_claims
from gdlab.report.document import THE_SEED, reproduce_blocks
from gdlab.report.render import to_html
from tests.conftest import REPO
from tests.report.conftest import STUDY
from tests.report.pages import check_reads_on_a_phone, figures, text


def test_every_claim_holds_on_the_seed_experiment(evidence: Any) -> None:
    summary, rows, momentum = evidence
    claims = check_claims(summary, rows, momentum.plain, momentum.heavy)
    assert len(claims) == 8
    assert [c.holds for c in claims] == [True] * 8, [c for c in claims if not c.holds]


def test_claims_fail_when_the_evidence_says_otherwise(evidence: Any) -> None:
    summary, rows, momentum = evidence
    plain, heavy = momentum.plain, momentum.heavy
    wrong = copy.deepcopy(summary)
    wrong["final"]["w"] = [3.5]  # 14 standard errors from the truth
    wrong["distance_to_least_squares"] = 0.5
    claims = check_claims(wrong, rows, plain, heavy)
    assert not claims[0].holds and not claims[6].holds
    rows = copy.deepcopy(rows)
    rows[2]["observed_first_nan_epoch"] = rows[2]["predicted_first_nan_epoch"] + 5
    rows[1]["observed_epochs_to_tol"] = None
    claims = check_claims(summary, rows, plain, heavy)
    assert not claims[3].holds and not claims[4].holds


def _with_epochs(summary: dict[str, Any], predicted: int, observed: int) -> dict[str, Any]:
    changed = copy.deepcopy(summary)
    changed["theory"]["predicted"]["epochs_to_tol"] = predicted
    changed["theory"]["observed"]["epochs_to_tol"] = observed
    return changed


def test_the_momentum_claim_needs_the_prediction_and_the_speed_up(evidence: Any) -> None:
    summary, rows, momentum = evidence
    plain, heavy = momentum.plain, momentum.heavy
    seen = heavy["theory"]["observed"]["epochs_to_tol"]
    # Observed two epochs after the prediction, on either run: the theory missed.
    late = _with_epochs(heavy, seen, seen + 2)
    assert not check_claims(summary, rows, plain, late)[7].holds
    plain_seen = plain["theory"]["observed"]["epochs_to_tol"]
    assert not check_claims(summary, rows, _with_epochs(plain, plain_seen - 2, plain_seen), heavy)[
        7
    ].holds
    # Predicted exactly, but not the speed-up the claim states.
    slow = plain_seen // MOMENTUM_SPEEDUP + 1
    assert not check_claims(summary, rows, plain, _with_epochs(heavy, slow, slow))[7].holds
    fast = plain_seen // MOMENTUM_SPEEDUP
    assert check_claims(summary, rows, plain, _with_epochs(heavy, fast, fast))[7].holds
    never = _with_epochs(heavy, seen, seen)
    never["theory"]["observed"]["epochs_to_tol"] = None
    assert not check_claims(summary, rows, plain, never)[7].holds


def test_reproduce_writes_the_report_and_every_claim_holds(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["reproduce", "--study", str(STUDY), "-r", "out"])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "out" / "REPORT.md").read_text()
    assert md.count("✓ holds") == 8 and "✗" not in md
    html = (tmp_path / "out" / "REPORT.html").read_text()
    assert html.count("data:image/png;base64,") == 10
    assert "8 of 8 claims" in md and "8 of 8 claims" in html
    check_reads_on_a_phone(html)
    # A reader who never saw the seed is told what it is, apart from the data seed.
    assert THE_SEED in md and THE_SEED.replace("`", "") in text(html)
    # The pictures the README leans on, each the very file the run drew.
    shown = figures(html)
    run, heavy, plain = (
        next((tmp_path / "out" / "runs").glob(f"*-{name}"))
        for name in ("seed", "best_momentum", "best_plain")
    )
    assert len(list((tmp_path / "out" / "runs").iterdir())) == 3
    (sweep,) = (tmp_path / "out" / "sweeps").iterdir()
    # The seed run's page, the study's page and the dashboard that links them.
    assert (run / "explore.html").is_file() and (sweep / "sweep.html").is_file()
    assert run.name in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    drawn = {
        "loss contours with the path of gradient descent": run / "contour.png",
        "the fitted line over the data at a few epochs": run / "evolution.png",
        "a diverging path on the loss surface at lr = 0.1": sweep / "runs/003-lr=0.1/contour.png",
        "the error along each eigenvector per epoch, heavy ball at the optimal pair": heavy
        / "eigenmodes.png",
    }
    for alt, path in drawn.items():
        assert shown[alt] == path.read_bytes(), alt
        assert f"![{alt}]({path.relative_to(tmp_path / 'out')})" in md
    # The momentum section's runs: at the rates the seed run's theory names, the plain one
    # without figures (the report shows none of it).
    theory = json.loads((run / "summary.json").read_text())["theory"]
    raced = {p: json.loads((p / "summary.json").read_text()) for p in (plain, heavy)}
    assert raced[plain]["lr"] == theory["best_lr"] and not list(plain.glob("*.png"))
    assert raced[heavy]["lr"] == theory["best_momentum"]["lr"]
    assert (
        raced[heavy]["theory"]["predicted"]["momentum"]["beta"] == theory["best_momentum"]["beta"]
    )


def test_a_report_whose_runs_drew_nothing_says_so(evidence: Any, tmp_path: Path) -> None:
    summary, rows, momentum = evidence
    claims = check_claims(summary, rows, momentum.plain, momentum.heavy)
    blocks = reproduce_blocks(tmp_path / "run", summary, tmp_path / "sweep", rows, momentum, claims)
    page = to_html(blocks, "t")
    assert "data:image" not in page
    assert page.count("Not drawn: ") == 10
    assert "Not drawn: a diverging path on the loss surface at lr = 0.1" in page


def test_the_readme_says_what_the_seed_is_as_the_report_does() -> None:
    readme = (REPO / "README.md").read_text()
    prose = " ".join(re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", readme).split())  # links as text
    assert THE_SEED in prose
    assert "data seed" in THE_SEED and "`data.seed`" in THE_SEED
