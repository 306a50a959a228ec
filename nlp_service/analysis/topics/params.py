"""Fitting parameters of a topic model: one frozen object, stored in every version's manifest so a
fit can be reproduced and a refit can start from the same settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from nlp_service.config import Settings


class TopicParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Coverage and size. `outlier_threshold` is the minimum cosine similarity between a segment and
    # its nearest theme centroid (BERTopic's reduce_outliers "embeddings" semantics); below it the
    # segment stays unassigned (-1).
    min_size: int = Field(15, ge=2, description="segments a theme needs at least")
    outlier_threshold: float = Field(0.3, ge=-1.0, le=1.0)
    max_themes: int = Field(60, ge=1, description="near themes are merged down to this many")
    merge_similarity: float = Field(
        0.9, gt=0.0, le=1.0, description="themes whose centroids are this similar are merged"
    )
    seed: int = 42

    # Compact mode below `compact_below` segments: k-means with k = sqrt(n / 4) on the vectors.
    # UMAP + HDBSCAN on a few thousand diffuse segments either fragments them into many small
    # themes with rare keywords or collapses them into two (measured in benchmarks/topics.py).
    compact_below: int = Field(5_000, ge=0, description="segments below which k-means is used")

    # Standard mode: UMAP + HDBSCAN (BERTopic's defaults, seeded).
    n_neighbors: int = Field(15, ge=2)
    n_components: int = Field(5, ge=2)
    min_samples: int | None = Field(
        5, ge=1, description="HDBSCAN min_samples; small values leave fewer outliers to reassign"
    )
    min_content_words: int = Field(
        2, ge=0, description="segments with fewer non-stop words are assigned but shape no theme"
    )
    refine_iterations: int = Field(3, ge=0, description="spherical k-means steps after clustering")

    # Incremental mode above `incremental_above` segments: IncrementalPCA + MiniBatchKMeans + an
    # online vectorizer over chunks, so memory does not grow with the corpus beyond the vectors.
    incremental_above: int = Field(50_000, ge=1)
    chunk_size: int = Field(8_192, ge=256)
    pca_components: int = Field(48, ge=2)
    kmeans_clusters: int | None = Field(None, ge=2, description="default: 2 x max_themes")

    # Keywords and labels.
    n_keywords: int = Field(10, ge=1)
    keyword_candidates: int = Field(30, ge=1, description="c-TF-IDF terms the keywords come from")
    keyword_coherence: float = Field(
        0.5, ge=0.0, le=1.0, description="weight of co-occurrence vs c-TF-IDF rank (0: c-TF-IDF)"
    )
    ngram_max: int = Field(2, ge=1, le=3)
    min_df: int = Field(2, ge=1, description="a keyword must occur in this many segments")
    n_examples: int = Field(3, ge=0)

    # Refits: a new theme keeps an old ID when their centroids are at least this similar
    # (one-to-one); merges/splits are recorded above `related_similarity`.
    match_similarity: float = Field(0.8, gt=0.0, le=1.0)
    related_similarity: float = Field(0.65, gt=0.0, le=1.0)

    # Structure.
    n_parents: int | None = Field(None, ge=1, description="parent themes; default ~sqrt(themes)")
    time_bin: str = Field("auto", pattern="^(auto|day|week|month|quarter|year)$")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> TopicParams:
        """Defaults from the service settings (NLP_SERVICE_TOPIC_*), then explicit overrides."""
        base = {
            "min_size": settings.topic_min_size,
            "outlier_threshold": settings.topic_outlier_threshold,
            "incremental_above": settings.topic_incremental_above,
            "compact_below": settings.topic_compact_below,
            "max_themes": settings.topic_max_themes,
            "seed": settings.topic_seed,
        }
        return cls(**{**base, **overrides})
