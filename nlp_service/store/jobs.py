"""Background jobs in the database: records (status, progress, result) and the queue's claim /
heartbeat operations. Workers lease a job; a lease that is not renewed expires and the job is
claimed again (retried), so a crash or a restart never leaves a job failed or stuck.

A job may carry an input file (an import's upload, table `job_files`): it is stored with the
queued job and deleted in the same transaction that finishes the job (succeeded, failed, or
given up after its attempts), so it lives exactly as long as the job can still run."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Result, delete, func, select, update
from sqlalchemy.orm import Session

from nlp_service.errors import NotFound
from nlp_service.store.models import Job, JobFile, as_utc, utcnow

ACTIVE = ("queued", "running")


class JobRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def create(self, kind: str, params: dict[str, Any], file: bytes | None = None) -> Job:
        """A queued job; `file` is its input (kept until the job finishes)."""
        job = Job(
            id="job_" + uuid.uuid4().hex[:20],
            tenant_id=self.tenant_id,
            kind=kind,
            status="queued",
            progress=0.0,
            params=params,
            created_at=utcnow(),
        )
        self.session.add(job)
        self.session.flush()
        if file is not None:
            self.session.add(
                JobFile(
                    job_id=job.id,
                    tenant_id=self.tenant_id,
                    data=file,
                    size=len(file),
                    sha256=hashlib.sha256(file).hexdigest(),
                    created_at=utcnow(),
                )
            )
            self.session.flush()
        return job

    def file(self, job_id: str) -> bytes | None:
        """The job's input file; None once the job finished (or when it never had one)."""
        return self.session.scalar(
            select(JobFile.data).where(
                JobFile.tenant_id == self.tenant_id, JobFile.job_id == job_id
            )
        )

    def get(self, job_id: str) -> Job:
        job = self.session.scalars(
            select(Job).where(Job.tenant_id == self.tenant_id, Job.id == job_id)
        ).first()
        if job is None:
            raise NotFound(f"job {job_id!r} not found", field="id")
        return job

    def active(self, kind: str) -> Job | None:
        return self.session.scalars(
            select(Job).where(
                Job.tenant_id == self.tenant_id, Job.kind == kind, Job.status.in_(ACTIVE)
            )
        ).first()

    def set_running(self, job_id: str) -> None:
        now = utcnow()
        self._update(job_id, status="running", started_at=now, heartbeat_at=now)

    def set_progress(self, job_id: str, progress: float) -> None:
        # Progress is proof of life too: it renews the lease.
        self._update(job_id, progress=round(max(0.0, min(1.0, progress)), 4), heartbeat_at=utcnow())

    def succeed(self, job_id: str, result: dict[str, Any]) -> None:
        self._update(job_id, status="succeeded", progress=1.0, result=result, finished_at=utcnow())
        _drop_file(self.session, job_id)

    def fail(self, job_id: str, error: str) -> None:
        self._update(job_id, status="failed", error=error, finished_at=utcnow())
        _drop_file(self.session, job_id)

    def release(self, job_id: str, worker: str) -> bool:
        """Put a job its worker stopped on purpose (shutdown) back in the queue, for the next
        worker to run from the start; the stopped run does not count as an attempt. False when
        the job is no longer this worker's."""
        result = self.session.execute(
            update(Job)
            .where(
                Job.tenant_id == self.tenant_id,
                Job.id == job_id,
                Job.worker == worker,
                Job.status == "running",
            )
            .values(
                status="queued",
                worker=None,
                heartbeat_at=None,
                started_at=None,
                progress=0.0,
                attempts=Job.attempts - 1,
            )
        )
        return bool(_rowcount(result))

    def _update(self, job_id: str, **values: Any) -> None:
        self.session.execute(
            update(Job).where(Job.tenant_id == self.tenant_id, Job.id == job_id).values(**values)
        )


@dataclass(frozen=True)
class Claimed:
    id: str
    tenant_id: str
    kind: str
    params: dict[str, Any]
    attempts: int


def _claimable(kinds: Sequence[str], stale_before: datetime) -> ColumnElement[bool]:
    """Queued, or running under a lease nobody renewed (its worker died)."""
    return Job.kind.in_(kinds) & (
        (Job.status == "queued") | ((Job.status == "running") & (Job.heartbeat_at < stale_before))
    )


def claim_next(
    session: Session, kinds: Sequence[str], worker: str, lease_seconds: float, max_attempts: int
) -> Claimed | None:
    """Take the oldest claimable job with a compare-and-set UPDATE (safe between processes on
    PostgreSQL and SQLite alike: only one claimer's UPDATE matches). A job that has used up its
    attempts is failed instead of started again."""
    now = utcnow()
    stale_before = now - timedelta(seconds=lease_seconds)
    candidates = session.execute(
        select(Job.id, Job.attempts)
        .where(_claimable(kinds, stale_before))
        .order_by(Job.created_at, Job.id)
        .limit(10)
    ).all()
    for job_id, attempts in candidates:
        if attempts >= max_attempts:
            gave_up = session.execute(
                update(Job)
                .where(Job.id == job_id, _claimable(kinds, stale_before))
                .values(
                    status="failed",
                    error=f"gave up after {attempts} attempts (the worker stopped each time)",
                    finished_at=now,
                )
            )
            if _rowcount(gave_up) == 1:
                _drop_file(session, job_id)
            continue
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, _claimable(kinds, stale_before))
            .values(
                status="running",
                worker=worker,
                heartbeat_at=now,
                started_at=now,
                attempts=Job.attempts + 1,
                progress=0.0,
            )
        )
        if _rowcount(result) == 1:
            job = session.get(Job, job_id, populate_existing=True)
            assert job is not None
            return Claimed(job.id, job.tenant_id, job.kind, dict(job.params or {}), job.attempts)
    return None


def _rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """Rows an UPDATE matched. An ORM UPDATE without RETURNING gives a CursorResult (SQLAlchemy
    documents it), though `Session.execute` is typed as returning a plain Result."""
    assert isinstance(result, CursorResult)
    return result.rowcount


def _drop_file(session: Session, job_id: str) -> None:
    """A finished job's input file is not needed any more (see the module docstring)."""
    session.execute(delete(JobFile).where(JobFile.job_id == job_id))


def heartbeat(session: Session, job_id: str, worker: str) -> bool:
    """Renew the lease; False when the job is no longer this worker's."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker == worker, Job.status == "running")
        .values(heartbeat_at=utcnow())
    )
    return bool(_rowcount(result))


@dataclass(frozen=True)
class QueueState:
    queued: int
    running: int
    oldest_queued_seconds: float | None


def queue_state(session: Session) -> QueueState:
    rows = dict(
        session.execute(
            select(Job.status, func.count()).where(Job.status.in_(ACTIVE)).group_by(Job.status)
        ).all()
    )
    oldest = session.scalar(select(func.min(Job.created_at)).where(Job.status == "queued"))
    age = (utcnow() - as_utc(oldest)).total_seconds() if oldest is not None else None
    return QueueState(rows.get("queued", 0), rows.get("running", 0), age)
