"""Imports of survey exports (Qualtrics, LimeSurvey, plain CSV; CSV or XLSX) with a mapping.

    parse_export (whole file, before any job starts: a broken file is a 422, not a failed job)
      -> map_response per row -> ConnectorIngest in chunks (the same path as webhooks)
      -> report: counts per status, a per-row error list, the file's unmapped question columns

Idempotent: an answer's key is `<mapping source>:<response id>:<question>`, so re-importing a
file stores nothing twice, and a re-exported file with edited answers updates them (recorded as
revisions). The API queues an import as a job of the database queue (kind "import", see
`Imports`): the upload is stored with the job, and a worker runs it; the in-process worker of a
single-process service ingests on the service's event loop, sharing the micro-batcher with live
traffic in chunks, an `nlp-service worker` process with its own pipeline. The CLI runs the same
`run_import` directly, with a progress bar.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import structlog
from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.config import Settings
from nlp_service.connectors.files import FileError, ParsedFile, parse_export
from nlp_service.connectors.mapping import MappedAnswer, MappingConfig, map_response
from nlp_service.errors import Conflict, InvalidInput, ServiceError
from nlp_service.services.connectors import ConnectorIngest, connector_principal, mapping_config
from nlp_service.services.ingest import Analyzed, IngestService, IngestStore, analyze_each
from nlp_service.services.insights import refresh_snapshot_if_behind
from nlp_service.services.jobs import JobContext, JobInterrupted
from nlp_service.services.topics import TopicProvider
from nlp_service.store import JobRepository, transaction
from nlp_service.store.connectors import MappingRepository
from nlp_service.store.models import ConnectorMapping, Job, Tenant

KIND = "import"
MAX_REPORTED_ERRORS = 1_000
log = structlog.get_logger("nlp_service.imports")
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    format: str
    mapping_id: str
    rows: int = 0
    answers: int = 0
    created: int = 0
    existing: int = 0
    updated: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_truncated: bool = False
    unmapped_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    insights_snapshot: int | None = None  # the data version of the snapshot the job stored, if any

    def error(self, row: int | None, question: str | None, exc: ServiceError) -> None:
        self.failed += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"row": row, "question_id": question, **exc.to_dict()})
        else:
            self.errors_truncated = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_file(data: bytes, fmt: str, source: str) -> ParsedFile:
    try:
        return parse_export(data, fmt, source)
    except FileError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None


def _columns_report(parsed: ParsedFile, config: MappingConfig) -> tuple[list[str], list[str]]:
    """(question columns the mapping ignores, mapped fields the file lacks)."""
    used = config.used_fields()
    known = {key for col in parsed.columns for key in parsed.aliases.get(col, [col])}
    unmapped = [c for c in parsed.questions if not set(parsed.aliases.get(c, [c])) & used]
    defaults = {"id", "ResponseId", "RecordedDate", "UserLanguage", "submitdate", "startlanguage"}
    missing = sorted(
        f for f in used if f not in known and not f.startswith("$") and f not in defaults
    )
    return unmapped, missing


async def run_import(
    ingest: ConnectorIngest,
    row: ConnectorMapping,
    keep_raw: bool,
    parsed: ParsedFile,
    progress: Progress | None = None,
    *,
    chunk: int,
) -> ImportReport:
    config = mapping_config(row)
    report = ImportReport(format=parsed.format, mapping_id=row.id, rows=len(parsed.responses))
    report.unmapped_columns, report.missing_columns = _columns_report(parsed, config)
    for bad_row in parsed.problems:
        report.error(bad_row.row, None, InvalidInput(bad_row.message, field=bad_row.field))
    started = time.perf_counter()
    pending: list[tuple[MappedAnswer, int | None]] = []
    for response in parsed.responses:
        mapped = map_response(config, response, row.source, parsed.timezone)
        for problem in mapped.errors:
            report.error(
                response.row,
                problem.question_id,
                InvalidInput(problem.message, field=problem.field),
            )
        pending.extend((a, response.row) for a in mapped.answers)
    report.answers = len(pending)
    principal = connector_principal(row, keep_raw)
    done = 0
    if progress is not None:
        progress(0, len(pending))
    for start in range(0, len(pending), chunk):
        part = pending[start : start + chunk]
        for result in await ingest.store_answers(principal, part, reason=f"import:{parsed.format}"):
            if result.status == "error" and result.error is not None:
                report.error(result.row, result.question_id, result.error)
            elif result.status == "created":
                report.created += 1
            elif result.status == "existing":
                report.existing += 1
            elif result.status == "updated":
                report.updated += 1
        done += len(part)
        if progress is not None:
            progress(done, len(pending))
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def load_mapping(
    session: Session, tenant_id: str, id_or_name: str
) -> tuple[ConnectorMapping, bool]:
    row = MappingRepository(session, tenant_id).find(id_or_name)
    tenant = session.get(Tenant, tenant_id)
    return row, bool(tenant.keep_raw) if tenant is not None else False


@dataclass(frozen=True)
class ImportEngine:
    """Where an import's answers are analysed and stored: a ConnectorIngest and the event loop
    it belongs to (the API process's loop with its micro-batcher, or a worker process's own)."""

    loop: asyncio.AbstractEventLoop
    ingest: ConnectorIngest


def background_engine(
    settings: Settings,
    sessions: sessionmaker[Session],
    topics: TopicProvider | None = None,
    pipeline: Pipeline | None = None,
) -> ImportEngine:
    """An `nlp-service worker` process's engine: the pipeline loaded here (once, by the first
    import job), no micro-batcher (a chunk is one model call), an event loop in its own thread."""
    pipeline = pipeline or Pipeline.from_settings(settings)
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="imports-loop", daemon=True).start()
    topics = topics or TopicProvider(settings, sessions, pipeline.embedder.id)
    ingest = IngestService(IngestStore(sessions), PipelineAnalyzer(pipeline))
    return ImportEngine(loop, ConnectorIngest(sessions, ingest, topics, settings.max_text_chars))


class Imports:
    """Imports as jobs of the database queue (kind "import"), like refits.

    `enqueue` (the API's side) checks the mapping and parses the file (a broken file is a 422,
    not a failed job), then stores the file with the queued job in one transaction (`job_files`,
    deleted when the job finishes). `run` is the job handler: any worker (the API process's
    in-process one, or an `nlp-service worker` process) reads the file back, parses it and
    ingests it through the engine, reporting progress. A worker killed mid-import leaves a lease
    that runs out; the job is then run again from the start, and the answers stored by the lost
    run are found by their external ids (`existing` in the report), never stored twice. A worker
    stopped on purpose puts the job back in the queue at once. One import per tenant is queued
    or running at a time (409)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        engine: Callable[[], ImportEngine],
        chunk: int,
        wake: Callable[[], None] = lambda: None,
        poll_seconds: float = 0.25,
    ) -> None:
        self.sessions = sessions
        self.chunk = chunk  # answers per ingest call (NLP_SERVICE_IMPORT_CHUNK_SIZE)
        self._make_engine = engine
        self._engine: ImportEngine | None = None
        self._engine_lock = threading.Lock()
        self.wake = wake  # tells an in-process worker that a job is waiting
        self.poll_seconds = poll_seconds

    def engine(self) -> ImportEngine:
        """Built on first use: a worker process loads its models for its first import only."""
        with self._engine_lock:
            if self._engine is None:
                self._engine = self._make_engine()
            return self._engine

    def enqueue(self, tenant_id: str, mapping: str, data: bytes, fmt: str) -> Job:
        with self.sessions() as session:
            row, _ = load_mapping(session, tenant_id, mapping)
        parsed = read_file(data, fmt, row.source)
        params = {
            "mapping_id": row.id,
            "format": parsed.format,
            "rows": len(parsed.responses),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        with transaction(self.sessions) as session:
            jobs = JobRepository(session, tenant_id)
            running = jobs.active(KIND)
            if running is not None:
                raise Conflict(f"import {running.id} is still {running.status}", field="job")
            job = jobs.create(KIND, params, file=data)
        self.wake()
        return job

    def run(self, job: JobContext) -> dict[str, Any]:
        with self.sessions() as session:
            data = JobRepository(session, job.tenant_id).file(job.job_id)
            if data is None:
                raise InvalidInput("the import's file is no longer stored", field="file")
            row, keep_raw = load_mapping(session, job.tenant_id, job.params["mapping_id"])
        parsed = read_file(data, job.params.get("format", "auto"), row.source)
        engine = self.engine()
        share = [0.0]
        finished = threading.Event()

        def progress(done: int, total: int) -> None:  # on the engine's loop: no I/O here
            share[0] = done / total if total else 1.0

        async def guarded() -> ImportReport:
            try:
                return await run_import(
                    engine.ingest, row, keep_raw, parsed, progress, chunk=self.chunk
                )
            finally:
                finished.set()

        future = asyncio.run_coroutine_threadsafe(guarded(), engine.loop)
        try:
            while True:
                if job.stopping.is_set():
                    future.cancel()
                    finished.wait(5.0)  # the answers of the chunk in flight are stored or not
                    raise JobInterrupted
                try:
                    report = future.result(timeout=self.poll_seconds)
                    break
                except concurrent.futures.TimeoutError:
                    job.progress(share[0])  # progress writes stay on this (the job's) thread
        except JobInterrupted:
            raise
        except Exception as exc:
            if job.stopping.is_set():  # e.g. the batcher refused work while shutting down
                raise JobInterrupted from exc
            raise
        if report.created or report.updated:
            # An import can add more answers than readers top up from a snapshot (see
            # services/insights/loading.py): store a fresh one now, so no reader reads everything.
            report.insights_snapshot = refresh_snapshot_if_behind(self.sessions, job.tenant_id)
        log.info(
            "import done",
            job=job.job_id,
            tenant=job.tenant_id,
            attempt=job.attempt,
            rows=report.rows,
            created=report.created,
            existing=report.existing,
            failed=report.failed,
        )
        return report.to_dict()


# --- the same import outside the HTTP service (CLI, benchmarks) --------------------------------


class PipelineAnalyzer:
    """The analyzer of a process without a micro-batcher: each chunk is one model call on a
    worker thread (the CLI imports one file at a time, so there is nothing to batch with)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    async def submit(self, item: AnswerInput) -> Analyzed:
        return (await self.run_many([item]))[0]

    async def run_many(self, items: list[AnswerInput]) -> Sequence[Analyzed]:
        return await to_thread.run_sync(analyze_each, self.pipeline, items)


def import_file(
    settings: Settings,
    data: bytes,
    mapping: str,
    *,
    tenant: str | None = None,
    fmt: str = "auto",
    progress: Progress | None = None,
    pipeline: Pipeline | None = None,
) -> ImportReport:
    """Import one export file into the configured database (migrated first). `mapping` is a
    mapping id, or its name together with `tenant` (a tenant name)."""
    from nlp_service.services.tenants import tenant_by_name
    from nlp_service.store import make_engine, make_sessionmaker, upgrade
    from nlp_service.store.connectors import mapping_by_ref

    url = settings.resolved_database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            tenant_id = tenant_by_name(session, tenant).id if tenant else None
            row = mapping_by_ref(session, mapping, tenant_id)
            found = session.get(Tenant, row.tenant_id)
            keep_raw = bool(found.keep_raw) if found is not None else False
        parsed = read_file(data, fmt, row.source)
        model = pipeline or Pipeline.from_settings(settings)
        topics = TopicProvider(settings, sessions, model.embedder.id)
        ingest = IngestService(IngestStore(sessions), PipelineAnalyzer(model))
        mapped = ConnectorIngest(sessions, ingest, topics, settings.max_text_chars)
        report = run_import(
            mapped, row, keep_raw, parsed, progress, chunk=settings.import_chunk_size
        )
        return asyncio.run(report)
    finally:
        engine.dispose()
