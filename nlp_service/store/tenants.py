"""Tenants and API keys. Keys are random, shown once, stored as sha256; a short clear prefix
makes the lookup one indexed query."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nlp_service.errors import Conflict, InvalidInput
from nlp_service.store.models import ApiKey, Tenant

ROLES = ("ingest", "research", "moderate", "admin")
KEY_PREFIX_LEN = 16  # "nlps_" + 11 random characters


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant, the key's roles, and the key prefix for audit records."""

    tenant_id: str
    roles: frozenset[str]
    key_prefix: str
    keep_raw: bool
    key_name: str | None = None

    @property
    def actor(self) -> str:
        """Who the audit log says acted: the key's name, else its prefix."""
        return self.key_name or self.key_prefix

    def has_any(self, roles: tuple[str, ...]) -> bool:
        return "admin" in self.roles or bool(self.roles.intersection(roles))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_roles(roles: str | Sequence[str]) -> list[str]:
    items = roles.split(",") if isinstance(roles, str) else list(roles)
    parsed = [r.strip().lower() for r in items if r.strip()]
    unknown = sorted(set(parsed) - set(ROLES))
    if unknown or not parsed:
        raise InvalidInput(
            f"unknown or missing roles {unknown}; choose from {', '.join(ROLES)}", field="roles"
        )
    return sorted(set(parsed), key=ROLES.index)


def add_key(
    session: Session, tenant_id: str, roles: str | Sequence[str], name: str | None = None
) -> str:
    """Create an API key for the tenant; returns the key (the only time it exists in clear)."""
    key = "nlps_" + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            tenant_id=tenant_id,
            prefix=key[:KEY_PREFIX_LEN],
            key_hash=hash_key(key),
            roles=",".join(parse_roles(roles)),
            name=name,
        )
    )
    session.flush()
    return key


def create_tenant(
    session: Session,
    name: str,
    roles: str | Sequence[str] = ROLES,
    *,
    keep_raw: bool = False,
    key_name: str | None = None,
) -> tuple[Tenant, str]:
    """A new tenant and its first key."""
    if not name.strip():
        raise InvalidInput("tenant name is empty", field="name")
    tenant = Tenant(id="ten_" + uuid.uuid4().hex[:16], name=name.strip(), keep_raw=keep_raw)
    session.add(tenant)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a tenant named {name!r} exists already", field="name") from None
    return tenant, add_key(session, tenant.id, roles, key_name or f"{name.strip()}-initial")


def authenticate(session: Session, key: str) -> Principal | None:
    """The principal for a key, or None for unknown, revoked or malformed keys."""
    if len(key) <= KEY_PREFIX_LEN:
        return None
    row = session.execute(
        select(ApiKey, Tenant.keep_raw)
        .join(Tenant, Tenant.id == ApiKey.tenant_id)
        .where(ApiKey.prefix == key[:KEY_PREFIX_LEN], ApiKey.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row[0].key_hash, hash_key(key)):
        return None
    api_key, keep_raw = row
    return Principal(
        api_key.tenant_id,
        frozenset(api_key.roles.split(",")),
        api_key.prefix,
        keep_raw,
        api_key.name,
    )


def get_tenant_by_name(session: Session, name: str) -> Tenant | None:
    return session.scalars(select(Tenant).where(Tenant.name == name)).first()
