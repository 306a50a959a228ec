"""Insights snapshots (store/snapshots.py, services/insights/loading.py) on SQLite and
PostgreSQL: written after a full read and by the refit hook, used by a process without a copy,
always brought to the current data version before it is served, ignored when too far behind or
after a deletion, and never replaced by an older one. Counts are worked out by hand from
`seed_numbered`'s rule: answer i carries theme i % 5 (negative when i % 4 == 0) and, when
i % 3 == 0, theme 2 as well."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.services import insights as service
from nlp_service.services.insights import loading
from nlp_service.store import (
    ModerationRepository,
    SegmentRepository,
    make_engine,
    make_sessionmaker,
    transaction,
)
from nlp_service.store.insights import AnswerColumns, InsightsRepository, ThemeLinks
from nlp_service.store.models import Entry, InsightsSnapshot
from nlp_service.store.snapshots import FORMAT, SnapshotInfo, SnapshotRepository, decode, encode
from tests.helpers.answers import as_lists, new_tenant, seed_numbered


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    service.wait_for_snapshot_writes()
    service.DATA.clear()
    service.CACHE.clear()
    engine.dispose()


@pytest.fixture
def full_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The data versions of every full read of a tenant's answers (`_read_all`)."""
    calls: list[int] = []
    read_all = loading._read_all

    def counted(repo: Any, version: int) -> service.TenantData:
        calls.append(version)
        return read_all(repo, version)

    monkeypatch.setattr(loading, "_read_all", counted)
    return calls


def _visible(data: service.TenantData, theme: int) -> int:
    """Visible answers carrying `theme`."""
    return int(((data.links.theme == theme) & ~data.answers.hidden[data.pos]).sum())


def _info(sessions: sessionmaker[Session], tenant_id: str) -> SnapshotInfo | None:
    with sessions() as s:
        return SnapshotRepository(s, tenant_id).info()


def _read(sessions: sessionmaker[Session], tenant_id: str, cache: Any) -> service.TenantData:
    with sessions() as s:
        return service.tenant_data(s, tenant_id, cache)


def test_encode_decode_round_trip() -> None:
    answers = AnswerColumns(
        seq=np.array([3, 8], dtype=np.int64),
        touchpoint=np.array([0, 1], dtype=np.int32),
        kpi_code=np.array([1, 0], dtype=np.int8),
        kpi_score=np.array([9.0, np.nan]),
        sentiment=np.array([1, -1], dtype=np.int8),
        time=np.array([1_700_000_000_000_001, 1_700_000_000_250_000], dtype=np.int64),
        hidden=np.array([False, True]),
        language=np.array([2, 3], dtype=np.int32),
        survey_id=np.array([3, 3], dtype=np.int32),
        question_id=np.array([3, 3], dtype=np.int32),
        vocab=("hotline", None, "de", "ü-survey"),
    )
    links = ThemeLinks(
        np.array([3, 3, 8], dtype=np.int64),
        np.array([1, 4, 1], dtype=np.int64),
        np.array([-1, 0, 1], dtype=np.int8),
        np.array([30, 31, 80], dtype=np.int64),
        np.array([0.5, 0.25, 0.125]),
    )
    got_answers, got_links = decode(encode(answers, links))
    assert got_answers.vocab == ("hotline", None, "de", "ü-survey")
    assert got_answers.text(int(got_answers.touchpoint[1])) is None
    for name in ("seq", "kpi_code", "sentiment", "time", "hidden", "language"):
        assert getattr(got_answers, name).dtype == getattr(answers, name).dtype
        assert getattr(got_answers, name).tolist() == getattr(answers, name).tolist()
    assert got_answers.kpi_score[0] == 9.0 and np.isnan(got_answers.kpi_score[1])
    assert got_links.theme.tolist() == [1, 4, 1] and got_links.sign.tolist() == [-1, 0, 1]
    assert got_links.segment is not None and got_links.segment.tolist() == [30, 31, 80]
    assert got_links.confidence is not None and got_links.confidence.tolist() == [0.5, 0.25, 0.125]
    no_sentences = ThemeLinks(links.seq, links.theme, links.sign)
    assert decode(encode(answers, no_sentences))[1].segment is None


