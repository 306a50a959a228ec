"""The job queue's worker: claims jobs from the database, runs their handler, keeps the lease
alive with heartbeats, records the result.

One code path for every deployment: a single-process service (SQLite default) runs one worker
thread inside the API process; a deployment with several API processes runs `nlp-service
worker` processes instead (NLP_SERVICE_JOBS=worker). A worker that dies leaves a lease that
expires; another worker (or the restarted one) claims the job again and runs it from the start,
up to `max_attempts` times. Handlers must therefore be safe to run again (refits are: a new
version is only activated at their very end, in one transaction; imports are: answers are
stored idempotently per external id).

A handler that watches `JobContext.stopping` may give up when its worker is stopped (shutdown,
SIGTERM) by raising `JobInterrupted`: the job goes back to the queue at once (not counted as an
attempt) instead of waiting for its lease to run out.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.errors import ServiceError
from nlp_service.store import JobRepository, transaction
from nlp_service.store.jobs import Claimed, claim_next, heartbeat

log = structlog.get_logger("nlp_service.jobs")


@dataclass(frozen=True)
class JobContext:
    tenant_id: str
    job_id: str
    params: dict[str, Any]
    attempt: int
    progress: Callable[[float], None]  # 0..1; throttled, also renews the lease
    stopping: threading.Event = field(default_factory=threading.Event)  # set: the worker stops


class JobInterrupted(Exception):
    """Raised by a handler that stopped because its worker is stopping: the job is put back in
    the queue for the next worker (it is neither failed nor counted as an attempt)."""


Handler = Callable[[JobContext], dict[str, Any]]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        handlers: dict[str, Handler],
        *,
        lease_seconds: float = 60.0,
        poll_seconds: float = 1.0,
        max_attempts: int = 3,
        name: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.handlers = handlers
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.name = name or worker_name()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.current: str | None = None  # job id being run

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Run the loop in a daemon thread (the in-process mode)."""
        self._thread = threading.Thread(target=self.run, name=f"jobs-{self.name}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A job was just queued: look now instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; wait up to `timeout` for the running job (a job still running then
        is claimed again after its lease expires)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run(self) -> None:
        log.info("job worker started", worker=self.name, kinds=sorted(self.handlers))
        while not self._stop.is_set():
            try:
                ran = self.run_once()
            except Exception as exc:  # the database may be briefly unreachable: keep polling
                log.warning("job worker loop error", worker=self.name, error=repr(exc))
                ran = False
            if not ran:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        log.info("job worker stopped", worker=self.name)

    # --- one job ----------------------------------------------------------------------------
    def run_once(self) -> bool:
        """Claim and run one job; False when there was none."""
        with transaction(self.sessions) as session:
            job = claim_next(
                session, list(self.handlers), self.name, self.lease_seconds, self.max_attempts
            )
        if job is None:
            return False
        self._execute(job)
        return True

    def _execute(self, job: Claimed) -> None:
        self.current = job.id
        started = time.perf_counter()
        beating = threading.Event()
        pulse = threading.Thread(target=self._beat, args=(job.id, beating), daemon=True)
        pulse.start()
        log.info(
            "job started", job=job.id, kind=job.kind, tenant=job.tenant_id, attempt=job.attempts
        )
        try:
            context = JobContext(
                job.tenant_id, job.id, job.params, job.attempts, self._progress(job), self._stop
            )
            result = self.handlers[job.kind](context)
            result["seconds"] = round(time.perf_counter() - started, 2)
            self._update(job, lambda j: j.succeed(job.id, result))
            log.info("job done", job=job.id, kind=job.kind, tenant=job.tenant_id, **_brief(result))
        except JobInterrupted:
            log.info("job interrupted: back in the queue", job=job.id, kind=job.kind)
            self._update(job, lambda j: j.release(job.id, self.name))
        except Exception as exc:
            message = exc.message if isinstance(exc, ServiceError) else repr(exc)
            log.warning("job failed", job=job.id, kind=job.kind, error=message)
            self._update(job, lambda j: j.fail(job.id, message))
        finally:
            beating.set()
            pulse.join()
            self.current = None

    def _beat(self, job_id: str, done: threading.Event) -> None:
        while not done.wait(self.lease_seconds / 4):
            try:
                with transaction(self.sessions) as session:
                    heartbeat(session, job_id, self.name)
            except Exception as exc:  # a missed beat is retried; the lease tolerates three
                log.warning("heartbeat failed", job=job_id, error=repr(exc))

    def _progress(self, job: Claimed) -> Callable[[float], None]:
        last = [0.0, 0.0]  # value written, when

        def report(value: float) -> None:
            # At most a few writes per second, whatever the handler's callback rate.
            now = time.monotonic()
            if value - last[0] >= 0.01 and now - last[1] >= 0.25:
                last[:] = [value, now]
                self._update(job, lambda j: j.set_progress(job.id, value))

        return report

    def _update(self, job: Claimed, fn: Callable[[JobRepository], object]) -> None:
        with transaction(self.sessions) as session:
            fn(JobRepository(session, job.tenant_id))


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    """A result for the log line without its lists (an import's per-row errors stay in the job)."""
    return {k: v for k, v in result.items() if not isinstance(v, list)}
