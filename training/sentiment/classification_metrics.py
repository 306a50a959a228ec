"""Accuracy, macro-F1, positive-vs-negative accuracy and AUC of predicted answers, and the
neutral band chosen by them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp_service.analysis.sentiment import LABELS, MIXED
from training.datasets import Example

MARGIN_GRID = tuple(round(float(m), 2) for m in np.arange(0.0, 0.62, 0.02))


def metrics(examples: Sequence[Example], predicted: Sequence[tuple[str, float]]) -> dict:
    """Accuracy and macro-F1 over the three labels (an answer labelled `mixed` counts as
    neutral: the gold labels have no mixed class), positive-vs-negative accuracy (sign of the
    score) and AUC (the score ranks positives above negatives) on texts that carry a polarity."""
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    gold = [e.label for e in examples]
    labels = ["neutral" if p[0] == MIXED else p[0] for p in predicted]
    polar = [
        (e.label, p[1]) for e, p in zip(examples, predicted, strict=True) if e.label != "neutral"
    ]
    out = {
        "n": len(examples),
        "accuracy": round(float(accuracy_score(gold, labels)), 4),
        "macro_f1": round(float(f1_score(gold, labels, labels=list(LABELS), average="macro")), 4),
    }
    if polar:
        # Positive-vs-negative accuracy: the sign of the score on texts that carry a polarity.
        out["pos_neg_accuracy"] = round(
            float(np.mean([(s > 0) == (g == "positive") for g, s in polar])), 4
        )
        out["pos_neg_n"] = len(polar)
        if len({g for g, _ in polar}) == 2:
            y = [g == "positive" for g, _ in polar]
            out["auc"] = round(float(roc_auc_score(y, [sc for _, sc in polar])), 4)
    return out


def best_margin(scores: np.ndarray, examples: Sequence[Example]) -> tuple[float, float]:
    """(margin, macro-F1): the neutral band that maximises three-class macro-F1 on answer scores
    (out-of-fold on the written train split). Among margins with the best F1, the median one:
    the middle of a plateau is the least sensitive to where the next texts fall."""
    f1s = []
    for margin in MARGIN_GRID:
        labels = [
            "neutral" if abs(s) <= margin else "positive" if s > 0 else "negative" for s in scores
        ]
        m = metrics(examples, [(lab, float(s)) for lab, s in zip(labels, scores, strict=True)])
        f1s.append(m["macro_f1"])
    best = max(f1s)
    tied = [m for m, f in zip(MARGIN_GRID, f1s, strict=True) if f == best]
    return tied[(len(tied) - 1) // 2], best
