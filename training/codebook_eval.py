"""Validate the codebook evaluation set and print counts per theme and language.

`training/data/codebook_eval.jsonl` is written by the nlp-service project for evaluating the
starter codebook only (see `training/data/codebook_eval.md`); it is never used to build codebook
prototypes. Standard library only so it runs before any model is installed:

    python -m training.codebook_eval [path]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "codebook_eval.jsonl"
THEME_IDS = range(1, 31)
LANGUAGES = ("de", "en")
FIELDS = {"id", "text", "language", "themes", "primary", "touchpoint", "kpi"}
MIN_PRIMARY_PER_LANGUAGE = 5


def validate(rows: list[dict[str, Any]]) -> list[str]:
    """Return every problem found (empty list = valid)."""
    problems: list[str] = []
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for n, row in enumerate(rows, 1):
        where = f"line {n}"
        if set(row) != FIELDS:
            problems.append(f"{where}: fields {sorted(row)} != {sorted(FIELDS)}")
            continue
        rid, text, lang = row["id"], row["text"], row["language"]
        if lang not in LANGUAGES:
            problems.append(f"{where}: language {lang!r}")
        if not isinstance(rid, str) or not rid.startswith(f"cb-{lang}-"):
            problems.append(f"{where}: id {rid!r} does not match language {lang!r}")
        if rid in seen_ids:
            problems.append(f"{where}: duplicate id {rid}")
        seen_ids.add(rid)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: empty text")
        elif text.strip().casefold() in seen_texts:
            problems.append(f"{where}: duplicate text {text!r}")
        else:
            seen_texts.add(text.strip().casefold())
        themes, primary = row["themes"], row["primary"]
        if not isinstance(themes, list) or any(
            not isinstance(t, int) or isinstance(t, bool) or t not in THEME_IDS for t in themes
        ):
            problems.append(f"{where}: themes {themes!r} must be ids 1-30")
        elif len(set(themes)) != len(themes):
            problems.append(f"{where}: repeated theme in {themes}")
        elif themes and primary not in themes:
            problems.append(f"{where}: primary {primary!r} not among themes {themes}")
        elif not themes and primary is not None:
            problems.append(f"{where}: primary {primary!r} without themes")
        if not isinstance(row["touchpoint"], str) or not row["touchpoint"]:
            problems.append(f"{where}: touchpoint missing")
        kpi = row["kpi"]
        if (
            not isinstance(kpi, dict)
            or kpi.get("type") != "nps"
            or not isinstance(kpi.get("score"), int)
            or not 0 <= kpi["score"] <= 10
        ):
            problems.append(f"{where}: kpi {kpi!r} must be nps 0-10")
    if problems:
        return problems
    for lang in LANGUAGES:
        primaries = Counter(r["primary"] for r in rows if r["language"] == lang)
        for theme in THEME_IDS:
            if primaries[theme] < MIN_PRIMARY_PER_LANGUAGE:
                problems.append(f"theme {theme}: only {primaries[theme]} primary answers in {lang}")
    return problems


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def counts_table(rows: list[dict[str, Any]]) -> str:
    """Per theme and language: answers naming the theme as primary / mentioning it at all."""
    primary: Counter[tuple[int | None, str]] = Counter()
    mention: Counter[tuple[int, str]] = Counter()
    for r in rows:
        primary[(r["primary"], r["language"])] += 1
        for t in r["themes"]:
            mention[(t, r["language"])] += 1
    lines = ["theme | primary de | primary en | mentioned de | mentioned en"]
    for t in THEME_IDS:
        lines.append(
            f"{t:>5} | {primary[(t, 'de')]:>10} | {primary[(t, 'en')]:>10} | "
            f"{mention[(t, 'de')]:>12} | {mention[(t, 'en')]:>12}"
        )
    lines.append(f" none | {primary[(None, 'de')]:>10} | {primary[(None, 'en')]:>10} |")
    for lang in LANGUAGES:
        sub = [r for r in rows if r["language"] == lang]
        multi = sum(len(r["themes"]) >= 2 for r in sub)
        words = sorted(len(r["text"].split()) for r in sub)
        lines.append(
            f"{lang}: {len(sub)} answers, {multi} ({multi / len(sub):.0%}) with 2-3 themes, "
            f"{primary[(None, lang)]} ({primary[(None, lang)] / len(sub):.0%}) without a theme, "
            f"words min {words[0]} median {words[len(words) // 2]} max {words[-1]}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_PATH
    rows = load(path)
    problems = validate(rows)
    for p in problems:
        print("INVALID", p)
    print(counts_table(rows))
    print(f"{len(rows)} answers, {'valid' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
