"""Segment and text vectors for training and evaluation: the embedder the v2+ recipes train on
and a per-text cache of vectors (and of a text model's scores) on disk."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np

from nlp_service.analysis.embedding import Embedder
from nlp_service.config import get_settings

MAX_TRAIN_CHARS = 2_000
TORCH_EMBEDDER = "e5-torch"


def embed(embedder: Embedder, texts: Sequence[str], desc: str, batch: int = 64) -> np.ndarray:
    """Embed with a progress bar. Vectors are cached per text under <data dir>/cache/sentiment/
    (one file per embedder id, keyed by a hash of each text), so a grown corpus or a second
    run embeds only texts it has not seen."""
    from tqdm import tqdm

    texts = [t[:MAX_TRAIN_CHARS] for t in texts]
    store = _VectorStore.for_embedder(embedder.id)
    missing = list(dict.fromkeys(t for t in texts if t not in store))
    for i in tqdm(range(0, len(missing), batch), desc=desc, unit="batch", file=sys.stderr):
        chunk = missing[i : i + batch]
        store.add(chunk, embedder.encode(chunk))
        if (i // batch) % 20 == 19:
            store.save()  # a long run interrupted keeps what it embedded
    if missing:
        store.save()
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    return np.stack([store.get(t) for t in texts])


class _VectorStore:
    _open: ClassVar[dict[str, _VectorStore]] = {}

    def __init__(self, path: Path) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                for key, vec in zip(data["keys"], data["vectors"], strict=True):
                    self.vectors[str(key)] = vec

    @classmethod
    def for_embedder(cls, embedder_id: str) -> _VectorStore:
        if embedder_id not in cls._open:
            name = hashlib.sha256(embedder_id.encode()).hexdigest()[:16]
            path = get_settings().data_dir / "cache" / "sentiment" / f"vectors-{name}.npz"
            cls._open[embedder_id] = cls(path)
        return cls._open[embedder_id]

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def __contains__(self, text: str) -> bool:
        return self.key(text) in self.vectors

    def get(self, text: str) -> np.ndarray:
        return self.vectors[self.key(text)]

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        for t, v in zip(texts, vectors, strict=True):
            self.vectors[self.key(t)] = v.astype(np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():  # another process may have added vectors: keep them too
            with np.load(self.path) as data:
                for key, vec in zip(data["keys"], data["vectors"], strict=True):
                    self.vectors.setdefault(str(key), vec)
        tmp = self.path.with_suffix(".tmp.npz")
        keys = np.array(list(self.vectors))
        np.savez(tmp, keys=keys, vectors=np.stack(list(self.vectors.values())))
        tmp.replace(self.path)
