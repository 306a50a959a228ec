"""Split an answer into aspect segments: sentences (pysbd, German/English aware), then clauses
joined by a contrastive conjunction ("Lieferung schnell, aber die Hotline ist eine Katastrophe"
carries two aspects). Segments longer than the encoders' window are cut at word boundaries into
chunks, so nothing is silently truncated."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

# A comma or semicolon followed by a contrastive word starts a new aspect.
_CONTRAST = re.compile(
    r"(?:[,;]\s*|\s+[-–]\s+)(?=(?:aber|jedoch|doch|allerdings|dafür|obwohl|während|but|however|"
    r"although|though|whereas|yet)\b)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…]\s+\S|\n\s*\S")
_PYSBD_LANGS = {"de", "en", "fr", "it", "es", "nl", "pl"}


@dataclass(frozen=True)
class Segment:
    text: str
    start: int  # character offsets in the analysed text
    end: int


@lru_cache(maxsize=16)
def _segmenter(language: str):  # pysbd.Segmenter; building one compiles many regexes
    import pysbd

    return pysbd.Segmenter(language=language, clean=False, char_span=True)


def _sentences(text: str, language: str | None) -> list[tuple[int, int]]:
    if not _SENTENCE_END.search(text.strip()):
        return [(0, len(text))]  # one sentence: skip pysbd, the common case for survey answers
    lang = language if language in _PYSBD_LANGS else "en"
    spans = []
    for part in _segmenter(lang).segment(text):
        # pysbd puts line breaks inside spans; paragraphs are sentence boundaries for feedback.
        offset = part.start
        for line in re.split(r"(\n+)", part.sent):
            if line.strip() and not line.startswith("\n"):
                spans.append((offset, offset + len(line)))
            offset += len(line)
    return spans or [(0, len(text))]


def _chunks(start: int, end: int, text: str, max_chars: int) -> list[tuple[int, int]]:
    out = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def split_segments(text: str, language: str | None = None, max_chars: int = 1_000) -> list[Segment]:
    segments = []
    for s_start, s_end in _sentences(text, language):
        bounds = [s_start] + [s_start + m.end() for m in _CONTRAST.finditer(text[s_start:s_end])]
        bounds.append(s_end)
        for a, b in itertools.pairwise(bounds):
            for c_start, c_end in _chunks(a, b, text, max_chars):
                piece = text[c_start:c_end]
                stripped = piece.strip(" \t\n,;–-")
                if not any(ch.isalnum() for ch in stripped):
                    continue
                lead = piece.find(stripped)
                segments.append(Segment(stripped, c_start + lead, c_start + lead + len(stripped)))
    return segments or [Segment(text.strip(), 0, len(text))]


def cap_segments(segments: list[Segment], text: str, max_chars: int, cap: int) -> list[Segment]:
    """Keep at most `cap` segments without dropping text: when a long answer has more sentences
    than the cap, neighbouring segments are merged into pieces of up to `max_chars` characters.
    (Aspect granularity is traded for coverage only on very long answers.)"""
    if len(segments) <= cap:
        return segments
    merged: list[Segment] = []
    for seg in segments:
        last = merged[-1] if merged else None
        if last is not None and seg.end - last.start <= max_chars:
            merged[-1] = Segment(text[last.start : seg.end], last.start, seg.end)
        else:
            merged.append(seg)
    if len(merged) > cap:
        raise ValueError(
            f"text needs {len(merged)} segments of <= {max_chars} characters; the cap is {cap}"
        )
    return merged


def segment_text(
    text: str, language: str | None, max_chars: int = 1_000, cap: int = 64
) -> list[Segment]:
    """The segments an answer is analysed in: `split_segments`, then `cap_segments` (raises
    ValueError when the text cannot be split within the limits). `prepare` calls this for the
    pipeline, CLI and training; the flag heads (round 5) read these segments' vectors."""
    return cap_segments(split_segments(text, language, max_chars), text, max_chars, cap)
