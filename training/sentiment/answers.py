"""Answers as served: split into segments exactly as the pipeline does, scored by the served
answer rule, and averaged into an answer's training vector."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp_service.analysis.segments import cap_segments, split_segments
from nlp_service.analysis.sentiment import SEGMENT_FLOOR, Sentiment, answer_score, answer_sentiment
from nlp_service.config import get_settings
from training.datasets import Example


def segment_texts(examples: Sequence[Example]) -> tuple[list[str], list[range]]:
    """Every answer split into segments exactly as the pipeline does (sentences + contrastive
    clauses, capped); returns the flat segment texts and each answer's rows."""
    settings = get_settings()
    flat: list[str] = []
    groups: list[range] = []
    for e in examples:
        lang = e.language if e.language in ("de", "en", "fr", "nl") else None
        segs = split_segments(e.text, lang, settings.max_chunk_chars)
        segs = cap_segments(segs, e.text, settings.max_chunk_chars, settings.max_chunks_per_text)
        segs = segs or []
        texts = [s.text for s in segs] or [e.text]
        groups.append(range(len(flat), len(flat) + len(texts)))
        flat.extend(texts)
    return flat, groups


def answers_from_segments(
    segments: Sequence[Sentiment],
    groups: Sequence[range],
    neutral_margin: float,
    floor: float = SEGMENT_FLOOR,
) -> list[Sentiment]:
    return [answer_sentiment([segments[i] for i in g], neutral_margin, floor=floor) for g in groups]


def answer_scores(seg_scores: np.ndarray, groups: Sequence[range]) -> np.ndarray:
    """Each answer's score from its segments' scores, by the served rule (`answer_score`)."""
    return np.array([answer_score(seg_scores[g.start : g.stop]) for g in groups])


def segment_mean_vectors(X_seg: np.ndarray, groups: Sequence[range]) -> np.ndarray:
    """An answer's training vector: the mean of its segments' vectors. A linear logit of the mean
    is the mean of the segment logits, i.e. the answer as served (mean of segment scores), and
    only segments are embedded (a long text costs the encoder far more on 2 shared cores)."""
    return np.stack([X_seg[g.start : g.stop].mean(axis=0) for g in groups])
