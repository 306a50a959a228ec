"""Sentiment heads on sentence embeddings: the 2026-11-24 three-class `SentimentHead` (kind
"head") and the binary `PolarityHead` (kind "polarity-head"), saved to and loaded from their
folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nlp_service.analysis.lexicon_blend import BlendParams
from nlp_service.analysis.lexicon_rules import LAYER_VERSIONS
from nlp_service.analysis.sentiment_cards import (
    HEAD_FILE,
    Head,
    check_embedder,
    model_kind,
    read_card,
    write_card,
)
from nlp_service.analysis.sentiment_labels import (
    LABELS,
    Sentiment,
    SentimentModel,
    from_probabilities,
    label_for,
)
from nlp_service.analysis.sentiment_rules import apply_segment_rules
from nlp_service.errors import ModelError


def remove_directions(vectors: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Project unit `directions` (k, dim) out of `vectors` and renormalise."""
    x = vectors.astype(np.float32)
    if len(directions):
        x = x - (x @ directions.T) @ directions
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return x


class SentimentHead:
    kind = "head"

    def __init__(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        embedder_id: str,
        version: str,
        neutral_margin: float = 0.0,
        card: dict | None = None,
        language_directions: np.ndarray | None = None,
    ) -> None:
        if coef.shape[0] != len(LABELS) or intercept.shape != (len(LABELS),):
            raise ModelError(f"sentiment head must have {len(LABELS)} classes, got {coef.shape}")
        # Unit vectors along which languages differ (e.g. mean German minus mean English of
        # parallel sentences). Removing them before the head keeps a head trained on English
        # from shifting every German text towards one class.
        dirs = language_directions
        self.language_directions = (
            np.zeros((0, coef.shape[1]), np.float32) if dirs is None else dirs.astype(np.float32)
        )
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.embedder_id = embedder_id
        self.version = version
        self.neutral_margin = neutral_margin
        self.card = card or {}
        self.id = f"head:{version}"

    @property
    def dim(self) -> int:
        return int(self.coef.shape[1])

    def features(self, embeddings: np.ndarray) -> np.ndarray:
        _check_shape(self, embeddings)
        return remove_directions(embeddings, self.language_directions)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        logits = self.features(embeddings) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str] = ()) -> list[Sentiment]:
        if embeddings is None:
            raise ModelError("the sentiment head needs embeddings")
        if len(embeddings) == 0:
            return []
        return from_probabilities(self.probabilities(embeddings), self.neutral_margin)

    def save(self, folder: Path, card: dict) -> None:
        from safetensors.numpy import save_file

        folder.mkdir(parents=True, exist_ok=True)
        tensors = {
            "coef": self.coef,
            "intercept": self.intercept,
            "language_directions": self.language_directions,
        }
        save_file(tensors, str(folder / HEAD_FILE))
        write_card(folder, self, card)

    @classmethod
    def load(cls, folder: Path, expected_embedder_id: str | None = None) -> SentimentHead:
        from safetensors.numpy import load_file

        card = read_card(folder)
        if card.get("labels") != list(LABELS):
            raise ModelError(f"sentiment head {folder} has labels {card.get('labels')}")
        check_embedder(folder, card, expected_embedder_id)
        tensors = load_file(str(folder / HEAD_FILE))
        return cls(
            tensors["coef"],
            tensors["intercept"],
            card["embedder_id"],
            card.get("version", folder.name),
            float(card.get("neutral_margin", 0.0)),
            card,
            tensors.get("language_directions"),
        )


