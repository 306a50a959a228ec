"""Exports of a tenant's answers, one row per answer, filtered like the answer list.

Rows are read page by page (500 answers, each page in its own short session), so an export of
any size streams with bounded memory and never holds a database transaction open while the
client reads. Texts are what is stored: redacted unless the tenant keeps raw text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from nlp_service.store import EntryFilter, EntryRepository
from nlp_service.store.models import Entry, as_utc

PAGE = 500


def export_row(entry: Entry) -> dict[str, Any]:
    meta = entry.meta or {}
    themes = [t for t in entry.themes or [] if int(t.get("id", -1)) >= 0]
    flags = sorted({str(f.get("type")) for f in entry.flags or []})
    return {
        "answer_id": entry.id,
        "external_id": entry.external_id,
        "source": meta.get("source"),
        "survey_id": entry.survey_id,
        "response_id": meta.get("response_id"),
        "question_id": entry.question_id,
        "respondent_id": entry.respondent_id,
        "submitted_at": as_utc(entry.submitted_at).isoformat(),
        "touchpoint": entry.touchpoint,
        "language": entry.language,
        "kpi_type": entry.kpi_type,
        "kpi_score": entry.kpi_score,
        "kpi_group": entry.kpi_group,
        "sentiment": entry.sentiment_label,
        "sentiment_score": round(float(entry.sentiment_score), 4),
        "themes": "; ".join(str(t.get("label", "")) for t in themes),
        "theme_ids": ";".join(str(t.get("id")) for t in themes),
        "flags": ";".join(flags),
        "moderation_status": entry.moderation_status,
        "text": entry.text,
    }


class AnswerExport:
    def __init__(self, sessions: sessionmaker[Session], tenant_id: str, filters: EntryFilter):
        self.sessions = sessions
        self.tenant_id = tenant_id
        self.filters = filters
        self.cursor: str | None = None
        self.done = False

    def next_page(self) -> list[dict[str, Any]]:
        """The next page of rows ([] at the end); blocking, call from a worker thread."""
        if self.done:
            return []
        with self.sessions() as session:
            rows, self.cursor = EntryRepository(session, self.tenant_id).page(
                "answer", self.filters, self.cursor, PAGE
            )
            out = [export_row(e) for e in rows]
        self.done = self.cursor is None
        return out

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        while page := self.next_page():
            yield page
