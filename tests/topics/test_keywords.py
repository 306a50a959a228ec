"""Keyword selection: co-occurrence re-ranking and keywords that tell themes apart."""

from __future__ import annotations

import numpy as np

from nlp_service.analysis.topics.keywords import coherent_keywords
from nlp_service.analysis.topics.text import make_vectorizer

TEXTS = [
    "flight delayed again",
    "flight delayed two hours",
    "delayed flight and no gate info",
    "flight cancelled no rebooking",
    "cancelled flight rebooking took hours",
    "flight cancelled without notice",
]
INDEX = np.array([0, 0, 0, 1, 1, 1])  # theme 0 is described first (largest first)


def _keywords(candidates: list[list[str]], weight: float) -> list[list[str]]:
    vectorizer = make_vectorizer(ngram_max=2, min_df=1).fit(TEXTS)
    return coherent_keywords(TEXTS, INDEX, candidates, vectorizer, 3, weight, 4)


def test_a_smaller_theme_skips_terms_a_larger_theme_shows() -> None:
    candidates = [["flight", "delayed", "flight delayed"], ["flight", "cancelled", "rebooking"]]
    for weight in (0.0, 0.5):
        first, second = _keywords(candidates, weight)
        assert "flight" in first
        assert "flight" not in second and set(second) == {"cancelled", "rebooking"}


def test_a_bigram_with_a_new_word_stays() -> None:
    candidates = [["flight", "delayed"], ["flight cancelled", "flight", "rebooking"]]
    _, second = _keywords(candidates, 0.5)
    assert second[0] == "flight cancelled" and "flight" not in second


def test_nothing_left_keeps_the_candidates() -> None:
    _, second = _keywords([["flight", "delayed"], ["flight", "delayed"]], 0.5)
    assert set(second) == {"flight", "delayed"}
