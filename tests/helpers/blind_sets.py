"""What the blind-set tests share: a text normalised the way the sets' cards promise (lowercase,
umlauts folded, punctuation stripped), and every string of the other training data files, so a
test can show that no blind text was ever trained or tuned on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from training.data_text import json_strings, normal

DATA = Path(__file__).resolve().parents[2] / "training" / "data"


def strings(value: Any) -> list[str]:
    """Every string inside a JSON value (texts, notes, nested fields)."""
    return list(json_strings(value))


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]


def other_texts(excluded: Iterable[Path]) -> set[str]:
    """The normalised strings of every training/data/*.jsonl file except `excluded`."""
    skip = {Path(p).resolve() for p in excluded}
    out: set[str] = set()
    for path in DATA.glob("*.jsonl"):
        if path.resolve() in skip:
            continue
        for row in rows(path):
            out.update(normal(s) for s in strings(row))
    return out
