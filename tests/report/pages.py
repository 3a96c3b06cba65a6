"""Reading an HTML page as its elements, to test its structure without a browser."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

# Elements that never have an end tag, so they never hold others.
VOID = {"meta", "img", "br", "hr", "link", "input"}
Element = tuple[str, dict[str, str | None]]  # a tag and its attributes
PNG = "data:image/png;base64,"


class Elements(HTMLParser):
    """Every element of a page, with the elements it sits inside (outermost first)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.open: list[Element] = []
        self.found: list[tuple[Element, list[Element]]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_data(self, data: str) -> None:
        if not self.open or self.open[-1][0] not in ("style", "title"):
            self.text.append(data)

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


def check_reads_on_a_phone(page: str) -> None:
    """The page is laid out at the phone's width, tables scroll in their box, images shrink."""
    elements = Elements(page)
    # Without it a phone lays the page out 980 px wide and shrinks it to unreadable.
    viewports = [a for a, _ in elements.named("meta") if a.get("name") == "viewport"]
    assert [a["content"] for a in viewports] == ["width=device-width, initial-scale=1"]
    # A wide table scrolls inside its own box, so the page around it never does.
    tables = elements.named("table")
    assert tables
    for _, inside in tables:
        parent_tag, parent = inside[-1]
        assert parent_tag == "div" and parent.get("class") == "scroll"
    assert re.search(r"\.scroll \{[^}]*overflow-x: auto", page)
    # Figures shrink to the width they have, keeping their shape.
    assert re.search(r"figure img \{[^}]*max-width: 100%[^}]*height: auto", page)


def figures(page: str) -> dict[str, bytes]:
    """Each inlined image by its alt text, with the PNG bytes it carries."""
    found = {}
    for attrs, _ in Elements(page).named("img"):
        src = attrs["src"] or ""
        assert src.startswith(PNG), src[:40]
        found[attrs["alt"] or ""] = base64.b64decode(src.removeprefix(PNG))
    return found


def text(page: str) -> str:
    """What a reader sees of the page, its runs of whitespace made single spaces."""
    return " ".join("".join(Elements(page).text).split())
