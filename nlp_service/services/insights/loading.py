"""The tenant's answers at its current data version (`tenant_data`), and the snapshot refresh
the refit and import jobs call.

Cost (what is kept, what is recomputed): `tenant_data` keeps all of a tenant's answers (a few
scalar columns, hidden ones marked) and their (answer, theme) pairs in memory, tagged with the
tenant's data version (store/versions.py: bumped by every insert, moderation decision, replaced
answer or reassignment). A request reads the version (one primary-key lookup); when it moved, only
the answers stamped with a newer version are read and merged in, so the first request after new
answers or a decision reads a handful of rows, not 100,000. Filters are applied in numpy
(`AnswerColumns.mask`), each view's statistics are vectorised over the pairs (per-theme work is
proportional to the theme's answers, the KPI without a theme comes from subtracted totals) and
cached per (tenant, data version, catalog, filters).

A process's first request, and the first after a refit that moved most answers' themes, do not
read everything either: the tenant's columns are kept as a compressed snapshot in the database
(store/snapshots.py), tagged with the data version they were read at. The refit job writes it
right after activating its version (`refresh_snapshot`), and a reader that had to read
everything, or topped up a snapshot more than SNAPSHOT_BEHIND answers behind, rewrites it in a
background thread. Such a reader loads the snapshot and reads only the answers stamped after
it, with the same rule as a held copy (`_most_changed`), so a snapshot is never served as
current: it is always brought to the current data version first, and when it is too far
behind (or an answer was deleted) everything is read. Every process (API replicas, worker)
shares it through the database.
"""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from nlp_service.services.insights.caches import DATA, TableCache
from nlp_service.services.insights.snapshot_writes import (
    SNAPSHOT_BEHIND,
    save_snapshot,
    write_later,
)
from nlp_service.services.insights.tenant_copy import TenantData
from nlp_service.store.insights import InsightsRepository
from nlp_service.store.snapshots import SnapshotRepository

# Changed answers merged into the held copy (their pairs read by answer); above this (and a
# tenth of the answers), everything is read again, which is cheaper than that many lookups.
MAX_DELTA = 5_000
# One refresh per tenant at a time (`_tenant_lock`).
_LOADING: dict[str, threading.Lock] = {}
_LOADING_LOCK = threading.Lock()


def _tenant_lock(tenant_id: str) -> threading.Lock:
    with _LOADING_LOCK:
        return _LOADING.setdefault(tenant_id, threading.Lock())


def _most_changed(total: int) -> int:
    """The rule for a copy (held in memory or a snapshot) of `total` answers: with at most this
    many changed answers it is topped up (those answers and their pairs are read), with more
    everything is read again."""
    return max(MAX_DELTA, total // 10)


def _changed(repo: InsightsRepository, base_version: int, total: int) -> int | None:
    """How many entries changed after `base_version`, or None when too many (counted no
    further: a refit's 100,000 are not counted)."""
    limit = _most_changed(total)
    changed = repo.changed_count(base_version, at_most=limit + 1)
    return changed if changed <= limit else None


def _read_all(repo: InsightsRepository, version: int) -> TenantData:
    return TenantData.of(version, repo.answers_since(None), repo.links(None))


def _caught_up(
    repo: InsightsRepository, base: TenantData, version: int, counted: bool = False
) -> TenantData | None:
    """`base` with the answers changed after its version merged in, as of `version` (or
    base's own when newer); None when too many changed or an answer was deleted. The version
    is read before the changes, so a change committed in between is read now and again next
    time: merging is idempotent. `counted`: the caller checked how many changed."""
    if not counted and _changed(repo, base.version, len(base.answers)) is None:
        return None
    delta = repo.answers_since(base.version)
    data = base.merge(max(version, base.version), delta, repo.links(delta.seq))
    if len(data.answers) != repo.answer_count():  # an answer was deleted
        return None
    return data


def _from_snapshot(
    session: Session, repo: InsightsRepository, version: int, newer_than: int
) -> TenantData | None:
    """The tenant's stored snapshot brought to `version`, when there is one newer than
    `newer_than` and close enough (`_most_changed`); rewritten in the background when it was
    more than SNAPSHOT_BEHIND answers behind."""
    snapshots = SnapshotRepository(session, repo.tenant_id)
    info = snapshots.info()
    if info is None or info.version <= newer_than:
        return None
    changed = _changed(repo, info.version, info.answers)
    if changed is None:
        return None
    stored = snapshots.load(info.version)
    if stored is None:  # replaced since `info`: the next reader takes the new one
        return None
    data = _caught_up(repo, TenantData.of(info.version, *stored), version, counted=True)
    if data is not None and changed > SNAPSHOT_BEHIND:
        write_later(session, repo.tenant_id, data)
    return data


def refresh_snapshot(sessions: sessionmaker[Session], tenant_id: str) -> int | None:
    """Read all of the tenant's columns, store them as the tenant's snapshot and replace this
    process's copy of the tenant if it holds one (an API process running the worker); returns
    the data version written (None when one as new was there or the write failed). The refit
    job calls it after activating a version that moved the answers' themes, so that no reader
    has to read everything."""
    with sessions() as session:
        repo = InsightsRepository(session, tenant_id)
        data = _read_all(repo, repo.data_version())
    with _tenant_lock(tenant_id):
        held: TenantData | None = DATA.get(tenant_id)
        if held is not None and held.version < data.version:  # this process serves it
            DATA.put(tenant_id, data)
    return data.version if save_snapshot(sessions, tenant_id, data) else None


def refresh_snapshot_if_behind(sessions: sessionmaker[Session], tenant_id: str) -> int | None:
    """`refresh_snapshot` when the tenant has no snapshot or it is more than SNAPSHOT_BEHIND
    answers behind (the rule a reader rewrites it by), else nothing (None). The import job calls
    it: a small import leaves the readers a cheap top-up, a big one would make them read
    everything."""
    with sessions() as session:
        info = SnapshotRepository(session, tenant_id).info()
        if info is not None:
            repo = InsightsRepository(session, tenant_id)
            if repo.changed_count(info.version, at_most=SNAPSHOT_BEHIND + 1) <= SNAPSHOT_BEHIND:
                return None
    return refresh_snapshot(sessions, tenant_id)


def tenant_data(session: Session, tenant_id: str, cache: TableCache | None = DATA) -> TenantData:
    """The tenant's answers and pairs at its current data version: from memory when nothing
    changed (one primary-key read), else the held copy with the changed answers merged in
    (reads only those), else the stored snapshot brought up to date the same way, else
    everything (the snapshot is then rewritten in the background). Without a cache: always
    everything, straight from the answers (the reference the tests compare with)."""
    repo = InsightsRepository(session, tenant_id)
    version = repo.data_version()
    if cache is None:
        return _read_all(repo, version)
    held: TenantData | None = cache.get(tenant_id)
    if held is not None and held.version == version:
        return held
    with _tenant_lock(tenant_id):  # one refresh per tenant at a time; the others reuse it
        held = cache.get(tenant_id)
        if held is not None and held.version >= version:
            return held
        data = _caught_up(repo, held, version) if held is not None else None
        if data is None:
            newer_than = held.version if held is not None else -1
            data = _from_snapshot(session, repo, version, newer_than)
        if data is None:  # no copy close enough: read everything
            data = _read_all(repo, version)
            write_later(session, tenant_id, data)
        cache.put(tenant_id, data)
        return data
