"""Theme centroids in the embedding space: the part of a topic model that assignment needs.

All functions work on L2-normalised rows and run in chunks, so a 100k x 512 corpus never
materialises a (segments x themes) matrix larger than one chunk."""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

CHUNK = 16_384


def normalize_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def nearest(
    embeddings: np.ndarray, centroids: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the most similar centroid per row (-1 below `threshold`) and that similarity."""
    n = len(embeddings)
    index = np.full(n, -1, dtype=np.int64)
    sim = np.zeros(n, dtype=np.float32)
    if len(centroids) == 0 or n == 0:
        return index, sim
    for start in range(0, n, CHUNK):
        sims = embeddings[start : start + CHUNK] @ centroids.T
        best = sims.argmax(axis=1)
        best_sim = sims[np.arange(len(best)), best]
        index[start : start + CHUNK] = np.where(best_sim >= threshold, best, -1)
        sim[start : start + CHUNK] = best_sim
    return index, sim


def means(embeddings: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalised mean vector and member count per label 0..k-1 (label -1 ignored)."""
    sums = np.zeros((k, embeddings.shape[1]), dtype=np.float64)
    for start in range(0, len(labels), CHUNK):
        lab = labels[start : start + CHUNK]
        keep = lab >= 0
        np.add.at(sums, lab[keep], embeddings[start : start + CHUNK][keep])
    counts = np.bincount(labels[labels >= 0], minlength=k)[:k]
    return normalize_rows(sums), counts


def refine(
    embeddings: np.ndarray,
    centroids: np.ndarray,
    threshold: float,
    min_size: int,
    iterations: int,
    pinned: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means steps from the given centroids; a centroid that attracts fewer than
    `min_size` segments is dropped and its segments go to the next nearest. `pinned` rows (a
    boolean mask) neither move nor drop: they keep their segments from the other centroids.
    Returns the surviving centroids and the index of each surviving centroid in the input (for
    carrying IDs)."""
    keep = np.arange(len(centroids))
    cents = centroids
    fixed = np.zeros(len(centroids), dtype=bool) if pinned is None else np.asarray(pinned, bool)
    step = 0
    while True:
        labels, _ = nearest(embeddings, cents, threshold)
        new, counts = means(embeddings, labels, len(cents))
        alive = (counts >= min_size) | fixed
        if not alive.any():
            return cents[:0], keep[:0]
        if alive.all() and step >= iterations:
            return cents, keep
        # Every step either moves the centroids (up to `iterations`) or drops the small ones, so
        # the loop ends after at most iterations + len(centroids) passes.
        new[fixed] = cents[fixed]
        cents, keep, fixed = new[alive], keep[alive], fixed[alive]
        step += 1


def merge_close(
    centroids: np.ndarray, sizes: np.ndarray, similarity: float, max_count: int
) -> np.ndarray:
    """Group ids per centroid after merging: average-linkage on cosine distance, cut where groups
    are closer than `similarity` or where more than `max_count` groups would remain."""
    k = len(centroids)
    if k <= 1:
        return np.zeros(k, dtype=np.int64)
    tree = linkage(centroids.astype(np.float64), method="average", metric="cosine")
    by_distance = fcluster(tree, t=1.0 - similarity, criterion="distance")
    if by_distance.max() > max_count:
        by_distance = fcluster(tree, t=max_count, criterion="maxclust")
    # Renumber groups by descending size so group ids are deterministic.
    groups = by_distance - 1
    totals = np.bincount(groups, weights=sizes)
    order = np.argsort(-totals, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[groups]


def merged_centroids(centroids: np.ndarray, sizes: np.ndarray, groups: np.ndarray) -> np.ndarray:
    out = np.zeros((groups.max() + 1, centroids.shape[1]), dtype=np.float64)
    np.add.at(out, groups, centroids * sizes[:, None])
    return normalize_rows(out)


def parent_groups(centroids: np.ndarray, n_parents: int | None) -> np.ndarray:
    """Parent theme per theme: the theme tree cut into about sqrt(k) groups. Ward linkage on the
    unit centroids (Euclidean distance is monotone in cosine there) gives balanced groups where
    average linkage chains most themes into one parent."""
    k = len(centroids)
    if k < 4:
        return np.zeros(k, dtype=np.int64)
    target = n_parents or max(2, round(np.sqrt(k)))
    tree = linkage(centroids.astype(np.float64), method="ward")
    return fcluster(tree, t=min(target, k), criterion="maxclust") - 1


def confidence(similarity: np.ndarray) -> np.ndarray:
    """Assignment confidence in [0, 1]: the cosine similarity to the theme centroid, clipped."""
    return np.clip(similarity, 0.0, 1.0)
