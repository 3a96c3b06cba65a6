"""Reports rendered twice: Markdown that links its figures, HTML that carries them inline."""

from __future__ import annotations

import re
from pathlib import Path

from gdlab.report.document import FigureBlock, Heading, Paragraph, TableBlock, to_html, to_markdown


def test_markdown_and_html_carry_the_same_content(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    png = tmp_path / "f.png"
    Figure(figsize=(1, 1)).savefig(png, format="png")
    blocks = [
        Heading("Title", 1),
        Paragraph("text with `code` & <angle>"),
        TableBlock(["a", "verdict"], [["x|y", "✓ holds"], ["z", "✗ does not hold"]]),
        FigureBlock(png, "a caption"),
    ]
    md = to_markdown(blocks, tmp_path)
    assert md.startswith("# Title\n")
    assert "| x\\|y | ✓ holds |" in md and "![a caption](f.png)" in md
    page = to_html(blocks, "t")
    assert "<code>code</code> &amp; &lt;angle&gt;" in page
    assert 'class="yes"' in page and 'class="no"' in page
    assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]{20,}"', page)
    assert "f.png" not in page  # self-contained: nothing to fetch
