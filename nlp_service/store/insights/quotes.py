"""Quotes: the sentences that carry a theme, with their answers' context, for the insights.

Segment text is always the redacted text, so a quote can be shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from nlp_service.store.insights.sql_reads import unindexed
from nlp_service.store.models import Entry, Segment, as_utc


@dataclass(frozen=True)
class QuoteRow:
    answer_id: str
    text: str
    sentiment: str
    confidence: float | None
    language: str | None
    touchpoint: str | None
    submitted_at: datetime
    kpi_score: float | None


# What a quote shows, in QuoteRow's order; both reads select these, so a row maps the same way.
COLUMNS = (
    Entry.id,
    Segment.text,
    Segment.sentiment_label,
    Segment.topic_confidence,
    Entry.language,
    Entry.touchpoint,
    Entry.submitted_at,
    Entry.kpi_score,
)


def quote(row: Any) -> QuoteRow:
    """A row of `COLUMNS` as a QuoteRow (the time as aware UTC)."""
    a, t, s, c, lang, tp, ts, k = row
    return QuoteRow(a, t, s, c, lang, tp, as_utc(ts), k)


def of_themes(
    tenant_id: str, theme_ids: list[int], limit: int, offset: int
) -> Select[*tuple[Any, ...]]:
    """The query for sentences carrying the themes, closest to the theme centre first; the
    caller scopes it to visible answers matching its filter."""
    return (
        select(*COLUMNS)
        .join(Entry, Entry.seq == Segment.entry_seq)
        .where(Segment.tenant_id == tenant_id, Segment.topic_id.in_(theme_ids))
        .order_by(Segment.topic_confidence.desc().nulls_last(), Segment.id)
        .limit(limit)
        .offset(offset)
    )


def by_segment(session: Session, tenant_id: str, segment_ids: list[int]) -> dict[int, QuoteRow]:
    """The given sentences (this tenant's only) with their answers' context."""
    if not segment_ids:
        return {}
    query = (
        select(Segment.id, *COLUMNS)
        .join(Entry, Entry.seq == Segment.entry_seq)
        .where(
            unindexed(Segment.tenant_id) == tenant_id,
            unindexed(Entry.tenant_id) == tenant_id,
            Entry.is_hidden.is_(False),
            Segment.id.in_(segment_ids),
        )
    )
    return {int(row[0]): quote(row[1:]) for row in session.execute(query)}
