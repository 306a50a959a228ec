"""How a data file's texts are compared across files (one rule, used by the near-duplicate
script `training/data/check_near_duplicates.py` and by the blind-set tests): lowercase, umlauts
and ß folded, punctuation stripped; and every string inside a JSON value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


def normal(text: str) -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return " ".join(re.sub(r"[^\w\s]", " ", text.replace("ß", "ss")).split())


def json_strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (texts, notes, nested fields)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)
