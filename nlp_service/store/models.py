"""SQLAlchemy 2 tables. Every row that belongs to a customer carries `tenant_id`; the
repositories in this package add that filter to every query.

Answers and forum posts share one table (`entries`, `kind` = answer | post): they are analysed,
flagged, moderated and refitted the same way, and moderation item ids are entry ids.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC datetimes everywhere: SQLite drops the offset, so naive values mean UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Off by default: only the redacted text is stored.
    keep_raw: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DataVersion(Base):
    """A tenant's data version: bumped by every transaction that changes what the insights read
    from its answers (store/versions.py); the entries it changed carry the new value in
    `entries.data_version`. A row of its own, not a tenants column: writers lock it last, and
    nothing else (codebook edits lock the tenant row first) may hold it while waiting."""

    __tablename__ = "data_versions"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class InsightsSnapshot(Base):
    """A tenant's insights columns (answers and theme pairs, store/snapshots.py) as one
    compressed blob, as of data version `version`: read instead of every answer when a process
    has no copy of the tenant, then topped up with the entries stamped after `version`."""

    __tablename__ = "insights_snapshots"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[int] = mapped_column(Integer)  # store/snapshots.FORMAT when written
    answers: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    # The first characters of the key, stored in clear for a unique index lookup; the whole key
    # is only stored as its sha256.
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(200))  # comma-separated
    # Who holds the key ("ci-ingest", "anna"): shown in `keys list` and recorded in the audit log.
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Thread(Base):
    __tablename__ = "threads"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    touchpoint: Mapped[str | None] = mapped_column(String(200), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Entry(Base):
    """One analysed text: a survey answer or a forum post."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "external_id", name="uq_entries_tenant_external"),
        Index("ix_entries_tenant_kind_seq", "tenant_id", "kind", "seq"),
        Index("ix_entries_moderation", "tenant_id", "moderation_status", "max_severity"),
        Index("ix_entries_tenant_data_version", "tenant_id", "data_version"),
    )

    # Monotonic internal key: cursor pagination and segment foreign keys.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # answer | post
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    thread_seq: Mapped[int | None] = mapped_column(
        ForeignKey("threads.seq", ondelete="CASCADE"), nullable=True, index=True
    )
    survey_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    question_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    touchpoint: Mapped[str | None] = mapped_column(String(200), nullable=True)
    respondent_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    author: Mapped[str | None] = mapped_column(String(200), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)

    # Redacted unless the tenant keeps raw text (then text_is_raw is true).
    text: Mapped[str] = mapped_column(Text)
    text_is_raw: Mapped[bool] = mapped_column(Boolean, default=False)
    pii_types: Mapped[list[Any]] = mapped_column(JSON, default=list)

    kpi_type: Mapped[str | None] = mapped_column(String(10), nullable=True)
    kpi_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    kpi_group: Mapped[str | None] = mapped_column(String(20), nullable=True)
    kpi_normalized: Mapped[float | None] = mapped_column(Float, nullable=True)

    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    language_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    language_source: Mapped[str | None] = mapped_column(String(20), nullable=True)
    sentiment_label: Mapped[str] = mapped_column(String(10))
    sentiment_score: Mapped[float] = mapped_column(Float)
    # Denormalised from segments for reading; filters use the segments table.
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    max_severity: Mapped[int] = mapped_column(Integer, default=0)

    # none (not flagged) | pending | approved | hidden | escalated
    moderation_status: Mapped[str] = mapped_column(String(12), default="none")
    # Insights and lists filter on this.
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False)

    # float32; deferred so reads for the API never pull vectors.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    embedder_id: Mapped[str] = mapped_column(String(200))
    sentiment_model_id: Mapped[str] = mapped_column(String(200))
    topic_model_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # The tenant's data version of the last change to this entry or its segments (insert,
    # moderation, replaced analysis, reassigned themes): the insights reload only entries newer
    # than what they hold (store/versions.py).
    data_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    segments: Mapped[list[Segment]] = relationship(
        order_by="Segment.idx", lazy="selectin", cascade="all, delete-orphan"
    )
    thread: Mapped[Thread | None] = relationship(lazy="joined")


