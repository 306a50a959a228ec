"""Background job records: status, progress and result survive restarts in the database."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nlp_service.errors import NotFound
from nlp_service.store.models import Job, utcnow

ACTIVE = ("queued", "running")


class JobRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def create(self, kind: str, params: dict[str, Any]) -> Job:
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
        return job

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
        self._update(job_id, status="running", started_at=utcnow())

    def set_progress(self, job_id: str, progress: float) -> None:
        self._update(job_id, progress=round(max(0.0, min(1.0, progress)), 4))

    def succeed(self, job_id: str, result: dict[str, Any]) -> None:
        self._update(job_id, status="succeeded", progress=1.0, result=result, finished_at=utcnow())

    def fail(self, job_id: str, error: str) -> None:
        self._update(job_id, status="failed", error=error, finished_at=utcnow())

    def _update(self, job_id: str, **values: Any) -> None:
        self.session.execute(
            update(Job).where(Job.tenant_id == self.tenant_id, Job.id == job_id).values(**values)
        )


def fail_interrupted_jobs(session: Session) -> int:
    """At start-up no job can be running in this process: earlier runs died with their process."""
    result = session.execute(
        update(Job)
        .where(Job.status.in_(ACTIVE))
        .values(status="failed", error="interrupted by a restart", finished_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
