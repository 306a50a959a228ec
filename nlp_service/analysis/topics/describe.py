"""Human-readable descriptions of fitted themes: keywords (c-TF-IDF), readable noun-phrase labels
per language (`labels.py`), the most representative examples, parent themes, and keywords per
theme within each class."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from nlp_service.analysis.topics.centroids import parent_groups
from nlp_service.analysis.topics.ctfidf import group_counts, group_indicator, top_terms
from nlp_service.analysis.topics.labels import Member, dominant_language, theme_labels
from nlp_service.analysis.topics.phrases import LANGUAGES, clean_for_labels, is_polar
from nlp_service.analysis.topics.text import TOKEN_PATTERN, make_label, restore_case

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import CountVectorizer

EXAMPLE_CHARS = 200
_WORD = re.compile(TOKEN_PATTERN)
CASE_SAMPLE = 50


@dataclass(frozen=True)
class Description:
    label: str  # readable label in the theme's dominant language (`labels[...]`)
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)  # "de"/"en" -> noun-phrase label


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
    languages: Sequence[str | None] | None = None,
    similarities: np.ndarray | None = None,
) -> list[Description]:
    """Examples, keywords and labels per theme. `members` are each theme's rows, most central
    first; `similarities` (cosine to the theme's centroid per row) and `languages` feed the
    readable labels (without similarities the member order stands for centrality)."""
    groups = [_label_members(texts, rows, languages, similarities) for rows in members]
    readable = theme_labels(groups, keywords=keywords)
    out = []
    for rows, group, words, labels in zip(members, groups, keywords, readable, strict=True):
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
        if labels:
            label = labels[dominant_language(group) or "en"]
        else:
            # No noun phrase qualifies (a theme of thanks or swearing): the keyword label without
            # polarity words, the same in both languages.
            label = _keyword_label(words, (texts[r] for r in rows[:CASE_SAMPLE]))
            labels = dict.fromkeys(LANGUAGES, label) if label else {}
        out.append(Description(label, tuple(words), tuple(examples), labels))
    return out


def _label_members(
    texts: Sequence[str],
    rows: np.ndarray,
    languages: Sequence[str | None] | None,
    similarities: np.ndarray | None,
) -> list[Member]:
    n = len(rows)
    return [
        Member(
            texts[r],
            languages[r] if languages is not None else None,
            float(similarities[r]) if similarities is not None else float(n - i),
        )
        for i, r in enumerate(rows)
    ]


def _neutral(terms: Sequence[str]) -> list[str]:
    """Keywords without a polarity or intensity word ("worst airline", "super schnell")."""
    return [t for t in terms if not any(is_polar(w, "en") or is_polar(w, "de") for w in t.split())]


def _keyword_label(words: Sequence[str], sample: Iterable[str]) -> str:
    """Fallback when no noun phrase qualifies (themes of thanks, swearing or bare hashtags): the
    keyword label without polarity words and without words the answers only write as hashtags
    or handles ("neveragain")."""
    sample = list(sample)
    plain = {w.lower() for t in sample for w in _WORD.findall(clean_for_labels(t))}
    terms = [t for t in _neutral(words) if all(w in plain for w in t.split())]
    label = make_label(terms)
    return restore_case(label, sample) if label else ""


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
    return Parents(groups, [make_label(_neutral(w), max_terms=2) for w in words], words)


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