class Segment(Base):
    """One sentence (or chunk) of an entry with its main-embedder vector, for refits."""

    __tablename__ = "segments"
    __table_args__ = (
        # Covers the insights' read of every (answer, theme) sentence
        # (store/insights/repository.py): the columns it needs come from the index, not from rows
        # that also hold text and vectors.
        Index(
            "ix_segments_tenant_topic",
            "tenant_id",
            "topic_id",
            "entry_seq",
            "sentiment_label",
            "topic_confidence",
        ),
        Index("ix_segments_entry", "entry_seq", "idx"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_seq: Mapped[int] = mapped_column(ForeignKey("entries.seq", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(String(40))
    idx: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # always from the redacted text
    sentiment_label: Mapped[str] = mapped_column(String(10))
    sentiment_score: Mapped[float] = mapped_column(Float)
    topic_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    topic_label: Mapped[str | None] = mapped_column(String(300), nullable=True)
    topic_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    embedding: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # float32, main embedder


class AuditLog(Base):
    """Append-only (database triggers reject UPDATE and DELETE)."""

    __tablename__ = "moderation_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    entry_id: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(64))  # the API key prefix
    action: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))  # queued | running | succeeded | failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The queue's lease: which worker runs it, when it last said so, how often it was started.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class JobFile(Base):
    """The input file of a queued job (an import's upload), kept in the database so any worker
    process can run the job and a retried job still has it. Deleted in the transaction that
    finishes the job (store/jobs.py), so a file lives only while its job is queued or running."""

    __tablename__ = "job_files"

    job_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TopicModelRow(Base):
    """One version of a tenant's topic model (the artifact's files as bytes); at most one row
    per tenant is active. Shared by every process of the service."""

    __tablename__ = "topic_models"
    __table_args__ = (
        UniqueConstraint("tenant_id", "version", name="uq_topic_models_tenant_version"),
        Index("ix_topic_models_tenant_active", "tenant_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(100))
    embedder_id: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    manifest: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    tensors: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- Connectors (migration 0003): survey mappings and the revisions that updates leave. ---


class ConnectorMapping(Base):
    """How one survey of a platform maps to answers, for one tenant. The secret verifies the
    platform's signatures, so it is stored as given; it never leaves the service."""

    __tablename__ = "connector_mappings"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_connector_mappings_name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EntryRevision(Base):
    """What an answer looked like before an update from its platform replaced it."""

    __tablename__ = "entry_revisions"
    __table_args__ = (Index("ix_entry_revisions_entry", "tenant_id", "entry_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[str] = mapped_column(String(40))
    revision: Mapped[int] = mapped_column(Integer)  # 1 for the first replaced version
    reason: Mapped[str] = mapped_column(String(200))  # e.g. "formbricks:responseUpdated"
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- Codebook editing (migration 0005): edit events and split proposals. ---


class CodebookEdit(Base):
    """One researcher's edit of a tenant's codebook (rename, merge, split, move, retire, add,
    accept): who, when, what before and after, the version it produced, and what the last
    refit's replay made of it. Replayed in id order on top of every refit."""

    __tablename__ = "codebook_edits"
    __table_args__ = (Index("ix_codebook_edits_tenant", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(100))  # the API key's name (else its prefix)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[str] = mapped_column(String(100))  # the topic model version it produced
    status: Mapped[str] = mapped_column(String(12), default="applied")  # applied | conflict
    last_replay: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SplitProposal(Base):
    """A sub-clustering of one theme offered to a researcher; a split edit accepts it."""

    __tablename__ = "codebook_proposals"
    __table_args__ = (Index("ix_codebook_proposals_tenant", "tenant_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    theme_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    parts: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