def test_snapshot_is_written_then_topped_up_never_served_stale(
    sessions: sessionmaker[Session], full_reads: list[int]
) -> None:
    tenant_id = new_tenant(sessions)
    ids = seed_numbered(sessions, tenant_id, 0, 40)
    first = _read(sessions, tenant_id, service.TableCache(4))  # no snapshot yet: reads all
    assert full_reads == [first.version]
    service.wait_for_snapshot_writes()  # ... and writes one, off the request
    assert _info(sessions, tenant_id) == SnapshotInfo(first.version, 40, FORMAT)
    # theme 0: i = 0, 5, ..., 35; theme 2: i % 5 == 2 (8) and i % 3 == 0 not already (12)
    assert (_visible(first, 0), _visible(first, 2)) == (8, 20)

    # After the snapshot: answer 0 hidden, answers 40-44 stored.
    with transaction(sessions) as s:
        ModerationRepository(s, tenant_id).decide(ids[0], "hide", None, "test")
    seed_numbered(sessions, tenant_id, 40, 5)

    # A process without a copy: the snapshot plus the 6 changed answers, no full read.
    data = _read(sessions, tenant_id, service.TableCache(4))
    assert full_reads == [first.version]
    fresh = _read(sessions, tenant_id, None)
    assert data.version == fresh.version > first.version
    assert as_lists(data) == as_lists(fresh)
    # theme 0: 8 - answer 0 (hidden) + answer 40; theme 2: 20 - answer 0 (0 % 3 == 0, hidden)
    # + answer 42 (counted once, though both rules give it theme 2)
    assert (_visible(data, 0), _visible(data, 2)) == (8, 20)
    assert len(data.answers) == 45 and int(data.answers.hidden.sum()) == 1
    # Six answers behind is close: the snapshot stays as it was (topped up by each reader).
    service.wait_for_snapshot_writes()
    assert _info(sessions, tenant_id) == SnapshotInfo(first.version, 40, FORMAT)

    # Every view computed from the topped-up snapshot equals its uncached computation.
    catalog, q = service.ThemeCatalog(), service.InsightsQuery()
    views: list[Callable[[Session, Any], object]] = [
        lambda s, c: service.themes(s, tenant_id, catalog, q, cache=c),
        lambda s, c: service.touchpoints(s, tenant_id, catalog, q, cache=c),
        lambda s, c: service.trends(s, tenant_id, catalog, q, None, "day", cache=c),
    ]
    for view in views:
        service.DATA.clear()
        service.CACHE.clear()
        reads = len(full_reads)
        with sessions() as s:
            assert view(s, service.CACHE) == view(s, None)
        assert len(full_reads) == reads + 1  # the uncached reference only


@dataclass(frozen=True)
class Assigned:
    id: int
    label: str
    confidence: float


def _move_every_answer(sessions: sessionmaker[Session], tenant_id: str) -> None:
    """A refit's reassignment: sentences whose vector starts with 3 (i % 7 + j == 3) go to theme
    9, every other one is unassigned; every answer changes."""

    def assign(vectors: np.ndarray) -> list[Assigned]:
        return [Assigned(9, "nine", 0.99) if v[0] == 3 else Assigned(-1, "", 0.0) for v in vectors]

    with transaction(sessions) as s:
        SegmentRepository(s, tenant_id).reassign(assign, "v2", "test")


def test_a_snapshot_too_far_behind_is_not_used_and_is_rewritten(
    sessions: sessionmaker[Session], full_reads: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "MAX_DELTA", 0)  # close enough: 45 // 10 = 4 changed answers
    tenant_id = new_tenant(sessions)
    seed_numbered(sessions, tenant_id, 0, 45)
    _read(sessions, tenant_id, service.TableCache(4))
    service.wait_for_snapshot_writes()
    before = _info(sessions, tenant_id)
    assert before is not None and len(full_reads) == 1

    _move_every_answer(sessions, tenant_id)
    data = _read(sessions, tenant_id, service.TableCache(4))
    assert len(full_reads) == 2 and data.version > before.version  # 45 changed > 4: read all
    service.wait_for_snapshot_writes()
    assert _info(sessions, tenant_id) == SnapshotInfo(data.version, 45, FORMAT)
    # theme 9: first sentences of i % 7 == 3 (3, 10, 17, 24, 31, 38) and second sentences
    # (i % 3 == 0) of i % 7 == 2 (9, 30): 8 answers; nothing else keeps a theme.
    assert _visible(data, 9) == 8 and set(data.links.theme.tolist()) == {9}
    assert as_lists(data) == as_lists(_read(sessions, tenant_id, None))


