"""Claims judged from real runs, the report's two renderings, and `gdlab reproduce`."""

from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.report.claims import MOMENTUM_SPEEDUP, check_claims
from gdlab.report.document import THE_SEED, reproduce_blocks
from gdlab.report.momentum import MAP_BETAS, MAP_EPOCHS, MAP_LRS, map_caption
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


# The whole reproduce (4 runs, 33 sweep points, every figure): too slow for `make test`.
@pytest.mark.e2e
def test_reproduce_writes_the_report_and_every_claim_holds(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["reproduce", "--study", str(STUDY), "-r", "out"])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "out" / "REPORT.md").read_text()
    assert md.count("✓ holds") == 8 and "✗" not in md
    html = (tmp_path / "out" / "REPORT.html").read_text()
    assert html.count("data:image/png;base64,") == 11
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
    sweep, lr_beta = sorted(
        (tmp_path / "out" / "sweeps").iterdir(), key=lambda p: p.name.endswith("-lr_beta")
    )
    assert sweep.name.endswith("-lr_study") and lr_beta.name.endswith("-lr_beta")
    # The seed run's page, the study's page and the dashboard that links them.
    assert (run / "explore.html").is_file() and (sweep / "sweep.html").is_file()
    assert run.name in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    drawn = {
        "loss contours with the path of gradient descent": run / "contour.png",
        "the fitted line over the data at a few epochs": run / "evolution.png",
        "a diverging path on the loss surface at lr = 0.1": sweep / "runs/003-lr=0.1/contour.png",
        "the error along each eigenvector per epoch, heavy ball at the optimal pair": heavy
        / "eigenmodes.png",
        "observed epochs to tolerance over heavy ball's (lr, β), the theory drawn on": lr_beta
        / "lr_beta_map.png",
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
    _check_the_map_caption(md, lr_beta, raced[plain], raced[heavy])


def _check_the_map_caption(
    md: str, folder: Path, plain: dict[str, Any], heavy: dict[str, Any]
) -> None:
    """The (lr, β) map's caption says what the sweep's own sweep.csv says."""
    with (folder / "sweep.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(MAP_LRS) * len(MAP_BETAS)
    (caption,) = re.findall(r"\*(Heavy ball's \(lr, β\) on the seed's data:[^*]*)\*", md)
    assert f"{len(rows)} runs of {MAP_EPOCHS:,} epochs" in caption
    diverged = [r for r in rows if r["status"] == "diverged"]
    reached = [r for r in rows if r not in diverged and r["observed_epochs_to_tol"]]
    fastest = min(reached, key=lambda r: int(r["observed_epochs_to_tol"]))
    lr, beta = float(fastest["optimizer.lr"]), float(fastest["optimizer.momentum"])
    assert f"lr {lr:g}, β {beta:g}: {int(fastest['observed_epochs_to_tol']):,} epochs" in caption
    assert f"the {heavy['theory']['predicted']['epochs_to_tol']:,} predicted" in caption
    assert f"predicted to take {plain['theory']['predicted']['epochs_to_tol']:,}" in caption
    # Every diverged cell, and only those, right of the stability edge 2(1 + β)/λmax.
    right = [
        r
        for r in rows
        if float(r["optimizer.lr"]) > float(r["critical_lr"]) * (1 + float(r["optimizer.momentum"]))
    ]
    assert diverged and right == diverged
    assert f"the {len(diverged)} diverged runs (hatched red) are exactly those right" in caption
    top = [r for r in reached if float(r["optimizer.momentum"]) == max(MAP_BETAS)]
    fewest = min(int(r["observed_epochs_to_tol"]) for r in top)
    assert f"in fewer than {fewest:,} epochs" in caption
    grey = [r for r in rows if r not in diverged and not r["observed_epochs_to_tol"]]
    for r in grey:
        assert f"lr {float(r['optimizer.lr']):g}, β {float(r['optimizer.momentum']):g}" in caption


def test_the_map_caption_reads_its_numbers_from_the_sweep(evidence: Any) -> None:
    _, _, momentum = evidence
    rows = [dict(r) for r in momentum.map_rows]
    caption = map_caption(rows, momentum.plain, momentum.heavy)
    assert "the 7 diverged runs (hatched red) are exactly those right" in caption
    assert "lr 0.05, β 0.7: 69 epochs, fewer than the 77 predicted" in caption
    # Make another cell the fastest and one diverged run converge: the caption follows.
    slow = next(r for r in rows if r["optimizer.lr"] == 0.03 and r["optimizer.momentum"] == 0.7)
    slow["observed_epochs_to_tol"] = 12
    calm = next(r for r in rows if r["status"] == "diverged" and r["optimizer.momentum"] == 0.99)
    calm.update(status="completed", observed_outcome="converges", observed_epochs_to_tol=900)
    caption = map_caption(rows, momentum.plain, momentum.heavy)
    assert "lr 0.03, β 0.7: 12 epochs" in caption
    assert "6 runs diverged (hatched red), 6 of them right of" in caption
    assert "and 1 run right of it did not" in caption


def test_a_report_whose_runs_drew_nothing_says_so(evidence: Any, tmp_path: Path) -> None:
    summary, rows, momentum = evidence
    claims = check_claims(summary, rows, momentum.plain, momentum.heavy)
    blocks = reproduce_blocks(tmp_path / "run", summary, tmp_path / "sweep", rows, momentum, claims)
    page = to_html(blocks, "t")
    assert "data:image" not in page
    assert page.count("Not drawn: ") == 11
    assert "Not drawn: a diverging path on the loss surface at lr = 0.1" in page


def test_the_readme_says_what_the_seed_is_as_the_report_does() -> None:
    readme = (REPO / "README.md").read_text()
    prose = " ".join(re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", readme).split())  # links as text
    assert THE_SEED in prose
    assert "data seed" in THE_SEED and "`data.seed`" in THE_SEED
