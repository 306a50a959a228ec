"""Answers read from JSON-lines files and flattened into prepared segments, plus an embedding
cache keyed by content, for the paths that work on files rather than on stored answers
(`nlp-service topics fit/assign`, training, benchmarks).

Every answer goes through the shared `prepare` step, so files are redacted and segmented exactly
as the service does it: theme examples and printed segments never carry personal data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from nlp_service.analysis.embedding import Embedder
from nlp_service.analysis.language import LanguageDetector
from nlp_service.analysis.prepare import SegmentLimits, prepare
from nlp_service.errors import InvalidInput, ServiceError


@dataclass(frozen=True)
class Answer:
    text: str
    language: str | None = None
    touchpoint: str | None = None
    submitted_at: datetime | None = None
    kpi: dict[str, Any] | None = None
    id: str | None = None


@dataclass(frozen=True)
class Segments:
    """Answers flattened to aspect segments (one row per segment), redacted."""

    texts: list[str]
    answer: np.ndarray  # index of the answer each segment comes from
    languages: list[str | None]
    classes: list[str | None]
    timestamps: list[datetime | None]


def parse_timestamp(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidInput(
            f"submitted_at must be an ISO 8601 string, got {value!r}", field="submitted_at"
        )
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"submitted_at {value!r} is not ISO 8601", field="submitted_at"
        ) from None


def read_answers(path: Path) -> list[Answer]:
    """JSON lines with at least `text`; optional `language`, `touchpoint`, `submitted_at`, `kpi`,
    `id`. Errors name the line."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    f"line {n}: invalid JSON ({exc.msg})", code="invalid_json"
                ) from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise InvalidInput(
                    f"line {n}: expected an object with a string 'text'", field="text"
                )
            if not obj["text"].strip():
                continue
            try:
                ts = parse_timestamp(obj.get("submitted_at"))
            except InvalidInput as exc:
                raise InvalidInput(f"line {n}: {exc.message}", field=exc.field) from None
            language = obj.get("language")
            out.append(
                Answer(
                    obj["text"],
                    language if isinstance(language, str) else None,
                    obj.get("touchpoint"),
                    ts,
                    obj.get("kpi"),
                    obj.get("id"),
                )
            )
    return out


def default_detector() -> LanguageDetector:
    from nlp_service.config import get_settings

    settings = get_settings()
    return LanguageDetector(settings.language_backend, settings.languages)


def segment_answers(
    answers: Sequence[Answer],
    max_chars: int = 1_000,
    detector: LanguageDetector | None = None,
    max_segments: int = 64,
) -> Segments:
    """Prepare every answer (redact -> language -> split -> cap) like the pipeline; each segment
    inherits its answer's detected language, touchpoint and timestamp."""
    detector = detector or default_detector()
    limits = SegmentLimits(max_chars, max_segments)
    texts: list[str] = []
    owner: list[int] = []
    langs: list[str | None] = []
    classes: list[str | None] = []
    stamps: list[datetime | None] = []
    for i, answer in enumerate(answers):
        try:
            prepared = prepare(answer.text, answer.language, detector, limits)
        except ServiceError as exc:
            raise type(exc)(f"answer {i + 1}: {exc.message}", field=exc.field) from None
        for seg in prepared.segments:
            texts.append(seg.text)
            owner.append(i)
            langs.append(prepared.language.language)
            classes.append(answer.touchpoint)
            stamps.append(answer.submitted_at)
    return Segments(texts, np.array(owner, dtype=np.int64), langs, classes, stamps)


def content_key(embedder_id: str, texts: Iterable[str]) -> str:
    digest = hashlib.sha256(embedder_id.encode())
    for text in texts:
        digest.update(b"\x00" + text.encode("utf-8"))
    return digest.hexdigest()[:24]


def embed_cached(
    texts: Sequence[str],
    embedder: Embedder,
    cache_dir: Path,
    progress: Callable[[int], None] | None = None,
    batch: int = 2_048,
) -> np.ndarray:
    """Embed once: vectors are stored as `<cache_dir>/<content hash>.npy` (hash of the embedder
    id and every text), so refitting the same answers never runs the encoder again."""
    cache_dir = Path(cache_dir)
    path = cache_dir / f"{content_key(embedder.id, texts)}.npy"
    if path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(texts), embedder.dim):
            if progress:
                progress(len(texts))
            return vectors
    parts = []
    for start in range(0, len(texts), batch):
        parts.append(embedder.encode(texts[start : start + batch]))
        if progress:
            progress(len(parts[-1]))
    vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors.astype(np.float32))
    tmp.replace(path)
    return vectors
