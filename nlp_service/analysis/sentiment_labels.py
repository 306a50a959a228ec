"""The sentiment labels, the `Sentiment` value a model returns per segment or answer, the
interface every sentiment model implements, and the rules that turn a score (or three class
probabilities) into a label."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

LABELS = ("negative", "neutral", "positive")
MIXED = "mixed"  # answer level only


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float  # -1 (very negative) .. 1 (very positive)

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "score": self.score}


class SentimentModel(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def embedder_id(self) -> str | None:
        """None: the model reads texts, not embeddings."""
        ...

    @property
    def neutral_margin(self) -> float:
        """Answer scores within +-margin are neutral."""
        ...

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str]) -> list[Sentiment]: ...


def label_for(score: float, neutral_margin: float) -> str:
    if abs(score) <= neutral_margin:
        return "neutral"
    return "positive" if score > 0 else "negative"


def from_probabilities(probs: np.ndarray, neutral_margin: float) -> list[Sentiment]:
    """probs: (n, 3) in LABELS order. A text is neutral when the neutral class wins or when
    positive and negative are within `neutral_margin` of each other (a calibrated band)."""
    out = []
    for p_neg, p_neu, p_pos in probs:
        score = float(np.clip(p_pos - p_neg, -1.0, 1.0))
        if p_neu >= max(p_neg, p_pos) or abs(score) <= neutral_margin:
            label = "neutral"
        else:
            label = "positive" if score > 0 else "negative"
        out.append(Sentiment(label, round(score, 4)))
    return out
