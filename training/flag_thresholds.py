"""Per-type thresholds of the flag classifier and the figures at them (pure numpy): which
answers deserve which type, the lowest threshold within a false-alarm budget, the split of the
budget between the types, and recall / precision / AUC at chosen thresholds. Used by
`training.flags_lora` to choose a model's thresholds and to measure it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nlp_service.analysis.flags import FlagType
from training.flag_sets import FlagExample

TYPES: tuple[FlagType, ...] = (FlagType.LEGAL, FlagType.CHURN, FlagType.URGENT)
FALSE_ALARM_BUDGET = 0.015
PLAIN_BUDGET = 0.01  # of the cue-free held-out survey answers, all types together
THRESHOLD_MARGIN = 1e-4


def label_matrix(examples: Sequence[FlagExample]) -> np.ndarray:
    """(n, len(TYPES)) 0/1: does the answer deserve the type."""
    return np.array([[t.value in e.flags for t in TYPES] for e in examples], dtype=np.float32)


def ordinary_mask(examples: Sequence[FlagExample]) -> np.ndarray:
    """Answers that deserve no flag at all (a false alarm is any flag on one of them)."""
    return np.array([not e.flags for e in examples])


@dataclass(frozen=True)
class TypeChoice:
    threshold: float
    recall: float
    false_alarms: int  # ordinary answers at or above the threshold


def lowest_threshold(
    p: np.ndarray, y: np.ndarray, ordinary: np.ndarray, allowed: int, floor: float = 0.0
) -> TypeChoice:
    """The lowest threshold (not below `floor`) that puts at most `allowed` ordinary answers at
    or above it (ties included), and the recall it gives on the answers deserving the type."""
    threshold = max(floor, alarm_threshold(p[ordinary], allowed))
    positives = p[y > 0]
    recall = float(np.mean(positives >= threshold)) if len(positives) else 0.0
    return TypeChoice(threshold, recall, int(np.sum(p[ordinary] >= threshold)))


def alarm_threshold(negatives: np.ndarray, allowed: int) -> float:
    """The lowest threshold that lets at most `allowed` of `negatives` reach it: just above the
    (allowed+1)-th highest, with a margin for the float noise between training's and serving's
    batching."""
    ranked = np.sort(negatives)[::-1]
    if allowed >= len(ranked):
        return 0.0
    return min(1.0, float(ranked[allowed]) + THRESHOLD_MARGIN)


def choose_thresholds(
    probabilities: np.ndarray,
    labels: np.ndarray,
    ordinary: np.ndarray,
    budget: float = FALSE_ALARM_BUDGET,
    plain: np.ndarray | None = None,
    plain_budget: float = PLAIN_BUDGET,
) -> tuple[list[TypeChoice], int]:
    """Per type a `TypeChoice`; the split of the false-alarm budget (answers) between the types
    with the highest mean recall whose ordinary answers with any flag stay within the budget.
    `plain` (m, k): probabilities of ordinary survey answers without any cue word; each type's
    threshold is at least the one that flags at most `plain_budget / k` of them.
    Returns the choices and the count of ordinary answers with any flag."""
    allowed_total = int(np.floor(budget * int(ordinary.sum())))
    k = labels.shape[1]
    floors = [0.0] * k
    if plain is not None and len(plain):
        per_type = int(np.floor(plain_budget * len(plain) / k))
        floors = [alarm_threshold(plain[:, j], per_type) for j in range(k)]
    best: tuple[float, list[TypeChoice], int] | None = None
    for split in itertools.product(range(allowed_total + 1), repeat=k):
        if sum(split) > allowed_total:
            continue
        choices = [
            lowest_threshold(probabilities[:, j], labels[:, j], ordinary, split[j], floors[j])
            for j in range(k)
        ]
        tau = np.array([c.threshold for c in choices])
        any_alarm = int(np.sum(np.any(probabilities[ordinary] >= tau, axis=1)))
        if any_alarm > allowed_total:
            continue
        recall = float(np.mean([c.recall for c in choices]))
        if best is None or recall > best[0]:
            best = (recall, choices, any_alarm)
    assert best is not None  # split (0, ..., 0) always fits
    return best[1], best[2]


def _auc(p: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan")


def threshold_report(
    probabilities: np.ndarray, examples: Sequence[FlagExample], plain: np.ndarray | None = None
) -> dict:
    """Thresholds chosen on `examples` (with `plain`'s floor), the recall they give per type
    and the false alarms on both."""
    labels, ordinary = label_matrix(examples), ordinary_mask(examples)
    choices, any_alarm = choose_thresholds(probabilities, labels, ordinary, plain=plain)
    tau = np.array([c.threshold for c in choices])
    plain_alarms = int(np.sum(np.any(plain >= tau, axis=1))) if plain is not None else 0
    return {
        "auc": round(float(np.mean([c.recall for c in choices])), 4),  # what selects the epoch
        "recall": {t.value: round(c.recall, 4) for t, c in zip(TYPES, choices, strict=True)},
        "thresholds": {t.value: c.threshold for t, c in zip(TYPES, choices, strict=True)},
        "ordinary_with_alarm": any_alarm,
        "ordinary": int(ordinary.sum()),
        "plain_with_alarm": plain_alarms,
        "plain": 0 if plain is None else len(plain),
        "type_auc": {
            t.value: round(_auc(probabilities[:, j], labels[:, j]), 4) for j, t in enumerate(TYPES)
        },
    }


def at_thresholds(p: np.ndarray, examples: Sequence[FlagExample], tau: np.ndarray) -> dict:
    """The classifier alone at thresholds `tau`: ordinary answers with a flag, and recall /
    precision / AUC per type."""
    labels, ordinary = label_matrix(examples), ordinary_mask(examples)
    hits = p >= tau
    row: dict = {
        "answers": len(examples),
        "ordinary_with_flag": int(np.sum(np.any(hits[ordinary], axis=1))),
        "ordinary": int(ordinary.sum()),
    }
    for j, t in enumerate(TYPES):
        pos = labels[:, j] > 0
        row[t.value] = {
            "recall": round(float(hits[pos, j].mean()), 3) if pos.any() else None,
            "precision": round(float(pos[hits[:, j]].mean()), 3) if hits[:, j].any() else None,
            "auc": round(_auc(p[:, j], labels[:, j]), 4),
        }
    return row
