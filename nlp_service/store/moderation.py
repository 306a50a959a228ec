"""The moderation queue, decisions, and the append-only audit log (tenant-scoped)."""

from __future__ import annotations

from sqlalchemy import func, select, update
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
        # Take the item's write lock before reading its state, so concurrent decisions are applied
        # one after the other and each audit record's `before` is the previous one's `after`.
        # A no-op UPDATE locks the row on PostgreSQL and takes SQLite's write lock (pysqlite
        # would otherwise read outside the transaction and only BEGIN at the first write).
        self.session.execute(
            update(Entry)
            .where(Entry.tenant_id == self.tenant_id, Entry.id == entry_id)
            .values(moderation_status=Entry.moderation_status)
        )
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

    def contexts(self, items: list[Entry], per_item: int) -> dict[int, list[Entry]]:
        """The visible posts just before each queued post in its thread, in one query (a window
        over the items' threads), oldest first; keyed by the item's seq."""
        posts = [e for e in items if e.thread_seq is not None]
        if not posts:
            return {}
        item = (
            select(Entry.seq.label("item_seq"), Entry.thread_seq.label("thread_seq"))
            .where(Entry.seq.in_([e.seq for e in posts]))
            .subquery()
        )
        ranked = (
            select(
                item.c.item_seq,
                Entry.seq.label("post_seq"),
                func.row_number()
                .over(partition_by=item.c.item_seq, order_by=Entry.seq.desc())
                .label("rank"),
            )
            .join(item, Entry.thread_seq == item.c.thread_seq)
            .where(
                Entry.tenant_id == self.tenant_id,
                Entry.kind == "post",
                Entry.is_hidden.is_(False),
                Entry.seq < item.c.item_seq,
            )
            .subquery()
        )
        pairs = self.session.execute(
            select(ranked.c.item_seq, ranked.c.post_seq).where(ranked.c.rank <= per_item)
        ).all()
        wanted = {post for _, post in pairs}
        by_seq = (
            {
                e.seq: e
                for e in self.session.scalars(
                    select(Entry).where(Entry.tenant_id == self.tenant_id, Entry.seq.in_(wanted))
                )
            }
            if wanted
            else {}
        )
        out: dict[int, list[Entry]] = {e.seq: [] for e in posts}
        for item_seq, post_seq in sorted(pairs, key=lambda p: (p[0], p[1])):
            out[item_seq].append(by_seq[post_seq])
        return out

    def audit(self, entry_id: str | None = None, limit: int = 100) -> list[AuditLog]:
        query = select(AuditLog).where(AuditLog.tenant_id == self.tenant_id)
        if entry_id is not None:
            query = query.where(AuditLog.entry_id == entry_id)
        return list(self.session.scalars(query.order_by(AuditLog.id.desc()).limit(limit)))
