"""Updates of stored answers from their platform: the new text and KPI are re-analysed, the
entry's analysis and segments are replaced in place (same id, same position in lists), and the
replaced version is kept as a revision.

Moderation after an update: flags on the new text put the answer (back) into the queue as
`pending` (a moderator approved the old text, not this one); without flags a `pending` answer
leaves the queue; `hidden` and `escalated` decisions stay, and a hidden answer stays hidden.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nlp_service.analysis.results import Analysis
from nlp_service.store.entries import EntryRepository, NewEntry, build_entry
from nlp_service.store.models import Entry, EntryRevision, as_utc, utcnow

# Columns an update replaces; id, seq, tenant, kind, external id, created_at and the moderation
# decision stay.
REPLACED = (
    "content_hash",
    "survey_id",
    "question_id",
    "touchpoint",
    "respondent_id",
    "author",
    "submitted_at",
    "meta",
    "text",
    "text_is_raw",
    "pii_types",
    "kpi_type",
    "kpi_score",
    "kpi_group",
    "kpi_normalized",
    "language",
    "language_confidence",
    "language_source",
    "sentiment_label",
    "sentiment_score",
    "themes",
    "flags",
    "max_severity",
    "embedding",
    "embedder_id",
    "sentiment_model_id",
    "topic_model_version",
)


def snapshot(entry: Entry) -> dict[str, Any]:
    return {
        "content_hash": entry.content_hash,
        "text": entry.text,
        "text_is_raw": entry.text_is_raw,
        "kpi": {"type": entry.kpi_type, "score": entry.kpi_score, "group": entry.kpi_group}
        if entry.kpi_type
        else None,
        "touchpoint": entry.touchpoint,
        "respondent_id": entry.respondent_id,
        "language": entry.language,
        "submitted_at": as_utc(entry.submitted_at).isoformat() if entry.submitted_at else None,
        "sentiment": {"label": entry.sentiment_label, "score": entry.sentiment_score},
        "themes": entry.themes,
        "flags": entry.flags,
        "moderation_status": entry.moderation_status,
        "topic_model_version": entry.topic_model_version,
    }


def replace_analysis(
    session: Session,
    tenant_id: str,
    entry_id: str,
    new: NewEntry,
    analysis: Analysis,
    *,
    keep_raw: bool,
    reason: str,
) -> tuple[Entry, bool]:
    """(entry, changed). Unchanged when the stored content is already `new`'s (a concurrent
    update got there first); the row is locked on PostgreSQL so two updates apply in turn."""
    query = select(Entry).where(Entry.tenant_id == tenant_id, Entry.id == entry_id)
    entry = session.scalars(query.with_for_update(of=Entry)).first()
    if entry is None:
        return EntryRepository(session, tenant_id).get(entry_id), False  # raises NotFound
    if entry.content_hash == new.content_hash:
        return entry, False
    number = (
        session.scalar(
            select(func.max(EntryRevision.revision)).where(
                EntryRevision.tenant_id == tenant_id, EntryRevision.entry_id == entry_id
            )
        )
        or 0
    ) + 1
    session.add(
        EntryRevision(
            tenant_id=tenant_id,
            entry_id=entry_id,
            revision=number,
            reason=reason[:200],
            before=snapshot(entry),
            created_at=utcnow(),
        )
    )
    fresh = build_entry(tenant_id, new, analysis, keep_raw)
    for column in REPLACED:
        setattr(entry, column, getattr(fresh, column))
    segments = fresh.segments
    fresh.segments = []
    entry.segments = segments  # delete-orphan removes the old segments
    if entry.flags:
        if entry.moderation_status in ("none", "approved"):
            entry.moderation_status = "pending"
    elif entry.moderation_status == "pending":
        entry.moderation_status = "none"
    session.flush()
    return entry, True


def revisions(session: Session, tenant_id: str, entry_id: str) -> list[EntryRevision]:
    return list(
        session.scalars(
            select(EntryRevision)
            .where(EntryRevision.tenant_id == tenant_id, EntryRevision.entry_id == entry_id)
            .order_by(EntryRevision.revision)
        )
    )
