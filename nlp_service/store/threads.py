"""Forum threads (tenant-scoped); their posts live in `entries` with kind = post."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nlp_service.errors import NotFound
from nlp_service.store.models import Entry, Thread, utcnow


class ThreadRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def create(self, title: str, touchpoint: str | None, metadata: dict[str, Any]) -> Thread:
        thread = Thread(
            id="thr_" + uuid.uuid4().hex[:20],
            tenant_id=self.tenant_id,
            title=title,
            touchpoint=touchpoint,
            meta=dict(metadata),
            created_at=utcnow(),
        )
        self.session.add(thread)
        self.session.flush()
        return thread

    def get(self, thread_id: str) -> Thread:
        thread = self.session.scalars(
            select(Thread).where(Thread.tenant_id == self.tenant_id, Thread.id == thread_id)
        ).first()
        if thread is None:
            raise NotFound(f"thread {thread_id!r} not found", field="id")
        return thread

    def posts(
        self,
        thread: Thread,
        *,
        include_hidden: bool = False,
        before_seq: int | None = None,
        limit: int | None = None,
    ) -> list[Entry]:
        """Posts in posting order; `before_seq` + `limit` give the context before one post."""
        query = select(Entry).where(
            Entry.tenant_id == self.tenant_id, Entry.kind == "post", Entry.thread_seq == thread.seq
        )
        if not include_hidden:
            query = query.where(Entry.is_hidden.is_(False))
        if before_seq is not None:
            query = query.where(Entry.seq < before_seq)
        if limit is not None:
            rows = self.session.scalars(query.order_by(Entry.seq.desc()).limit(limit))
            return list(reversed(list(rows)))
        return list(self.session.scalars(query.order_by(Entry.seq)))
