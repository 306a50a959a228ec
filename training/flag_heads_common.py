"""What every generation of context heads for the moderation flags shares (round 1's comparison,
heads v2 in `training.flags_heads_v2`, the round-4 recipe of v4-v9 in
`training.flag_heads_selection`): the context-decided types, the seed, the training sets per
generation, the false-alarm budget, the scaled logistic head, folding its scaler into the
coefficients, the answer-grouped folds and how the CV scores rank a C.
"""

from __future__ import annotations

from typing import Any

from nlp_service.analysis.flags import FlagType
from training.flag_sets import FlagExample

MODEL_TYPES = (FlagType.LEGAL.value, FlagType.CHURN.value, FlagType.URGENT.value)
MODEL_SEED = 13

HEADS_V2_TRAIN_SETS = ("dev", "fresh", "train_v2")
HEADS_TRAIN_SETS = ("dev", "fresh", "train_v2", "train_v4")  # round 4 (heads v4)
# Round 6 (heads v6): the same recipe with train_v5 (churn/legal phrasings and twice as many
# hard negatives, written before any v6 training) added.
HEADS_V6_TRAIN_SETS = (*HEADS_TRAIN_SETS, "train_v5")
# Round 7 (v7): + train_v7 (417 answers written for round 7).
HEADS_V7_TRAIN_SETS = (*HEADS_V6_TRAIN_SETS, "train_v7")
# Thresholds are calibrated to a false-alarm budget below the 2% target, leaving a margin for
# text unlike the training answers.
HEADS_FALSE_ALARM_BUDGET = 0.015


def scaled_head(c: float):
    """A StandardScaler + class-balanced LogisticRegression(C=c) pipeline, not yet fitted."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    )


def fold_scaler(model) -> tuple:
    """coef and intercept on raw vectors of a StandardScaler + LogisticRegression pipeline:
    w.(x - mu)/sigma + b = (w/sigma).x + (b - w.mu/sigma)."""
    scaler, head = model[0], model[-1]
    coef = head.coef_[0] / scaler.scale_
    return coef, float(head.intercept_[0] - coef @ scaler.mean_)


def answer_folds(train: list[FlagExample]) -> list[tuple[Any, Any]]:
    """5 folds over the answers, stratified by each answer's first context type, grouped by
    answer: an answer's sentences never sit on both sides of a fold."""
    import numpy as np
    from sklearn.model_selection import StratifiedGroupKFold

    strata = [
        1 + MODEL_TYPES.index(sorted(e.flags & set(MODEL_TYPES))[0])
        if e.flags & set(MODEL_TYPES)
        else 0
        for e in train
    ]
    return list(
        StratifiedGroupKFold(5, shuffle=True, random_state=MODEL_SEED).split(
            np.zeros(len(train)), strata, groups=np.arange(len(train))
        )
    )


def cv_rank(cv: dict, rank: str = "worst") -> tuple[float, float]:
    """How the CV scores (`training.flag_scoring.score`) of one C rank against the other Cs': the
    worst-type recall, then the summed recall over MODEL_TYPES (a type without recall counts 0);
    `rank="mean"`: summed first, then worst-type."""
    recalls = [cv["types"][t]["recall"] or 0.0 for t in MODEL_TYPES]
    ranked = (min(recalls), sum(recalls))
    return ranked if rank == "worst" else (ranked[1], ranked[0])
