"""Reports rendered twice: Markdown that links its figures, HTML that carries them inline."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from gdlab.report.render import FigureBlock, Heading, Paragraph, TableBlock, to_html, to_markdown

# Elements that never have an end tag, so they never hold others.
VOID = {"meta", "img", "br", "hr", "link", "input"}
Element = tuple[str, dict[str, str | None]]  # a tag and its attributes


class Elements(HTMLParser):
    """Every element of a page, with the elements it sits inside (outermost first)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.open: list[Element] = []
        self.found: list[tuple[Element, list[Element]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = (tag, dict(attrs))
        self.found.append((element, list(self.open)))
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1][0] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def named(self, tag: str) -> list[tuple[dict[str, str | None], list[Element]]]:
        """The attributes of each ``tag`` element, and what it sits inside."""
        return [(attrs, inside) for (t, attrs), inside in self.found if t == tag]


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


def test_the_page_fits_a_phone(tmp_path: Path) -> None:
    wide = TableBlock(["#", "claim", "verdict"], [["1", "a long sentence " * 20, "✓ holds"]])
    blocks = [Heading("Title", 1), wide, TableBlock(["q", "v"], [["x", "1"]])]
    blocks.append(FigureBlock(_png(tmp_path), "a caption"))
    page = to_html(blocks, "t")
    elements = Elements(page)
    # Without it a phone lays the page out 980 px wide and shrinks it to unreadable.
    viewports = [a for a, _ in elements.named("meta") if a.get("name") == "viewport"]
    assert [a["content"] for a in viewports] == ["width=device-width, initial-scale=1"]
    # A wide table scrolls inside its own box, so the page around it never does.
    tables = elements.named("table")
    assert len(tables) == 2
    for _, inside in tables:
        parent_tag, parent = inside[-1]
        assert parent_tag == "div" and parent.get("class") == "scroll"
    assert re.search(r"\.scroll \{[^}]*overflow-x: auto", page)
    # Figures shrink to the width they have, keeping their shape.
    assert re.search(r"figure img \{[^}]*max-width: 100%[^}]*height: auto", page)
