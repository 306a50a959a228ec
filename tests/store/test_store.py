"""The storage layer on SQLite and PostgreSQL: migrations, hashed keys, tenant scoping in the
repositories themselves (not in handlers), idempotency, segment vectors."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import inspect, select, text

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.errors import Conflict, InvalidInput, NotFound
from nlp_service.store import (
    EntryFilter,
    EntryRepository,
    JobRepository,
    ModerationRepository,
    NewEntry,
    SegmentRepository,
    ThreadRepository,
    authenticate,
    create_tenant,
    make_engine,
    make_sessionmaker,
    transaction,
    upgrade,
)
from nlp_service.store.db import current_revision
from nlp_service.store.entries import DuplicateExternalId, content_hash
from nlp_service.store.models import ApiKey


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def analysis(api_pipeline):
    return api_pipeline.analyze(AnswerInput.create("Die Lieferung kam zu spät. Danke!", "de"))


def _tenant(sessions, **kw):
    with transaction(sessions) as s:
        return create_tenant(s, f"store-{uuid.uuid4().hex[:8]}", **kw)


def _new(ext: str | None = "e1", text_: str = "raw text") -> NewEntry:
    return NewEntry(
        kind="answer",
        text=text_,
        content_hash=content_hash({"t": text_}),
        external_id=ext,
        touchpoint="delivery",
    )


HEAD = "0008"  # the newest migration in nlp_service/store/migrations/versions


def test_schema_is_at_head(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == HEAD
        tables = set(inspect(engine).get_table_names())
        assert {
            "tenants",
            "api_keys",
            "entries",
            "segments",
            "threads",
            "moderation_audit",
            "jobs",
            "topic_models",
        } <= tables
    finally:
        engine.dispose()


def test_migrations_round_trip(tmp_path: Path) -> None:
    from alembic import command

    from nlp_service.store.db import alembic_config

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    engine = make_engine(url)
    assert current_revision(engine) == HEAD
    engine.dispose()


def test_keys_are_hashed_and_looked_up_by_prefix(sessions) -> None:
    tenant, key = _tenant(sessions, roles="ingest,research")
    with sessions() as s:
        row = s.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant.id)).one()
        assert key not in (row.key_hash, row.prefix) and len(row.key_hash) == 64
        assert key.startswith(row.prefix)
        principal = authenticate(s, key)
        assert principal is not None and principal.tenant_id == tenant.id
        assert principal.roles == {"ingest", "research"}
        assert authenticate(s, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
        assert authenticate(s, "short") is None
    with pytest.raises(InvalidInput):
        _tenant(sessions, roles="ingest,superuser")
    with transaction(sessions) as s, pytest.raises(Conflict):
        create_tenant(s, tenant.name)


def test_repositories_scope_every_query(sessions, analysis) -> None:
    (a, _), (b, _) = _tenant(sessions), _tenant(sessions)
    with transaction(sessions) as s:
        entry = EntryRepository(s, a.id).add(_new(), analysis, keep_raw=False)
        thread = ThreadRepository(s, a.id).create("t", None, {})
        job = JobRepository(s, a.id).create("topic_refit", {})
    with transaction(sessions) as s:
        other = EntryRepository(s, b.id)
        with pytest.raises(NotFound):
            other.get(entry.id)
        assert other.by_external_ids("answer", ["e1"]) == {}
        assert other.page("answer", EntryFilter(), None, 10) == ([], None)
        with pytest.raises(NotFound):
            ThreadRepository(s, b.id).get(thread.id)
        with pytest.raises(NotFound):
            JobRepository(s, b.id).get(job.id)
        with pytest.raises(NotFound):
            ModerationRepository(s, b.id).decide(entry.id, "hide", None, "x")
        assert ModerationRepository(s, b.id).queue() == []
        assert SegmentRepository(s, b.id).training_data(analysis.embedder_id).texts == []
        # The owner sees everything.
        assert EntryRepository(s, a.id).get(entry.id).id == entry.id
        data = SegmentRepository(s, a.id).training_data(analysis.embedder_id)
        assert len(data.texts) == len(analysis.segments)
        np.testing.assert_allclose(data.embeddings, analysis.segment_embeddings, atol=1e-6)


def test_idempotency_key_is_unique_per_tenant(sessions, analysis) -> None:
    (a, _), (b, _) = _tenant(sessions), _tenant(sessions)
    with transaction(sessions) as s:
        repo = EntryRepository(s, a.id)
        first = repo.add(_new("same"), analysis, keep_raw=False)
        with pytest.raises(DuplicateExternalId):
            repo.add(_new("same"), analysis, keep_raw=False)
        # The savepoint kept the transaction usable, and other tenants may reuse the key.
        assert EntryRepository(s, b.id).add(_new("same"), analysis, keep_raw=False).id != first.id
        assert repo.add(_new(None), analysis, keep_raw=False).external_id is None


def test_stored_text_is_redacted_unless_keep_raw(sessions, api_pipeline, db_url) -> None:
    (a, _) = _tenant(sessions)
    raw = "Schreiben Sie an erika.musterfrau@example.org, danke."
    result = api_pipeline.analyze(AnswerInput.create(raw, "de"))
    with transaction(sessions) as s:
        redacted = EntryRepository(s, a.id).add(_new("x", raw), result, keep_raw=False)
        kept = EntryRepository(s, a.id).add(_new("y", raw), result, keep_raw=True)
    with sessions() as s:
        rows = dict(
            s.execute(text("SELECT id, text FROM entries WHERE tenant_id = :t"), {"t": a.id}).all()
        )
    assert "erika" not in rows[redacted.id] and "[EMAIL]" in rows[redacted.id]
    assert rows[kept.id] == raw
