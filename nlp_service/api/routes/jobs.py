"""/v1/topics/refit and /v1/jobs: background topic refits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from nlp_service.api.auth import RESEARCH, require
from nlp_service.api.routes.answers import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND
from nlp_service.api.state import ServiceState, get_state
from nlp_service.api.views import job_out
from nlp_service.schemas import ErrorOut, JobOut, RefitIn
from nlp_service.store import JobRepository, Principal

router = APIRouter(tags=["topics"])
State = Annotated[ServiceState, Depends(get_state)]


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
        422: INPUT_ERRORS[422],
    },
)
async def refit(
    state: State,
    principal: Annotated[Principal, Depends(require(*RESEARCH))],
    body: RefitIn | None = None,
) -> JobOut:
    params = body.params if body is not None else None
    job = await state.blocking(state.refits.start, principal.tenant_id, params)
    return job_out(job)


@router.get(
    "/v1/jobs/{job_id}",
    summary="Job status, progress and result",
    response_model=JobOut,
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def get_job(
    job_id: str, state: State, principal: Annotated[Principal, Depends(require(*RESEARCH))]
) -> JobOut:
    job = await state.read(lambda s: JobRepository(s, principal.tenant_id).get(job_id))
    return job_out(job)
