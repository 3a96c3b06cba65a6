"""Reports: the same content rendered as Markdown and as one self-contained HTML file.

A report is a list of blocks (headings, paragraphs, tables, figures). Markdown
links the figures; HTML inlines them as base64, so the file opens offline and
can be mailed on its own.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gdlab.record import runs


@dataclass(frozen=True)
class Heading:
    """A section title; level 1 is the report's title."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """Plain text; `code` spans are kept."""

    text: str


@dataclass(frozen=True)
class TableBlock:
    """A table of text cells."""

    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class FigureBlock:
    """A PNG figure: ``alt`` names what it shows, ``caption`` says what to look at."""

    path: Path
    alt: str
    caption: str


Block = Heading | Paragraph | TableBlock | FigureBlock


def figure(path: Path, alt: str, caption: str) -> Block:
    """The figure, or a line saying it is missing (runs with ``output.plots: false`` draw none)."""
    if path.exists():
        return FigureBlock(path, alt, caption)
    return Paragraph(f"Not drawn: {alt} (`{path}` is missing).")


def to_markdown(blocks: Sequence[Block], base: Path) -> str:
    """Markdown with figure links relative to ``base`` (the report's folder)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, TableBlock):
            out.append(_markdown_table(block))
        else:
            out.append(
                f"![{block.alt}]({block.path.relative_to(base).as_posix()})\n\n*{block.caption}*"
            )
    return "\n\n".join(out) + "\n"


def _markdown_table(table: TableBlock) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return "\n".join(
        [line(table.header), line(["---"] * len(table.header)), *(line(row) for row in table.rows)]
    )


PROSE = 40  # characters from which a table cell counts as a sentence, not a value
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; overflow-wrap: break-word; }
.scroll { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; vertical-align: top; text-align: left; }
td.prose { min-width: 12rem; }
th { background: #f3f3f3; }
td.yes { color: #176f2c; font-weight: bold; } td.no { color: #b00020; font-weight: bold; }
td.yes, td.no { white-space: nowrap; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #555; font-style: italic; }
code { background: #f3f3f3; padding: 0 0.2rem; overflow-wrap: anywhere; }
"""


def to_html(blocks: Sequence[Block], title: str) -> str:
    """One HTML page with every figure inlined as a data: URL."""
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, TableBlock):
            body.append(_html_table(block))
        else:
            data = base64.b64encode(block.path.read_bytes()).decode("ascii")
            body.append(
                f'<figure><img alt="{html.escape(block.alt)}" '
                f'src="data:image/png;base64,{data}"><figcaption>'
                f"{html.escape(block.caption)}</figcaption></figure>"
            )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _inline(text: str) -> str:
    """Escape text, turning `code` spans into <code>."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _html_table(table: TableBlock) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    rows = [
        "<tr>" + "".join(f"<td{_cell_class(c)}>{_inline(c)}</td>" for c in row) + "</tr>"
        for row in table.rows
    ]
    # The wrapper scrolls sideways on a narrow screen, so the page itself never does.
    return (
        f'<div class="scroll" tabindex="0"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _cell_class(cell: str) -> str:
    if cell.startswith(("✓", "✗")):
        return ' class="yes"' if cell.startswith("✓") else ' class="no"'
    # A sentence gets a column wide enough to read; the table scrolls if they do not fit.
    return ' class="prose"' if len(cell) > PROSE else ""


def write_report(blocks: Sequence[Block], folder: Path, stem: str, title: str) -> list[Path]:
    """Write ``<stem>.md`` and ``<stem>.html`` into ``folder``; returns both paths."""
    md, page = folder / f"{stem}.md", folder / f"{stem}.html"
    runs.write_text(md, to_markdown(blocks, folder))
    runs.write_text(page, to_html(blocks, title))
    return [md, page]
