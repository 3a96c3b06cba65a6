"""Pages tested as a person meets them: a real headless Chromium opens the file.

``browser`` is one Chromium per test module in each test process (xdist worker); it is
closed before the process moves on, as Playwright keeps a thread running while it is open
and gdlab's figure helpers rightly refuse to fork while another thread runs.
``open_page(path, width)`` opens a local file at a viewport width (LAPTOP or PHONE) and
fails the test if the page logged a console error or threw. ``screenshot(page, name)``
writes ``NAME-WIDTH.png`` for review. Without a browser the tests are skipped, unless
GDLAB_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from tests.conftest import REPO
from tests.pages.chromium import ARGS, NOT_FOUND, find_chromium, required, screenshot_folder

LAPTOP = 1280
PHONE = 400

# Read once, where pytest was started: each test runs in its own tmp_path.
SCREENSHOTS = screenshot_folder(REPO)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the browser is marked ``browser``, so -m can pick or drop them."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system Chromium, headless; one per module (it starts in under a second)."""
    executable = find_chromium()
    if executable is None:
        if required():
            pytest.fail(NOT_FOUND.replace("skipped", "required"), pytrace=False)
        pytest.skip(NOT_FOUND)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield chromium
        chromium.close()


class PageOpener:
    """Opens local files in fresh browser tabs and keeps every error they report."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.errors: list[str] = []
        self.contexts: list[BrowserContext] = []

    def __call__(self, path: Path | str, width: int = LAPTOP, height: int = 800) -> Page:
        """``path`` loaded (scripts run, ``load`` fired) in a viewport ``width`` px wide."""
        context = self.browser.new_context(viewport={"width": width, "height": height})
        self.contexts.append(context)
        # A self-contained page needs no network; anything it asks for fails, and says so.
        context.route("http*://**/*", _refuse)
        page = context.new_page()
        where = f"{Path(path).name} at {width} px"
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"{where}: console error: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: self.errors.append(f"{where}: {error}"))
        page.goto(Path(path).resolve().as_uri())
        return page

    def close(self) -> None:
        """Close every tab this opener opened."""
        for context in self.contexts:
            context.close()


def _refuse(route: Route) -> None:
    route.abort()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[PageOpener]:
    """``open_page(path, width=LAPTOP)`` -> Page; the test fails if the page logged an error."""
    opener = PageOpener(browser)
    yield opener
    opener.close()
    if opener.errors:
        pytest.fail("the page reported errors:\n  " + "\n  ".join(opener.errors), pytrace=False)


class Screenshot(Protocol):
    def __call__(self, page: Page, name: str) -> Path: ...


@pytest.fixture
def screenshot() -> Screenshot:
    """``screenshot(page, name)`` writes the full page to SCREENSHOTS/NAME-WIDTH.png."""

    def save(page: Page, name: str) -> Path:
        viewport = page.viewport_size
        width = viewport["width"] if viewport else "auto"
        path = SCREENSHOTS / f"{name}-{width}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=True)
        return path

    return save
