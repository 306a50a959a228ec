"""Human-readable descriptions of fitted themes: keywords (c-TF-IDF), short labels, the most
representative examples, parent themes, and keywords per theme within each class."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from nlp_service.analysis.topics.centroids import parent_groups
from nlp_service.analysis.topics.ctfidf import group_counts, group_indicator, top_terms
from nlp_service.analysis.topics.text import make_label, restore_case

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import CountVectorizer

EXAMPLE_CHARS = 200
CASE_SAMPLE = 50


@dataclass(frozen=True)
class Description:
    label: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]


def ranked_members(index: np.ndarray, sim: np.ndarray, k: int) -> list[np.ndarray]:
    """Rows of each theme, most similar to its centroid first (ties broken by row)."""
    order = np.lexsort((np.arange(len(index)), -sim, index))
    sorted_index = index[order]
    bounds = np.searchsorted(sorted_index, np.arange(k + 1))
    return [order[bounds[t] : bounds[t + 1]] for t in range(k)]


def describe_themes(
    texts: Sequence[str],
    members: list[np.ndarray],
    keywords: list[list[str]],
    n_examples: int,
) -> list[Description]:
    out = []
    for rows, words in zip(members, keywords, strict=True):
        examples: list[str] = []
        seen: set[str] = set()
        for row in rows:
            text = texts[row].strip()
            key = " ".join(text.casefold().split())
            if key in seen:
                continue
            seen.add(key)
            examples.append(text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…")
            if len(examples) >= n_examples:
                break
        label = make_label(words)
        label = restore_case(label, (texts[r] for r in rows[:CASE_SAMPLE])) if label else ""
        out.append(Description(label, tuple(words), tuple(examples)))
    return out


@dataclass(frozen=True)
class Parents:
    of_theme: np.ndarray  # parent index per theme
    labels: list[str]
    keywords: list[list[str]]


def describe_parents(
    centroids: np.ndarray, counts: sp.csr_matrix, vocab: np.ndarray, n_parents: int | None,
    n_keywords: int,
) -> Parents:  # fmt: skip
    """Group themes under parents (tree cut on the centroids); a parent's keywords are the c-TF-IDF
    of its children's pooled counts, weighted against the other parents."""
    groups = parent_groups(centroids, n_parents)
    n = int(groups.max()) + 1 if len(groups) else 0
    pooled = (group_indicator(groups, n) @ counts).tocsr()
    words = top_terms(pooled, vocab, n_keywords)
    return Parents(groups, [make_label(w, max_terms=2) for w in words], words)


def class_keywords(
    texts: Sequence[str],
    theme_index: np.ndarray,
    classes: Sequence[str | None],
    k: int,
    vectorizer: CountVectorizer,
    theme_counts: sp.csr_matrix,
    vocab: np.ndarray,
    chunk_size: int,
    n_keywords: int = 5,
) -> dict[tuple[str, int], list[str]]:
    """Keywords of each theme within each class (touchpoint), keyed by (class, theme index)."""
    from nlp_service.analysis.topics.structure import UNKNOWN

    names = sorted({c or UNKNOWN for c in classes})
    pos = {c: i for i, c in enumerate(names)}
    cls = np.array([pos[c or UNKNOWN] for c in classes], dtype=np.int64)
    groups = np.where(theme_index >= 0, theme_index * len(names) + cls, -1)
    counts = group_counts(texts, groups, k * len(names), vectorizer, chunk_size)
    words = top_terms(counts, vocab, n_keywords, reference=theme_counts)
    return {
        (names[g % len(names)], g // len(names)): w
        for g, w in enumerate(words)
        if counts.indptr[g + 1] > counts.indptr[g]
    }
