"""html.page: one self-contained file whose scripts read the data back as it was written."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import pytest

from gdlab.pages import html
from tests.pages.conftest import LAPTOP, PHONE, PageOpener, Screenshot

HOSTILE = "</script><script>throw new Error('escaped')</script><!--"

# Runs once the whole page is parsed, so gd (common.js) and the data script exist by then.
BODY = """<main>
<p>epochs <span id="epochs"></span>, loss <span id="loss"></span>,
nan read back: <span id="nan"></span></p>
<p id="note" style="overflow-wrap: anywhere"></p>
</main>
<script>
document.addEventListener("DOMContentLoaded", function () {
  var d = gd.data();
  document.getElementById("epochs").textContent = gd.int(d.epochs);
  document.getElementById("loss").textContent = String(d.loss);
  document.getElementById("nan").textContent = String(Number.isNaN(d.gap));
  document.getElementById("note").textContent = d.note;
});
</script>"""


def write_page(folder: Path) -> Path:
    """A page with data JSON cannot hold (inf, nan) and a string that tries to end its script."""
    data = {"epochs": 3129, "loss": math.inf, "gap": math.nan, "note": HOSTILE}
    text = html.page(
        "smoke", BODY, data, scripts=["assets/common.js"], styles=["assets/common.css"]
    )
    path = folder / "smoke.html"
    path.write_text(text, encoding="utf-8")
    return path


def png_width(path: Path) -> int:
    """The width a PNG file declares in its header."""
    with path.open("rb") as file:
        header = file.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int(struct.unpack(">I", header[16:20])[0])


def test_to_json_cannot_end_the_script_it_sits_in() -> None:
    text = html.to_json({"note": HOSTILE, "loss": math.inf})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == {"note": HOSTILE, "loss": "inf"}


@pytest.mark.parametrize("width", [LAPTOP, PHONE])
def test_the_page_reads_its_data_back_in_a_browser(
    width: int, tmp_path: Path, open_page: PageOpener, screenshot: Screenshot
) -> None:
    page = open_page(write_page(tmp_path), width)
    assert page.inner_text("#epochs") == "3,129"
    assert page.inner_text("#loss") == "Infinity"
    assert page.inner_text("#nan") == "true"
    assert page.inner_text("#note") == HOSTILE
    assert png_width(screenshot(page, "pages-smoke")) == width


def test_open_page_keeps_what_a_broken_page_reports(tmp_path: Path, open_page: PageOpener) -> None:
    path = tmp_path / "broken.html"
    path.write_text(
        '<img src="https://example.com/offline.png">'
        "<script>console.error('logged'); undefinedFunction();</script>",
        encoding="utf-8",
    )
    open_page(path, PHONE)
    reported = "\n".join(open_page.errors)
    assert "console error: logged" in reported
    assert "undefinedFunction is not defined" in reported
    # The fixture refuses the network (ERR_FAILED); had the request gone out, it would have
    # loaded online or failed with ERR_NAME_NOT_RESOLVED offline.
    assert "Failed to load resource: net::ERR_FAILED" in reported
    open_page.errors.clear()  # seen; the fixture would otherwise fail this test
