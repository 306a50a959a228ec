"""First clustering of the segment vectors, before centroids take over.

compact     k-means on the vectors for corpora below `compact_below`, k = sqrt(n / 4) (a rule of
            thumb; silhouette scores were flat on real feedback, so they cannot choose k).
standard    BERTopic's recipe: UMAP (cosine, 5-d, min_dist 0) then HDBSCAN, seeded and repeatable.
incremental IncrementalPCA then MiniBatchKMeans, both fed chunk by chunk in a seeded order, for
            corpora above `incremental_above`: memory is bounded by the chunk size, not the corpus.
Both return one cluster label per row (-1 = noise); fitted artifacts need neither model."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import numpy as np

from nlp_service.analysis.topics.params import TopicParams

Progress = Callable[[float], None]


def compact_k(n: int, params: TopicParams) -> int:
    """Themes for n segments in compact mode: about sqrt(n / 4), each with min_size on average."""
    k = round(np.sqrt(n / 4))
    return int(max(2, min(k, params.max_themes, n // params.min_size)))


def cluster_compact(embeddings: np.ndarray, params: TopicParams) -> np.ndarray:
    from sklearn.cluster import KMeans

    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    unit = embeddings / np.maximum(norms, 1e-12)  # Euclidean k-means on unit vectors = cosine
    k = compact_k(len(unit), params)
    kmeans = KMeans(n_clusters=k, random_state=params.seed, n_init=5)
    return kmeans.fit_predict(unit).astype(np.int64)


def cluster_standard(embeddings: np.ndarray, params: TopicParams) -> np.ndarray:
    import hdbscan
    import umap

    n = len(embeddings)
    n_components = max(2, min(params.n_components, n - 2))
    with warnings.catch_warnings():
        # umap warns that a fixed random_state disables parallelism: that is the point (repeatable).
        warnings.simplefilter("ignore")
        reducer = umap.UMAP(
            n_neighbors=max(2, min(params.n_neighbors, n - 1)),
            n_components=n_components,
            min_dist=0.0,
            metric="cosine",
            random_state=params.seed,
            init="spectral" if n > 4 * params.n_neighbors else "random",
            low_memory=True,
        )
        reduced = reducer.fit_transform(embeddings)
    clusterer = hdbscan.HDBSCAN(
        min_cluster_size=params.min_size,
        min_samples=min(params.min_samples or params.min_size, params.min_size),
        metric="euclidean",
        cluster_selection_method="eom",
        core_dist_n_jobs=1,
    )
    return clusterer.fit_predict(reduced).astype(np.int64)


def _chunks(order: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for start in range(0, len(order), size):
        rows = order[start : start + size]
        yield np.sort(rows)  # sorted fancy indexing reads memory in order


def cluster_incremental(
    embeddings: np.ndarray, params: TopicParams, progress: Progress | None = None
) -> np.ndarray:
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import IncrementalPCA

    n, dim = embeddings.shape
    k = min(params.kmeans_clusters or 2 * params.max_themes, max(2, n // params.min_size))
    n_components = min(params.pca_components, dim)
    # A chunk must hold at least as many rows as PCA components and k-means clusters.
    size = max(params.chunk_size, n_components, k)
    order = np.random.default_rng(params.seed).permutation(n)
    chunks = list(_chunks(order, size))
    if len(chunks) > 1 and len(chunks[-1]) < max(n_components, k):
        chunks[-2] = np.sort(np.concatenate(chunks[-2:]))
        chunks.pop()
    steps = 4 * len(chunks)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done / steps)

    pca = IncrementalPCA(n_components=n_components)
    for rows in chunks:
        pca.partial_fit(embeddings[rows])
        tick()
    kmeans = MiniBatchKMeans(
        n_clusters=k, random_state=params.seed, batch_size=size, n_init=3, max_no_improvement=None
    )
    for _ in range(2):  # two passes over the data
        for rows in chunks:
            kmeans.partial_fit(pca.transform(embeddings[rows]))
            tick()
    labels = np.empty(n, dtype=np.int64)
    for rows in chunks:
        labels[rows] = kmeans.predict(pca.transform(embeddings[rows]))
        tick()
    return labels
