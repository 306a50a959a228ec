"""The moderation queue, decisions, and the append-only audit log (tenant-scoped)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nlp_service.errors import InvalidInput, NotFound
from nlp_service.store.models import AuditLog, Entry, utcnow

ACTIONS = {"approve": "approved", "hide": "hidden", "escalate": "escalated"}
OPEN_STATUSES = ("pending", "escalated")


def _state(entry: Entry) -> dict[str, object]:
    return {"moderation_status": entry.moderation_status, "is_hidden": entry.is_hidden}


class ModerationRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def queue(self, statuses: tuple[str, ...] = OPEN_STATUSES, limit: int = 50) -> list[Entry]:
        """Flagged items awaiting a decision: most severe first, then oldest first."""
        query = (
            select(Entry)
            .where(Entry.tenant_id == self.tenant_id, Entry.moderation_status.in_(statuses))
            .order_by(Entry.max_severity.desc(), Entry.created_at, Entry.seq)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def decide(self, entry_id: str, action: str, note: str | None, actor: str) -> AuditLog:
        """Apply a decision and append its audit record in the same transaction."""
        if action not in ACTIONS:
            raise InvalidInput(
                f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}", field="action"
            )
        # Row lock (PostgreSQL; SQLite serialises writers anyway) so concurrent decisions on one
        # item are applied one after the other and each audit record has the true `before`.
        entry = self.session.scalars(
            select(Entry)
            .where(Entry.tenant_id == self.tenant_id, Entry.id == entry_id)
            .with_for_update(of=Entry)
            .execution_options(populate_existing=True)
        ).first()
        if entry is None:
            raise NotFound(f"item {entry_id!r} not found", field="id")
        before = _state(entry)
        entry.moderation_status = ACTIONS[action]
        entry.is_hidden = action == "hide"
        record = AuditLog(
            tenant_id=self.tenant_id,
            entry_id=entry.id,
            actor=actor,
            action=action,
            note=note,
            before=before,
            after=_state(entry),
            created_at=utcnow(),
        )
        self.session.add(record)
        self.session.flush()
        return record

    def audit(self, entry_id: str | None = None, limit: int = 100) -> list[AuditLog]:
        query = select(AuditLog).where(AuditLog.tenant_id == self.tenant_id)
        if entry_id is not None:
            query = query.where(AuditLog.entry_id == entry_id)
        return list(self.session.scalars(query.order_by(AuditLog.id.desc()).limit(limit)))
