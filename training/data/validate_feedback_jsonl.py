"""Check project-written feedback sentiment files (standard library only) and print their counts.

Usage: python3 training/data/validate_feedback_jsonl.py FILE.jsonl [FILE.jsonl ...]
Exits non-zero on the first file with a problem, so it can guard a commit.
"""

from __future__ import annotations

import collections
import json
import sys

REQUIRED = ["id", "text", "language", "label", "domain", "length", "phenomena", "split"]
LABELS = {"negative", "neutral", "positive"}
LENGTHS = {"short", "medium", "long"}
SPLITS = {"train", "heldout", "eval"}
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


def check(path: str) -> list[str]:
    """Return the problems found in one file (empty when clean) and print its counts."""
    problems: list[str] = []
    ids: set[str] = set()
    texts: set[str] = set()
    counts: dict[str, collections.Counter[str]] = {
        k: collections.Counter() for k in ["label", "length", "domain", "split", "language"]
    }
    phen: collections.Counter[str] = collections.Counter()
    label_split: collections.Counter[tuple[str, str]] = collections.Counter()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{number}: not JSON ({exc})")
                continue
            missing = [k for k in REQUIRED if k not in row]
            if missing:
                problems.append(f"{path}:{number}: missing {missing}")
                continue
            if row["label"] not in LABELS:
                problems.append(f"{path}:{number}: label {row['label']!r}")
            if row["length"] not in LENGTHS:
                problems.append(f"{path}:{number}: length {row['length']!r}")
            if row["split"] not in SPLITS:
                problems.append(f"{path}:{number}: split {row['split']!r}")
            if not isinstance(row["phenomena"], list) or set(row["phenomena"]) - PHENOMENA:
                problems.append(f"{path}:{number}: phenomena {row['phenomena']!r}")
            if "profanity" in row["phenomena"] and row["label"] != "negative":
                problems.append(f"{path}:{number}: profanity must be negative")
            if not isinstance(row["text"], str) or not row["text"].strip():
                problems.append(f"{path}:{number}: empty text")
            if row["id"] in ids:
                problems.append(f"{path}:{number}: duplicate id {row['id']}")
            normalised = " ".join(str(row["text"]).lower().split())
            if normalised in texts:
                problems.append(f"{path}:{number}: duplicate text")
            ids.add(row["id"])
            texts.add(normalised)
            for key in counts:
                counts[key][row[key]] += 1
            phen.update(row["phenomena"])
            label_split[(row["label"], row["split"])] += 1
    print(f"== {path}: {len(ids)} lines")
    for key, counter in counts.items():
        print(f"  {key}: {dict(sorted(counter.items()))}")
    print(f"  phenomena: {dict(sorted(phen.items()))}")
    print(f"  label x split: {dict(sorted(label_split.items()))}")
    return problems


def main(paths: list[str]) -> int:
    problems = [p for path in paths for p in check(path)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
