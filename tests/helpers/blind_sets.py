"""What the blind-set tests share: a text normalised the way the sets' cards promise (lowercase,
umlauts folded, punctuation stripped), and every string of the other training data files, so a
test can show that no blind text was ever trained or tuned on; and the counts a flag training
file's card states (fields, languages, types, ordinary answers)."""

from __future__ import annotations

import json
from collections import Counter
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


FLAG_FIELDS = ["id", "text", "language", "flags", "note"]


def flag_file_counts(name: str) -> tuple[int, Counter[str], Counter[str], int]:
    """A registered flag set's (answers, answers per language, answers per flag type, ordinary
    answers); asserts that every row has exactly the flag fields, in order."""
    from training import flag_sets

    assert all(list(r) == FLAG_FIELDS for r in rows(flag_sets.SETS[name]))
    examples = flag_sets.load_set(name)
    return (
        len(examples),
        Counter(e.language for e in examples),
        Counter(t for e in examples for t in e.flags),
        sum(not e.flags for e in examples),
    )
