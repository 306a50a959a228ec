"""c-TF-IDF keywords per group of segments (themes, theme x touchpoint, parent themes).

Counts are accumulated group by group in chunks, so only a (groups x vocabulary) matrix is ever
held, never the full (segments x vocabulary) matrix. The weighting is BERTopic's
`ClassTfidfTransformer` with `reduce_frequent_words` (square-rooted term frequencies)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from nlp_service.analysis.topics.text import filter_keywords, make_vectorizer

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import CountVectorizer


def group_indicator(groups: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """(n_groups x rows) 0/1 matrix that sums the rows of each group; group -1 is dropped."""
    rows = np.flatnonzero(groups >= 0)
    data = np.ones(len(rows), dtype=np.int32)
    return sp.csr_matrix((data, (groups[rows], rows)), shape=(n_groups, len(groups)))


def group_counts(
    texts: Sequence[str],
    groups: np.ndarray,
    n_groups: int,
    vectorizer: CountVectorizer,
    chunk_size: int = 8_192,
) -> sp.csr_matrix:
    """Term counts per group with an already fitted vectorizer, chunk by chunk."""
    vocab = len(vectorizer.vocabulary_)
    # scipy-stubs 1.17 types an empty matrix built from a shape as float64 only (no overload
    # takes an integer dtype), though scipy accepts any dtype here.
    total = sp.csr_matrix((n_groups, vocab), dtype=np.int64)  # type: ignore[arg-type]
    for start in range(0, len(texts), chunk_size):
        stop = start + chunk_size
        counts = vectorizer.transform(texts[start:stop])
        total = total + group_indicator(groups[start:stop], n_groups) @ counts
    return total.tocsr()


def fit_vectorizer(
    texts: Sequence[str],
    labels: np.ndarray,
    n_groups: int,
    *,
    ngram_max: int,
    min_df: int,
    online: bool,
    chunk_size: int,
    progress: Callable[[float], None] | None = None,
) -> tuple[CountVectorizer, sp.csr_matrix]:
    """Fit the vocabulary and return it with the per-theme counts.

    Batch mode fits sklearn's CountVectorizer on all texts (min_df filters rare bigrams).
    Online mode feeds BERTopic's OnlineCountVectorizer chunk by chunk: the vocabulary grows with
    new words and its per-theme bag of words drops terms seen fewer than `min_df` times."""
    if not online:
        vectorizer = make_vectorizer(ngram_max, min_df)
        try:
            vectorizer.fit(texts)
        except ValueError:  # every term rarer than min_df (tiny corpora): keep all terms
            vectorizer = make_vectorizer(ngram_max, 1)
            vectorizer.fit(texts)
        return vectorizer, group_counts(texts, labels, n_groups, vectorizer, chunk_size)

    vectorizer = make_vectorizer(ngram_max, min_df, online=True)
    steps = max(1, (len(texts) + chunk_size - 1) // chunk_size)
    for i, start in enumerate(range(0, len(texts), chunk_size)):
        chunk = texts[start : start + chunk_size]
        chunk_labels = labels[start : start + chunk_size]
        vectorizer.partial_fit(chunk)
        joined = [
            " \n ".join(chunk[int(j)] for j in np.flatnonzero(chunk_labels == g))
            for g in range(n_groups)
        ]
        vectorizer.update_bow(joined)
        if progress:
            progress((i + 1) / steps)
    counts = sp.csr_matrix(vectorizer.X_, dtype=np.int64)
    return vectorizer, counts


def top_terms(
    counts: sp.csr_matrix,
    vocabulary: np.ndarray,
    n: int,
    reference: sp.csr_matrix | None = None,
) -> list[list[str]]:
    """The n best c-TF-IDF terms per row of `counts`. `reference` (default: counts itself) sets
    the IDF, so keywords of a theme within one touchpoint are weighted against all themes."""
    # Imported here: `bertopic` pulls in UMAP, HDBSCAN and torch, which loading a model avoids.
    from bertopic.vectorizers import ClassTfidfTransformer

    ctfidf = ClassTfidfTransformer(reduce_frequent_words=True)
    ref = counts if reference is None else reference
    # A term absent from every reference group gets an infinite IDF, but it is absent from
    # `counts` too (a subset of the reference), so it never reaches the ranking.
    with np.errstate(divide="ignore"):
        ctfidf.fit(ref.astype(np.float64))
        weights = ctfidf.transform(counts.astype(np.float64)).tocsr()
    out = []
    for row in range(weights.shape[0]):
        start, stop = weights.indptr[row], weights.indptr[row + 1]
        idx, vals = weights.indices[start:stop], weights.data[start:stop]
        # Stable order on ties: by weight, then alphabetically (reproducible labels).
        order = sorted(range(len(idx)), key=lambda k: (-vals[k], vocabulary[idx[k]]))
        ranked = (vocabulary[idx[k]] for k in order if vals[k] > 0)
        out.append(filter_keywords(ranked, n))
    return out


def vocabulary_array(vectorizer: CountVectorizer) -> np.ndarray:
    vocab = np.empty(len(vectorizer.vocabulary_), dtype=object)
    for term, index in vectorizer.vocabulary_.items():
        vocab[index] = term
    return vocab
