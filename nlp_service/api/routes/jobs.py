"""/v1/topics/refit and /v1/jobs: topic refits as queued background jobs."""

from __future__ import annotations

from fastapi import APIRouter

from nlp_service.api.deps import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, Researcher, State
from nlp_service.api.views import job_out
from nlp_service.schemas import ErrorOut, JobOut, RefitIn
from nlp_service.store import JobRepository

router = APIRouter(tags=["topics"])


@router.post(
    "/v1/topics/refit",
    summary="Refit the tenant's themes in the background",
    description="Starts a job that fits themes on the tenant's stored segment vectors (no "
    "re-embedding), activates the new version atomically and reassigns stored answers. "
    "Poll `GET /v1/jobs/{id}`.",
    response_model=JobOut,
    status_code=202,
    responses={
        409: {"model": ErrorOut, "description": "A refit is already running for this tenant"},
        **AUTH_ERRORS,
        **INPUT_ERRORS,
    },
)
async def refit(
    state: State,
    principal: Researcher,
    body: RefitIn | None = None,
) -> JobOut:
    params = body.params if body is not None else None
    job = await state.blocking(state.refits.enqueue, principal.tenant_id, params)
    return job_out(job)


@router.get(
    "/v1/jobs/{job_id}",
    summary="Job status, progress and result",
    response_model=JobOut,
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def get_job(job_id: str, state: State, principal: Researcher) -> JobOut:
    job = await state.read(lambda s: JobRepository(s, principal.tenant_id).get(job_id))
    return job_out(job)
