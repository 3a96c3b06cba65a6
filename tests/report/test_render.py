"""Reports rendered twice: Markdown that links its figures, HTML that carries them inline."""

from __future__ import annotations

import re
from pathlib import Path

from gdlab.report.render import FigureBlock, Heading, Paragraph, TableBlock, to_html, to_markdown
from tests.report.pages import Elements, check_reads_on_a_phone, figures


def _png(tmp_path: Path) -> Path:
    from matplotlib.figure import Figure

    png = tmp_path / "f.png"
    Figure(figsize=(1, 1)).savefig(png, format="png")
    return png


def test_markdown_and_html_carry_the_same_content(tmp_path: Path) -> None:
    png = _png(tmp_path)
    blocks = [
        Heading("Title", 1),
        Paragraph("text with `code` & <angle>"),
        TableBlock(["a", "verdict"], [["x|y", "✓ holds"], ["z", "✗ does not hold"]]),
        FigureBlock(png, "a picture", "a caption"),
    ]
    md = to_markdown(blocks, tmp_path)
    assert md.startswith("# Title\n")
    assert "| x\\|y | ✓ holds |" in md and "![a picture](f.png)\n\n*a caption*" in md
    page = to_html(blocks, "t")
    assert "<code>code</code> &amp; &lt;angle&gt;" in page
    assert 'class="yes"' in page and 'class="no"' in page
    assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]{20,}"', page)
    assert "f.png" not in page  # self-contained: nothing to fetch
    assert '<img alt="a picture"' in page and "<figcaption>a caption</figcaption>" in page


def test_the_page_fits_a_phone(tmp_path: Path) -> None:
    wide = TableBlock(["#", "claim", "verdict"], [["1", "a long sentence " * 20, "✓ holds"]])
    blocks = [Heading("Title", 1), wide, TableBlock(["q", "v"], [["x", "1"]])]
    blocks.append(FigureBlock(_png(tmp_path), "a picture", "a caption"))
    page = to_html(blocks, "t")
    check_reads_on_a_phone(page)
    assert len(Elements(page).named("table")) == 2
    # A sentence keeps a column wide enough to read (the table scrolls instead); values do not.
    classes = [a.get("class") for a, _ in Elements(page).named("td")]
    assert classes == [None, "prose", "yes", None, None]
    assert re.search(r"td\.prose \{ min-width: 12rem; \}", page)
    assert list(figures(page)) == ["a picture"]