def test_a_deleted_answer_makes_the_reader_read_everything(
    sessions: sessionmaker[Session], full_reads: list[int]
) -> None:
    tenant_id = new_tenant(sessions)
    ids = seed_numbered(sessions, tenant_id, 0, 20)
    _read(sessions, tenant_id, service.TableCache(4))
    service.wait_for_snapshot_writes()
    with transaction(sessions) as s:
        s.delete(s.scalars(select(Entry).where(Entry.id == ids[4])).one())
    data = _read(sessions, tenant_id, service.TableCache(4))
    assert len(full_reads) == 2  # the snapshot's answer count no longer matches
    assert len(data.answers) == 19 and _visible(data, 4) == 3  # i = 9, 14, 19
    assert as_lists(data) == as_lists(_read(sessions, tenant_id, None))


def test_an_older_snapshot_never_replaces_a_newer_one(sessions: sessionmaker[Session]) -> None:
    tenant_id = new_tenant(sessions)
    seed_numbered(sessions, tenant_id, 0, 10)
    data = _read(sessions, tenant_id, None)
    small = data.answers.take(np.arange(3))
    with transaction(sessions) as s:
        repo = SnapshotRepository(s, tenant_id)
        assert repo.save(7, data.answers, data.links)
        assert not repo.save(6, small, data.links)  # older
        assert not repo.save(7, small, data.links)  # the same version: the first one stays
    assert _info(sessions, tenant_id) == SnapshotInfo(7, 10, FORMAT)
    with sessions() as s:
        assert SnapshotRepository(s, tenant_id).load(6) is None  # not the stored version
        loaded = SnapshotRepository(s, tenant_id).load(7)
        assert loaded is not None and loaded[0].seq.tolist() == data.answers.seq.tolist()
    # A snapshot of another format is ignored, and replaced by the next writer.
    with transaction(sessions) as s:
        s.execute(update(InsightsSnapshot).values(format=FORMAT + 1))
    assert _info(sessions, tenant_id) is None
    with transaction(sessions) as s:
        assert SnapshotRepository(s, tenant_id).save(2, small, data.links)
    assert _info(sessions, tenant_id) == SnapshotInfo(2, 3, FORMAT)


def test_the_refit_hook_writes_the_snapshot_and_warms_this_process(
    sessions: sessionmaker[Session], full_reads: list[int]
) -> None:
    tenant_id = new_tenant(sessions)
    seed_numbered(sessions, tenant_id, 0, 45)
    old = _read(sessions, tenant_id, service.DATA)
    service.wait_for_snapshot_writes()
    _move_every_answer(sessions, tenant_id)
    written = service.refresh_snapshot(sessions, tenant_id)  # as Refits.run does
    info = _info(sessions, tenant_id)
    assert info is not None and written == info.version > old.version
    reads = len(full_reads)
    held = _read(sessions, tenant_id, service.DATA)  # this process: its copy is current
    assert held.version == written and len(full_reads) == reads
    other = _read(sessions, tenant_id, service.TableCache(4))  # another process: the snapshot
    assert len(full_reads) == reads and other.version == written
    assert _visible(other, 9) == 8
    assert as_lists(other) == as_lists(_read(sessions, tenant_id, None))


def test_changed_count_stops_at_its_limit(sessions: sessionmaker[Session]) -> None:
    tenant_id = new_tenant(sessions)
    ids = seed_numbered(sessions, tenant_id, 0, 10)  # one flush: all 10 at version 1
    with transaction(sessions) as s:
        ModerationRepository(s, tenant_id).decide(ids[1], "hide", None, "test")
        ModerationRepository(s, tenant_id).decide(ids[2], "hide", None, "test")
    with sessions() as s:
        repo = InsightsRepository(s, tenant_id)
        # each decision is flushed on its own: answer 1 at version 2, answer 2 at version 3
        assert repo.data_version() == 3
        assert (repo.changed_count(1), repo.changed_count(2), repo.changed_count(3)) == (2, 1, 0)
        assert repo.changed_count(0) == 10
        assert repo.changed_count(0, at_most=4) == 4  # a refit's count stops early
        assert repo.changed_count(1, at_most=4) == 2
