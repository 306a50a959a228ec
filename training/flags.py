"""Evaluate the moderation flags on the project-written flag sets.

    python -m training.flags evaluate [--set eval|dev]   (= nlp-service evaluate flags)

`training/data/flags_eval.jsonl` is the held-out set (never used to tune the rules);
`training/data/flags_dev.jsonl` is what the rules were developed on. Each line is
{"id", "text", "language", "flags": [...], "note"}; an empty `flags` list marks an ordinary answer.

Figures per flag type: precision and recall over all answers of the set. The false-alarm rate is
the share of ordinary answers that get any flag other than personal_data (which comes from the
redaction, not from these rules, and is not scored here).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp_service.analysis.flags import FlagType, detect_flags

DATA_DIR = Path(__file__).resolve().parent / "data"
SETS = {"eval": DATA_DIR / "flags_eval.jsonl", "dev": DATA_DIR / "flags_dev.jsonl"}
SCORED_TYPES: tuple[str, ...] = (
    FlagType.ABUSE.value,
    FlagType.LEGAL.value,
    FlagType.CHURN.value,
    FlagType.URGENT.value,
)
TARGET_FALSE_ALARM = 0.02
TARGET_RECALL = 0.90


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


def predict(text: str) -> frozenset[str]:
    """Flag types the service raises for `text` (personal_data is not part of this scoring)."""
    return frozenset(
        f.type.value for f in detect_flags(text) if f.type is not FlagType.PERSONAL_DATA
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def score(
    gold: Sequence[Iterable[str]],
    predicted: Sequence[Iterable[str]],
    types: Sequence[str] = SCORED_TYPES,
) -> dict:
    """Per-type counts, precision and recall, plus the false-alarm rate on ordinary answers.

    An answer is ordinary when its gold set is empty; a false alarm is an ordinary answer with any
    predicted type. Precision is None when a type was never predicted, recall when it never occurs.
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    gold_sets = [set(g) for g in gold]
    pred_sets = [set(p) for p in predicted]
    per_type: dict[str, dict] = {}
    for t in types:
        tp = sum(t in g and t in p for g, p in zip(gold_sets, pred_sets, strict=True))
        fp = sum(t not in g and t in p for g, p in zip(gold_sets, pred_sets, strict=True))
        fn = sum(t in g and t not in p for g, p in zip(gold_sets, pred_sets, strict=True))
        per_type[t] = {
            "support": tp + fn,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
        }
    ordinary = [p for g, p in zip(gold_sets, pred_sets, strict=True) if not g]
    alarms = sum(bool(p & set(types)) for p in ordinary)
    return {
        "n": len(gold_sets),
        "ordinary": len(ordinary),
        "flag_worthy": len(gold_sets) - len(ordinary),
        "false_alarms": alarms,
        "false_alarm_rate": _ratio(alarms, len(ordinary)),
        "types": per_type,
    }


def evaluate(
    set_name: str | Path = "eval", predictor: Callable[[str], Iterable[str]] = predict
) -> dict:
    """Scores overall and per language, the errors, and the time per answer."""
    examples = load_set(set_name)
    started = time.perf_counter()
    predicted = [frozenset(predictor(e.text)) for e in examples]
    elapsed = time.perf_counter() - started
    results: dict = {
        "set": str(set_name),
        "overall": score([e.flags for e in examples], predicted),
        "ms_per_answer": round(1000 * elapsed / max(len(examples), 1), 3),
    }
    for lang in sorted({e.language for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.language == lang]
        results[lang] = score([examples[i].flags for i in idx], [predicted[i] for i in idx])
    results["errors"] = [
        {
            "id": e.id,
            "text": e.text,
            "gold": sorted(e.flags),
            "predicted": sorted(p & set(SCORED_TYPES)),
            "note": e.note,
        }
        for e, p in zip(examples, predicted, strict=True)
        if set(e.flags) != (p & set(SCORED_TYPES))
    ]
    return results


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(results: dict, show_errors: bool = False) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=False)
    table = Table(title=f"moderation flags on {results['set']} (targets: recall >= "
                  f"{TARGET_RECALL:.2f} per type, false alarms <= {TARGET_FALSE_ALARM:.0%})")  # fmt: skip
    table.add_column("scope")
    table.add_column("type")
    table.add_column("support", justify="right")
    table.add_column("tp/fp/fn", justify="right")
    table.add_column("precision", justify="right")
    table.add_column("recall", justify="right")
    for scope in ("overall", *sorted(k for k in results if len(k) == 2)):
        part = results[scope]
        for t, m in part["types"].items():
            table.add_row(
                scope, t, str(m["support"]), f"{m['tp']}/{m['fp']}/{m['fn']}",
                _fmt(m["precision"]), _fmt(m["recall"]),
            )  # fmt: skip
        table.add_row(
            scope, "false alarms", str(part["ordinary"]), str(part["false_alarms"]), "",
            _fmt(part["false_alarm_rate"]), end_section=True,
        )  # fmt: skip
    console.print(table)
    console.print(f"{results['ms_per_answer']} ms per answer; {len(results['errors'])} answers "
                  "with a wrong flag set")  # fmt: skip
    if show_errors:
        for err in results["errors"]:
            console.print(
                f"{err['id']}: gold={err['gold']} predicted={err['predicted']} "
                f"({err['note']}) {err['text']}",
                markup=False,
            )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["evaluate"])
    parser.add_argument("--set", default="eval", choices=sorted(SETS))
    parser.add_argument("--errors", action="store_true", help="List the misflagged answers.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = evaluate(args.set)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print_table(out, show_errors=args.errors)
