"""One self-contained HTML page: its data, the chart library and gdlab's scripts, inlined."""

from __future__ import annotations

import html
import json
import math
from importlib import resources
from typing import Any

# The vendored chart library: pinned, with its licence (vendor/uplot/README.md).
UPLOT = ("vendor/uplot/uPlot.min.css", "vendor/uplot/uPlot.iife.min.js")


def asset(name: str) -> str:
    """The text of one file under gdlab/pages/ (a script, a style sheet)."""
    return resources.files("gdlab.pages").joinpath(name).read_text(encoding="utf-8")


def page(title: str, body: str, data: Any, scripts: list[str], styles: list[str]) -> str:
    """An HTML page with ``body`` (HTML), ``data`` as JSON, and these assets inlined.

    The data is read by the scripts from ``<script type="application/json" id="data">``;
    inf and nan become the strings "inf" and "nan" (JSON has no such numbers).
    """
    css = "\n".join(asset(name) for name in styles)
    js = "\n".join(f"<script>\n{asset(name)}\n</script>" for name in scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{css}\n</style>\n</head>\n"
        f"<body>\n{body}\n"
        f'<script type="application/json" id="data">{to_json(data)}</script>\n'
        f"{js}\n</body>\n</html>\n"
    )


def to_json(data: Any) -> str:
    """Compact JSON that is safe inside a <script> element."""
    text = json.dumps(_finite(data), separators=(",", ":"), allow_nan=False)
    # Both are escapes JSON.parse knows ("\!" is not one, and made the page fail to parse).
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def _finite(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj
