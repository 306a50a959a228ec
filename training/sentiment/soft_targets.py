"""Rows for every binary polarity fit: neutral texts as soft 0.5 targets, classes balanced
within a source."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp_service.analysis.sentiment import LABELS
from training.datasets import Example


def _binary_rows(
    X: np.ndarray, examples: Sequence[Example], source_weight: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows for a binary logistic fit with soft neutral targets: a neutral text appears once as
    positive and once as negative at half weight each (the same loss as a target of 0.5). Within
    a source the classes get equal total weight; the source's rows sum to `source_weight`."""
    labels = [e.label for e in examples]
    counts = {lab: max(labels.count(lab), 1) for lab in LABELS}
    rows, ys, ws = [], [], []
    for x, lab in zip(X, labels, strict=True):
        w = 1.0 / (len(LABELS) * counts[lab])
        if lab == "neutral":
            rows += [x, x]
            ys += [0, 1]
            ws += [w / 2, w / 2]
        else:
            rows.append(x)
            ys.append(int(lab == "positive"))
            ws.append(w)
    weights = np.array(ws) * source_weight / max(sum(ws), 1e-12)
    return np.array(rows, np.float32), np.array(ys), weights
