"""Imports of survey exports (Qualtrics, LimeSurvey, plain CSV; CSV or XLSX) with a mapping.

    parse_export (whole file, before any job starts: a broken file is a 422, not a failed job)
      -> map_response per row -> ConnectorIngest in chunks (the same path as webhooks)
      -> report: counts per status, a per-row error list, the file's unmapped question columns

Idempotent: an answer's key is `<mapping source>:<response id>:<question>`, so re-importing a
file stores nothing twice, and a re-exported file with edited answers updates them (recorded as
revisions). The API runs an import as a background job (kind "import") on the service's event
loop, sharing the micro-batcher with live traffic in chunks; the CLI runs the same function with
a progress bar.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import structlog
from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.analysis.pipeline import AnswerInput, Pipeline
from nlp_service.config import Settings
from nlp_service.connectors.files import FileError, ParsedFile, parse_export
from nlp_service.connectors.mapping import MappedAnswer, MappingConfig, map_response
from nlp_service.errors import Conflict, InvalidInput, ServiceError
from nlp_service.services.connectors import ConnectorIngest, connector_principal, mapping_config
from nlp_service.services.ingest import Analyzed, IngestService, IngestStore, analyze_each
from nlp_service.services.topics import TopicProvider
from nlp_service.store import JobRepository, transaction
from nlp_service.store.connectors import MappingRepository
from nlp_service.store.models import ConnectorMapping, Job, Tenant

KIND = "import"
CHUNK = 256  # answers per ingest call: one model batch's worth, then live requests interleave
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
    chunk: int = CHUNK,
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


class ImportRunner:
    """Import jobs as asyncio tasks of the service's event loop (the batcher lives there too);
        status, progress and the report are kept in the jobs table. One import per tenant at a
        time; a job whose process stopped (no progress within the job lease) is marked failed when
    the next import starts. Imports are idempotent: running the file again stores nothing twice."""

    def __init__(
        self, sessions: sessionmaker[Session], ingest: ConnectorIngest, lease_seconds: float = 60.0
    ) -> None:
        self.sessions = sessions
        self.ingest = ingest
        self.lease_seconds = lease_seconds
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()

    def _create_job(self, tenant_id: str, params: dict[str, Any]) -> Job:
        with transaction(self.sessions) as session:
            jobs = JobRepository(session, tenant_id)
            running = jobs.active(KIND)
            # Imports run in the process that accepted them; one whose process died is stale.
            if running is not None and not jobs.fail_if_stale(running, self.lease_seconds):
                raise Conflict(f"import {running.id} is still {running.status}", field="job")
            return jobs.create(KIND, params)

    def _update(self, tenant_id: str, fn: Callable[[JobRepository], None]) -> None:
        with transaction(self.sessions) as session:
            fn(JobRepository(session, tenant_id))

    async def start(self, tenant_id: str, mapping: str, data: bytes, fmt: str) -> Job:
        def load() -> tuple[ConnectorMapping, bool]:
            with self.sessions() as session:
                return load_mapping(session, tenant_id, mapping)

        row, keep_raw = await to_thread.run_sync(load)
        parsed = await to_thread.run_sync(read_file, data, fmt, row.source)
        params = {
            "mapping_id": row.id,
            "format": parsed.format,
            "rows": len(parsed.responses),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        async with self._lock:
            job = await to_thread.run_sync(self._create_job, tenant_id, params)
            task = asyncio.create_task(self._run(tenant_id, job.id, row, keep_raw, parsed))
            self._tasks[job.id] = task
        return job

    async def _run(
        self, tenant_id: str, job_id: str, row: ConnectorMapping, keep_raw: bool, parsed: ParsedFile
    ) -> None:
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if total and (now - last[0] >= 0.5 or done == total):
                last[0] = now
                share = done / total
                self._update(tenant_id, lambda j: j.set_progress(job_id, share))

        async def progress_async(done: int, total: int) -> None:
            await to_thread.run_sync(progress, done, total)

        try:
            await to_thread.run_sync(self._update, tenant_id, lambda j: j.set_running(job_id))
            # Progress writes hop to a thread; the ingest loop itself stays on the event loop.
            pending: set[asyncio.Task[None]] = set()

            def on_progress(done: int, total: int) -> None:
                task = asyncio.get_running_loop().create_task(progress_async(done, total))
                pending.add(task)
                task.add_done_callback(pending.discard)

            report = await run_import(self.ingest, row, keep_raw, parsed, on_progress)
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            result = report.to_dict()
            await to_thread.run_sync(self._update, tenant_id, lambda j: j.succeed(job_id, result))
            log.info(
                "import done",
                job=job_id,
                tenant=tenant_id,
                rows=report.rows,
                created=report.created,
                failed=report.failed,
            )
        except asyncio.CancelledError:
            await asyncio.shield(
                to_thread.run_sync(
                    self._update, tenant_id, lambda j: j.fail(job_id, "cancelled by shutdown")
                )
            )
            raise
        except Exception as exc:
            message = exc.message if isinstance(exc, ServiceError) else repr(exc)
            log.warning("import failed", job=job_id, tenant=tenant_id, error=message)
            await to_thread.run_sync(self._update, tenant_id, lambda j: j.fail(job_id, message))
        finally:
            self._tasks.pop(job_id, None)

    async def close(self, timeout: float = 10.0) -> None:
        """Shutdown: let imports finish for `timeout` seconds, then cancel them (failed)."""
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _, still = await asyncio.wait(tasks, timeout=timeout)
        for task in still:
            task.cancel()
        if still:
            await asyncio.gather(*still, return_exceptions=True)


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
    chunk: int = CHUNK,
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
        return asyncio.run(run_import(mapped, row, keep_raw, parsed, progress, chunk))
    finally:
        engine.dispose()
