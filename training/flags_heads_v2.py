"""Round 2-3 context heads (heads v2, `python -m training.flags train`): one logistic head per
context-decided type on the standardised USE vector of every regex sentence, per-type thresholds
on the out-of-fold answer probabilities. The round-4 recipe that replaced it (v4-v7):
`training.flags_heads`; what both share: `training.flag_heads_common`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from nlp_service.analysis.flags import ContextHeads, FlagType
from training.flag_heads_common import (
    HEADS_FALSE_ALARM_BUDGET,
    HEADS_V2_TRAIN_SETS,
    MODEL_SEED,
    MODEL_TYPES,
    answer_folds,
    cv_rank,
    fold_scaler,
    scaled_head,
)
from training.flag_scoring import predict, score
from training.flag_sets import load_set

HEADS_EMBEDDER = "use"  # round 2-3 heads (v1, v2)
HEADS_THRESHOLDS = (0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998)
HEADS_CS = (0.03, 0.1, 0.3)  # on standardised vectors; chosen by answer-grouped 5-fold CV


def _sentences(text: str) -> list[str]:
    """The sentences the heads judge, cut as `detect_flags` cuts them when serving."""
    from nlp_service.analysis.flags import _SENTENCE

    return [m.group().strip() for m in _SENTENCE.finditer(text) if m.group().strip()]


def choose_thresholds(
    gold: Sequence[Iterable[str]],
    rules: Sequence[set[str]],
    answer_prob: dict,
    budget: float = HEADS_FALSE_ALARM_BUDGET,
    grid: Sequence[float] = HEADS_THRESHOLDS,
) -> tuple[dict[str, float], dict]:
    """Per-type thresholds for rules + heads: among the grid's combinations whose false-alarm
    rate on the ordinary answers stays within `budget`, the one with the best worst-type recall
    (then the best mean recall, then the highest thresholds). Returns the thresholds and the
    scores they reach."""
    import itertools

    gold_sets = [set(g) for g in gold]
    ordinary = [i for i, g in enumerate(gold_sets) if not g]
    best: tuple | None = None
    for combo in itertools.product(sorted(grid), repeat=len(MODEL_TYPES)):
        taus = dict(zip(MODEL_TYPES, combo, strict=True))
        heads = [{t for t in MODEL_TYPES if answer_prob[t][i] >= taus[t]} for i in range(len(gold))]
        alarms = sum(bool(rules[i] | heads[i]) for i in ordinary)
        if alarms > budget * len(ordinary):
            continue
        recalls = []
        for t in MODEL_TYPES:
            support = [i for i, g in enumerate(gold_sets) if t in g]
            hits = sum(t in rules[i] or t in heads[i] for i in support)
            recalls.append(hits / max(len(support), 1))
        key = (min(recalls), sum(recalls) / len(recalls), sum(combo))
        if best is None or key > best[0]:
            best = (key, taus)
    taus = best[1] if best else {t: max(grid) for t in MODEL_TYPES}
    union = [
        rules[i] | {t for t in MODEL_TYPES if answer_prob[t][i] >= taus[t]}
        for i in range(len(gold))
    ]
    return taus, score(gold, union)


def train_heads(version: str | None = None, models_dir: Path | None = None) -> Path:
    """Fit one logistic head per context-decided type on the standardised USE vectors of every
    sentence of the development sets (label: the answer carries the type), C by answer-grouped
    5-fold CV, and per-type thresholds on the out-of-fold answer probabilities: the best
    worst-type recall of rules + heads within the false-alarm budget. The scaler is folded into
    the coefficients, so serving stays one dot product per sentence."""
    import numpy as np

    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings

    settings = get_settings()
    embedder = get_embedder(HEADS_EMBEDDER, settings.threads)
    train = [e for name in HEADS_V2_TRAIN_SETS for e in load_set(name)]
    owners_list, texts = [], []
    for i, e in enumerate(train):
        for sentence in _sentences(e.text):
            owners_list.append(i)
            texts.append(sentence)
    owners = np.array(owners_list)
    X = embedder.encode(texts)
    gold = [e.flags for e in train]
    folds = answer_folds(train)
    labels = {t: np.array([int(t in train[i].flags) for i in owners]) for t in MODEL_TYPES}
    rules = [set(predict(e.text)) for e in train]

    def out_of_fold(c: float) -> dict:
        answer_prob = {t: np.zeros(len(train)) for t in MODEL_TYPES}
        for train_answers, test_answers in folds:
            fit_rows, test_rows = np.isin(owners, train_answers), np.isin(owners, test_answers)
            for t in MODEL_TYPES:
                head = scaled_head(c).fit(X[fit_rows], labels[t][fit_rows])
                prob = head.predict_proba(X[test_rows])[:, 1]
                np.maximum.at(answer_prob[t], owners[test_rows], prob)
        return answer_prob

    candidates = {}
    for c in HEADS_CS:
        taus, cv = choose_thresholds(gold, rules, out_of_fold(c))
        candidates[c] = (cv_rank(cv), taus, cv)
    chosen_c = max(HEADS_CS, key=lambda c: candidates[c][0])
    _, thresholds, cv_scores = candidates[chosen_c]
    coefs, intercepts = [], []
    for t in MODEL_TYPES:
        coef, intercept = fold_scaler(scaled_head(chosen_c).fit(X, labels[t]))
        coefs.append(coef)
        intercepts.append(intercept)
    from datetime import UTC, datetime

    version = version or f"{datetime.now(UTC):%Y%m%d}-heads-use-v2"
    folder = (models_dir or settings.models_dir) / "flags" / version
    heads = ContextHeads(
        tuple(FlagType(t) for t in MODEL_TYPES),
        np.array(coefs),
        np.array(intercepts),
        min(thresholds.values()),
        embedder.id,
        version,
        tuple(thresholds[t] for t in MODEL_TYPES),
    )
    heads.save(
        folder,
        {
            "model": "one logistic regression per type (scikit-learn, class_weight=balanced) on "
            "the standardised USE vector of each sentence (scaler folded into coef/intercept); "
            "label = the answer carries the type",
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "trained_on": {name: len(load_set(name)) for name in HEADS_V2_TRAIN_SETS},
            "never_trained_or_tuned_on": ["eval", "blind", "blind2", "blind3"],
            "sentences": len(texts),
            "C": chosen_c,
            "C_candidates": {
                str(c): {"cv_min_recall": round(k[0], 4), "thresholds": taus}
                for c, (k, taus, _) in candidates.items()
            },
            "seed": MODEL_SEED,
            "threshold_rule": "per type, from the grid "
            f"{list(HEADS_THRESHOLDS)}: the combination with the best worst-type recall of "
            "rules + heads on the out-of-fold (answer-grouped 5-fold) probabilities of the "
            f"training answers whose false-alarm rate is <= {HEADS_FALSE_ALARM_BUDGET}",
            "cv_rules_plus_heads": cv_scores,
        },
    )
    return folder
