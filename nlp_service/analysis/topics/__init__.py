"""Emergent themes: fitted on stored segment embeddings (BERTopic's recipe: UMAP + HDBSCAN +
c-TF-IDF, or IncrementalPCA + MiniBatchKMeans + an online vectorizer at scale), assigned online by
nearest theme centroid, saved as versioned safetensors artifacts with stable theme IDs.

    result = fit_topics(segment_texts, segment_vectors, embedder_id=embedder.id)
    version = TopicRegistry(settings.data_dir / "topics").save("survey", result, activate=True)
    model = TopicRegistry(settings.data_dir / "topics").load("survey")
    model.assign(new_segment_vectors)  # -> list[TopicAssignment]
"""

from nlp_service.analysis.topics.fit import fit_topics
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.analysis.topics.params import TopicParams
from nlp_service.analysis.topics.registry import TopicRegistry
from nlp_service.analysis.topics.structure import over_time, per_class
from nlp_service.analysis.topics.themes import (
    FitMetrics,
    FitResult,
    MappingEntry,
    ParentTheme,
    RetiredTheme,
    Theme,
    ThemeMapping,
)

__all__ = [
    "FitMetrics",
    "FitResult",
    "MappingEntry",
    "ParentTheme",
    "RetiredTheme",
    "Theme",
    "ThemeMapping",
    "TopicModel",
    "TopicParams",
    "TopicRegistry",
    "fit_topics",
    "over_time",
    "per_class",
]
