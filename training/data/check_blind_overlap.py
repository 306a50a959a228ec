"""Near-duplicate check for new blind sets: each text of the given files against every string
of every other training/data/*.jsonl file and against the other texts of the given files.

Normalisation: lowercase, umlaut folding (ä->ae, ö->oe, ü->ue, ß->ss), punctuation stripped,
whitespace collapsed. A pair collides when the normalised strings are equal or their difflib
ratio is >= 0.85. Only the new text, the ratio and the other file's name are printed (the
other file's text is not shown, so the check can run without reading other sets).

    python training/data/check_blind_overlap.py training/data/NEW1.jsonl [NEW2.jsonl ...]
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent
THRESHOLD = 0.85


def normal(text: str) -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return " ".join(re.sub(r"[^\w\s]", " ", text.replace("ß", "ss")).split())


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def _similar(a: str, b: str) -> float:
    if a == b:
        return 1.0
    shorter, longer = sorted((len(a), len(b)))
    if longer == 0 or 2 * shorter / (shorter + longer) < THRESHOLD:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < THRESHOLD or matcher.quick_ratio() < THRESHOLD:
        return 0.0
    return matcher.ratio()


def main(paths: list[str]) -> int:
    new = [Path(p).resolve() for p in paths]
    others: list[tuple[str, str]] = []
    for path in sorted(DATA.glob("*.jsonl")):
        if path in new:
            continue
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                others.extend((normal(s), path.name) for s in strings(json.loads(line)))
    mine: list[tuple[str, str, str]] = []
    for path in new:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                mine.append((row["id"], row["text"], normal(row["text"])))
    problems = 0
    for i, (rid, text, norm) in enumerate(mine):
        for other, name in others:
            ratio = _similar(norm, other)
            if ratio >= THRESHOLD:
                problems += 1
                print(f"{rid}\t{ratio:.2f}\t{name}\t{text}")
        for rid2, _, norm2 in mine[i + 1 :]:
            ratio = _similar(norm, norm2)
            if ratio >= THRESHOLD:
                problems += 1
                print(f"{rid}\t{ratio:.2f}\t(own set: {rid2})\t{text}")
    print(f"{len(mine)} texts checked against {len(others)} strings: {problems} collisions")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
