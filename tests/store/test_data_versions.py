"""Data versions (store/versions.py) on SQLite and PostgreSQL, and the insights' in-memory copy
they keep current: after inserts, moderation, reassignment and a replaced answer, the merged
copy equals a fresh read and every view equals its uncached computation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.services import insights as service
from nlp_service.store import (
    ModerationRepository,
    SegmentRepository,
    make_engine,
    make_sessionmaker,
    transaction,
    versions,
)
from nlp_service.store.entries import apply_filters
from nlp_service.store.models import Entry
from tests.helpers.answers import as_lists, new_tenant, numbered_answer, seed_numbered


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _stamps(sessions: sessionmaker[Session], tenant_id: str) -> dict[str, int]:
    with sessions() as s:
        rows = s.execute(
            select(Entry.id, Entry.data_version).where(Entry.tenant_id == tenant_id)
        ).all()
        return {i: int(v) for i, v in rows}


def test_every_write_path_stamps_the_entries_it_changed(sessions: sessionmaker[Session]) -> None:
    tenant_id = new_tenant(sessions)
    with sessions() as s:
        assert versions.current(s, tenant_id) == 0
    ids = seed_numbered(sessions, tenant_id, 0, 6)
    with sessions() as s:
        assert versions.current(s, tenant_id) == 1  # one flush, one version
    assert set(_stamps(sessions, tenant_id).values()) == {1}

    with transaction(sessions) as s:
        ModerationRepository(s, tenant_id).decide(ids[2], "hide", None, "test")
    stamps = _stamps(sessions, tenant_id)
    assert stamps[ids[2]] == 2 and all(stamps[i] == 1 for i in ids if i != ids[2])

    # Reassign: only answers whose sentences change theme or confidence are stamped.
    @dataclass(frozen=True)
    class Assigned:
        id: int
        label: str
        confidence: float

    def assign(vectors: np.ndarray) -> list[Assigned]:
        return [Assigned(9, "nine", 0.99) if v[0] == 3 else Assigned(-1, "", 0.0) for v in vectors]

    with transaction(sessions) as s:
        SegmentRepository(s, tenant_id).reassign(assign, "v2", "test")
    stamps = _stamps(sessions, tenant_id)
    with sessions() as s:
        assert versions.current(s, tenant_id) == 3
    # Every seeded sentence had a theme >= 0, so every answer changed: all stamped 3 ...
    assert all(v == 3 for v in stamps.values()), stamps
    # ... and a second identical reassignment changes nothing and stamps nothing.
    with transaction(sessions) as s:
        SegmentRepository(s, tenant_id).reassign(assign, "v2", "test")
    assert _stamps(sessions, tenant_id) == stamps

    # A researcher's move (codebook edit): the moved answer alone gets a new version.
    with transaction(sessions) as s:
        repo = SegmentRepository(s, tenant_id)
        touched = repo.pin([ids[0]], 9, 4, "four", np.ones(4, dtype=np.float32), "test")
        repo.refresh_entries(touched, "v3", "test")
    moved = _stamps(sessions, tenant_id)
    assert moved[ids[0]] > stamps[ids[0]] and all(moved[i] == stamps[i] for i in ids if i != ids[0])


def test_the_merged_copy_equals_a_fresh_read(sessions: sessionmaker[Session]) -> None:
    tenant_id = new_tenant(sessions)
    ids = seed_numbered(sessions, tenant_id, 0, 40)
    cache = service.TableCache(4)

    def check() -> service.TenantData:
        with sessions() as s:
            held = service.tenant_data(s, tenant_id, cache)
            fresh = service.tenant_data(s, tenant_id, None)
        assert held.version == fresh.version
        assert as_lists(held) == as_lists(fresh)
        return held

    first = check()
    seed_numbered(sessions, tenant_id, 40, 5)  # new answers (appended)
    with transaction(sessions) as s:  # moderation both ways
        ModerationRepository(s, tenant_id).decide(ids[3], "hide", None, "test")
        ModerationRepository(s, tenant_id).decide(ids[5], "hide", None, "test")
    with transaction(sessions) as s:
        ModerationRepository(s, tenant_id).decide(ids[5], "approve", None, "test")
    with transaction(sessions) as s:  # an answer's sentences replaced, touchpoint moved
        entry = s.scalars(select(Entry).where(Entry.id == ids[7])).one()
        entry.touchpoint = "web"
        entry.segments = [
            numbered_answer(tenant_id, 7, [(4, "negative", 0.9), (1, "positive", 0.2)]).segments[0]
        ]
    merged = check()
    assert merged.version > first.version
    assert len(merged.answers) == 45 and merged.answers.hidden.sum() == 1

    # Every view from the merged copy equals its uncached computation.
    catalog = service.ThemeCatalog()
    q = service.InsightsQuery()
    for view in (
        lambda s, c: service.themes(s, tenant_id, catalog, q, cache=c),
        lambda s, c: service.themes(
            s, tenant_id, catalog, service.InsightsQuery(touchpoint="web"), cache=c
        ),
        lambda s, c: service.touchpoints(s, tenant_id, catalog, q, cache=c),
        lambda s, c: service.trends(s, tenant_id, catalog, q, None, "day", cache=c),
        lambda s, c: service.emerging(
            s,
            tenant_id,
            catalog,
            service.InsightsQuery(until=datetime(2026, 11, 30, tzinfo=UTC)),
            cache=c,
        ),
    ):
        with sessions() as s:
            assert view(s, service.CACHE) == view(s, None)
    service.CACHE.clear()
    service.DATA.clear()


def test_filters_in_memory_match_sql_to_the_microsecond(sessions: sessionmaker[Session]) -> None:
    tenant_id = new_tenant(sessions)
    seed_numbered(sessions, tenant_id, 0, 12)
    # Answer i is at 2026-11-(1 + i) 12:00:i.(250000 * (i % 4)); `from` inclusive, `to` exclusive.
    at_3 = datetime(2026, 11, 4, 12, 0, 3, 750_000, tzinfo=UTC)
    at_9 = datetime(2026, 11, 10, 12, 0, 9, 250_000, tzinfo=UTC)
    with sessions() as s:
        data = service.tenant_data(s, tenant_id, None)
        for query, expected in (
            (service.InsightsQuery(since=at_3, until=at_9), [3, 4, 5, 6, 7, 8]),
            (service.InsightsQuery(since=at_3.replace(microsecond=750_001)), list(range(4, 12))),
            (service.InsightsQuery(touchpoint="hotline", language="de"), [1, 5, 7, 11]),
            (service.InsightsQuery(survey_id="s1", question_id="q1", kpi_type="nps"), None),
            (service.InsightsQuery(touchpoint="nowhere"), []),
        ):
            f = query.entry_filter()
            in_memory = data.answers.seq[data.answers.mask(f)].tolist()
            listed = s.scalars(
                apply_filters(
                    select(Entry.seq).where(Entry.tenant_id == tenant_id, Entry.kind == "answer"),
                    f,
                ).order_by(Entry.seq)
            ).all()
            assert in_memory == list(listed), query
            if expected is not None:
                first = int(data.answers.seq.min())
                assert [seq - first for seq in in_memory] == expected, query
