"""v5: the evaluative lexicon blended into the v4 head's segment scores (blend chosen by CV on
the written train split; the head unchanged)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nlp_service.analysis.sentiment import PolarityHead
from nlp_service.config import get_settings
from training.datasets import Example, feedback_corpus, short_answers, short_answers_v4
from training.sentiment.answers import answer_scores, segment_texts
from training.sentiment.data import CV_FOLDS, folds
from training.sentiment.scorers import HeadScorer, load_scorer
from training.sentiment.vectors import embed

V5_BASE = "20261126-e5-polarity-v4"
V5_WEIGHT_GRID = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9)
V5_FULL_WORDS_GRID = (1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 1000.0)  # 1000: the same weight at any length


def _lexicon_quality(
    head_scores: np.ndarray,
    flat: Sequence[str],
    groups: Sequence[range],
    examples: Sequence[Example],
    params: Any,
) -> tuple[float, float]:
    """(pos-vs-neg accuracy, AUC) of the served answers with `params` (None: no lexicon)."""
    from sklearn.metrics import roc_auc_score

    from nlp_service.analysis.sentiment import apply_segment_rules

    seg = apply_segment_rules(head_scores, flat, True, params)
    ans = answer_scores(seg, groups)
    polar = np.array([e.label != "neutral" for e in examples])
    y = np.array([e.label == "positive" for e in examples])
    acc = float(np.mean((ans[polar] > 0) == y[polar]))
    return round(acc, 4), round(float(roc_auc_score(y[polar], ans[polar])), 4)


def select_lexicon_blend(base: str = V5_BASE, models_dir: Path | None = None) -> dict:
    """Blend parameters of the v5 lexicon layer chosen by 5-fold CV on the written TRAIN split
    only (the base head is fixed; only (weight, full_words) are chosen). The selection set is the
    part of the train split the base head never saw (survey_short de/en + survey_short4_de train:
    the v2/v4 head was fitted on the feedback train split, whose in-sample head scores would
    understate what the lexicon adds); the feedback train split is the constraint: a grid point
    must keep its pos-vs-neg accuracy there at least at the base's (the lexicon may not hurt
    longer feedback texts). Among the admissible points the best (accuracy, AUC) on the
    selection set wins. For each fold the point chosen on the other four folds scores that fold
    (out-of-fold estimate of the whole procedure); the shipped point is the one chosen on all
    five."""
    from nlp_service.analysis.lexicon_blend import BlendParams

    settings = get_settings()
    models_dir = models_dir or settings.models_dir
    scorer = load_scorer(base, models_dir)
    assert isinstance(scorer, HeadScorer) and isinstance(scorer.head, PolarityHead)
    head = scorer.head
    unseen = short_answers("train") + short_answers_v4("train")
    seen = feedback_corpus("train")

    def head_scores(examples: Sequence[Example]) -> tuple[list[str], list[range], np.ndarray]:
        flat, groups = segment_texts(examples)
        X = embed(scorer.embedder, flat, f"embed {len(flat)} segments")
        return flat, groups, head.scores(X)

    flat_u, groups_u, s_u = head_scores(unseen)
    flat_s, groups_s, s_s = head_scores(seen)
    full_grid = [
        BlendParams(w, n, 5) if w > 0 else None
        for w in V5_WEIGHT_GRID
        for n in (V5_FULL_WORDS_GRID if w > 0 else (0.0,))
    ]
    fold = np.array(folds(unseen))
    grid = full_grid
    floor_acc = _lexicon_quality(s_s, flat_s, groups_s, seen, None)[0]
    grid = [p for p in grid if _lexicon_quality(s_s, flat_s, groups_s, seen, p)[0] >= floor_acc]

    def subset(idx: Sequence[int]) -> tuple[list[str], list[range], np.ndarray, list[Example]]:
        flat: list[str] = []
        groups: list[range] = []
        rows: list[int] = []
        for i in idx:
            g = groups_u[i]
            groups.append(range(len(flat), len(flat) + len(g)))
            flat.extend(flat_u[g.start : g.stop])
            rows.extend(g)
        return flat, groups, s_u[rows], [unseen[i] for i in idx]

    def describe(p: BlendParams | None) -> dict[str, float]:
        return {"weight": p.weight, "full_words": p.full_words} if p else {"weight": 0.0}

    oof_correct = 0
    oof_n = 0
    per_fold = []
    for f in range(CV_FOLDS):
        tr = subset([int(i) for i in np.flatnonzero(fold != f)])
        te = subset([int(i) for i in np.flatnonzero(fold == f)])
        best = max(grid, key=lambda p: _lexicon_quality(tr[2], tr[0], tr[1], tr[3], p))
        acc, _ = _lexicon_quality(te[2], te[0], te[1], te[3], best)
        n_polar = sum(e.label != "neutral" for e in te[3])
        oof_correct += round(acc * n_polar)
        oof_n += n_polar
        per_fold.append({"fold": f, "chosen": describe(best), "held_fold_pos_neg_accuracy": acc})
    rows = []
    for p in full_grid:
        acc_u, auc_u = _lexicon_quality(s_u, flat_u, groups_u, unseen, p)
        acc_s, auc_s = _lexicon_quality(s_s, flat_s, groups_s, seen, p)
        rows.append(
            {
                **describe(p),
                "unseen_pos_neg_accuracy": acc_u,
                "unseen_auc": auc_u,
                "feedback_train_pos_neg_accuracy": acc_s,
                "feedback_train_auc": auc_s,
            }
        )
    chosen = max(grid, key=lambda p: _lexicon_quality(s_u, flat_u, groups_u, unseen, p))
    base_row = rows[0]
    return {
        "base": base,
        "selection_set": "survey_short_de/en train + survey_short4_de train "
        f"({len(unseen)} answers, {sum(e.label != 'neutral' for e in unseen)} polar)",
        "constraint_set": f"feedback_sentiment_* train ({len(seen)} answers; in-sample for the "
        f"head): pos-vs-neg accuracy >= {floor_acc} (the base's)",
        "folds": CV_FOLDS,
        "per_fold": per_fold,
        "cv_out_of_fold_pos_neg_accuracy": round(oof_correct / max(oof_n, 1), 4),
        "without_lexicon": base_row,
        "grid": rows,
        "chosen": describe(chosen),
    }


def build_lexicon_model(version: str, base: str = V5_BASE, models_dir: Path | None = None) -> Path:
    """models/sentiment/<version>/: the base head's weights unchanged plus the lexicon layer with
    the blend chosen by `select_lexicon_blend` (card key `lexicon`)."""
    from nlp_service.analysis.lexicon_blend import BlendParams

    settings = get_settings()
    models_dir = models_dir or settings.models_dir
    selection = select_lexicon_blend(base, models_dir)
    chosen = selection["chosen"]
    src = models_dir / "sentiment" / base
    head = PolarityHead.load(src)
    if chosen["weight"] > 0:
        head.lexicon = BlendParams(chosen["weight"], chosen["full_words"], 5)
    head.version = version
    head.id = f"head:{version}"
    card = {k: v for k, v in head.card.items() if k not in ("metrics", "created")}
    card.update(
        {
            "model": f"the head of {base} unchanged (its weights copied) plus the v5 evaluative "
            "lexicon (nlp_service/analysis/lexicon.py, data/sentiment/lexicon_{de,en}.txt, "
            "project-written) blended into each segment's score: final = (1 - w) * head + w * "
            "lexicon, w = weight * min(1, full_words / words), only for segments with a lexicon "
            "hit; then the negated-negative rule as in v4; answer = answer_score of the "
            "segment scores",
            "base_version": base,
            "lexicon_selection": selection,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    folder = models_dir / "sentiment" / version
    head.save(folder, card)  # the same coef/intercept tensors as the base's head.safetensors
    print(json.dumps({"artifact": str(folder), "selection": selection}, indent=2))
    return folder
