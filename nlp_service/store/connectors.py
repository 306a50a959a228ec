"""Survey mappings, scoped by tenant like every repository; plus the one unscoped lookup a
webhook needs (the mapping id in the URL names the tenant, the signature proves the sender)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nlp_service.errors import Conflict, NotFound
from nlp_service.store.models import ConnectorMapping, Tenant, utcnow


class MappingRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def create(
        self, source: str, name: str, secret: str | None, config: dict[str, Any]
    ) -> ConnectorMapping:
        now = utcnow()
        row = ConnectorMapping(
            id="map_" + uuid.uuid4().hex[:20],
            tenant_id=self.tenant_id,
            source=source,
            name=name,
            secret=secret,
            config=config,
            created_at=now,
            updated_at=now,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            raise Conflict(f"a mapping named {name!r} exists already", field="name") from None
        return row

    def get(self, mapping_id: str) -> ConnectorMapping:
        row = self.session.scalars(
            select(ConnectorMapping).where(
                ConnectorMapping.tenant_id == self.tenant_id, ConnectorMapping.id == mapping_id
            )
        ).first()
        if row is None:
            raise NotFound(f"mapping {mapping_id!r} not found", field="id")
        return row

    def find(self, id_or_name: str) -> ConnectorMapping:
        """By id, else by name (the CLI accepts either)."""
        row = self.session.scalars(
            select(ConnectorMapping).where(
                ConnectorMapping.tenant_id == self.tenant_id,
                (ConnectorMapping.id == id_or_name) | (ConnectorMapping.name == id_or_name),
            )
        ).first()
        if row is None:
            raise NotFound(f"mapping {id_or_name!r} not found", field="mapping")
        return row

    def list(self) -> list[ConnectorMapping]:
        return list(
            self.session.scalars(
                select(ConnectorMapping)
                .where(ConnectorMapping.tenant_id == self.tenant_id)
                .order_by(ConnectorMapping.created_at, ConnectorMapping.id)
            )
        )

    def update(
        self,
        mapping_id: str,
        source: str,
        name: str,
        secret: str | None,
        config: dict[str, Any],
    ) -> ConnectorMapping:
        """Replace the mapping; a None secret keeps the stored one."""
        row = self.get(mapping_id)
        row.source, row.name, row.config, row.updated_at = source, name, config, utcnow()
        if secret is not None:
            row.secret = secret
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError:
            raise Conflict(f"a mapping named {name!r} exists already", field="name") from None
        return row

    def delete(self, mapping_id: str) -> None:
        self.session.delete(self.get(mapping_id))
        self.session.flush()


def mapping_for_webhook(session: Session, mapping_id: str) -> tuple[ConnectorMapping, bool]:
    """(mapping, tenant keeps raw text), whatever its tenant; NotFound when absent."""
    row = session.execute(
        select(ConnectorMapping, Tenant.keep_raw)
        .join(Tenant, Tenant.id == ConnectorMapping.tenant_id)
        .where(ConnectorMapping.id == mapping_id)
    ).first()
    if row is None:
        raise NotFound(f"mapping {mapping_id!r} not found", field="mapping_id")
    return row[0], bool(row[1])


def mapping_by_ref(session: Session, id_or_name: str, tenant_id: str | None) -> ConnectorMapping:
    """The CLI's lookup: an id anywhere, or a name within the given tenant."""
    if tenant_id is not None:
        return MappingRepository(session, tenant_id).find(id_or_name)
    row = session.get(ConnectorMapping, id_or_name)
    if row is None:
        raise NotFound(
            f"mapping {id_or_name!r} not found (give its id, or --tenant with its name)",
            field="mapping",
        )
    return row
