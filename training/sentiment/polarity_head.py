"""Kind "polarity-head" (candidate a): a strongly regularised binary head on frozen e5 vectors,
C, written share and neutral band chosen by 5-fold CV on the written train split."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nlp_service.analysis.embedding import Embedder, get_embedder
from nlp_service.analysis.sentiment import PolarityHead, answer_score
from nlp_service.config import get_settings
from training.datasets import Example, written_corpus
from training.sentiment.answers import segment_texts
from training.sentiment.classification_metrics import best_margin
from training.sentiment.data import CV_FOLDS, SEED, _data_card, folds, packaged_pool
from training.sentiment.evaluation import evaluate_scorer, evaluation_sets
from training.sentiment.scorers import HeadScorer
from training.sentiment.soft_targets import _binary_rows
from training.sentiment.vectors import TORCH_EMBEDDER, embed

C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
WRITTEN_SHARE_GRID = (0.5, 0.75, 1.0)  # share of the total sample weight on written texts


def fit_polarity(
    X_pkg: np.ndarray,
    pkg: Sequence[Example],
    X_written: np.ndarray,
    written: Sequence[Example],
    c: float,
    written_share: float,
) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    parts = [_binary_rows(X_written, written, written_share)]
    if written_share < 1.0:
        parts.append(_binary_rows(X_pkg, pkg, 1.0 - written_share))
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    w = np.concatenate([p[2] for p in parts])
    w = w * len(w) / w.sum()  # mean weight 1: C keeps its usual meaning
    clf = LogisticRegression(C=c, max_iter=5000, random_state=SEED)
    clf.fit(X, y, sample_weight=w)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


@dataclass
class PolarityFit:
    head: PolarityHead
    c: float
    written_share: float
    cv: dict


def train_polarity_head(
    embedder: Embedder,
    written: Sequence[Example],
    version: str,
    pkg: Sequence[Example] | None = None,
) -> PolarityFit:
    """Candidate (a). Selection by 5-fold CV on `written` (answers scored as the mean of their
    segment scores, as served): C and written share by pos-vs-neg AUC, then the neutral band by
    macro-F1 on the out-of-fold scores; the final head is refitted on everything."""
    pkg = list(pkg if pkg is not None else packaged_pool())
    X_pkg = embed(embedder, [e.text for e in pkg], "embed packaged")
    X_w = embed(embedder, [e.text for e in written], "embed written")
    flat, groups = segment_texts(written)
    X_seg = embed(embedder, flat, "embed written segments")
    fold = np.array(folds(written))
    polar = np.array([e.label != "neutral" for e in written])
    y = np.array([e.label == "positive" for e in written])
    from sklearn.metrics import roc_auc_score

    grid: list[dict[str, Any]] = []
    for c in C_GRID:
        for share in WRITTEN_SHARE_GRID:
            oof = np.zeros(len(written))
            for f in range(CV_FOLDS):
                tr = [int(i) for i in np.flatnonzero(fold != f)]
                coef, b = fit_polarity(X_pkg, pkg, X_w[tr], [written[i] for i in tr], c, share)
                seg = np.tanh((X_seg @ coef + b) / 2)
                for i in np.flatnonzero(fold == f):
                    oof[i] = answer_score(seg[groups[i].start : groups[i].stop])
            auc = float(roc_auc_score(y[polar], oof[polar]))
            acc = float(np.mean((oof[polar] > 0) == y[polar]))
            grid.append({"C": c, "written_share": share, "auc": round(auc, 4),
                         "pos_neg_accuracy": round(acc, 4), "_oof": oof})  # fmt: skip
    chosen = max(grid, key=lambda g: (g["auc"], g["pos_neg_accuracy"]))
    margin, f1 = best_margin(chosen["_oof"], written)
    coef, b = fit_polarity(X_pkg, pkg, X_w, written, chosen["C"], chosen["written_share"])
    head = PolarityHead(coef, b, embedder.id, version, margin)
    cv = {
        "folds": CV_FOLDS,
        "grid": [{k: v for k, v in g.items() if k != "_oof"} for g in grid],
        "chosen": {"C": chosen["C"], "written_share": chosen["written_share"],
                   "auc": chosen["auc"], "pos_neg_accuracy": chosen["pos_neg_accuracy"]},
        "neutral_margin": margin,
        "out_of_fold_macro_f1": round(f1, 4),
    }  # fmt: skip
    return PolarityFit(head, chosen["C"], chosen["written_share"], cv)


def train_polarity(
    version: str | None = None, models_dir: Path | None = None, evaluate_sets: bool = True
) -> Path:
    """Candidate (a), written to models/sentiment/<version>/."""
    settings = get_settings()
    models_dir = models_dir or settings.models_dir
    version = version or f"{datetime.now(UTC):%Y%m%d}-e5-polarity"
    embedder = get_embedder(TORCH_EMBEDDER, settings.threads)
    written = written_corpus("train")
    if not written:
        raise SystemExit("no written feedback train split under training/data/")
    pkg = packaged_pool()
    fit = train_polarity_head(embedder, written, version, pkg)
    evaluation = (
        evaluate_scorer(HeadScorer(fit.head, embedder), evaluation_sets()) if evaluate_sets else {}
    )
    card = {
        "model": "binary logistic regression (scikit-learn, L2) on frozen multilingual-e5-small "
        "vectors (e5-torch, query: prefix); neutral texts as soft 0.5 targets; score = "
        "2*sigmoid - 1 per segment, answer = answer_score of its segment scores",
        "embedder_spec": TORCH_EMBEDDER,
        "seed": SEED,
        "selection": fit.cv,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": _data_card(written, pkg),
        "metrics": evaluation,
        "python": platform.python_version(),
    }
    folder = models_dir / "sentiment" / version
    fit.head.save(folder, card)
    print(json.dumps({"artifact": str(folder), "selection": fit.cv["chosen"]}, indent=2))
    return folder
