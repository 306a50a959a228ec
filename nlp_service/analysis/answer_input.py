"""One answer as the pipeline takes it: validated text, language hint, KPI and topic model.
Every entry point (API, CLI, connectors) builds it with `AnswerInput.create`, so bad input is
rejected with the same message naming the field everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from nlp_service.analysis.kpi import Kpi, parse_kpi
from nlp_service.analysis.results import TopicAssigner
from nlp_service.errors import InvalidInput, TooLarge
from nlp_service.validation import has_visible


@dataclass(frozen=True)
class AnswerInput:
    text: str
    language_hint: str | None = None
    kpi: Kpi | None = None
    # The topic model to assign this answer with (e.g. its tenant's); None: the pipeline's default.
    topics: TopicAssigner | None = None

    @classmethod
    def create(
        cls,
        text: object,
        language: object = None,
        kpi: tuple[object, object] | dict | None = None,
        *,
        max_chars: int | None = None,
        topics: TopicAssigner | None = None,
    ) -> AnswerInput:
        """Validate raw input; raises InvalidInput/TooLarge naming the field."""
        if not isinstance(text, str):
            raise InvalidInput("text must be a string", field="text")
        if not has_visible(text):
            raise InvalidInput(
                "text is empty or has no visible characters (only whitespace, zero-width or "
                "control characters)",
                field="text",
            )
        if max_chars is not None and len(text) > max_chars:
            raise TooLarge(
                f"text has {len(text)} characters; the limit is {max_chars} "
                "(NLP_SERVICE_MAX_TEXT_CHARS)",
                field="text",
            )
        if language is not None and (
            not isinstance(language, str) or not language.strip().replace("-", "").isalpha()
        ):
            raise InvalidInput(
                f"language must be an ISO 639-1 code like 'de', got {language!r}", field="language"
            )
        parsed = None
        if isinstance(kpi, dict):
            if "type" not in kpi or "score" not in kpi:
                raise InvalidInput("kpi needs 'type' and 'score'", field="kpi")
            parsed = parse_kpi(kpi["type"], kpi["score"])
        elif kpi is not None:
            parsed = parse_kpi(*kpi)
        hint = language.strip().lower() if isinstance(language, str) else None
        return cls(text, hint, parsed, topics)
