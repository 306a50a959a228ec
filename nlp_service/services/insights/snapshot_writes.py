"""Writing the tenant's snapshot (store/snapshots.py): now, or off the request on one
background thread."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from nlp_service.services.insights.tenant_copy import TenantData
from nlp_service.store.snapshots import SnapshotRepository

log = structlog.get_logger("nlp_service.insights")

# A snapshot that a reader had to top up with more changed answers than this is rewritten.
SNAPSHOT_BEHIND = 1_000
# Snapshots noticed far behind are written here, off the request (one at a time).
_SNAPSHOT_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights-snapshot")


def save_snapshot(sessions: Callable[[], Session], tenant_id: str, data: TenantData) -> bool:
    try:
        with sessions() as session, session.begin():
            return SnapshotRepository(session, tenant_id).save(
                data.version, data.answers, data.links
            )
    except SQLAlchemyError as exc:  # a cache: the readers read everything instead
        log.warning("insights_snapshot_not_written", tenant=tenant_id, error=str(exc))
        return False


def write_later(session: Session, tenant_id: str, data: TenantData) -> None:
    bind = session.get_bind()
    if isinstance(bind, Engine):
        _SNAPSHOT_WRITER.submit(save_snapshot, functools.partial(Session, bind), tenant_id, data)


def wait_for_snapshot_writes() -> None:
    """Block until the snapshots queued so far are written (tests, benchmarks, shutdown)."""
    _SNAPSHOT_WRITER.submit(lambda: None).result()
