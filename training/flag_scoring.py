"""Scoring the moderation flags on a flag set: what the service flags for an answer (rules alone,
rules + context heads, or a fine-tuned flag classifier), precision and recall per type, the
false-alarm rate, and the table `python -m training.flags evaluate` prints.

Figures per flag type: precision and recall over all answers of the set. The false-alarm rate is
the share of ordinary answers that get any flag other than personal_data (which comes from the
redaction, not from these rules, and is not scored here).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from nlp_service.analysis.flags import (
    ContextHeads,
    FlagClassifier,
    FlagContext,
    FlagType,
    detect_flags,
    resolve_heads_folder,
)
from nlp_service.analysis.flags.classifier import is_classifier_folder
from training.flag_sets import FlagExample, load_set

SCORED_TYPES: tuple[str, ...] = (
    FlagType.ABUSE.value,
    FlagType.LEGAL.value,
    FlagType.CHURN.value,
    FlagType.URGENT.value,
)
TARGET_FALSE_ALARM = 0.02
TARGET_RECALL = 0.90


def predict(
    text: str,
    context: FlagContext | FlagClassifier | None = None,
    language: str | None = None,
) -> frozenset[str]:
    """Flag types the service raises for `text` (personal_data is not part of this scoring);
    `language` splits the text into the heads' units as the pipeline does (segment units).
    `context`: context heads with their encoders, or a fine-tuned flag classifier."""
    classifier = context if isinstance(context, FlagClassifier) else None
    heads = context if isinstance(context, FlagContext) else None
    return frozenset(
        f.type.value
        for f in detect_flags(text, context=heads, language=language, classifier=classifier)
        if f.type is not FlagType.PERSONAL_DATA
    )


def load_context(
    version: str = "latest", models_dir: Path | None = None
) -> FlagContext | FlagClassifier:
    """The shipped flag model `version`: a fine-tuned classifier, or context heads with the
    encoders they were trained on (2 threads; their vectors are concatenated in the card's
    order)."""
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings

    settings = get_settings()
    folder = resolve_heads_folder(models_dir or settings.models_dir, version)
    if is_classifier_folder(folder):
        return FlagClassifier(folder, settings.threads)
    heads = ContextHeads.load(folder)
    embedders = [get_embedder(spec, settings.threads) for spec in heads.specs]
    if tuple(e.id for e in embedders) != heads.encoders:
        from nlp_service.errors import ModelError

        raise ModelError(f"heads were trained on {heads.encoders}, not {[e.id for e in embedders]}")
    return FlagContext(heads, lambda texts: encode_concat(embedders, texts))


def encode_concat(embedders: Sequence, texts: Sequence[str]):
    """The heads' input: the encoders' vectors side by side (each L2-normalised by its encoder)."""
    import numpy as np

    return np.hstack([e.encode(list(texts)) for e in embedders])


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
    set_name: str | Path = "eval",
    predictor: Callable[[str], Iterable[str]] = predict,
    heads: str | None = None,
) -> dict:
    """Scores overall and per language, the errors, and the time per answer. `heads` (a version
    or "latest") scores the rules plus the context heads instead of the rules alone."""
    run: Callable[[FlagExample], Iterable[str]] = lambda e: predictor(e.text)  # noqa: E731
    if heads is not None:
        context = load_context(heads)
        # the set's language, as a hint would give it, splits the text into the heads' units
        run = lambda e: predict(e.text, context, e.language)  # noqa: E731
    examples = load_set(set_name)
    predictor("")  # loads and compiles the lists, so the timing is per answer only
    started = time.perf_counter()
    predicted = [frozenset(run(e)) for e in examples]
    elapsed = time.perf_counter() - started
    results: dict = {
        "set": str(set_name) + (f" + heads {heads}" if heads else ""),
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

    console = Console(stderr=False, width=110)
    title = (
        f"moderation flags on {results['set']} (targets: recall >= {TARGET_RECALL:.2f} per "
        f"type, false alarms <= {TARGET_FALSE_ALARM:.0%})"
    )
    table = Table(title=title)
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
