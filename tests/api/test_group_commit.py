"""Group commit of single requests (IngestService.start): concurrent `ingest_one` calls share
transactions, keep per-item errors and idempotency, and shutdown stores what is under way.
Real models (the session's pipeline) and real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Callable, Iterator, Sequence

import pytest
from sqlalchemy import event, func, select

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.errors import Conflict, ServiceError
from nlp_service.schemas import AnswerIn
from nlp_service.services.batching import MicroBatcher
from nlp_service.services.ingest import (
    Analyzed,
    IngestItem,
    IngestService,
    IngestStore,
    analyze_each,
    build_item,
)
from nlp_service.store import Principal, make_engine, make_sessionmaker
from nlp_service.store.models import Entry
from tests.conftest import TenantKey

TEXTS = [
    "The delivery was late but the support team was friendly and helpful.",
    "Great app, although the login keeps failing on my phone.",
    "Die Lieferung kam pünktlich, die Verpackung war leider beschädigt.",
    "Prices went up again and nobody explained why.",
]


class Gate:
    """The analyzer as ingestion sees it: real analyses (computed up front), released together
    so that every request reaches the store at the same moment (the case group commit is for)."""

    def __init__(self, pipeline: Pipeline, items: list[IngestItem]) -> None:
        self.pipeline = pipeline
        inputs = [item.analysis_input for item in items]
        self.analyses = dict(zip(map(id, inputs), pipeline.analyze_batch(inputs), strict=True))
        self.open = asyncio.Event()

    async def submit(self, item: AnswerInput) -> Analyzed:
        await self.open.wait()
        return self.analyses[id(item)]

    async def run_many(self, items: list[AnswerInput]) -> Sequence[Analyzed]:
        return self.pipeline.analyze_batch(items)


@pytest.fixture
def store(db_url: str) -> Iterator[tuple[IngestStore, list[int]]]:
    """The ingest store on the test database, and a list that counts its commits."""
    engine = make_engine(db_url)
    commits: list[int] = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    yield IngestStore(make_sessionmaker(engine)), commits
    engine.dispose()


def _items(principal: Principal, n: int, prefix: str) -> list[IngestItem]:
    return [
        build_item(
            principal,
            "answer",
            AnswerIn(external_id=f"{prefix}-{i}", text=TEXTS[i % len(TEXTS)], language=None),
            None,
            10_000,
        )
        for i in range(n)
    ]


def _principal(tenant: Callable[..., TenantKey]) -> Principal:
    t = tenant("ingest")
    return Principal(t.id, frozenset({"ingest"}), "test", keep_raw=False)


def _stored(ingest: IngestStore, tenant_id: str) -> int:
    with ingest.sessions() as session:
        count = session.scalar(
            select(func.count()).select_from(Entry).where(Entry.tenant_id == tenant_id)
        )
        return int(count or 0)


def _ingest_all(
    ingest: IngestStore, pipeline: Pipeline, items: list[IngestItem], *, grouped: bool = True
) -> list[tuple[Entry, bool] | BaseException]:
    """Every item as a concurrent single request, released into the model together: with group
    commit (`start()`, as in the API) or without it (the direct path of imports and the CLI)."""

    async def main() -> list[tuple[Entry, bool] | BaseException]:
        gate = Gate(pipeline, items)
        service = IngestService(ingest, gate)
        if grouped:
            service.start(100)
        try:
            tasks = [asyncio.ensure_future(service.ingest_one(item)) for item in items]
            await asyncio.sleep(0.2)  # every request is past its lookup, waiting for the model
            gate.open.set()
            return list(await asyncio.gather(*tasks, return_exceptions=True))
        finally:
            await service.close()

    return asyncio.run(main())


def test_concurrent_singles_share_transactions(
    store: tuple[IngestStore, list[int]], tenant: Callable[..., TenantKey], api_pipeline: Pipeline
) -> None:
    ingest, commits = store
    principal = _principal(tenant)
    items = _items(principal, 24, uuid.uuid4().hex[:8])

    results = _ingest_all(ingest, api_pipeline, items)
    assert all(isinstance(r, tuple) and r[1] for r in results), results
    assert _stored(ingest, principal.tenant_id) == 24
    # One transaction per request before group commit; now a few groups.
    assert 1 <= len(commits) <= 6, len(commits)


def test_poison_item_in_a_group_fails_alone(
    store: tuple[IngestStore, list[int]], tenant: Callable[..., TenantKey], api_pipeline: Pipeline
) -> None:
    ingest, commits = store
    principal = _principal(tenant)
    prefix = uuid.uuid4().hex[:8]
    items = _items(principal, 9, prefix)
    # Item 4 cannot be stored (no id prefix for this kind: build_entry raises); item 7 reuses
    # item 1's key with other content; item 8 repeats item 2 exactly. All share one group.
    items[4] = dataclasses.replace(items[4], new=dataclasses.replace(items[4].new, kind="poll"))
    other = _items(principal, 8, prefix)[7].new
    items[7] = dataclasses.replace(
        items[7], new=dataclasses.replace(other, external_id=f"{prefix}-1")
    )
    items[8] = items[2]

    results = _ingest_all(ingest, api_pipeline, items)
    assert isinstance(results[4], KeyError)
    assert isinstance(results[7], Conflict)
    created = [r for r in results if isinstance(r, tuple) and r[1]]
    assert len(created) == 6  # 0-3, 5 and 6 (2 or 8 first, the other finds it)
    again = [r for i, r in enumerate(results) if i in (2, 8)]
    assert {r[1] for r in again if isinstance(r, tuple)} == {True, False}
    assert again[0][0].id == again[1][0].id  # type: ignore[index]
    assert _stored(ingest, principal.tenant_id) == 6
    assert len(commits) < len(items)


def test_shutdown_stores_every_request_under_way(
    store: tuple[IngestStore, list[int]], tenant: Callable[..., TenantKey], api_pipeline: Pipeline
) -> None:
    ingest, _ = store
    principal = _principal(tenant)
    items = _items(principal, 12, uuid.uuid4().hex[:8])

    def slow_model(batch: list[AnswerInput]) -> list[Analyzed]:
        time.sleep(0.05)
        return analyze_each(api_pipeline, batch)

    async def main() -> list[tuple[Entry, bool] | BaseException]:
        batcher: MicroBatcher[AnswerInput, Analyzed] = MicroBatcher(
            slow_model, max_size=2, max_wait_ms=0, max_queue=100
        )
        batcher.start()
        service = IngestService(ingest, batcher)
        service.start(100)
        tasks = [asyncio.ensure_future(service.ingest_one(item)) for item in items]
        await asyncio.sleep(0.1)  # most requests still queue for the model
        # The app's shutdown order: the models finish what they accepted, then the store.
        await batcher.close()
        await service.close()
        assert all(t.done() for t in tasks)
        return [t.exception() or t.result() for t in tasks]

    results = asyncio.run(main())
    assert all(isinstance(r, tuple) and r[1] for r in results), results
    assert _stored(ingest, principal.tenant_id) == 12


def test_without_start_each_single_has_its_own_transaction(
    store: tuple[IngestStore, list[int]], tenant: Callable[..., TenantKey], api_pipeline: Pipeline
) -> None:
    """Imports and the CLI build an IngestService without group commit: the direct path."""
    ingest, commits = store
    principal = _principal(tenant)
    items = _items(principal, 3, uuid.uuid4().hex[:8])

    results = _ingest_all(ingest, api_pipeline, items, grouped=False)
    assert all(isinstance(r, tuple) and r[1] for r in results)
    assert len(commits) == 3
    assert not any(isinstance(r, ServiceError) for r in results)
