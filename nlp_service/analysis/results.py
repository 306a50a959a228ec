"""What the analysis layer hands to storage, the API and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from nlp_service.analysis.flags import Flag
from nlp_service.analysis.kpi import Kpi
from nlp_service.analysis.privacy import Redaction
from nlp_service.analysis.sentiment import Sentiment


@dataclass(frozen=True)
class TopicAssignment:
    id: int  # stable theme id; -1 = unassigned
    label: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "confidence": self.confidence}


class TopicAssigner(Protocol):
    """The active topic model, as the pipeline sees it: vectors in, themes out. `languages` (one
    per row, e.g. the answer's detected language) lets a model with labels per language label
    each theme in the language of its answer; None keeps the default labels."""

    embedder_id: str
    version: str

    def assign(
        self, embeddings: np.ndarray, languages: Sequence[str | None] | None = None
    ) -> list[TopicAssignment]: ...


@dataclass(frozen=True)
class SegmentAnalysis:
    text: str
    start: int
    end: int
    sentiment: Sentiment
    topic: TopicAssignment | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "sentiment": self.sentiment.to_dict(),
            "topic": self.topic.to_dict() if self.topic else None,
        }


@dataclass
class Analysis:
    language: str | None
    language_confidence: float
    language_source: str
    sentiment: Sentiment
    kpi: Kpi | None
    flags: list[Flag]
    redacted_text: str
    pii_types: list[str]
    segments: list[SegmentAnalysis]
    embedder_id: str
    sentiment_model_id: str
    topic_model_version: str | None
    # Answer-level vector of the main embedder (mean of its segments, renormalised) and the
    # per-segment vectors: stored so topic refits never re-embed.
    embedding: np.ndarray = field(repr=False)
    segment_embeddings: np.ndarray = field(repr=False)
    # The redaction behind `redacted_text`: maps offsets back to the raw text for tenants that
    # keep it (their callers are shown the raw text, so offsets must point into it).
    redaction: Redaction | None = field(default=None, repr=False)

    @property
    def themes(self) -> list[TopicAssignment]:
        """The set of the segments' themes, best confidence first."""
        best: dict[int, TopicAssignment] = {}
        for seg in self.segments:
            t = seg.topic
            if (
                t is not None
                and t.id >= 0
                and (t.id not in best or t.confidence > best[t.id].confidence)
            ):
                best[t.id] = t
        return sorted(best.values(), key=lambda t: -t.confidence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "language_confidence": self.language_confidence,
            "language_source": self.language_source,
            "sentiment": self.sentiment.to_dict(),
            "kpi": self.kpi.to_dict() if self.kpi else None,
            "flags": [f.to_dict() for f in self.flags],
            "redacted_text": self.redacted_text,
            "pii_types": self.pii_types,
            "themes": [t.to_dict() for t in self.themes],
            "segments": [s.to_dict() for s in self.segments],
            "models": {
                "embedder": self.embedder_id,
                "sentiment": self.sentiment_model_id,
                "topics": self.topic_model_version,
            },
        }
