"""Topic refits as background jobs, in-process: one thread per job, one job per tenant at a time.

A job reads the tenant's stored segment vectors (no re-embedding), fits with the previous
version as the predecessor (stable theme ids), stores the new version in the database, then in
one transaction activates it and reassigns every stored segment and the answers' themes. Status
and progress are kept in the jobs table; a job still `running` at start-up died with its process
and is marked failed (`store.jobs.fail_interrupted_jobs`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.config import Settings
from nlp_service.errors import Conflict, InvalidInput, ServiceError
from nlp_service.services.topics import TopicProvider, tenant_model_name
from nlp_service.store import JobRepository, SegmentRepository, transaction
from nlp_service.store.models import Job
from nlp_service.store.topic_models import TopicModelRepository

KIND = "topic_refit"
log = structlog.get_logger("nlp_service.api")


def parse_params(settings: Settings, params: dict[str, Any] | None) -> Any:
    """The service's NLP_SERVICE_TOPIC_* settings, overridden by the request's parameters."""
    from pydantic import ValidationError

    from nlp_service.analysis.topics import TopicParams

    try:
        return TopicParams.from_settings(settings, **(params or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(["params", *(str(p) for p in err["loc"])])
        raise InvalidInput(f"{field}: {err['msg']}", field=field) from None


class RefitRunner:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        topics: TopicProvider,
        embedder_id: str,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.topics = topics
        self.embedder_id = embedder_id
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, tenant_id: str, params: dict[str, Any] | None) -> Job:
        """Record a queued job and start its thread; 409 when one runs for the tenant."""
        parse_params(self.settings, params)  # reject bad parameters before creating a job
        with self._lock:
            with transaction(self.sessions) as session:
                jobs = JobRepository(session, tenant_id)
                running = jobs.active(KIND)
                if running is not None:
                    raise Conflict(f"refit {running.id} is still {running.status}", field="job")
                job = jobs.create(KIND, {"params": params or {}})
            thread = threading.Thread(
                target=self._run,
                args=(tenant_id, job.id, params),
                name=f"refit-{job.id}",
                daemon=True,
            )
            self._threads[job.id] = thread
            thread.start()
        return job

    def _update(self, tenant_id: str, fn: Callable[[JobRepository], None]) -> None:
        with transaction(self.sessions) as session:
            fn(JobRepository(session, tenant_id))

    def _run(self, tenant_id: str, job_id: str, params: dict[str, Any] | None) -> None:
        started = time.perf_counter()
        self._update(tenant_id, lambda j: j.set_running(job_id))
        try:
            result = self._refit(tenant_id, job_id, params)
            result["seconds"] = round(time.perf_counter() - started, 2)
            self._update(tenant_id, lambda j: j.succeed(job_id, result))
            log.info("refit done", job=job_id, tenant=tenant_id, **result)
        except Exception as exc:
            message = exc.message if isinstance(exc, ServiceError) else repr(exc)
            log.warning("refit failed", job=job_id, tenant=tenant_id, error=message)
            self._update(tenant_id, lambda j: j.fail(job_id, message))
        finally:
            self._threads.pop(job_id, None)

    def _refit(self, tenant_id: str, job_id: str, params: dict[str, Any] | None) -> dict[str, Any]:
        from nlp_service.analysis.topics import fit_topics

        last = [0.0, 0.0]  # progress written, when

        def progress(share: float, low: float, high: float) -> None:
            # At most a few writes per second, whatever the fitter's callback rate.
            value, now = low + (high - low) * share, time.monotonic()
            if value - last[0] >= 0.01 and now - last[1] >= 0.25:
                last[:] = [value, now]
                self._update(tenant_id, lambda j: j.set_progress(job_id, value))

        with self.sessions() as session:
            data = SegmentRepository(session, tenant_id).training_data(self.embedder_id)
        if not data.texts:
            raise InvalidInput("the tenant has no stored answers to fit themes on", field="texts")
        previous = self.topics.own(tenant_id)
        fit = fit_topics(
            data.texts,
            data.embeddings,
            languages=data.languages,
            timestamps=data.timestamps,
            answers=data.answers,
            previous=previous,
            params=parse_params(self.settings, params),
            embedder_id=self.embedder_id,
            progress=lambda s: progress(s, 0.0, 0.8),
            name=tenant_model_name(tenant_id),
        )
        model = fit.model
        version = self.topics.save(tenant_id, model)
        # One transaction: the new version becomes active for every process together with the
        # stored answers' new themes; readers see the old or the new state, never a mix.
        # Progress is written through the same session (SQLite allows one writer at a time).
        with transaction(self.sessions) as session:
            TopicModelRepository(session, tenant_id).activate(version)
            jobs = JobRepository(session, tenant_id)
            reassigned = SegmentRepository(session, tenant_id).reassign(
                model.assign,
                version,
                self.embedder_id,
                lambda s: jobs.set_progress(job_id, 0.8 + 0.2 * s),
            )
        self.topics.remember(tenant_id, version, model)
        return {
            "version": version,
            "previous_version": previous.version if previous is not None else None,
            "topics": len(model.themes()),
            "answers": fit.metrics.answers,
            "segments": len(data.texts),
            "unassigned_answers": fit.metrics.unassigned_answers,
            "unassigned_segments": fit.metrics.unassigned,
            "reassigned": reassigned,
        }

    def join(self, timeout: float = 30.0) -> None:
        """Wait for running jobs (shutdown); those still running are failed on next start."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads.values()):
            thread.join(max(0.0, deadline - time.monotonic()))
