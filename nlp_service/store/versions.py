"""Data versions: which of a tenant's answers changed since a reader last looked.

Every transaction that changes what the insights read (an answer or post stored, moderated,
replaced by its platform's update, its sentences' themes reassigned) bumps the tenant's row in
`data_versions` and stamps the entries it changed with the new value. A reader holding a
copy of the tenant's answers at version V re-reads only `entries.data_version > V`
(`InsightsRepository.answers_since`), an index range on `(tenant_id, data_version)`.

- ORM writes (`session.add`, changed attributes, an entry's segments collection) are stamped by
  the `after_flush` listener below, so repositories need not remember it.
- Bulk statements bypass the unit of work: their writers call `stamp` (`SegmentRepository.
  reassign`, `relabel` and `refresh_entries` do; anything else that rewrites entries or segments
  in bulk must too).

Ordering: the bump is an upsert of the tenant's `data_versions` row, whose write lock
(PostgreSQL) is held until commit, so versions become visible in the order they were given: a
reader that sees version V sees every change up to V. It runs after the changed entries are
written, so writers lock entries first and the version row last, and nothing waits for another
lock while holding it (no cycles between a moderation decision and a reassignment that writes
every entry; a codebook edit locks the tenant row, which is another row). SQLite has one writer
at a time anyway. Bulk deletes of entries must call `stamp(session, tenant_id)` (all entries).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction

from nlp_service.store.models import DataVersion, Entry, Segment, Tenant

CHUNK = 500  # seqs per UPDATE ... IN (...): under every driver's bind-parameter limit


def current(session: Session, tenant_id: str) -> int:
    """The tenant's data version (0 before its first change; a primary-key lookup)."""
    value = session.scalar(select(DataVersion.version).where(DataVersion.tenant_id == tenant_id))
    return int(value or 0)


def _bump(session: Session, tenant_id: str) -> int:
    conn = session.connection()
    table = cast(Table, DataVersion.__table__)
    dialect = conn.dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(tenant_id=tenant_id, version=1)
        .on_conflict_do_update(
            index_elements=[table.c.tenant_id], set_={"version": table.c.version + 1}
        )
        .returning(table.c.version)
    )
    return int(conn.execute(statement).scalar_one())


def stamp(session: Session, tenant_id: str, seqs: Iterable[int] | None = None) -> int:
    """Bump the tenant's version and stamp the entries `seqs` (every entry of the tenant when
    None) with it; returns the new version. Call after writing the entries (see Ordering)."""
    conn = session.connection()
    exists = conn.execute(select(Tenant.id).where(Tenant.id == tenant_id)).first()
    if exists is None:  # the tenant itself is being deleted
        return 0
    version = _bump(session, tenant_id)
    entries = cast(Table, Entry.__table__)
    scoped = update(entries).where(entries.c.tenant_id == tenant_id)
    if seqs is None:
        conn.execute(scoped.values(data_version=version))
        return version
    ordered = sorted(set(seqs))
    for i in range(0, len(ordered), CHUNK):
        conn.execute(
            scoped.where(entries.c.seq.in_(ordered[i : i + CHUNK])).values(data_version=version)
        )
    return version


def _changed_entries(session: Session) -> dict[str, set[int]]:
    """tenant -> seqs of the entries this flush inserted or changed (their own columns, their
    segments collection, or one of their segments)."""
    out: dict[str, set[int]] = {}

    def add(tenant_id: Any, seq: Any) -> None:
        if tenant_id is not None:
            seqs = out.setdefault(str(tenant_id), set())
            if seq is not None:
                seqs.add(int(seq))

    for obj in session.new:
        if isinstance(obj, Entry | Segment):
            add(obj.tenant_id, obj.seq if isinstance(obj, Entry) else obj.entry_seq)
    for obj in session.dirty:
        if isinstance(obj, Entry | Segment) and session.is_modified(obj):
            add(obj.tenant_id, obj.seq if isinstance(obj, Entry) else obj.entry_seq)
    for obj in session.deleted:
        # A deleted entry has no row left to stamp: the bump alone tells readers to look (they
        # reload when their answer count no longer matches).
        if isinstance(obj, Entry):
            add(obj.tenant_id, None)
        elif isinstance(obj, Segment):
            add(obj.tenant_id, obj.entry_seq)
    return out


@event.listens_for(Session, "after_flush")
def _stamp_flushed(session: Session, _context: UOWTransaction) -> None:
    for tenant_id, seqs in _changed_entries(session).items():
        stamp(session, tenant_id, seqs)
