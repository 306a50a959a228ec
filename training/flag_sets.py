"""The project-written flag sets: where each set lives and how its lines are read.

`training/data/flags_eval.jsonl` is the held-out set (never used to tune the rules);
`training/data/flags_dev.jsonl` is what the rules were developed on. Each line is
{"id", "text", "language", "flags": [...], "note"}; an empty `flags` list marks an ordinary answer.
Which sets each generation of context heads trained on: `training.flag_heads_common` (v2-v7;
later generations name theirs in their own modules).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SETS = {
    "eval": DATA_DIR / "flags_eval.jsonl",
    "dev": DATA_DIR / "flags_dev.jsonl",
    "fresh": DATA_DIR / "flags_fresh.jsonl",
    "blind": DATA_DIR / "flags_blind.jsonl",
    "blind2": DATA_DIR / "flags_blind2.jsonl",
    "train_v2": DATA_DIR / "flags_train_v2.jsonl",
    "blind3": DATA_DIR / "flags_blind3.jsonl",
    "blind4": DATA_DIR / "flags_blind4.jsonl",
    "train_v4": DATA_DIR / "flags_train_v4.jsonl",
    "train_v5": DATA_DIR / "flags_train_v5.jsonl",
    "blind5": DATA_DIR / "flags_blind5.jsonl",  # round 5: measuring only, never trained on
    # round 7: blind..blind5 are dev sets from round 7 on (errors read for failure categories,
    # never copied into rules or training data); train_v7 is written for round 7
    "train_v7": DATA_DIR / "flags_train_v7.jsonl",
    # round 8: blind6 is a dev set too (errors read for failure categories, never trained on)
    "blind6": DATA_DIR / "flags_blind6.jsonl",
    # round 8's blind set: measuring only, never trained on
    "blind7": DATA_DIR / "flags_blind7.jsonl",
    # round 9: training data by two new authors (written from the definitions, not from a set)
    "train_v9a": DATA_DIR / "flags_train_v9a.jsonl",
    "train_v9b": DATA_DIR / "flags_train_v9b.jsonl",
    # round 9's blind set: measuring only, never trained on
    "blind8": DATA_DIR / "flags_blind8.jsonl",
    # round 10: training data by a new author (written from the definitions); the round-10
    # classifiers were not trained on it (they were trained before it arrived), so it measures
    # them on an author they never saw
    "train_v10": DATA_DIR / "flags_train_v10.jsonl",
    # round 10's blind set: measuring only, never trained on
    "blind9": DATA_DIR / "flags_blind9.jsonl",
    # round 11: training data by a new author, aimed at the round-10 misses (fraud happening
    # now, churn told as a step already taken) with mirrored hard negatives
    "train_v11": DATA_DIR / "flags_train_v11.jsonl",
    # round 11's blind set: measuring only, never trained on
    "blind10": DATA_DIR / "flags_blind10.jsonl",
    # round 11's second blind set: measuring only, never trained on
    "blind11": DATA_DIR / "flags_blind11.jsonl",
    # round 12: training data by a new author, aimed at churn told as a concrete step (mostly
    # without a leaving word) in many industries, with mirrored hard negatives
    "train_v12": DATA_DIR / "flags_train_v12.jsonl",
    # round 12's blind set: a dev set since round 13 (flags v14 trained on it)
    "blind12": DATA_DIR / "flags_blind12.jsonl",
    # round 13's blind set: measuring only, never trained on
    "blind13": DATA_DIR / "flags_blind13.jsonl",
}


@dataclass(frozen=True)
class FlagExample:
    id: str
    text: str
    language: str
    flags: frozenset[str]
    note: str = ""


def load_set(name_or_path: str | Path) -> list[FlagExample]:
    path = (
        SETS[name_or_path]
        if isinstance(name_or_path, str) and name_or_path in SETS
        else name_or_path
    )
    examples = []
    for line in Path(path).read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(
                FlagExample(
                    row["id"],
                    row["text"],
                    row["language"],
                    frozenset(row["flags"]),
                    row.get("note", ""),
                )
            )
    return examples