class PolarityHead:
    """A binary linear head on sentence embeddings: score = 2 * sigmoid(w.x + b) - 1."""

    kind = "polarity-head"

    def __init__(
        self,
        coef: np.ndarray,
        intercept: float,
        embedder_id: str,
        version: str,
        neutral_margin: float = 0.0,
        card: dict | None = None,
        negation_rule: bool = False,
        second_embedder_id: str | None = None,
        lexicon: BlendParams | None = None,
    ) -> None:
        self.coef = np.asarray(coef, dtype=np.float32).reshape(-1)
        self.intercept = float(intercept)
        self.embedder_id = embedder_id
        self.version = version
        self.neutral_margin = neutral_margin
        self.card = card or {}
        # Apply `correct_negated_negatives` to the segment scores (the card's `negation_rule`).
        self.negation_rule = negation_rule
        # Blend the evaluative lexicon into the segment scores (the card's `lexicon`, v5).
        self.lexicon = lexicon
        # An ensemble of two heads is one linear head on the two embedders' vectors of the same
        # segments side by side: [embedder_id | second_embedder_id]. The pipeline's main encoder
        # supplies the second part, so it costs no encoder pass (`Pipeline.analyze_batch`).
        self.second_embedder_id = second_embedder_id
        self.id = f"head:{version}"

    @property
    def dim(self) -> int:
        return int(self.coef.shape[0])

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        _check_shape(self, embeddings)
        logits = embeddings.astype(np.float32) @ self.coef + self.intercept
        return np.tanh(logits / 2.0)  # = 2 * sigmoid(logit) - 1

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str] = ()) -> list[Sentiment]:
        if embeddings is None:
            raise ModelError("the sentiment head needs embeddings")
        scores = self.scores(embeddings)
        if (self.negation_rule or self.lexicon is not None) and len(texts) != len(scores):
            raise ModelError(f"sentiment head {self.version} needs the segment texts")
        scores = apply_segment_rules(scores, texts, self.negation_rule, self.lexicon)
        return [
            Sentiment(label_for(float(s), self.neutral_margin), round(float(s), 4)) for s in scores
        ]

    def save(self, folder: Path, card: dict) -> None:
        from safetensors.numpy import save_file

        folder.mkdir(parents=True, exist_ok=True)
        tensors = {"coef": self.coef, "intercept": np.array([self.intercept], np.float32)}
        save_file(tensors, str(folder / HEAD_FILE))
        extra: dict[str, object] = {
            "negation_rule": self.negation_rule,
            "second_embedder_id": self.second_embedder_id,
        }
        if self.lexicon is not None:
            lexicon_entry: dict[str, float | int] = {
                "weight": self.lexicon.weight,
                "full_words": self.lexicon.full_words,
            }
            if self.lexicon.version != 5:  # v5's card has no version key
                lexicon_entry["version"] = self.lexicon.version
            extra["lexicon"] = lexicon_entry
        write_card(folder, self, {**card, **extra})

    @classmethod
    def load(cls, folder: Path, expected_embedder_id: str | None = None) -> PolarityHead:
        from safetensors.numpy import load_file

        card = read_card(folder)
        check_embedder(folder, card, expected_embedder_id)
        tensors = load_file(str(folder / HEAD_FILE))
        return cls(
            tensors["coef"],
            float(tensors["intercept"][0]),
            card["embedder_id"],
            card.get("version", folder.name),
            float(card.get("neutral_margin", 0.0)),
            card,
            bool(card.get("negation_rule", False)),
            card.get("second_embedder_id"),
            _blend_params(card.get("lexicon")),
        )


def _blend_params(value: object) -> BlendParams | None:
    """The card's `lexicon` entry ({"weight": w, "full_words": n, "version": 6}) or None (no
    lexicon); without a version it is v5's layer (the v5 card predates the key)."""
    if value is None or value is False:
        return None
    if not isinstance(value, dict):
        raise ModelError(f"model card key 'lexicon' must be an object, got {value!r}")
    version = int(value.get("version", 5))
    if version not in LAYER_VERSIONS:
        raise ModelError(f"unknown lexicon version {version} in the model card")
    return BlendParams(float(value["weight"]), float(value["full_words"]), version)


def second_embedder_id(model: SentimentModel) -> str | None:
    """The embedder whose vectors a model reads after its own (None for a single-embedder head
    and for models that read texts); see `PolarityHead.second_embedder_id`."""
    value = getattr(model, "second_embedder_id", None)
    return value if isinstance(value, str) else None


def _check_shape(head: Head, embeddings: np.ndarray) -> None:
    if embeddings.ndim != 2 or embeddings.shape[1] != head.dim:
        raise ModelError(
            f"sentiment head {head.version} expects {head.dim}-d vectors from "
            f"{head.embedder_id}, got shape {embeddings.shape}"
        )


def load_head(
    folder: Path, expected_embedder_id: str | None = None
) -> SentimentHead | PolarityHead:
    """A head on embeddings, whichever kind its card names."""
    if model_kind(folder) == PolarityHead.kind:
        return PolarityHead.load(folder, expected_embedder_id)
    return SentimentHead.load(folder, expected_embedder_id)
