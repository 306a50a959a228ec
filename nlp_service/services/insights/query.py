"""The filters every insights view takes (`InsightsQuery`) and the label language they imply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from nlp_service.errors import InvalidInput
from nlp_service.schemas_insights import Filters
from nlp_service.store.entries import EntryFilter

KPI_TYPES = ("nps", "csat", "ces")
LABEL_LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class InsightsQuery:
    """The filters every insights view takes (`from` / `to` bound submitted_at, to exclusive)."""

    touchpoint: str | None = None
    survey_id: str | None = None
    question_id: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    kpi_type: str | None = None

    def __post_init__(self) -> None:
        if self.kpi_type is not None and self.kpi_type not in KPI_TYPES:
            raise InvalidInput(
                f"kpi_type must be one of {', '.join(KPI_TYPES)}, got {self.kpi_type!r}",
                field="kpi_type",
            )
        if self.since and self.until and utc(self.since) >= utc(self.until):
            raise InvalidInput("`from` must be before `to`", field="from")

    def entry_filter(self, touchpoint: str | None = None) -> EntryFilter:
        return EntryFilter(
            touchpoint=touchpoint if touchpoint is not None else self.touchpoint,
            language=self.language,
            since=self.since,
            until=self.until,
            survey_id=self.survey_id,
            question_id=self.question_id,
            kpi_type=self.kpi_type,
        )

    def echo(self) -> Filters:
        return Filters.model_validate(
            {
                "touchpoint": self.touchpoint,
                "survey_id": self.survey_id,
                "question_id": self.question_id,
                "language": self.language,
                "from": self.since,
                "to": self.until,
                "kpi_type": self.kpi_type,
            }
        )

    def label_language(self, lang: str | None) -> str | None:
        """The language theme labels are shown in: `lang` (de | en) when given, else the
        `language` filter, else None (each theme's default label)."""
        if lang is None:
            return self.language
        if lang not in LABEL_LANGUAGES:
            raise InvalidInput(
                f"lang must be one of {', '.join(LABEL_LANGUAGES)}, got {lang!r}", field="lang"
            )
        return lang


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
