"""A proposed split of one theme, from its stored segments (the researcher accepts it as a
split edit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlp_service.analysis.topics.centroids import normalize_rows
from nlp_service.errors import InvalidInput


@dataclass(frozen=True)
class SplitPart:
    size: int
    keywords: list[str]
    label: str
    labels: dict[str, str]
    examples: list[str]
    centroid: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "keywords": self.keywords, "label": self.label,
                "labels": self.labels, "examples": self.examples}  # fmt: skip


def split_parts(
    texts: Sequence[str],
    vectors: np.ndarray,
    languages: Sequence[str | None],
    parts: int,
    seed: int = 42,
    n_examples: int = 3,
) -> list[SplitPart]:
    """A proposed split of one theme: k-means on its segments' stored vectors (normalised, so
    spherical), parts largest first, each with keywords (c-TF-IDF of the parts against each
    other), readable labels and its most central examples, as a fit describes its themes."""
    from sklearn.cluster import KMeans

    from nlp_service.analysis.topics.ctfidf import fit_vectorizer, top_terms, vocabulary_array
    from nlp_service.analysis.topics.describe import describe_themes, ranked_members

    if not 2 <= parts <= len(texts):
        raise InvalidInput(f"parts must be between 2 and {len(texts)}", field="parts")
    x = normalize_rows(vectors)
    km = KMeans(n_clusters=parts, random_state=seed, n_init=4).fit(x)
    raw = km.labels_.astype(np.int64)
    sizes = np.bincount(raw, minlength=parts)
    order = np.lexsort((np.arange(parts), -sizes))  # largest first
    rank = np.empty_like(order)
    rank[order] = np.arange(parts)
    index = rank[raw]
    cents = normalize_rows(np.stack([x[index == k].mean(axis=0) for k in range(parts)]))
    sim = (x * cents[index]).sum(axis=1)
    vectorizer, counts = fit_vectorizer(
        texts, index, parts, ngram_max=2, min_df=1, online=False, chunk_size=8_192
    )
    keywords = top_terms(counts, vocabulary_array(vectorizer), 8)
    members = ranked_members(index, sim, parts)
    described = describe_themes(texts, members, keywords, n_examples, languages, sim)
    return [
        SplitPart(int((index == k).sum()), list(d.keywords), d.label, dict(d.labels),
                  list(d.examples), cents[k])
        for k, d in enumerate(described)
    ]  # fmt: skip
