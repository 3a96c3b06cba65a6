"""html.page: one self-contained file whose scripts read the data back as it was written."""

from __future__ import annotations

import json
import math

from gdlab.pages import html

HOSTILE = "</script><script>throw new Error('escaped')</script><!--"


def test_to_json_cannot_end_the_script_it_sits_in() -> None:
    text = html.to_json({"note": HOSTILE, "loss": math.inf})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == {"note": HOSTILE, "loss": "inf"}
