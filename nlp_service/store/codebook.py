"""A tenant's codebook edit events and split proposals (tenant-scoped), and the per-tenant lock
that serialises codebook changes (edits and a refit's activation) across processes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nlp_service.errors import InvalidInput, NotFound
from nlp_service.store.models import CodebookEdit, SplitProposal, Tenant, utcnow


class CodebookRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def lock(self) -> None:
        """Hold the tenant's codebook until the transaction ends: a no-op write to its tenant row
        (a row lock in PostgreSQL, the database write lock in SQLite), so two edits, or an edit
        and a refit's activation, never interleave."""
        self.session.execute(
            update(Tenant).where(Tenant.id == self.tenant_id).values(name=Tenant.name)
        )

    # --- edits ----------------------------------------------------------------------------
    def add(
        self,
        kind: str,
        params: dict[str, Any],
        before: dict[str, Any],
        after: dict[str, Any],
        actor: str,
        note: str | None,
        version: str,
    ) -> CodebookEdit:
        row = CodebookEdit(
            tenant_id=self.tenant_id, kind=kind, params=params, before=before, after=after,
            actor=actor, note=note, version=version, status="applied", created_at=utcnow(),
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return row

    def all(self) -> list[CodebookEdit]:
        """Every edit of the tenant, oldest first (the replay order)."""
        return list(
            self.session.scalars(
                select(CodebookEdit)
                .where(CodebookEdit.tenant_id == self.tenant_id)
                .order_by(CodebookEdit.id)
            )
        )

    def count(self) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(CodebookEdit)
                .where(CodebookEdit.tenant_id == self.tenant_id)
            )
            or 0
        )

    def page(self, limit: int, cursor: str | None) -> tuple[list[CodebookEdit], str | None]:
        """Newest first; the cursor is the last id of the previous page."""
        query = select(CodebookEdit).where(CodebookEdit.tenant_id == self.tenant_id)
        if cursor is not None:
            if not cursor.isdigit() or len(cursor) > 12:
                raise InvalidInput("cursor must be a cursor from an earlier page", field="cursor")
            query = query.where(CodebookEdit.id < int(cursor))
        rows = list(self.session.scalars(query.order_by(CodebookEdit.id.desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (str(rows[-1].id) if more and rows else None)

    def set_replay(self, edit_id: int, last_replay: dict[str, Any], status: str) -> None:
        self.session.execute(
            update(CodebookEdit)
            .where(CodebookEdit.tenant_id == self.tenant_id, CodebookEdit.id == edit_id)
            .values(last_replay=last_replay, status=status)
        )

    def set_params(self, edit_id: int, params: dict[str, Any]) -> None:
        self.session.execute(
            update(CodebookEdit)
            .where(CodebookEdit.tenant_id == self.tenant_id, CodebookEdit.id == edit_id)
            .values(params=params)
        )

    # --- split proposals ------------------------------------------------------------------
    def add_proposal(
        self, proposal_id: str, theme_id: int, version: str | None, parts: Sequence[Any]
    ) -> None:
        self.session.add(
            SplitProposal(
                id=proposal_id, tenant_id=self.tenant_id, theme_id=theme_id, version=version,
                parts=list(parts), created_at=utcnow(),
            )
        )  # fmt: skip
        self.session.flush()

    def proposal(self, proposal_id: str) -> SplitProposal:
        row = self.session.scalar(
            select(SplitProposal).where(
                SplitProposal.tenant_id == self.tenant_id, SplitProposal.id == proposal_id
            )
        )
        if row is None:
            raise NotFound(f"split proposal {proposal_id!r} not found", field="proposal_id")
        return row
