"""Storage: SQLAlchemy 2 models, tenant-scoped repositories, Alembic migrations.

Every repository takes `(session, tenant_id)` and filters every query by the tenant, so route
handlers cannot forget it; a row of another tenant is reported as not found.
"""

from nlp_service.store import versions  # noqa: F401  (registers the data-version listener)
from nlp_service.store.db import (
    make_engine,
    make_sessionmaker,
    migrated_engine,
    transaction,
    upgrade,
)
from nlp_service.store.entries import EntryFilter, EntryRepository, NewEntry
from nlp_service.store.jobs import JobRepository
from nlp_service.store.moderation import ModerationRepository
from nlp_service.store.segments import SegmentRepository
from nlp_service.store.tenants import ROLES, Principal, authenticate, create_tenant
from nlp_service.store.threads import ThreadRepository

__all__ = [
    "ROLES",
    "EntryFilter",
    "EntryRepository",
    "JobRepository",
    "ModerationRepository",
    "NewEntry",
    "Principal",
    "SegmentRepository",
    "ThreadRepository",
    "authenticate",
    "create_tenant",
    "make_engine",
    "make_sessionmaker",
    "migrated_engine",
    "transaction",
    "upgrade",
]
