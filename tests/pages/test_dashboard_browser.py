"""The dashboard and a sweep's page in a real headless Chromium, as a person meets them: the
learning-rate study and one short run (300 epochs), at laptop (1280 px) and phone (400 px)
width, with the shared fixtures of tests/pages/conftest.py (no console error; screenshots).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gdlab.cli import app
from tests.conftest import REPO
from tests.pages.conftest import LAPTOP, PHONE, PageOpener, Screenshot

QUICK = ["--set", "training.epochs=300", "--set", "output.plots=false"]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's learning-rate study, whole, and a short run, as a person would make them."""
    results = tmp_path_factory.mktemp("browser") / "results"
    cli = CliRunner()
    config = str(REPO / "configs" / "lr_study.yaml")
    swept = cli.invoke(
        app, ["sweep", "-c", config, "--set", "output.plots=false", "-r", str(results)]
    )
    assert swept.exit_code == 0, swept.output
    trained = cli.invoke(app, ["train", "-r", str(results), "-q", *QUICK])
    assert trained.exit_code == 0, trained.output
    return results


def cells(page: Any, column: int) -> list[str]:
    """The text of one column of the runs table, top to bottom."""
    texts: list[str] = page.locator(f"#runs tbody tr td:nth-child({column})").all_inner_texts()
    return texts


STATUS, LR = 3, 5  # the runs table's columns (1: the overlay box, 2: the run)


def test_the_dashboard_sorts_filters_and_overlays(
    study: Path, open_page: PageOpener, screenshot: Screenshot
) -> None:
    page = open_page(study / "index.html", LAPTOP)
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    assert loaded < 1000  # ms: it opens in under a second
    assert page.locator("#runs tbody tr").count() == 5  # a run, a sweep and its three points
    lr = page.locator("th[data-key=lr]")
    lr.locator("button").click()
    assert lr.get_attribute("aria-sort") == "ascending"
    rates = [float(t) for t in cells(page, LR) if t]
    assert rates == sorted(rates) and rates == [0.001, 0.005, 0.005, 0.1]
    lr.locator("button").press("Enter")  # the keyboard sorts too
    assert lr.get_attribute("aria-sort") == "descending"
    assert [float(t) for t in cells(page, LR) if t] == [0.1, 0.005, 0.005, 0.001]
    page.get_by_label("Status").select_option("diverged")
    assert cells(page, STATUS) == ["diverged"]
    assert page.locator("#count").inner_text() == "Showing 1 of 5 rows."
    page.get_by_role("button", name="Clear filters").click()
    page.wait_for_function("document.querySelectorAll('#runs tbody tr').length === 5")
    page.get_by_label("overlay the loss curve of lr=0.001 (sweep lr_study)").check()
    page.get_by_label("overlay the loss curve of lr=0.1 (sweep lr_study)").check()
    chart = page.locator("#overlay-chart")
    assert chart.locator(".u-legend .u-series").count() == 3  # epoch, and the two runs
    assert chart.locator("canvas").count() == 1
    label = chart.get_attribute("aria-label")
    assert "lr=0.001 (lr_study), completed" in label and "lr=0.1 (lr_study), diverged" in label
    screenshot(page, "dashboard")


def test_the_dashboard_reads_at_phone_width(
    study: Path, open_page: PageOpener, screenshot: Screenshot
) -> None:
    page = open_page(study / "index.html", PHONE)
    page.get_by_label("overlay the loss curve of lr=0.005 (sweep lr_study)").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    box = page.locator("div.scroll[role=region]")  # the table scrolls sideways in its own box
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    assert page.locator("#overlay-chart canvas").bounding_box()["width"] <= PHONE
    screenshot(page, "dashboard")


@pytest.mark.parametrize("width", [LAPTOP, PHONE])
def test_the_sweep_page_slider_steps_through_the_points(
    study: Path, open_page: PageOpener, screenshot: Screenshot, width: int
) -> None:
    (sweep,) = (study / "sweeps").iterdir()
    page = open_page(sweep / "sweep.html", width)
    slider = page.get_by_role("slider", name="Sweep point")
    said = page.locator("#point-text")
    assert said.inner_text().startswith("lr = 0.001 (point 1 of 3): completed after 10,000 epochs")
    slider.press("ArrowRight")
    assert said.inner_text().startswith("lr = 0.005 (point 2 of 3)")
    assert slider.get_attribute("aria-valuetext") == said.inner_text()
    assert "lr = 0.005" in page.locator("#path-chart").get_attribute("aria-label")
    slider.press("End")
    assert said.inner_text().startswith("lr = 0.1 (point 3 of 3): diverged after 419 epochs")
    assert "inf from epoch 208 and nan from epoch 419" in said.inner_text()
    assert "leaving the view at epoch 1" in page.locator("#path-caption").inner_text()
    assert page.locator("#path-chart canvas").count() == 1
    assert page.locator("#loss-chart canvas").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    slider.press("ArrowLeft")
    screenshot(page, "sweep")
