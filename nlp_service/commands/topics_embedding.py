"""Answers -> segments -> vectors for the `topics` commands: each answer prepared like the
pipeline does, its segments embedded once with the main embedder and cached.

Heavy imports (rich, the embedder) happen inside the functions, so `nlp-service --help` stays
fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from rich.console import Console

    from nlp_service.analysis.corpus import Answer, Segments
    from nlp_service.analysis.embedding import Embedder
    from nlp_service.config import Settings


def stderr_console() -> Console:
    """Progress bars go to stderr: stdout carries the commands' output."""
    from rich.console import Console

    return Console(stderr=True)


def embed_answers(
    answers: Sequence[Answer], settings: Settings
) -> tuple[Segments, Embedder, np.ndarray]:
    """The answers' segments and their vectors from the main embedder; vectors cached in
    <data dir>/cache/embeddings by content hash, so fitting the same answers again does not
    re-embed."""
    from rich.progress import Progress

    from nlp_service.analysis.corpus import embed_cached, segment_answers
    from nlp_service.analysis.embedding import get_embedder

    segments = segment_answers(answers, settings.max_chunk_chars)
    texts = segments.texts
    embedder = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size)
    cache = Path(settings.data_dir) / "cache" / "embeddings"
    with Progress(transient=True, console=stderr_console()) as bar:
        task = bar.add_task(f"embedding {len(texts)} segments", total=len(texts))
        vectors = embed_cached(texts, embedder, cache, lambda k: bar.advance(task, k))
    return segments, embedder, vectors
