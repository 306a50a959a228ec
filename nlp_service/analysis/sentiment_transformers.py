"""Any local `transformers` text-classification model folder as a sentiment model; its labels
are mapped by name."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nlp_service.analysis.sentiment_labels import Sentiment, from_probabilities
from nlp_service.errors import ModelError

_LABEL_ALIASES = {
    "negative": 0, "neg": 0, "label_0": 0, "1 star": 0, "2 stars": 0,
    "neutral": 1, "neu": 1, "3 stars": 1,
    "positive": 2, "pos": 2, "4 stars": 2, "5 stars": 2,
}  # fmt: skip


class TransformersSentiment:
    """A local transformers sequence-classification model; its labels are mapped by name."""

    embedder_id: str | None = None

    def __init__(self, path: str, threads: int, neutral_margin: float = 0.0) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        torch.set_num_threads(threads)
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(path)
            self._model = AutoModelForSequenceClassification.from_pretrained(path).eval()
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load transformers sentiment model {path!r}: {exc}") from exc
        id2label = {int(k): str(v).lower() for k, v in self._model.config.id2label.items()}
        self._columns: dict[int, list[int]] = {0: [], 1: [], 2: []}
        for idx, name in id2label.items():
            target = _LABEL_ALIASES.get(name)
            if target is None and len(id2label) == 2:  # unnamed binary model: 0 neg, 1 pos
                target = 0 if idx == 0 else 2
            if target is None and len(id2label) == 3:
                target = idx
            if target is None:
                raise ModelError(f"cannot map label {name!r} of {path} to a sentiment label")
            self._columns[target].append(idx)
        self.neutral_margin = neutral_margin
        self.id = f"transformers:{Path(path).name}"

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str]) -> list[Sentiment]:
        import torch

        if not texts:
            return []
        enc = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=512, return_tensors="pt"
        )
        with torch.inference_mode():
            probs = torch.softmax(self._model(**enc).logits, dim=-1).numpy()
        grouped = np.stack([probs[:, cols].sum(axis=1) for cols in self._columns.values()], axis=1)
        return from_probabilities(grouped, self.neutral_margin)
