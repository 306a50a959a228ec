"""A tenant's topic model versions in the database (tenant-scoped), with one active version.

Activation is one transaction (deactivate the others, activate this one), so every process
reading the table sees the old or the new version, never none or two.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nlp_service.errors import Conflict, NotFound
from nlp_service.store.models import TopicModelRow, utcnow

MANIFEST_FILE = "manifest.json"
TENSORS_FILE = "topics.safetensors"


@dataclass(frozen=True)
class StoredTopicModel:
    version: str
    embedder_id: str
    files: dict[str, bytes]  # the artifact's files, as `TopicModel.to_files()` gives them


class TopicModelRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def active_version(self) -> str | None:
        return self.session.scalar(
            select(TopicModelRow.version).where(
                TopicModelRow.tenant_id == self.tenant_id, TopicModelRow.is_active.is_(True)
            )
        )

    def versions(self) -> list[str]:
        return list(
            self.session.scalars(
                select(TopicModelRow.version)
                .where(TopicModelRow.tenant_id == self.tenant_id)
                .order_by(TopicModelRow.id)
            )
        )

    def add(self, version: str, embedder_id: str, files: dict[str, bytes]) -> None:
        row = TopicModelRow(
            tenant_id=self.tenant_id,
            version=version,
            embedder_id=embedder_id,
            is_active=False,
            manifest=files[MANIFEST_FILE],
            tensors=files[TENSORS_FILE],
            created_at=utcnow(),
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            raise Conflict(
                f"topic model version {version} exists already", field="version"
            ) from None

    def activate(self, version: str) -> None:
        found = self.session.scalar(
            select(TopicModelRow.id).where(
                TopicModelRow.tenant_id == self.tenant_id, TopicModelRow.version == version
            )
        )
        if found is None:
            raise NotFound(f"topic model version {version!r} not found", field="version")
        self.session.execute(
            update(TopicModelRow)
            .where(TopicModelRow.tenant_id == self.tenant_id, TopicModelRow.id != found)
            .values(is_active=False)
        )
        self.session.execute(
            update(TopicModelRow).where(TopicModelRow.id == found).values(is_active=True)
        )

    def load(self, version: str | None = None) -> StoredTopicModel | None:
        """A version (the active one when None); None when the tenant has none."""
        query = select(
            TopicModelRow.version,
            TopicModelRow.embedder_id,
            TopicModelRow.manifest,
            TopicModelRow.tensors,
        ).where(TopicModelRow.tenant_id == self.tenant_id)
        if version is None:
            query = query.where(TopicModelRow.is_active.is_(True))
        else:
            query = query.where(TopicModelRow.version == version)
        row = self.session.execute(query).first()
        if row is None:
            return None
        return StoredTopicModel(
            row.version, row.embedder_id, {MANIFEST_FILE: row.manifest, TENSORS_FILE: row.tensors}
        )
