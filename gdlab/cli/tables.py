"""Tables that read at any width: columns chosen by importance, names wrapped, numbers whole.

On a terminal a table fits the terminal's width: its most important columns
first, the others left out (and named under it) when they do not fit, names
and statuses wrapped rather than cut, and never a number cut. A table of many
like columns (runs side by side, a matrix) is cut into blocks of columns
instead. In a pipe (or a file, or a notebook) the output is plain text with
every column, as wide as it needs: Rich would otherwise assume 80 columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from gdlab.cli.app import fmt_num

PIPE_WIDTH = 100_000  # "unlimited": a pipe gets every column, whole
_GAP = 3  # between two columns of a SIMPLE_HEAD table: padding, a blank rule, padding
_EDGES = 2  # its blank left and right rules
_MIN_TEXT = 8  # a wrapping column is never narrower than this, or its longest word
_MAX_WORD = 28  # ... nor wider: a longer word (an 80-character run id) folds


def console(stderr: bool = False) -> Console:
    """The console to print to: the terminal's width on a terminal, unlimited in a pipe."""
    probe = Console(stderr=stderr)
    if probe.is_terminal:
        return Console(stderr=stderr, highlight=False)
    return Console(stderr=stderr, highlight=False, width=PIPE_WIDTH, soft_wrap=True)


def titled_table(title: str, *columns: str) -> Table:
    """A table with a bold title over it, its first column left, the others right."""
    table = Table(title=f"[bold]{title}[/]", title_justify="left", box=box.SIMPLE_HEAD)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    return table


@dataclass(frozen=True)
class Column:
    """A column: its header, whether it holds numbers, and how much it matters (0 = always)."""

    header: str
    numeric: bool = False
    priority: int = 0
    wrap: bool = True  # text that may wrap at spaces (numbers never do)


def _width(cells: Sequence[str], column: Column, cap: int | None = _MAX_WORD) -> int:
    """The narrowest the column can be: whole numbers, or the longest word of a text
    (no longer than ``cap``: a longer word folds)."""
    lengths = [Text.from_markup(c).cell_len for c in cells]
    header = max((min(len(w), cap or 10**9) for w in column.header.split()), default=0)
    if column.numeric or not column.wrap:  # no wrapping: nor the header's
        return max([len(column.header), *lengths])
    cap = cap or 10**9
    words = [min(len(w), cap) for c in cells for w in Text.from_markup(c).plain.split()]
    return max([header, min(max(lengths, default=0), _MIN_TEXT), *words])


def fitted(
    out: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    title: str | None = None,
    caption: str | None = None,
) -> RenderableType:
    """A table of the columns that fit ``out``'s width, the most important first.

    The columns keep their order; those left out are named in the caption.
    """
    natural = [_width([r[i] for r in rows], c, cap=None) for i, c in enumerate(columns)]
    fits = _EDGES + sum(natural) + _GAP * (len(columns) - 1) <= out.width
    # When everything fits no word is folded; else long words fold at _MAX_WORD.
    widths = natural if fits else [_width([r[i] for r in rows], c) for i, c in enumerate(columns)]
    chosen: set[int] = set()
    used = _EDGES - _GAP
    for i in sorted(range(len(columns)), key=lambda i: columns[i].priority):
        if columns[i].priority == 0 or used + _GAP + widths[i] <= out.width:
            chosen.add(i)
            used += _GAP + widths[i]
    left_out = [c.header for i, c in enumerate(columns) if i not in chosen]
    table = _table(title, caption)
    keep = sorted(chosen)
    for i in keep:
        _add_column(table, columns[i], widths[i], fixed=not fits)
    for row in rows:
        table.add_row(*(row[i] for i in keep))
    if not left_out or not rows:
        return table
    note = f"not shown at this width: {', '.join(left_out)} (a wider terminal, or --json)"
    return Group(table, Text(note, style="dim italic"))  # wraps at the terminal, not the table


def blocks(
    out: Console,
    key: Column,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    title: str | None = None,
) -> list[Table]:
    """The table cut into blocks of columns that fit ``out``'s width, each with the key
    column (row names) first: like a wide matrix printed in parts. Rows are (key, *values)."""
    key_width = _width([r[0] for r in rows], key)
    widths = [_width([r[i + 1] for r in rows], c) for i, c in enumerate(columns)]
    parts: list[list[int]] = [[]]
    used = _EDGES + key_width
    for i, width in enumerate(widths):
        if parts[-1] and used + _GAP + width > out.width:
            parts.append([])
            used = _EDGES + key_width
        parts[-1].append(i)
        used += _GAP + width
    tables = []
    for n, part in enumerate(parts):
        heading = title if len(parts) == 1 or title is None else f"{title} ({n + 1}/{len(parts)})"
        table = _table(heading, None)
        _add_column(table, key, key_width)
        for i in part:
            _add_column(table, columns[i], widths[i], fixed=True)
        for row in rows:
            table.add_row(row[0], *(row[i + 1] for i in part))
        tables.append(table)
    return tables


def _table(title: str | None, caption: str | None) -> Table:
    return Table(
        title=title,
        caption=caption,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )


def _add_column(table: Table, column: Column, width: int, fixed: bool = False) -> None:
    """A column at least ``width`` wide; ``fixed``: a text column no wider, so the columns
    chosen to fit the terminal do fit it."""
    if column.numeric:
        table.add_column(column.header, justify="right", no_wrap=True, min_width=width)
    elif not column.wrap:
        table.add_column(column.header, no_wrap=True, min_width=width)
    else:
        widest = width if fixed else None
        table.add_column(column.header, overflow="fold", min_width=width, max_width=widest)


def cell(value: Any, exact: bool = False) -> str:
    """A cell for a value read from a run folder, whatever it turns out to hold; ``exact``
    for a value a person typed (a config's), shown as typed rather than to 5 digits."""
    if isinstance(value, list):
        return ", ".join(cell(v, exact) for v in value[:20])
    if isinstance(value, bool):  # as YAML and JSON write it
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if exact else fmt_num(value, 5)
    return "" if value is None else str(value)[:200]
