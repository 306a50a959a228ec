"""The one preparation step every path shares before any model sees a text:

    redact -> language (the caller's hint wins on short answers) -> split into segments -> cap

The pipeline, the CLI (`topics fit/assign`) and training all call `prepare`, so an answer is
segmented the same way everywhere and nothing downstream (embeddings, clustering, theme examples,
printed output) ever sees personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlp_service.analysis.language import LanguageDetector, LanguageResult
from nlp_service.analysis.privacy import Redaction, redact
from nlp_service.analysis.segments import Segment, segment_text
from nlp_service.errors import TooLarge


@dataclass(frozen=True)
class Prepared:
    redaction: Redaction
    language: LanguageResult
    segments: list[Segment]  # offsets into `text` (the redacted text)

    @property
    def text(self) -> str:
        return self.redaction.text


@dataclass(frozen=True)
class SegmentLimits:
    max_chunk_chars: int = 1_000
    max_chunks_per_text: int = 64


def prepare(
    text: str, hint: str | None, detector: LanguageDetector, limits: SegmentLimits
) -> Prepared:
    """Raises TooLarge (field `text`) when the text cannot be split within the limits."""
    redaction = redact(text)
    language = detector.detect(redaction.text, hint)
    try:
        segments = segment_text(
            redaction.text, language.language, limits.max_chunk_chars, limits.max_chunks_per_text
        )
    except ValueError as exc:
        raise TooLarge(str(exc), field="text") from None
    return Prepared(redaction, language, segments)


def prepare_many(
    texts: Sequence[str],
    hints: Sequence[str | None],
    detector: LanguageDetector,
    limits: SegmentLimits,
) -> list[Prepared]:
    return [prepare(t, h, detector, limits) for t, h in zip(texts, hints, strict=True)]
