"""The FastAPI app factory.

    app = create_app(Settings(...), pipeline=shared_pipeline)   # tests share one Pipeline

Start-up (lifespan): migrate the database, load and warm the models, start the micro-batcher,
the ingest's group commit and (NLP_SERVICE_JOBS=inprocess) the job worker thread (refits and
imports). Shutdown: refuse new work, stop claiming jobs (a running import goes back to the queue;
a refit still running after 10 s is claimed again after its lease expires), finish queued and
in-flight batches, store their answers (group commit drained), close the database.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.api import errors
from nlp_service.api.observability import Metrics, RequestMiddleware, configure_logging
from nlp_service.api.ratelimit import KeyRateLimiter
from nlp_service.api.routes import (
    answers,
    codebook,
    connectors,
    exports,
    health,
    imports,
    insights,
    jobs,
    moderation,
    session,
    threads,
)
from nlp_service.api.state import ServiceState
from nlp_service.config import Settings, get_settings
from nlp_service.services import imports as import_jobs
from nlp_service.services import refits as refit_jobs
from nlp_service.services.batching import MicroBatcher
from nlp_service.services.codebook import CodebookService
from nlp_service.services.connectors import ConnectorIngest, ConnectorService
from nlp_service.services.ingest import Analyzed, IngestService, IngestStore, analyze_each
from nlp_service.services.jobs import JobWorker
from nlp_service.services.refits import Refits
from nlp_service.services.topics import TopicProvider
from nlp_service.store import make_engine, make_sessionmaker, upgrade
from nlp_service.web import router as web

log = structlog.get_logger("nlp_service.api")

DESCRIPTION = """Open-feedback text analytics for German and English survey answers and forum
posts: language, sentiment, themes per sentence, KPI groups, moderation flags.

Authenticate with `Authorization: Bearer <key>` (create keys with
`nlp-service tenants create NAME --roles ingest,research,moderate,admin`). Every error has the
shape `{"error": {"code", "message", "field"}}`."""


def _build_state(settings: Settings, pipeline: Pipeline, metrics: Metrics) -> ServiceState:
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    topics = TopicProvider(settings, sessions, pipeline.embedder.id)
    # The model thread runs the models only; lookups and commits stay on the request's side.
    batcher: MicroBatcher[AnswerInput, Analyzed] = MicroBatcher(
        lambda items: analyze_each(pipeline, items),
        max_size=settings.batch_max_size,
        max_wait_ms=settings.batch_max_wait_ms,
        max_queue=settings.queue_max_size,
        on_batch=metrics.observe_batch,
        cost=lambda item: len(item.text),
        max_cost=settings.batch_max_chars,
    )
    metrics.track_queue(lambda: batcher.depth)
    ingest = IngestService(IngestStore(sessions), batcher)
    refits = Refits(settings, sessions, topics, pipeline.embedder.id)
    # Webhooks and imports ingest through the same IngestService (and batcher) as /v1/answers;
    # an import job run by the in-process worker ingests on this event loop.
    mapped = ConnectorIngest(sessions, ingest, topics, settings.max_text_chars)
    engine_here = import_jobs.ImportEngine(asyncio.get_running_loop(), mapped)
    imports = import_jobs.Imports(sessions, lambda: engine_here, settings.import_chunk_size)
    worker = None
    if settings.jobs == "inprocess":
        worker = JobWorker(
            sessions,
            {refit_jobs.KIND: refits.run, import_jobs.KIND: imports.run},
            lease_seconds=settings.job_lease_seconds,
            max_attempts=settings.job_max_attempts,
        )
        refits.wake = imports.wake = worker.wake
    limiter = KeyRateLimiter(settings.rate_limit, settings.rate_limit_storage)
    return ServiceState(
        settings,
        engine,
        sessions,
        pipeline,
        batcher,
        ingest,
        topics,
        refits,
        worker,
        metrics,
        limiter,
        connectors=ConnectorService(sessions, mapped, settings.webhook_tolerance_seconds),
        imports=imports,
        # Phrases of an added theme are embedded on the model thread, never beside it.
        codebook=CodebookService(
            sessions,
            topics,
            pipeline.embedder.id,
            lambda texts: batcher.run_blocking(lambda: pipeline.embedder.encode(texts)),
        ),
    )


def create_app(settings: Settings | None = None, pipeline: Pipeline | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_json)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.resolved_database_url
        await run_in_threadpool(upgrade, url)
        model = (
            pipeline
            if pipeline is not None
            else await run_in_threadpool(Pipeline.from_settings, settings)
        )
        state = _build_state(settings, model, metrics)
        app.state.service = state
        # Models load lazily; one tiny call makes the first real request fast.
        await run_in_threadpool(model.analyze_batch, [AnswerInput.create("ok", "en")])
        # The loaded models leave ~500k long-lived objects (tokenizer vocabularies, modules)
        # that every full collection would walk again (seconds on a busy 2-core machine, a
        # pause for whichever request triggers it): move them out of the collector's view.
        gc.collect()
        gc.freeze()
        state.batcher.start()
        # Group commit: concurrent single requests share lookups and transactions.
        state.ingest.start(settings.queue_max_size, on_group=metrics.observe_group)
        if state.worker is not None:
            # Jobs a previous run left behind are claimed again once their lease expired.
            state.worker.start()
        state.ready = True
        log.info("service ready", database=url.split("@")[-1], embedder=model.embedder.id)
        try:
            yield
        finally:
            state.ready = False
            log.info("shutting down: finishing in-flight batches")
            if state.worker is not None:
                # A running refit gets 10 s (then its lease runs out and it is retried); an
                # import stops at once and goes back to the queue (it uses the batcher).
                await run_in_threadpool(state.worker.stop, 10.0)
            await state.batcher.close()
            # After the models: answers still being analysed are stored before the end.
            await state.ingest.close()
            state.engine.dispose()
            log.info("stopped")

    app = FastAPI(
        title="nlp-service",
        version="0.1.0",
        summary="Open-feedback text analytics API",
        description=DESCRIPTION,
        lifespan=lifespan,
        # /docs and /redoc are served by nlp_service.web from local assets (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    errors.install(app)
    max_body = settings.max_body_bytes
    app.add_middleware(RequestMiddleware, metrics=metrics, max_body_bytes=max_body)
    routers = (
        answers, threads, moderation, jobs, insights, codebook, connectors, imports, exports,
        session,
    )  # fmt: skip
    for module in (*routers, health):
        app.include_router(module.router)
    web.install(app)
    return app
