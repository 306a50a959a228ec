"""Input checks for fitting, with errors that name the field and say what to do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from nlp_service.analysis.topics.centroids import normalize_rows
from nlp_service.analysis.topics.params import TopicParams
from nlp_service.errors import InvalidInput, ModelError

if TYPE_CHECKING:
    from nlp_service.analysis.topics.model import TopicModel


def validate_inputs(
    texts: Sequence[str],
    embeddings: np.ndarray,
    languages: Sequence[str | None] | None,
    classes: Sequence[str | None] | None,
    timestamps: Sequence[datetime | None] | None,
    previous: TopicModel | None,
    params: TopicParams,
    embedder_id: str,
) -> np.ndarray:
    """Return the embeddings as unit float32 rows, or raise InvalidInput / ModelError."""
    n = len(texts)
    if n == 0:
        raise InvalidInput("the corpus is empty: there is nothing to fit themes on", field="texts")
    if not all(isinstance(t, str) for t in texts):
        raise InvalidInput("every text must be a string", field="texts")
    if n < params.min_size:
        raise InvalidInput(
            f"{n} segments are fewer than the {params.min_size} a single theme needs "
            "(min_size); add answers or lower min_size",
            field="texts",
            code="too_few_documents",
        )
    x = np.asarray(embeddings)
    if x.ndim != 2 or x.shape[0] != n:
        raise InvalidInput(
            f"embeddings must have one row per text: expected ({n}, dim), got {x.shape}",
            field="embeddings",
        )
    if not np.isfinite(x).all():
        raise InvalidInput("embeddings contain NaN or infinite values", field="embeddings")
    if not embedder_id:
        raise InvalidInput("embedder_id is required", field="embedder_id")
    for field, values in (("languages", languages), ("classes", classes),
                          ("timestamps", timestamps)):  # fmt: skip
        if values is not None and len(values) != n:
            raise InvalidInput(f"{field} has {len(values)} entries for {n} texts", field=field)
    if previous is not None:
        if previous.embedder_id != embedder_id:
            raise ModelError(
                f"previous version {previous.version} was fitted on '{previous.embedder_id}' "
                f"vectors, these are '{embedder_id}': refit from scratch instead"
            )
        if previous.centroids.shape[1] != x.shape[1]:
            raise ModelError(
                f"previous version {previous.version} has {previous.centroids.shape[1]}-d "
                f"centroids, the embeddings are {x.shape[1]}-d"
            )
    return normalize_rows(x)
