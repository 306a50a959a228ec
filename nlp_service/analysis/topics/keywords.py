"""Coherent theme keywords: c-TF-IDF proposes, co-occurrence disposes.

c-TF-IDF ranks terms by how distinctive they are for a theme, which also promotes rare words
that hardly ever appear together ("ktn", "pen"). Like BERTopic's representation models (MMR,
KeyBERTInspired) we re-rank its top candidates, but with the signal the coherence metric uses:
starting from the best c-TF-IDF term, each next keyword maximises a mix of its c-TF-IDF rank
and its mean NPMI with the keywords already chosen, measured over the theme's own segments.
Only a (candidates x candidates) co-occurrence matrix per theme is accumulated, chunk by chunk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import CountVectorizer


def _cooccurrence(
    texts: Sequence[str],
    index: np.ndarray,
    columns: list[np.ndarray],
    vectorizer: CountVectorizer,
    chunk_size: int,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Per theme: segments containing both candidates i and j (diagonal: containing i)."""
    k = len(columns)
    co = [np.zeros((len(c), len(c)), dtype=np.float64) for c in columns]
    sizes = np.zeros(k, dtype=np.float64)
    for start in range(0, len(texts), chunk_size):
        labels = index[start : start + chunk_size]
        if not (labels >= 0).any():
            continue
        present = vectorizer.transform(texts[start : start + chunk_size]).tocsr()
        present.data[:] = 1
        for t in np.unique(labels[labels >= 0]):
            rows = np.flatnonzero(labels == t)
            sizes[t] += len(rows)
            if len(columns[t]):
                sub = present[rows][:, columns[t]]
                co[t] += (sub.T @ sub).toarray()
    return co, sizes


def _npmi(co: np.ndarray, n: float) -> np.ndarray:
    p = np.diag(co) / max(n, 1.0)
    joint = co / max(n, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(joint / np.outer(p, p)) / -np.log(joint)
    out[joint <= 0] = -1.0
    out[joint >= 1] = 1.0
    return np.nan_to_num(out, nan=-1.0)


def _greedy(terms: list[str], npmi: np.ndarray, n: int, weight: float) -> list[str]:
    rank = 1.0 - np.arange(len(terms)) / max(len(terms), 1)
    chosen = [0]
    # Variants of a chosen term ("delayed" next to "flight delayed") stay: they co-occur, so they
    # confirm the theme; the label (make_label) shows each word once.
    while len(chosen) < min(n, len(terms)):
        score = (1 - weight) * rank + weight * npmi[:, chosen].mean(axis=1)
        score[chosen] = -np.inf
        chosen.append(int(score.argmax()))
    return [terms[j] for j in chosen]


def coherent_keywords(
    texts: Sequence[str],
    index: np.ndarray,
    candidates: list[list[str]],
    vectorizer: CountVectorizer,
    n: int,
    weight: float,
    chunk_size: int,
) -> list[list[str]]:
    """Up to n keywords per theme chosen from its c-TF-IDF candidates (best first)."""
    if weight <= 0:
        return [c[:n] for c in candidates]
    vocab = vectorizer.vocabulary_
    columns = [np.array([vocab[w] for w in c], dtype=np.int64) for c in candidates]
    co, sizes = _cooccurrence(texts, index, columns, vectorizer, chunk_size)
    return [
        _greedy(c, _npmi(m, s), n, weight) if c else []
        for c, m, s in zip(candidates, co, sizes, strict=True)
    ]
