"""Moderation use cases: the queue with thread context, decisions, the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from nlp_service.store import EntryRepository, ModerationRepository
from nlp_service.store.models import AuditLog, Entry

CONTEXT_POSTS = 3  # posts shown before a flagged post


@dataclass(frozen=True)
class QueueItem:
    entry: Entry
    context: list[Entry]  # earlier visible posts of its thread, oldest first


def queue(
    session: Session, tenant_id: str, statuses: tuple[str, ...], limit: int
) -> list[QueueItem]:
    """Most severe first, then oldest; two queries whatever the queue length."""
    repo = ModerationRepository(session, tenant_id)
    entries = repo.queue(statuses, limit)
    contexts = repo.contexts(entries, CONTEXT_POSTS)
    return [QueueItem(e, contexts.get(e.seq, [])) for e in entries]


def decide(
    session: Session, tenant_id: str, item_id: str, action: str, note: str | None, actor: str
) -> AuditLog:
    return ModerationRepository(session, tenant_id).decide(item_id, action, note, actor)


def audit(session: Session, tenant_id: str, item_id: str) -> list[AuditLog]:
    EntryRepository(session, tenant_id).get(item_id)  # 404 for other tenants' ids
    return ModerationRepository(session, tenant_id).audit(item_id)
