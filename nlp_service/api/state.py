"""Everything one running app holds: settings, database, pipeline, batcher, services, caches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.api.auth import KeyCache
from nlp_service.api.observability import Metrics
from nlp_service.api.ratelimit import KeyRateLimiter
from nlp_service.config import Settings
from nlp_service.services.batching import MicroBatcher
from nlp_service.services.codebook import CodebookService
from nlp_service.services.connectors import ConnectorService
from nlp_service.services.imports import Imports
from nlp_service.services.ingest import Analyzed, IngestService
from nlp_service.services.jobs import JobWorker
from nlp_service.services.refits import Refits
from nlp_service.services.topics import TopicProvider
from nlp_service.store import transaction

if TYPE_CHECKING:
    # The topics package loads lazily (heavy imports); the type is what the services return.
    from nlp_service.analysis.topics import TopicModel

T = TypeVar("T")


@dataclass
class ServiceState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    pipeline: Pipeline
    batcher: MicroBatcher[AnswerInput, Analyzed]
    ingest: IngestService
    topics: TopicProvider
    refits: Refits
    worker: JobWorker | None  # the in-process job worker (None: `nlp-service worker` runs jobs)
    metrics: Metrics
    rate_limiter: KeyRateLimiter
    connectors: ConnectorService
    imports: Imports
    codebook: CodebookService
    key_cache: KeyCache = field(default_factory=KeyCache)
    ready: bool = False

    async def write(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in one transaction on a worker thread (commits, or rolls back on error)."""

        def run() -> T:
            with transaction(self.sessions) as session:
                return fn(session)

        return await run_in_threadpool(run)

    async def read(self, fn: Callable[[Session], T]) -> T:
        def run() -> T:
            with self.sessions() as session:
                return fn(session)

        return await run_in_threadpool(run)

    async def topic_model(self, tenant_id: str) -> TopicModel | None:
        """The tenant's topic model; loads it (on a thread) only on a cache miss."""
        hit, model = self.topics.cached(tenant_id)
        return model if hit else await run_in_threadpool(self.topics.get, tenant_id)

    async def blocking(self, fn: Callable[..., T], *args: object) -> T:
        return await run_in_threadpool(fn, *args)


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state
