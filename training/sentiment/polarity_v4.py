"""Kind "polarity-v4": heads on segment-mean vectors, optionally two embedders (e5 + USE) and
the negated-negative rule."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nlp_service.analysis.embedding import get_embedder
from nlp_service.analysis.sentiment import PolarityHead, correct_negated_negatives
from nlp_service.config import get_settings
from training.datasets import Example, written_corpus
from training.sentiment.answers import answer_scores, segment_mean_vectors, segment_texts
from training.sentiment.classification_metrics import best_margin
from training.sentiment.data import CV_FOLDS, SEED, _data_card, folds
from training.sentiment.evaluation import evaluate_scorer, evaluation_sets
from training.sentiment.scorers import HeadScorer
from training.sentiment.soft_targets import _binary_rows
from training.sentiment.vectors import TORCH_EMBEDDER, embed

V4_C_GRID = (0.3, 1.0, 3.0, 10.0)
V4_WEIGHT_GRID = (0.5, 0.625, 0.75, 0.875, 1.0)  # weight of the e5 head in the ensemble
SECOND_EMBEDDER = "use"  # the pipeline's main embedder


def _fit_written(X: np.ndarray, examples: Sequence[Example], c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    Xr, y, w = _binary_rows(X, examples, 1.0)
    w = w * len(w) / w.sum()
    clf = LogisticRegression(C=c, max_iter=5000, random_state=SEED).fit(Xr, y, sample_weight=w)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def _oof_answers(
    seg_scores: np.ndarray, flat: Sequence[str], groups: Sequence[range], negation_rule: bool
) -> np.ndarray:
    if negation_rule:
        seg_scores = correct_negated_negatives(seg_scores, flat)
    return answer_scores(seg_scores, groups)


def train_polarity_v4(
    version: str | None = None,
    models_dir: Path | None = None,
    ensemble: bool = False,
    negation_rule: bool = False,
    evaluate_sets: bool = True,
) -> Path:
    """v4 recipe: a binary polarity head on e5 segment-mean vectors of the written train split only
    (feedback de/en/fr/nl + short answers de/en + v4 short German answers; the v2 and v3 CV gave
    packaged tweets/drug reviews weight 0). 5-fold CV on the written train split (answers scored
    as served) chooses C per embedder, with `ensemble` the weight of the e5 head against a head on
    the main embedder's (USE) vectors (logits standardised by their out-of-fold spread), and the
    neutral band; the final heads are refitted on everything and stored as one head on the
    concatenated vectors. `negation_rule`: the served segment scores pass through
    `correct_negated_negatives` (in CV too)."""
    from sklearn.metrics import roc_auc_score

    settings = get_settings()
    models_dir = models_dir or settings.models_dir
    version = version or f"{datetime.now(UTC):%Y%m%d}-e5-polarity-v4"
    written = written_corpus("train")
    flat, groups = segment_texts(written)
    fold = np.array(folds(written))
    seg_fold = np.concatenate([[fold[i]] * len(g) for i, g in enumerate(groups)])
    polar = np.array([e.label != "neutral" for e in written])
    y = np.array([e.label == "positive" for e in written])
    specs = [TORCH_EMBEDDER] + ([SECOND_EMBEDDER] if ensemble else [])
    embedders = {spec: get_embedder(spec, settings.threads) for spec in specs}
    X_seg = {spec: embed(embedders[spec], flat, f"embed {spec} segments") for spec in specs}
    X_ans = {spec: segment_mean_vectors(X_seg[spec], groups) for spec in specs}

    def quality(seg_logits: np.ndarray) -> tuple[float, float]:
        oof = _oof_answers(np.tanh(seg_logits / 2), flat, groups, negation_rule)
        auc = float(roc_auc_score(y[polar], oof[polar]))
        return round(auc, 4), round(float(np.mean((oof[polar] > 0) == y[polar])), 4)

    chosen: dict[str, float] = {}
    oof_logits: dict[str, np.ndarray] = {}
    grid: dict[str, list[dict[str, float]]] = {}
    for spec in specs:
        rows = []
        for c in V4_C_GRID:
            logits = np.zeros(len(flat))
            for f in range(CV_FOLDS):
                tr = [int(i) for i in np.flatnonzero(fold != f)]
                coef, b = _fit_written(X_ans[spec][tr], [written[i] for i in tr], c)
                rows_f = seg_fold == f
                logits[rows_f] = X_seg[spec][rows_f] @ coef + b
            auc, acc = quality(logits)
            rows.append({"C": c, "auc": auc, "pos_neg_accuracy": acc})
            if spec not in chosen or (auc, acc) > max(
                (r["auc"], r["pos_neg_accuracy"]) for r in rows[:-1]
            ):
                chosen[spec], oof_logits[spec] = c, logits
        grid[spec] = rows
    scale = {spec: float(np.std(oof_logits[spec])) for spec in specs}
    weight, weights_grid = 1.0, []
    if ensemble:
        for w in V4_WEIGHT_GRID:
            auc, acc = quality(_mix(oof_logits, scale, w))
            weights_grid.append({"e5_weight": w, "auc": auc, "pos_neg_accuracy": acc})
        weight = max(weights_grid, key=lambda g: (g["auc"], g["pos_neg_accuracy"]))["e5_weight"]
    oof = _oof_answers(np.tanh(_mix(oof_logits, scale, weight) / 2), flat, groups, negation_rule)
    margin, f1 = best_margin(oof, written)
    auc, acc = quality(_mix(oof_logits, scale, weight))
    # The final heads on everything, mixed into one head on [e5 | USE] vectors.
    parts = {spec: _fit_written(X_ans[spec], written, chosen[spec]) for spec in specs}
    factor = {TORCH_EMBEDDER: weight, SECOND_EMBEDDER: 1.0 - weight}
    ref = scale[TORCH_EMBEDDER]
    coef = np.concatenate([parts[s][0] * factor[s] * ref / scale[s] for s in specs])
    bias = float(sum(parts[s][1] * factor[s] * ref / scale[s] for s in specs))
    second = embedders[SECOND_EMBEDDER].id if ensemble else None
    head = PolarityHead(
        coef, bias, embedders[TORCH_EMBEDDER].id, version, margin, None, negation_rule, second
    )
    scorer = HeadScorer(head, embedders[TORCH_EMBEDDER], embedders.get(SECOND_EMBEDDER))
    evaluation = evaluate_scorer(scorer, evaluation_sets()) if evaluate_sets else {}
    selection = {
        "folds": CV_FOLDS,
        "C_grid": grid,
        "chosen_C": chosen,
        "logit_scale": {k: round(v, 4) for k, v in scale.items()},
        "e5_weight_grid": weights_grid,
        "e5_weight": weight,
        "out_of_fold": {"auc": auc, "pos_neg_accuracy": acc, "macro_f1": round(f1, 4)},
        "neutral_margin": margin,
    }
    card = {
        "model": "binary logistic regression (scikit-learn, L2) on frozen multilingual-e5-small "
        "vectors (e5-torch, query: prefix)"
        + (" plus one on the pipeline's USE vectors, mixed by standardised logits into one head "
           "on [e5 | USE]" if ensemble else "")
        + "; trained on the mean of each written answer's segment vectors; neutral texts as soft "
        "0.5 targets; score = 2*sigmoid - 1 per segment"
        + (", then the negated-negative rule (correct_negated_negatives)" if negation_rule else "")
        + ", answer = answer_score of its segment scores",
        "embedder_spec": TORCH_EMBEDDER,
        "second_embedder_spec": SECOND_EMBEDDER if ensemble else None,
        "seed": SEED,
        "selection": selection,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": _data_card(written, []),
        "metrics": evaluation,
        "python": platform.python_version(),
    }  # fmt: skip
    folder = models_dir / "sentiment" / version
    head.save(folder, card)
    print(json.dumps({"artifact": str(folder), "selection": selection}, indent=2))
    return folder


def _mix(logits: dict[str, np.ndarray], scale: dict[str, float], e5_weight: float) -> np.ndarray:
    """Standardised logits mixed, on the e5 head's scale."""
    ref = scale[TORCH_EMBEDDER]
    out = e5_weight * logits[TORCH_EMBEDDER] / scale[TORCH_EMBEDDER] * ref
    if SECOND_EMBEDDER in logits:
        out = out + (1 - e5_weight) * logits[SECOND_EMBEDDER] / scale[SECOND_EMBEDDER] * ref
    return out
