"""Finding the system Chromium for the page tests; they never download a browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Tried in order after GDLAB_CHROMIUM: the names Debian, Ubuntu and Google give the browser.
NAMES = ("chromium", "chromium-browser", "google-chrome")

# Headless and quiet: no GPU, no sandbox (containers lack one), and no calls home.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

NOT_FOUND = (
    "browser tests skipped: no Chromium found; install it with `sudo apt-get install chromium`"
    " or set GDLAB_CHROMIUM=/path/to/chrome"
)


def find_chromium() -> str | None:
    """The browser to launch: GDLAB_CHROMIUM, else the first of NAMES on PATH, else None."""
    chosen = os.environ.get("GDLAB_CHROMIUM")
    if chosen:
        return chosen
    return next((path for path in map(shutil.which, NAMES) if path), None)


def required() -> bool:
    """Whether a missing browser fails the suite (GDLAB_REQUIRE_BROWSER=1, as CI sets)."""
    return os.environ.get("GDLAB_REQUIRE_BROWSER", "") == "1"


def screenshot_folder(repo: Path) -> Path:
    """Where screenshots go for review: GDLAB_SCREENSHOTS, else results/screenshots/."""
    return Path(os.environ.get("GDLAB_SCREENSHOTS") or repo / "results" / "screenshots").resolve()
