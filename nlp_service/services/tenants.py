"""Tenants and their API keys: create, list, and keys that are created, listed, revoked and
rotated by name. The CLI calls these; every function takes an open session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nlp_service.errors import Conflict, InvalidInput, NotFound
from nlp_service.store.models import ApiKey, Entry, Tenant, as_utc, utcnow
from nlp_service.store.tenants import add_key, create_tenant, get_tenant_by_name, parse_roles

__all__ = ["KeyInfo", "TenantInfo", "create_key", "create_tenant", "list_keys", "list_tenants",
           "revoke_key", "rotate_key", "tenant_by_name"]  # fmt: skip


@dataclass(frozen=True)
class TenantInfo:
    id: str
    name: str
    keep_raw: bool
    created_at: datetime
    active_keys: int
    answers: int


@dataclass(frozen=True)
class KeyInfo:
    name: str | None
    prefix: str
    roles: str
    created_at: datetime
    revoked_at: datetime | None


def tenant_by_name(session: Session, name: str) -> Tenant:
    tenant = get_tenant_by_name(session, name)
    if tenant is None:
        raise NotFound(f"no tenant named {name!r}", field="tenant")
    return tenant


def list_tenants(session: Session) -> list[TenantInfo]:
    keys = dict(
        session.execute(
            select(ApiKey.tenant_id, func.count())
            .where(ApiKey.revoked_at.is_(None))
            .group_by(ApiKey.tenant_id)
        ).all()
    )
    answers = dict(
        session.execute(
            select(Entry.tenant_id, func.count())
            .where(Entry.kind == "answer")
            .group_by(Entry.tenant_id)
        ).all()
    )
    return [
        TenantInfo(
            t.id, t.name, t.keep_raw, as_utc(t.created_at), keys.get(t.id, 0), answers.get(t.id, 0)
        )
        for t in session.scalars(select(Tenant).order_by(Tenant.created_at, Tenant.name))
    ]


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a key name needs 1-100 characters", field="name")
    return name


def _active_key(session: Session, tenant_id: str, name_or_prefix: str) -> ApiKey:
    keys = list(
        session.scalars(
            select(ApiKey).where(
                ApiKey.tenant_id == tenant_id,
                ApiKey.revoked_at.is_(None),
                (ApiKey.name == name_or_prefix) | (ApiKey.prefix == name_or_prefix),
            )
        )
    )
    if not keys:
        raise NotFound(f"no active key named {name_or_prefix!r}", field="key")
    if len(keys) > 1:
        raise Conflict(
            f"{len(keys)} active keys are named {name_or_prefix!r}; use the key prefix",
            field="key",
        )
    return keys[0]


def create_key(session: Session, tenant_name: str, name: str, roles: str) -> str:
    tenant = tenant_by_name(session, tenant_name)
    name = _check_name(name)
    taken = session.scalar(
        select(func.count()).where(
            ApiKey.tenant_id == tenant.id, ApiKey.name == name, ApiKey.revoked_at.is_(None)
        )
    )
    if taken:
        raise Conflict(f"tenant {tenant_name!r} has an active key named {name!r}", field="name")
    return add_key(session, tenant.id, parse_roles(roles), name)


def list_keys(session: Session, tenant_name: str) -> list[KeyInfo]:
    tenant = tenant_by_name(session, tenant_name)
    return [
        KeyInfo(
            k.name,
            k.prefix,
            k.roles,
            as_utc(k.created_at),
            as_utc(k.revoked_at) if k.revoked_at else None,
        )
        for k in session.scalars(
            select(ApiKey).where(ApiKey.tenant_id == tenant.id).order_by(ApiKey.id)
        )
    ]


def revoke_key(session: Session, tenant_name: str, name_or_prefix: str) -> KeyInfo:
    """Revoked keys answer 401 everywhere once the API's key cache expires (30 s)."""
    key = _active_key(session, tenant_by_name(session, tenant_name).id, name_or_prefix)
    key.revoked_at = utcnow()
    session.flush()
    return KeyInfo(key.name, key.prefix, key.roles, as_utc(key.created_at), key.revoked_at)


def rotate_key(session: Session, tenant_name: str, name_or_prefix: str) -> str:
    """Revoke a key and create its successor with the same name and roles."""
    tenant = tenant_by_name(session, tenant_name)
    old = _active_key(session, tenant.id, name_or_prefix)
    old.revoked_at = utcnow()
    session.flush()
    return add_key(session, tenant.id, old.roles, old.name)
