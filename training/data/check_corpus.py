"""Validate a project-written feedback sentiment corpus (feedback_sentiment_*.jsonl), print counts.

Standard library only, so it runs without the project venv:

    python3 training/data/check_corpus.py training/data/feedback_sentiment_de.jsonl

Checks: every line is a JSON object with exactly the required fields, values come from the allowed
sets, ids and texts are unique (texts compared case-insensitively, ignoring surrounding whitespace),
and the length class agrees with the word count (short = at most 8 words). Exits 1 on any error.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REQUIRED_FIELDS: dict[str, type] = {
    "id": str,
    "text": str,
    "language": str,
    "label": str,
    "domain": str,
    "length": str,
    "phenomena": list,
    "split": str,
}
LABELS = {"negative", "neutral", "positive"}
LENGTHS = {"short", "medium", "long"}
SPLITS = {"train", "heldout"}
LANGUAGES = {"de", "en"}
DOMAINS = {
    "delivery",
    "hotline",
    "app",
    "billing",
    "shop",
    "hotel",
    "bank",
    "telco",
    "books",
    "products",
    "insurance",
    "energy",
    "public_transport",
    "restaurant",
    "healthcare",
    "car_rental",
}
PHENOMENA = {
    "negation",
    "hedging",
    "irony",
    "profanity",
    "mixed",
    "colloquial",
    "emoji",
    "comparison",
    "concrete_fact",
}
SHORT_MAX_WORDS = 8


def check_row(row: Any, line_no: int) -> list[str]:
    """Return the problems of one parsed line (empty when the line is valid)."""
    if not isinstance(row, dict):
        return [f"line {line_no}: not a JSON object"]
    errors: list[str] = []
    missing = set(REQUIRED_FIELDS) - set(row)
    extra = set(row) - set(REQUIRED_FIELDS)
    if missing:
        errors.append(f"line {line_no}: missing fields {sorted(missing)}")
    if extra:
        errors.append(f"line {line_no}: unexpected fields {sorted(extra)}")
    for field, kind in REQUIRED_FIELDS.items():
        if field in row and not isinstance(row[field], kind):
            errors.append(f"line {line_no}: {field} must be {kind.__name__}")
    if errors:
        return errors
    allowed = {
        "label": LABELS,
        "length": LENGTHS,
        "split": SPLITS,
        "language": LANGUAGES,
        "domain": DOMAINS,
    }
    for field, values in allowed.items():
        if row[field] not in values:
            errors.append(f"line {line_no}: {field}={row[field]!r} not in {sorted(values)}")
    for tag in row["phenomena"]:
        if tag not in PHENOMENA:
            errors.append(f"line {line_no}: phenomenon {tag!r} not in {sorted(PHENOMENA)}")
    if len(set(row["phenomena"])) != len(row["phenomena"]):
        errors.append(f"line {line_no}: repeated phenomenon")
    if not row["text"].strip():
        errors.append(f"line {line_no}: empty text")
    # Profanity in customer feedback is always a complaint in this corpus's labelling rules.
    if "profanity" in row["phenomena"] and row["label"] != "negative":
        errors.append(f"line {line_no}: profanity must be labelled negative")
    words = len(row["text"].split())
    if (row["length"] == "short") != (words <= SHORT_MAX_WORDS):
        errors.append(f"line {line_no}: length={row['length']} but {words} words")
    return errors


def check_file(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse and validate a corpus file; return its valid rows and all problems found."""
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    ids: dict[str, int] = {}
    texts: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                errors.append(f"line {line_no}: blank line")
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"line {line_no}: invalid JSON ({exc.msg})")
                continue
            row_errors = check_row(row, line_no)
            errors.extend(row_errors)
            if row_errors:
                continue
            if row["id"] in ids:
                errors.append(f"line {line_no}: id {row['id']} already on line {ids[row['id']]}")
            ids.setdefault(row["id"], line_no)
            key = row["text"].strip().casefold()
            if key in texts:
                errors.append(f"line {line_no}: text already on line {texts[key]}")
            texts.setdefault(key, line_no)
            rows.append(row)
    return rows, errors


def print_counts(rows: list[dict[str, Any]]) -> None:
    """Print absolute counts and shares per label, length, split, domain and phenomenon."""
    total = len(rows)
    print(f"rows: {total}")
    for field in ("label", "length", "split", "domain"):
        counts = Counter(row[field] for row in rows)
        shown = ", ".join(f"{key} {n} ({n / total:.0%})" for key, n in counts.most_common())
        print(f"{field}: {shown}")
    phenomena = Counter(tag for row in rows for tag in row["phenomena"])
    print("phenomena: " + ", ".join(f"{key} {n}" for key, n in phenomena.most_common()))
    heldout = Counter((row["label"], row["length"]) for row in rows if row["split"] == "heldout")
    cells = Counter((row["label"], row["length"]) for row in rows)
    print(
        "heldout share per label/length: "
        + ", ".join(
            f"{label}/{length} {heldout[(label, length)]}/{n}"
            for (label, length), n in sorted(cells.items())
        )
    )


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: check_corpus.py feedback_sentiment_XX.jsonl [...]", file=sys.stderr)
        return 2
    failed = False
    for name in argv[1:]:
        path = Path(name)
        print(f"== {path}")
        rows, errors = check_file(path)
        for error in errors[:50]:
            print("ERROR", error)
        if len(errors) > 50:
            print(f"... and {len(errors) - 50} more errors")
        if rows:
            print_counts(rows)
        print("OK" if not errors else f"FAILED: {len(errors)} errors")
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
